"""The TSD-SR teacher: SD3 transformer + SD3 VAE with cached prompt conditioning, and its one-step x4 inference.

Owns: building the teacher from a ModelConfig (any device, `meta` included), the conditioning buffers (no text encoders
at run time), one-step inference per spec section 1, and loading real weights (`from_pretrained`, importer (a)).
Imports torch, diffusers' SD3 classes, the registry, and this package's colour fix, LoRA merge and weight-file helpers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKL, SD3Transformer2DModel
from torch import nn

from ..registry import ModelConfig, get_config
from .codec import UnshuffleCodec
from .colorfix import adain_color_fix, wavelet_color_fix
from .lr_input import SCALE, bicubic_up, vae_input
from .weights import (
    check_config_matches,
    conditioning_files,
    load_conditioning,
    load_lora_file,
    merge_lora,
    require_files,
    weight_files_of,
)

ColorFix = Literal["adain", "wavelet", "none"]
COLOR_FIXES = {"adain": adain_color_fix, "wavelet": wavelet_color_fix}

MIN_LR_SIDE = 128  # official: an LR whose short side is below this is upscaled to it first
SIZE_MULTIPLE = 8  # the VAE's downsampling factor
TSDSR_LORA_FILES = ("transformer.safetensors", "vae.safetensors")  # names in TSD-SR's release


def make_conditioning(cfg: ModelConfig, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """Prompt sequence (1 x text_seq_len x joint_dim) and pooled vector (1 x pooled_dim) from the config's constant."""
    t = cfg.transformer
    seq_shape = (1, cfg.text_seq_len, t.joint_attention_dim)
    pooled_shape = (1, t.pooled_projection_dim)
    if torch.device(device).type == "meta" or cfg.conditioning_init == "zeros":
        return torch.zeros(seq_shape, device=device), torch.zeros(pooled_shape, device=device)
    # Drawn on the CPU (explicitly: a `with torch.device("cuda")` block around model building must not move the
    # draw, or the generator and the tensor disagree), so the constant is the same on every device.
    generator = torch.Generator(device="cpu").manual_seed(cfg.conditioning_seed)
    seq = torch.randn(seq_shape, generator=generator, device="cpu")
    pooled = torch.randn(pooled_shape, generator=generator, device="cpu")
    return seq.to(device), pooled.to(device)


def teacher_process_size(height: int, width: int) -> tuple[int, int]:
    """HR size the teacher works at for an LR of height x width (official rule, spec section 1 step 1)."""
    short = min(height, width)
    if short < MIN_LR_SIDE:
        factor = MIN_LR_SIDE / short
        height, width = int(factor * height), int(factor * width)
    return SCALE * height // SIZE_MULTIPLE * SIZE_MULTIPLE, SCALE * width // SIZE_MULTIPLE * SIZE_MULTIPLE


