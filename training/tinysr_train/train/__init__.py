"""The training stages, each one `tinysr-train` command on the shared `runner` (checkpoints, exact resume, progress,
loss curves, accelerate/DDP): `teacher_vae` and `teacher_latent` (the small latent teacher), `vae_compress` (tiny VAE,
spec section 3), `restore` (restoration stages 1 and 2, spec section 5). Mask learning lives in `tinysr_train.prune`.
Submodules import torch; import them directly."""
