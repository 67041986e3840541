"""Depth pruning of the latent teacher (spec section 4) and the recoverability experiment (paper Tab. 2 / C.2).

Modules: `masks` (pure mask logic: N:M spaces, TinyFusion and DIA + ECS mask models, reachable-set size), `gating`
(the masked teacher: gated diffusers blocks), `latents` (cached latents, split, held-out scores), `search` (learned
methods on the stage runner), `baselines` (random-min, similarity, sensitivity), `stage` (`tinysr-train prune`:
keep.json + pruned.pt, `load_pruned_student`), `recoverability` (`tinysr-train recoverability`), `settings` (config
sections), `command` (CLI). Submodules import torch; import them directly.
"""
