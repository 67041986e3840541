"""The tiny VAE of TinySR (spec section 3) and the Tab. 3 ablation variants, all built from one TinyVAEConfig.

Owns: TAESD-layout encoder/decoder (plain or depthwise-separable convs, no attention, no norms), the SD3-layout VAE
channel-pruned to 64 (diffusers Encoder/Decoder, with or without mid-block attention), and the TinyVAE wrapper with its
range and latent-scale conventions. Imports torch, diffusers' VAE building blocks and the registry.

Conventions shared by every variant (so the tiny VAE is a drop-in for the teacher's AutoencoderKL):
- `TinyVAE.encoder`: image in [-1, 1] -> latent; `TinyVAE.decoder`: latent -> image in [-1, 1] (not clamped).
- The latent is the TRANSFORMER's latent space: the tiny encoder is trained to match `sd3_vae.encode(x).mean * 1.5305`.
  `TinyVAE.encode/decode` apply `TinyVAEConfig.latent_scale` (1.0 for our checkpoints) on top of the raw modules.
Module and parameter names follow diffusers' AutoencoderTiny (`layers.N`, blocks with `conv`/`skip`/`fuse`) with
`depthwise`/`pointwise` inside separable convs, the layout of the authors' tiny VAE.
"""

from __future__ import annotations

import torch
from diffusers.models.autoencoders.vae import Decoder as SD3LayoutDecoderNet
from diffusers.models.autoencoders.vae import Encoder as SD3LayoutEncoderNet
from torch import nn

from ..registry import TinyVAEConfig
from .codec import UnshuffleDecoder, UnshuffleEncoder

TAESD_ENCODER_BLOCKS = (1, 3, 3, 3)  # blocks after the stem conv, then after each stride-2 conv
TAESD_DECODER_BLOCKS = (3, 3, 3, 1)  # blocks before each x2 upsample, then before the output conv
SD3_LAYOUT_LEVELS = 4
SD3_LAYOUT_NORM_GROUPS = 32


class SepConv(nn.Module):
    """Depthwise k x k conv (groups = channels, no bias, carries the stride) followed by a pointwise 1 x 1 conv."""

    def __init__(self, n_in: int, n_out: int, stride: int = 1, bias: bool = True) -> None:
        super().__init__()
        self.depthwise = nn.Conv2d(n_in, n_in, 3, stride=stride, padding=1, groups=n_in, bias=False)
        self.pointwise = nn.Conv2d(n_in, n_out, 1, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(x))


def _conv3x3(n_in: int, n_out: int, separable: bool, stride: int = 1, bias: bool = True) -> nn.Module:
    if separable:
        return SepConv(n_in, n_out, stride=stride, bias=bias)
    return nn.Conv2d(n_in, n_out, 3, stride=stride, padding=1, bias=bias)


class TinyBlock(nn.Module):
    """Three 3x3 convs with ReLU between, identity skip, ReLU after the add (TAESD's block; in == out channels)."""

    def __init__(self, channels: int, separable: bool) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            _conv3x3(channels, channels, separable),
            nn.ReLU(),
            _conv3x3(channels, channels, separable),
            nn.ReLU(),
            _conv3x3(channels, channels, separable),
        )
        self.skip = nn.Identity()
        self.fuse = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fuse(self.conv(x) + self.skip(x))


