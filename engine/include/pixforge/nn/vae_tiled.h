// Tiled VAE encode/decode for images too large to run whole (activation memory grows with the
// pixel count: a 2048² decode needs tens of GB untiled). ComfyUI's scheme, so a tiled result
// matches what ComfyUI's tiled nodes give: tiles stepping by (tile - overlap), each output tile
// weighted by a mask ramping linearly over the overlap at every edge ((t+1)/feather for the
// t-th row from an edge), weighted sum / weight sum; three passes with differently shaped tiles
// ((h/2, 2w), (2h, w/2), (h, w)) averaged so that seams never coincide.
//
// Tiling is not exact: GroupNorm and the mid-block attention see one tile, not the image, so
// results differ from an untiled run (on real weights the difference is usually invisible;
// on synthetic weights it is large, which is why the test compares against a tiled reference).
#pragma once

#include "pixforge/nn/vae.h"

namespace pixforge::nn {

struct VaeTiling {
  int tile = 64;     // in input pixels: latent pixels for decode, image pixels for encode
  int overlap = 16;  // in input pixels
};

// ComfyUI's defaults: decode 64 latent pixels with 16 overlap; encode 512 / 64.
inline constexpr VaeTiling kDecodeTiling{64, 16};
inline constexpr VaeTiling kEncodeTiling{512, 64};

// latent [B,h,w,z] -> image [B,8h,8w,3]. As in ComfyUI, a pass whose tile holds the whole input
// runs it whole; the other passes still tile, so callers tile only inputs larger than a tile.
Tensor decode_tiled(const Vae& vae, const Tensor& latent, const VaeTiling& tiling = kDecodeTiling);
// image [B,H,W,3] -> posterior mean [B,H/8,W/8,z]. tile and overlap must be multiples of 8.
Tensor encode_tiled(const Vae& vae, const Tensor& image, const VaeTiling& tiling = kEncodeTiling);

}  // namespace pixforge::nn
