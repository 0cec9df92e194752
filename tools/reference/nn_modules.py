"""PyTorch re-statement of the latent-diffusion networks the C++ engine implements (engine/src/nn):
the ldm "openaimodel" UNet (SD1.x / SD2.x), the KL-f8 autoencoder, and the tiny autoencoder
(TAESD family, FLUX.2 variant with GroupNorm mid-blocks). Written from the published
architecture descriptions; module attribute names reproduce the checkpoint key names exactly,
because the goldens fill weights by those names (synthetic.fill_module).

The promise: for the same weights and inputs, these modules compute what the original
definitions compute, in float32 on the CPU, without dropout (inference).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- UNet (ldm openaimodel)

def timestep_embedding(t, dim, max_period=10000.0):
    """Sinusoidal embedding, cos half first (ldm order; diffusers flip_sin_to_cos=True, shift 0)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def norm32(ch, eps=1e-5):
    return nn.GroupNorm(32, ch, eps=eps)


class ResBlock(nn.Module):
    def __init__(self, ch, emb_ch, out_ch):
        super().__init__()
        self.in_layers = nn.Sequential(norm32(ch), nn.SiLU(), nn.Conv2d(ch, out_ch, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), nn.Linear(emb_ch, out_ch))
        self.out_layers = nn.Sequential(norm32(out_ch), nn.SiLU(), nn.Dropout(0.0),
                                        nn.Conv2d(out_ch, out_ch, 3, padding=1))
        self.skip_connection = nn.Identity() if ch == out_ch else nn.Conv2d(ch, out_ch, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        h = h + self.emb_layers(emb)[:, :, None, None]
        h = self.out_layers(h)
        return self.skip_connection(x) + h


class CrossAttention(nn.Module):
    def __init__(self, query_dim, context_dim, heads, dim_head):
        super().__init__()
        inner = heads * dim_head
        self.heads, self.scale = heads, dim_head ** -0.5
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Sequential(nn.Linear(inner, query_dim), nn.Dropout(0.0))

    def forward(self, x, context=None):
        context = x if context is None else context
        q, k, v = self.to_q(x), self.to_k(context), self.to_v(context)
        b, h = x.shape[0], self.heads

        def split(t):  # [B, N, H*D] -> [B*H, N, D]
            return t.reshape(b, t.shape[1], h, -1).permute(0, 2, 1, 3).reshape(b * h, t.shape[1], -1)

        q, k, v = split(q), split(k), split(v)
        w = torch.softmax(torch.bmm(q, k.transpose(1, 2)) * self.scale, dim=-1)
        o = torch.bmm(w, v)
        o = o.reshape(b, h, o.shape[1], -1).permute(0, 2, 1, 3).reshape(b, o.shape[1], -1)
        return self.to_out(o)


class GEGLU(nn.Module):
    def __init__(self, dim_in, dim_out):
        super().__init__()
        self.proj = nn.Linear(dim_in, dim_out * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim))

    def forward(self, x):
        return self.net(x)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, dim_head, context_dim):
        super().__init__()
        self.attn1 = CrossAttention(dim, dim, heads, dim_head)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim, heads, dim_head)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class SpatialTransformer(nn.Module):
    def __init__(self, ch, heads, dim_head, context_dim, use_linear, depth=1):
        super().__init__()
        inner = heads * dim_head
        self.use_linear = use_linear
        self.norm = nn.GroupNorm(32, ch, eps=1e-6)
        self.proj_in = nn.Linear(ch, inner) if use_linear else nn.Conv2d(ch, inner, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(inner, heads, dim_head, context_dim) for _ in range(depth)])
        self.proj_out = nn.Linear(inner, ch) if use_linear else nn.Conv2d(inner, ch, 1)

    def forward(self, x, context):
        b, c, hh, ww = x.shape
        x_in = x
        x = self.norm(x)
        if not self.use_linear:
            x = self.proj_in(x)
        x = x.permute(0, 2, 3, 1).reshape(b, hh * ww, -1)
        if self.use_linear:
            x = self.proj_in(x)
        for blk in self.transformer_blocks:
            x = blk(x, context)
        if self.use_linear:
            x = self.proj_out(x)
        x = x.reshape(b, hh, ww, -1).permute(0, 3, 1, 2)
        if not self.use_linear:
            x = self.proj_out(x)
        return x + x_in


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = nn.Conv2d(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x, output_shape=None):
        # ComfyUI's Upsample: to the size of the skip it joins next when given (odd latent sides),
        # plain 2x otherwise (ldm).
        if output_shape is None:
            return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))
        return self.conv(F.interpolate(x, size=tuple(output_shape[2:]), mode="nearest"))


