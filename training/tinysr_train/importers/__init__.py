"""Importers for real checkpoints. `tinysr_release`: the authors' TinySR release -> a TinySRPipeline (importer (b));
the TSD-SR teacher loader (importer (a)) is `TSDSRTeacher.from_pretrained` in `tinysr_train.models`.
Submodules import torch/diffusers; import them directly (this package file imports nothing, to keep the CLI fast)."""
