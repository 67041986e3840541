"""The TinySR model family: TSD-SR teacher, TinySR student, tiny VAE, the exported tile pipeline and colour fix.

Public interface for the rest of `tinysr_train` (profiler, export, importers, training). Sizes come from
`tinysr_train.registry`; nothing here hard-codes a size.
"""

from .colorfix import adain_color_fix, wavelet_color_fix
from .errors import MissingWeightsError, TileSizeError
from .pipeline import TinySRPipeline, build_pipeline
from .student import TinySRTransformer, build_student
from .teacher import TSDSRTeacher, build_teacher, make_conditioning, teacher_process_size
from .tiny_vae import TinyVAE, build_tiny_vae
from .weights import load_conditioning, load_lora_file, merge_lora, save_conditioning

__all__ = [
    "MissingWeightsError",
    "TSDSRTeacher",
    "TileSizeError",
    "TinySRPipeline",
    "TinySRTransformer",
    "TinyVAE",
    "adain_color_fix",
    "build_pipeline",
    "build_student",
    "build_teacher",
    "build_tiny_vae",
    "load_conditioning",
    "load_lora_file",
    "make_conditioning",
    "merge_lora",
    "save_conditioning",
    "teacher_process_size",
    "wavelet_color_fix",
]
