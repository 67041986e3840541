"""Evaluation (issue 5, stage 5): PSNR-Y / SSIM-Y exactly as pyiqa, BRISQUE as OpenCV and NIQE as pyiqa with their
standard model files, agreement with the reference teacher, tables and a comparison sheet, for any producer of SR
images (interpolation, the reference teacher, precomputed folders, exported ONNX models, restoration checkpoints).

Modules: `metrics` (PSNR/SSIM), `brisque`, `niqe`, `model_files` (where their model files come from), `tiler` (the
app's tiling and blend), `producers` (methods), `settings` (the `eval` config section), `evaluate` (the run),
`report` (tables, sheet), `metric_log` + `validate` (against published values), `command` (CLI).
"""