class EmbedSequential(nn.Sequential):
    """Passes emb to ResBlocks and context to SpatialTransformers."""

    def forward(self, x, emb, context, output_shape=None):
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            elif isinstance(layer, Upsample):
                x = layer(x, output_shape)
            else:
                x = layer(x)
        return x


class UNetModel(nn.Module):
    """ldm openaimodel UNet. heads: fixed count (SD1: num_heads=8) or None with head_dim
    (SD2: num_head_channels=64)."""

    def __init__(self, in_ch=4, out_ch=4, mc=320, mult=(1, 2, 4, 4), nrb=2, attn_ds=(4, 2, 1),
                 num_heads=8, head_dim=None, context_dim=768, use_linear=False):
        super().__init__()
        self.mc = mc
        emb_ch = mc * 4

        def st(ch):
            if head_dim is not None:
                heads, dh = ch // head_dim, head_dim
            else:
                heads, dh = num_heads, ch // num_heads
            return SpatialTransformer(ch, heads, dh, context_dim, use_linear)

        self.time_embed = nn.Sequential(nn.Linear(mc, emb_ch), nn.SiLU(), nn.Linear(emb_ch, emb_ch))
        self.input_blocks = nn.ModuleList([EmbedSequential(nn.Conv2d(in_ch, mc, 3, padding=1))])
        chans, ch, ds = [mc], mc, 1
        for level, m in enumerate(mult):
            for _ in range(nrb):
                layers = [ResBlock(ch, emb_ch, m * mc)]
                ch = m * mc
                if ds in attn_ds:
                    layers.append(st(ch))
                self.input_blocks.append(EmbedSequential(*layers))
                chans.append(ch)
            if level != len(mult) - 1:
                self.input_blocks.append(EmbedSequential(Downsample(ch)))
                chans.append(ch)
                ds *= 2
        self.middle_block = EmbedSequential(ResBlock(ch, emb_ch, ch), st(ch), ResBlock(ch, emb_ch, ch))
        self.output_blocks = nn.ModuleList()
        for level, m in list(enumerate(mult))[::-1]:
            for i in range(nrb + 1):
                layers = [ResBlock(ch + chans.pop(), emb_ch, m * mc)]
                ch = m * mc
                if ds in attn_ds:
                    layers.append(st(ch))
                if level and i == nrb:
                    layers.append(Upsample(ch))
                    ds //= 2
                self.output_blocks.append(EmbedSequential(*layers))
        self.out = nn.Sequential(norm32(ch), nn.SiLU(), nn.Conv2d(mc, out_ch, 3, padding=1))

    def forward(self, x, t, context, hook=None):
        hook = hook or (lambda name, value: None)
        emb = self.time_embed(timestep_embedding(t, self.mc))
        hs, h = [], x
        for i, blk in enumerate(self.input_blocks):
            h = blk(h, emb, context)
            hook(f"input_blocks.{i}", h)
            hs.append(h)
        h = self.middle_block(h, emb, context)
        hook("middle_block", h)
        for i, blk in enumerate(self.output_blocks):
            h = torch.cat([h, hs.pop()], dim=1)
            h = blk(h, emb, context, hs[-1].shape if hs else None)
            hook(f"output_blocks.{i}", h)
        return self.out(h)


# ---------------------------------------------------------------- KL-f8 autoencoder

def vae_norm(ch):
    return nn.GroupNorm(32, ch, eps=1e-6)


