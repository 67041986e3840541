"""Training stages for the TinySR student. `student_distill`: latent distillation to the teacher's output latents (the
loop that restoration stage 1 runs; random data for the smoke run). Submodules import torch; import them directly."""
