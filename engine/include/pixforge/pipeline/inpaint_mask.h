// Mask pictures -> InpaintMask (1 = repaint, 0 = keep), in the conventions users bring them in.
#pragma once

#include "pixforge/image/image.h"
#include "pixforge/pipeline/generation_params.h"

namespace pixforge::pipeline {

// A mask picture as A1111 and ComfyUI take one: when it has an alpha channel that is not fully
// opaque, the transparent pixels are repainted (1 - alpha/255, as ComfyUI's LoadImage mask and
// OpenAI's edits); otherwise white is repainted and black kept (ITU-R 601 luma / 255, the grey
// value PIL's convert("L") gives, so grey masks map exactly). Throws InvalidParams for an empty
// picture.
InpaintMask mask_from_image(const Image& picture);

}  // namespace pixforge::pipeline
