"""The ncnn layer types this converter understands: each one's weight layout in the `.bin` and its maths.

Owns: `LAYER_KINDS` (type name -> `LayerKind`), the single place that knows, per layer type, which blobs ncnn's
`load_model` reads (count and storage kind, in order) and how ncnn evaluates the layer. The maths here is a direct
transcription of ncnn's layer semantics into torch.nn.functional, used as the reference evaluation that the
hand-written architectures in `archs.py` are checked against. May import: numpy, torch, `.ncnn_param`, `.ncnn_bin`,
`.errors`.

Layouts follow ncnn's sources: Convolution reads `weight_data_size` values tagged (out, in, kh, kw order) then
`num_output` raw fp32 biases when `bias_term`; PReLU reads `num_slope` raw fp32 slopes; the other types here hold no
weights. Options we do not implement (int8, dynamic weights, SAME padding, bicubic resize...) are refused by name.
"""

from __future__ import annotations

from typing import Callable, Protocol

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .errors import ReferenceModelError
from .ncnn_bin import ModelBinReader
from .ncnn_param import NcnnLayer

Weights = dict[str, np.ndarray]


def _unsupported(layer: NcnnLayer, what: str) -> ReferenceModelError:
    return ReferenceModelError(
        "NCNN_LAYER_UNSUPPORTED",
        f"layer {layer.type} {layer.name} (line {layer.line}) uses {what}, which this converter does not implement",
    )


class LayerKind(Protocol):
    def load_weights(self, layer: NcnnLayer, reader: ModelBinReader) -> Weights: ...

    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]: ...


class _NoWeights:
    def load_weights(self, layer: NcnnLayer, reader: ModelBinReader) -> Weights:
        return {}


class ConvolutionGeometry:
    """Convolution's parameters, with ncnn's defaults (kernel_h = kernel_w, pad_top = pad_left, ...)."""

    def __init__(self, layer: NcnnLayer) -> None:
        self.num_output = layer.int_param(0, 0)
        self.kernel_w = layer.int_param(1, 0)
        self.kernel_h = layer.int_param(11, self.kernel_w)
        self.dilation_w = layer.int_param(2, 1)
        self.dilation_h = layer.int_param(12, self.dilation_w)
        self.stride_w = layer.int_param(3, 1)
        self.stride_h = layer.int_param(13, self.stride_w)
        self.pad_left = layer.int_param(4, 0)
        self.pad_top = layer.int_param(14, self.pad_left)
        self.pad_right = layer.int_param(15, self.pad_left)
        self.pad_bottom = layer.int_param(16, self.pad_top)
        self.bias_term = layer.int_param(5, 0)
        self.weight_data_size = layer.int_param(6, 0)
        self.activation_type = layer.int_param(9, 0)
        self.activation_params = layer.array_param(10)
        taps = self.num_output * self.kernel_w * self.kernel_h
        if taps <= 0 or self.weight_data_size % taps:
            raise ReferenceModelError(
                "NCNN_PARAM_INVALID",
                f"layer Convolution {layer.name} (line {layer.line}): weight_data_size {self.weight_data_size} "
                f"is not a multiple of num_output x kernel = {taps}",
            )
        self.num_input = self.weight_data_size // taps
        if min(self.pad_left, self.pad_top, self.pad_right, self.pad_bottom) < 0:
            raise _unsupported(layer, "automatic (SAME) padding")
        if layer.float_param(18, 0.0) != 0.0:
            raise _unsupported(layer, "a non-zero pad_value")
        if layer.int_param(8, 0):
            raise _unsupported(layer, "int8 quantisation (8=int8_scale_term)")
        if layer.int_param(19, 0):
            raise _unsupported(layer, "dynamic weights (19=dynamic_weight)")
        if self.activation_type not in _ACTIVATIONS:
            raise _unsupported(layer, f"activation_type {self.activation_type}")

    @property
    def weight_shape(self) -> tuple[int, int, int, int]:
        return (self.num_output, self.num_input, self.kernel_h, self.kernel_w)


def _leaky(x: Tensor, params: tuple[float, ...]) -> Tensor:
    return F.leaky_relu(x, params[0] if params else 0.0)


_ACTIVATIONS: dict[int, Callable[[Tensor, tuple[float, ...]], Tensor]] = {
    0: lambda x, _: x,
    1: lambda x, _: F.relu(x),
    2: _leaky,
    3: lambda x, p: torch.clamp(x, p[0], p[1]),
    4: lambda x, _: torch.sigmoid(x),
}


class _Convolution:
    def load_weights(self, layer: NcnnLayer, reader: ModelBinReader) -> Weights:
        geometry = ConvolutionGeometry(layer)
        weights = {
            "weight": reader.load(geometry.weight_data_size, "tagged", layer=layer.name, role="weight").reshape(
                geometry.weight_shape
            )
        }
        if geometry.bias_term:
            weights["bias"] = reader.load(geometry.num_output, "raw", layer=layer.name, role="bias")
        return weights

    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        g = ConvolutionGeometry(layer)
        x = F.pad(inputs[0], (g.pad_left, g.pad_right, g.pad_top, g.pad_bottom))
        stride, dilation = (g.stride_h, g.stride_w), (g.dilation_h, g.dilation_w)
        y = F.conv2d(x, weights["weight"], weights.get("bias"), stride=stride, dilation=dilation)
        return [_ACTIVATIONS[g.activation_type](y, g.activation_params)]