class TinyEncoder(nn.Module):
    """TAESD encoder: [-1, 1] image -> latent at 1/8 resolution."""

    def __init__(self, channels: int, latent_channels: int, separable: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for level, num_blocks in enumerate(TAESD_ENCODER_BLOCKS):
            if level == 0:
                layers.append(_conv3x3(3, channels, separable))
            else:
                layers.append(_conv3x3(channels, channels, separable, stride=2, bias=False))
            layers.extend(TinyBlock(channels, separable) for _ in range(num_blocks))
        layers.append(_conv3x3(channels, latent_channels, separable))
        self.layers = nn.Sequential(*layers)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        # TAESD works on [0, 1] images; the pipeline speaks the SD3 VAE's [-1, 1].
        return self.layers(image * 0.5 + 0.5)


class TinyDecoder(nn.Module):
    """TAESD decoder: latent -> [-1, 1] image at 8x resolution (soft-clamps the latent to +-3 first)."""

    def __init__(self, channels: int, latent_channels: int, separable: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [_conv3x3(latent_channels, channels, separable), nn.ReLU()]
        for level, num_blocks in enumerate(TAESD_DECODER_BLOCKS):
            layers.extend(TinyBlock(channels, separable) for _ in range(num_blocks))
            if level < len(TAESD_DECODER_BLOCKS) - 1:
                layers.append(nn.Upsample(scale_factor=2, mode="nearest"))
                layers.append(_conv3x3(channels, channels, separable, bias=False))
        layers.append(_conv3x3(channels, 3, separable))
        self.layers = nn.Sequential(*layers)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        clamped = torch.tanh(latent / 3.0) * 3.0
        return self.layers(clamped) * 2.0 - 1.0


class SD3LayoutEncoder(nn.Module):
    """SD3 VAE encoder layout at reduced width; returns the posterior mean (first half of its 2 x latent channels)."""

    def __init__(self, channels: int, latent_channels: int, attention: bool) -> None:
        super().__init__()
        self.net = SD3LayoutEncoderNet(
            in_channels=3,
            out_channels=latent_channels,
            down_block_types=("DownEncoderBlock2D",) * SD3_LAYOUT_LEVELS,
            block_out_channels=(channels,) * SD3_LAYOUT_LEVELS,
            layers_per_block=2,
            norm_num_groups=min(SD3_LAYOUT_NORM_GROUPS, channels),
            act_fn="silu",
            double_z=True,
            mid_block_add_attention=attention,
        )

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        mean, _logvar = self.net(image).chunk(2, dim=1)
        return mean


class SD3LayoutDecoder(nn.Module):
    def __init__(self, channels: int, latent_channels: int, attention: bool) -> None:
        super().__init__()
        self.net = SD3LayoutDecoderNet(
            in_channels=latent_channels,
            out_channels=3,
            up_block_types=("UpDecoderBlock2D",) * SD3_LAYOUT_LEVELS,
            block_out_channels=(channels,) * SD3_LAYOUT_LEVELS,
            layers_per_block=2,
            norm_num_groups=min(SD3_LAYOUT_NORM_GROUPS, channels),
            act_fn="silu",
            mid_block_add_attention=attention,
        )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.net(latent)


def _build_pair(cfg: TinyVAEConfig) -> tuple[nn.Module, nn.Module]:
    c, z = cfg.channels, cfg.latent_channels
    if cfg.variant == "unshuffle":  # the warm recipe's exact codec; 3 x stride^2 latent channels
        return UnshuffleEncoder(cfg.unshuffle_stride), UnshuffleDecoder(cfg.unshuffle_stride, c)
    if cfg.variant == "taesd-sepenc":
        return TinyEncoder(c, z, separable=True), TinyDecoder(c, z, separable=False)
    if cfg.variant == "taesd":
        return TinyEncoder(c, z, separable=False), TinyDecoder(c, z, separable=False)
    if cfg.variant == "taesd-sepboth":
        return TinyEncoder(c, z, separable=True), TinyDecoder(c, z, separable=True)
    attention = cfg.variant == "sd3-64"
    return SD3LayoutEncoder(c, z, attention), SD3LayoutDecoder(c, z, attention)


class TinyVAE(nn.Module):
    """Encoder + decoder of one variant. See the module docstring for the range and latent-scale conventions."""

    def __init__(self, cfg: TinyVAEConfig) -> None:
        super().__init__()
        self.config = cfg
        self.encoder, self.decoder = _build_pair(cfg)

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        """[-1, 1] image (N x 3 x H x W, H and W multiples of 8) -> transformer-space latent."""
        latent = self.encoder(image)
        return latent if self.config.latent_scale == 1.0 else latent * self.config.latent_scale

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Transformer-space latent -> [-1, 1] image (unclamped)."""
        return self.decoder(latent if self.config.latent_scale == 1.0 else latent / self.config.latent_scale)


def build_tiny_vae(cfg: TinyVAEConfig, device: str | torch.device = "cpu") -> TinyVAE:
    with torch.device(device):
        return TinyVAE(cfg)
