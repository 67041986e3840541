"""TinySR training workspace: the model family, its profiler, ONNX export, importers and training stages."""

__version__ = "0.1.0"
