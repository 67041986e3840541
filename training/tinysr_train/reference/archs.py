"""The two Real-ESRGAN architectures as PyTorch modules, with the parameter names of BasicSR / Real-ESRGAN's own
`SRVGGNetCompact` and `RRDBNet`, so their official `.pth` state dicts load into these modules unchanged.

Owns: `SRVGGNetCompact`, `RRDBNet`, the `ARCHITECTURES` registry (name -> class) and `receptive_field_lr`.
May import: torch.

Both take N x 3 x H x W RGB in [0, 1] and return N x 3 x 4H x 4W (not clamped: callers clamp, as Real-ESRGAN does).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class SRVGGNetCompact(nn.Module):
    """Conv+PReLU chain in LR space, a last conv to `out_ch * upscale**2`, pixel shuffle, plus the nearest-upsampled
    input as a residual ('realesrgan-x4fast': num_feat 64, num_conv 32, ~1.21M parameters)."""

    def __init__(
        self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_conv: int = 32, upscale: int = 4
    ) -> None:
        super().__init__()
        self.config: dict[str, int] = dict(
            num_in_ch=num_in_ch, num_out_ch=num_out_ch, num_feat=num_feat, num_conv=num_conv, upscale=upscale
        )
        self.upscale = upscale
        layers: list[nn.Module] = [nn.Conv2d(num_in_ch, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        for _ in range(num_conv):
            layers += [nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.PReLU(num_parameters=num_feat)]
        layers.append(nn.Conv2d(num_feat, num_out_ch * upscale * upscale, 3, 1, 1))
        self.body = nn.ModuleList(layers)
        self.upsampler = nn.PixelShuffle(upscale)

    def forward(self, x: Tensor) -> Tensor:
        out = x
        for layer in self.body:
            out = layer(out)
        return self.upsampler(out) + F.interpolate(x, scale_factor=self.upscale, mode="nearest")


class ResidualDenseBlock(nn.Module):
    """Five densely connected 3x3 convs; the block returns 0.2 x conv5 + input."""

    def __init__(self, num_feat: int, num_grow_ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(num_feat, num_grow_ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(num_feat + num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv3 = nn.Conv2d(num_feat + 2 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv4 = nn.Conv2d(num_feat + 3 * num_grow_ch, num_grow_ch, 3, 1, 1)
        self.conv5 = nn.Conv2d(num_feat + 4 * num_grow_ch, num_feat, 3, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        features = [x]
        for conv in (self.conv1, self.conv2, self.conv3, self.conv4):
            features.append(F.leaky_relu(conv(torch.cat(features, 1)), 0.2))
        return self.conv5(torch.cat(features, 1)) * 0.2 + x


class RRDB(nn.Module):
    """Three residual dense blocks; returns 0.2 x their output + input."""

    def __init__(self, num_feat: int, num_grow_ch: int) -> None:
        super().__init__()
        self.rdb1 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb2 = ResidualDenseBlock(num_feat, num_grow_ch)
        self.rdb3 = ResidualDenseBlock(num_feat, num_grow_ch)

    def forward(self, x: Tensor) -> Tensor:
        return self.rdb3(self.rdb2(self.rdb1(x))) * 0.2 + x


class RRDBNet(nn.Module):
    """ESRGAN's generator for x4 (Real-ESRGAN x4plus: num_feat 64, num_block 23, num_grow_ch 32, ~16.70M
    parameters): RRDB trunk in LR space, then two nearest x2 upsamplings each followed by a conv."""

    def __init__(
        self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_block: int = 23, num_grow_ch: int = 32
    ) -> None:
        super().__init__()
        self.config: dict[str, int] = dict(
            num_in_ch=num_in_ch, num_out_ch=num_out_ch, num_feat=num_feat, num_block=num_block, num_grow_ch=num_grow_ch
        )
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*(RRDB(num_feat, num_grow_ch) for _ in range(num_block)))
        self.conv_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_up2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_hr = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        feat = self.conv_first(x)
        feat = feat + self.conv_body(self.body(feat))
        feat = F.leaky_relu(self.conv_up1(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        feat = F.leaky_relu(self.conv_up2(F.interpolate(feat, scale_factor=2, mode="nearest")), 0.2)
        return self.conv_last(F.leaky_relu(self.conv_hr(feat), 0.2))


ARCHITECTURES: dict[str, type[nn.Module]] = {"SRVGGNetCompact": SRVGGNetCompact, "RRDBNet": RRDBNet}


def build_architecture(arch: str, config: dict[str, Any]) -> nn.Module:
    return ARCHITECTURES[arch](**config)


def receptive_field_lr(model: nn.Module) -> int:
    """LR pixels on each side that may influence one output pixel (exact for the compact net, an upper bound tight
    to 1 px for RRDBNet, whose nearest upsamplings reach unevenly; the tests measure both).

    Compact: one pixel per 3x3 conv, all in LR space. RRDBNet: one per conv on the longest LR path (conv_first, 5 per
    RDB, conv_body), then the convs after the nearest upsamplings: conv_up1 reaches 1 px at x2, conv_up2 + conv_hr +
    conv_last 3 px at x4, which nearest upsampling turns into at most 2 more LR px.
    """
    if isinstance(model, SRVGGNetCompact):
        return model.config["num_conv"] + 2
    if isinstance(model, RRDBNet):
        lr_convs = 1 + 15 * model.config["num_block"] + 1
        return lr_convs + 2
    raise TypeError(f"no receptive-field rule for {type(model).__name__}")