class VaeResnetBlock(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.norm1, self.conv1 = vae_norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.norm2, self.conv2 = vae_norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
        if cin != cout:
            self.nin_shortcut = nn.Conv2d(cin, cout, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x) + h


class VaeAttnBlock(nn.Module):
    """Single-head self-attention over the H*W positions, 1x1 convs for q, k, v, proj_out."""

    def __init__(self, ch):
        super().__init__()
        self.norm = vae_norm(ch)
        self.q, self.k, self.v = nn.Conv2d(ch, ch, 1), nn.Conv2d(ch, ch, 1), nn.Conv2d(ch, ch, 1)
        self.proj_out = nn.Conv2d(ch, ch, 1)

    def forward(self, x):
        b, c, hh, ww = x.shape
        h = self.norm(x)
        q = self.q(h).reshape(b, c, -1).permute(0, 2, 1)  # [B, N, C]
        k = self.k(h).reshape(b, c, -1)                     # [B, C, N]
        v = self.v(h).reshape(b, c, -1)                     # [B, C, N]
        w = torch.softmax(torch.bmm(q, k) * c ** -0.5, dim=2)
        o = torch.bmm(v, w.permute(0, 2, 1)).reshape(b, c, hh, ww)
        return x + self.proj_out(o)


class VaeDownsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=0)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))  # right/bottom only


class VaeUpsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


class _Level(nn.Module):
    pass