class TSDSRTeacher(nn.Module):
    """SD3 transformer + SD3 VAE + cached conditioning. `forward(lr)` is TSD-SR's one-step x4 upscale."""

    def __init__(
        self,
        cfg: ModelConfig,
        transformer: SD3Transformer2DModel,
        vae: AutoencoderKL | UnshuffleCodec,
        prompt_embeds: torch.Tensor,
        pooled_prompt_embeds: torch.Tensor,
    ) -> None:
        super().__init__()
        self.config = cfg
        self.transformer = transformer
        self.vae = vae
        self.register_buffer("prompt_embeds", prompt_embeds)
        self.register_buffer("pooled_prompt_embeds", pooled_prompt_embeds)

    @property
    def scaling_factor(self) -> float:
        return self.config.vae.scaling_factor

    def timesteps(self, batch: int) -> torch.Tensor:
        return torch.full((batch,), self.config.timestep, device=self.pooled_prompt_embeds.device)

    def time_embedding(self) -> torch.Tensor:
        """`temb` (1 x inner_dim) at the configured timestep with the cached pooled prompt, as every block sees it."""
        return self.transformer.time_text_embed(self.timesteps(1), self.pooled_prompt_embeds)

    def predict(self, latent: torch.Tensor) -> torch.Tensor:
        """The transformer's prediction (velocity) for a scaled latent at the configured timestep and cached prompt."""
        batch = latent.shape[0]
        return self.transformer(
            hidden_states=latent,
            encoder_hidden_states=self.prompt_embeds.expand(batch, -1, -1),
            pooled_projections=self.pooled_prompt_embeds.expand(batch, -1),
            timestep=self.timesteps(batch),
            return_dict=False,
        )[0]

    def denoise(self, latent: torch.Tensor) -> torch.Tensor:
        """One step from t=1000 (sigma = 1): output latent = input latent - prediction."""
        return latent - self.predict(latent)

    def encode(self, image: torch.Tensor) -> torch.Tensor:
        """[-1, 1] image -> scaled latent (posterior mean x scaling factor; the deterministic choice)."""
        if isinstance(self.vae, UnshuffleCodec):
            return self.vae.encode(image)
        return self.vae.encode(image).latent_dist.mean * self.scaling_factor

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """Scaled latent -> [-1, 1] image, clamped."""
        if isinstance(self.vae, UnshuffleCodec):
            return self.vae.decode(latent).clamp(-1.0, 1.0)
        return self.vae.decode(latent / self.scaling_factor).sample.clamp(-1.0, 1.0)

    def forward(self, lr: torch.Tensor, color_fix: ColorFix = "adain") -> torch.Tensor:
        """N x 3 x h x w LR in [0, 1] -> N x 3 x 4h x 4w SR in [0, 1] (spec section 1, steps 1-5)."""
        if lr.ndim != 4 or lr.shape[1] != 3:
            raise ValueError(f"TSDSRTeacher expects an N x 3 x h x w LR batch, got shape {tuple(lr.shape)}")
        if color_fix != "none" and color_fix not in COLOR_FIXES:
            raise ValueError(f"color_fix: expected 'adain', 'wavelet' or 'none', got {color_fix!r}")
        height, width = lr.shape[-2:]
        work_size = teacher_process_size(height, width)
        self._check_work_size(work_size, (height, width))
        out_size = (SCALE * height, SCALE * width)
        image = vae_input(lr, work_size)
        sr = (self.decode(self.denoise(self.encode(image))) + 1.0) / 2.0
        if work_size != out_size:
            sr = F.interpolate(sr, size=out_size, mode="bicubic", align_corners=False, antialias=True).clamp(0.0, 1.0)
        if color_fix == "none":
            return sr
        lr_up = bicubic_up(lr, out_size).clamp(0.0, 1.0)
        return COLOR_FIXES[color_fix](sr, lr_up)

    def _check_work_size(self, work_size: tuple[int, int], lr_size: tuple[int, int]) -> None:
        # The teacher runs the whole latent at once (no latent tiling): SD3's positional grid bounds the size.
        t = self.config.transformer
        max_hr = t.pos_embed_max_size * t.patch_size * self.config.vae_scale
        if max(work_size) > max_hr:
            raise ValueError(
                f"TSDSRTeacher ({self.config.name}) upscales whole images up to {max_hr} px per HR side "
                f"({max_hr // SCALE} px LR); an LR of {lr_size[0]} x {lr_size[1]} needs "
                f"{work_size[0]} x {work_size[1]}. Crop the input into smaller pieces."
            )

    @classmethod
    def from_pretrained(
        cls,
        transformer_dir: str | Path,
        vae_dir: str | Path,
        conditioning: str | Path,
        lora_dir: str | Path | None = None,
        cfg: ModelConfig | None = None,
        lora_alpha: float | None = None,
    ) -> TSDSRTeacher:
        """Load real weights: diffusers-format transformer and VAE folders, the cached prompt conditioning and,
        optionally, TSD-SR's LoRA folder (`transformer.safetensors` + `vae.safetensors`), merged into the weights.

        `conditioning` is either a safetensors file with `prompt_embeds` and `pooled_prompt_embeds`, or the official
        embedding folder holding `prompt_embeds.pt` and `pool_embeds.pt`. `lora_alpha` defaults to the rank (official).
        Raises MissingWeightsError naming every absent file; never falls back to random weights.
        """
        cfg = cfg or get_config("tsdsr-sd3m")
        transformer_dir, vae_dir = Path(transformer_dir), Path(vae_dir)
        lora_files = [Path(lora_dir) / name for name in TSDSR_LORA_FILES] if lora_dir else []
        model_files = weight_files_of(transformer_dir) + weight_files_of(vae_dir)
        require_files(
            "the TSD-SR teacher",
            model_files + conditioning_files(Path(conditioning)) + lora_files,
            hint="Download SD3-medium in diffusers format (its transformer/ and vae/ folders), TSD-SR's LoRA files and "
            "its prompt embeddings, then pass their paths.",
        )
        transformer = SD3Transformer2DModel.from_pretrained(transformer_dir, torch_dtype=torch.float32)
        vae = AutoencoderKL.from_pretrained(vae_dir, torch_dtype=torch.float32)
        check_config_matches(transformer_dir, transformer.config, cfg.transformer.to_diffusers_kwargs())
        vae_expected = cfg.vae.to_diffusers_kwargs()
        del vae_expected["shift_factor"]  # unused by the pipeline; real configs may differ in it
        check_config_matches(vae_dir, vae.config, vae_expected)
        if lora_dir:
            merge_lora(transformer, load_lora_file(lora_files[0], prefix="transformer"), lora_alpha)
            merge_lora(vae, load_lora_file(lora_files[1], prefix="vae"), lora_alpha)
        prompt_embeds, pooled = load_conditioning(Path(conditioning))
        return cls(cfg, transformer.eval(), vae.eval(), prompt_embeds, pooled)


def build_teacher(cfg: ModelConfig, device: str | torch.device = "cpu") -> TSDSRTeacher:
    """A randomly initialised teacher of `cfg`'s sizes. On `meta` nothing is allocated (for profiling full size)."""
    with torch.device(device):
        transformer = SD3Transformer2DModel(**cfg.transformer.to_diffusers_kwargs())
        vae: AutoencoderKL | UnshuffleCodec
        if cfg.vae.codec == "unshuffle":
            vae = UnshuffleCodec(cfg.vae.stride)
        else:
            vae = AutoencoderKL(**cfg.vae.to_diffusers_kwargs())
    prompt_embeds, pooled = make_conditioning(cfg, device)
    return TSDSRTeacher(cfg, transformer, vae, prompt_embeds, pooled)
