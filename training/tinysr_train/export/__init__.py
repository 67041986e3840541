"""ONNX export of the models the app runs: one tile graph (fp32 + fp16), parity-checked against PyTorch, with the
manifest of `native-models/manifest.schema.json`. Also the app's fixture models and the `export`/`fixtures` commands.

Public interface: export_onnx, ExportResult, ExportError, ParityError (export.tinysr and export.fixtures build on it).
export_onnx and ExportResult load on first use (PEP 562), so importing the CLI command module does not pull in torch.
"""

from typing import Any

from tinysr_train.export.errors import ExportError, ParityError

__all__ = ["ExportError", "ExportResult", "ParityError", "export_onnx"]


def __getattr__(name: str) -> Any:
    if name in ("export_onnx", "ExportResult"):
        from tinysr_train.export import onnx_export

        return getattr(onnx_export, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