class _Mid(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.block_1, self.attn_1, self.block_2 = VaeResnetBlock(ch, ch), VaeAttnBlock(ch), VaeResnetBlock(ch, ch)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class VaeEncoder(nn.Module):
    def __init__(self, ch=128, mult=(1, 2, 4, 4), nrb=2, in_ch=3, z=4):
        super().__init__()
        self.conv_in = nn.Conv2d(in_ch, ch, 3, padding=1)
        self.down = nn.ModuleList()
        cin = ch
        for i, m in enumerate(mult):
            lvl = _Level()
            lvl.block = nn.ModuleList()
            for _ in range(nrb):
                lvl.block.append(VaeResnetBlock(cin, ch * m))
                cin = ch * m
            if i != len(mult) - 1:
                lvl.downsample = VaeDownsample(cin)
            self.down.append(lvl)
        self.mid = _Mid(cin)
        self.norm_out = vae_norm(cin)
        self.conv_out = nn.Conv2d(cin, 2 * z, 3, padding=1)

    def forward(self, x, hook):
        h = self.conv_in(x)
        for i, lvl in enumerate(self.down):
            for blk in lvl.block:
                h = blk(h)
            if hasattr(lvl, "downsample"):
                h = lvl.downsample(h)
            hook(f"encoder.down.{i}", h)
        h = self.mid(h)
        hook("encoder.mid", h)
        return self.conv_out(F.silu(self.norm_out(h)))


class VaeDecoder(nn.Module):
    def __init__(self, ch=128, mult=(1, 2, 4, 4), nrb=2, out_ch=3, z=4):
        super().__init__()
        cin = ch * mult[-1]
        self.conv_in = nn.Conv2d(z, cin, 3, padding=1)
        self.mid = _Mid(cin)
        ups = []
        for i in reversed(range(len(mult))):
            lvl = _Level()
            lvl.block = nn.ModuleList()
            for _ in range(nrb + 1):
                lvl.block.append(VaeResnetBlock(cin, ch * mult[i]))
                cin = ch * mult[i]
            if i != 0:
                lvl.upsample = VaeUpsample(cin)
            ups.insert(0, lvl)
        self.up = nn.ModuleList(ups)
        self.norm_out = vae_norm(cin)
        self.conv_out = nn.Conv2d(cin, out_ch, 3, padding=1)

    def forward(self, z, hook):
        h = self.mid(self.conv_in(z))
        hook("decoder.mid", h)
        for i in reversed(range(len(self.up))):
            lvl = self.up[i]
            for blk in lvl.block:
                h = blk(h)
            if hasattr(lvl, "upsample"):
                h = lvl.upsample(h)
            hook(f"decoder.up.{i}", h)
        return self.conv_out(F.silu(self.norm_out(h)))


class AutoencoderKL(nn.Module):
    def __init__(self, ch=128, mult=(1, 2, 4, 4), nrb=2, z=4):
        super().__init__()
        self.encoder = VaeEncoder(ch, mult, nrb, z=z)
        self.decoder = VaeDecoder(ch, mult, nrb, z=z)
        self.quant_conv = nn.Conv2d(2 * z, 2 * z, 1)
        self.post_quant_conv = nn.Conv2d(z, z, 1)

    def encode_moments(self, x, hook=lambda n, v: None):
        return self.quant_conv(self.encoder(x, hook))

    def encode_mean(self, x, hook=lambda n, v: None):
        """What ComfyUI's VAE encode returns: the posterior mode (mean), no sampling."""
        return self.encode_moments(x, hook)[:, : self.post_quant_conv.weight.shape[0]]

    def decode(self, z, hook=lambda n, v: None):
        return self.decoder(self.post_quant_conv(z), hook)


# ---------------------------------------------------------------- tiny autoencoder (TAESD family)

def tconv(cin, cout, **kw):
    return nn.Conv2d(cin, cout, 3, padding=1, **kw)


class TinyClamp(nn.Module):
    def forward(self, x):
        return torch.tanh(x / 3) * 3


class TinyBlock(nn.Module):
    """Three 3x3 convs with ReLUs, identity (or 1x1) skip, ReLU after the sum; the FLUX.2 variant
    first adds a residual 1x1 -> GroupNorm(4) -> ReLU -> 1x1 branch (4x wider)."""

    def __init__(self, cin, cout, midblock_gn=False):
        super().__init__()
        self.conv = nn.Sequential(tconv(cin, cout), nn.ReLU(), tconv(cout, cout), nn.ReLU(), tconv(cout, cout))
        self.skip = nn.Conv2d(cin, cout, 1, bias=False) if cin != cout else nn.Identity()
        self.fuse = nn.ReLU()
        self.pool = None
        if midblock_gn:
            self.pool = nn.Sequential(nn.Conv2d(cin, 4 * cin, 1, bias=False), nn.GroupNorm(4, 4 * cin),
                                      nn.ReLU(), nn.Conv2d(4 * cin, cin, 1, bias=False))

    def forward(self, x):
        if self.pool is not None:
            x = x + self.pool(x)
        return self.fuse(self.conv(x) + self.skip(x))


def tiny_encoder(latent, midblock_gn):
    return nn.Sequential(
        tconv(3, 64), TinyBlock(64, 64),
        tconv(64, 64, stride=2, bias=False), TinyBlock(64, 64), TinyBlock(64, 64), TinyBlock(64, 64),
        tconv(64, 64, stride=2, bias=False), TinyBlock(64, 64), TinyBlock(64, 64), TinyBlock(64, 64),
        tconv(64, 64, stride=2, bias=False),
        TinyBlock(64, 64, midblock_gn), TinyBlock(64, 64, midblock_gn), TinyBlock(64, 64, midblock_gn),
        tconv(64, latent))


def tiny_decoder(latent, midblock_gn):
    return nn.Sequential(
        TinyClamp(), tconv(latent, 64), nn.ReLU(),
        TinyBlock(64, 64, midblock_gn), TinyBlock(64, 64, midblock_gn), TinyBlock(64, 64, midblock_gn),
        nn.Upsample(scale_factor=2), tconv(64, 64, bias=False),
        TinyBlock(64, 64), TinyBlock(64, 64), TinyBlock(64, 64),
        nn.Upsample(scale_factor=2), tconv(64, 64, bias=False),
        TinyBlock(64, 64), TinyBlock(64, 64), TinyBlock(64, 64),
        nn.Upsample(scale_factor=2), tconv(64, 64, bias=False),
        TinyBlock(64, 64), tconv(64, 3))


def nhwc(t):
    return t.permute(0, 2, 3, 1).contiguous()