class _PReLU:
    def load_weights(self, layer: NcnnLayer, reader: ModelBinReader) -> Weights:
        return {"slope": reader.load(layer.int_param(0, 0), "raw", layer=layer.name, role="slope")}

    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        return [F.prelu(inputs[0], weights["slope"])]


class _Input(_NoWeights):
    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        raise AssertionError("Input layers are fed by the caller, never evaluated")


class _Split(_NoWeights):
    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        return [inputs[0]] * len(layer.tops)


class _Concat(_NoWeights):
    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        axis = layer.int_param(0, 0)  # ncnn blobs are CHW: axis 0 is torch's dim 1; negative axes coincide
        return [torch.cat(inputs, dim=axis + 1 if axis >= 0 else axis)]


class _Eltwise(_NoWeights):
    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        op = layer.int_param(0, 0)
        if op == 0:
            return [torch.stack(inputs).prod(dim=0)]
        if op == 2:
            return [torch.stack(inputs).amax(dim=0)]
        if op != 1:
            raise _unsupported(layer, f"Eltwise op_type {op}")
        coeffs = layer.array_param(1) or (1.0,) * len(inputs)
        if len(coeffs) != len(inputs):
            raise ReferenceModelError(
                "NCNN_PARAM_INVALID", f"layer Eltwise {layer.name}: {len(coeffs)} coefficients for {len(inputs)} inputs"
            )
        return [sum((c * x for c, x in zip(coeffs, inputs)), torch.zeros_like(inputs[0]))]


_BINARY_OPS: dict[int, Callable[[Tensor, Tensor], Tensor]] = {
    0: torch.add,
    1: torch.sub,
    2: torch.mul,
    3: torch.div,
    4: torch.maximum,
    5: torch.minimum,
    7: lambda a, b: b - a,
    8: lambda a, b: b / a,
}


class _BinaryOp(_NoWeights):
    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        op = layer.int_param(0, 0)
        if op not in _BINARY_OPS:
            raise _unsupported(layer, f"BinaryOp op_type {op}")
        if layer.int_param(1, 0):  # with_scalar: the second operand is parameter 2
            other = torch.full_like(inputs[0], layer.float_param(2, 0.0))
        else:
            other = inputs[1]
        return [_BINARY_OPS[op](inputs[0], other)]


class _Interp(_NoWeights):
    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        resize_type = layer.int_param(0, 0)
        if resize_type not in (1, 2):
            raise _unsupported(layer, f"Interp resize_type {resize_type} (only 1 nearest and 2 bilinear)")
        if layer.int_param(5, 0):
            raise _unsupported(layer, "a dynamic target size")
        mode = "nearest" if resize_type == 1 else "bilinear"
        align = {"align_corners": bool(layer.int_param(6, 0))} if mode == "bilinear" else {}
        out_h, out_w = layer.int_param(3, 0), layer.int_param(4, 0)
        if out_h and out_w:
            return [F.interpolate(inputs[0], size=(out_h, out_w), mode=mode, **align)]
        scale = (layer.float_param(1, 1.0), layer.float_param(2, 1.0))
        return [F.interpolate(inputs[0], scale_factor=scale, mode=mode, **align)]


class _PixelShuffle(_NoWeights):
    def forward(self, layer: NcnnLayer, weights: dict[str, Tensor], inputs: list[Tensor]) -> list[Tensor]:
        r = layer.int_param(0, 1)
        mode = layer.int_param(1, 0)
        x = inputs[0]
        if mode == 0:  # channel-major (PyTorch pixel_shuffle, ONNX DepthToSpace CRD)
            return [F.pixel_shuffle(x, r)]
        if mode == 1:  # ONNX DepthToSpace DCR
            n, c, h, w = x.shape
            y = x.reshape(n, r, r, c // (r * r), h, w).permute(0, 3, 4, 1, 5, 2)
            return [y.reshape(n, c // (r * r), h * r, w * r)]
        raise _unsupported(layer, f"PixelShuffle mode {mode}")


LAYER_KINDS: dict[str, LayerKind] = {
    "Input": _Input(),
    "Convolution": _Convolution(),
    "PReLU": _PReLU(),
    "Split": _Split(),
    "Concat": _Concat(),
    "Eltwise": _Eltwise(),
    "BinaryOp": _BinaryOp(),
    "Interp": _Interp(),
    "PixelShuffle": _PixelShuffle(),
}


def layer_kind(layer: NcnnLayer, source: str) -> LayerKind:
    kind = LAYER_KINDS.get(layer.type)
    if kind is None:
        raise ReferenceModelError(
            "NCNN_LAYER_UNSUPPORTED",
            f"{layer.where(source)}: layer type {layer.type!r} is unknown to this converter, so its share of the .bin "
            f"cannot be walked; known types: {', '.join(sorted(LAYER_KINDS))}",
        )
    return kind
