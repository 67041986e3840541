"""The TinySR student transformer: kept teacher layers, image stream only, fixed tile, cacheable modulation (spec 2).

Owns: the image-stream block, the student model, building it from a config (random) or from an SD3 transformer plus a
keep-list (weights copied), and `cache()` (modulation -> constant buffers, as the paper does before export).
Imports torch, diffusers' PatchEmbed / FeedForward / time-text embedding, the registry and the teacher.

Parameter names follow diffusers' SD3 names (`transformer_blocks.<j>.attn.to_q`, `...norm1.linear`, `norm_out.linear`,
`pos_embed.proj`, `proj_out`), with blocks renumbered 0..len(keep)-1, so SD3-style LoRA target lists apply unchanged.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from diffusers import SD3Transformer2DModel
from diffusers.models.attention import FeedForward
from diffusers.models.embeddings import CombinedTimestepTextProjEmbeddings, PatchEmbed
from torch import nn

from ..registry import ModelConfig
from .errors import TileSizeError
from .teacher import TSDSRTeacher, make_conditioning

LAYER_NORM_EPS = 1e-6
BLOCK_MODULATION_CHUNKS = 6  # shift/scale/gate for attention, then for the MLP (AdaLayerNormZero's order)
OUTPUT_MODULATION_CHUNKS = 2  # scale, shift (AdaLayerNormContinuous's order)

# Teacher parameters of one block that the image-stream block keeps, under the same names.
_KEPT_BLOCK_PARAMS = tuple(
    f"{module}.{kind}"
    for module in ("norm1.linear", "attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "ff.net.0.proj", "ff.net.2")
    for kind in ("weight", "bias")
)
_KEPT_TOP_PARAMS = tuple(
    f"{module}.{kind}" for module in ("pos_embed.proj", "norm_out.linear", "proj_out") for kind in ("weight", "bias")
)


class Modulation(nn.Module):
    """adaLN modulation from `temb`: linear(silu(temb)) = `chunks` vectors of `dim`. Trainable (a LoRA target)."""

    def __init__(self, dim: int, chunks: int) -> None:
        super().__init__()
        self.linear = nn.Linear(dim, chunks * dim)

    def forward(self, temb: torch.Tensor | None) -> torch.Tensor:
        if temb is None:
            raise RuntimeError("uncached modulation needs temb")
        return self.linear(F.silu(temb))


class CachedModulation(nn.Module):
    """The same vectors frozen into a buffer by `TinySRTransformer.cache()`; `temb` is ignored (it no longer exists)."""

    def __init__(self, value: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("value", value)

    def forward(self, temb: torch.Tensor | None) -> torch.Tensor:
        return self.value


def _parameter_free_layer_norm(dim: int) -> nn.LayerNorm:
    return nn.LayerNorm(dim, elementwise_affine=False, eps=LAYER_NORM_EPS)


def _modulate(normed: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return normed * (1 + scale[:, None]) + shift[:, None]


class SelfAttention(nn.Module):
    """Multi-head self-attention with diffusers' projection names; the teacher's joint attention minus its context."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim)
        self.to_k = nn.Linear(dim, dim)
        self.to_v = nn.Linear(dim, dim)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, dim = x.shape

        def split_heads(t: torch.Tensor) -> torch.Tensor:
            return t.view(batch, tokens, self.heads, dim // self.heads).transpose(1, 2)

        q, k, v = (split_heads(proj(x)) for proj in (self.to_q, self.to_k, self.to_v))
        out = F.scaled_dot_product_attention(q, k, v)
        return self.to_out[0](out.transpose(1, 2).reshape(batch, tokens, dim))


class ImageStreamBlock(nn.Module):
    """One MMDiT block with every context module removed: adaLN-Zero -> self-attention -> adaLN-Zero -> FF."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.norm1: Modulation | CachedModulation = Modulation(dim, BLOCK_MODULATION_CHUNKS)
        self.norm = _parameter_free_layer_norm(dim)
        self.attn = SelfAttention(dim, heads)
        self.ff = FeedForward(dim=dim, dim_out=dim, activation_fn="gelu-approximate")

    def forward(self, x: torch.Tensor, temb: torch.Tensor | None) -> torch.Tensor:
        shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp = self.norm1(temb).chunk(6, dim=1)
        x = x + gate_msa[:, None] * self.attn(_modulate(self.norm(x), shift_msa, scale_msa))
        return x + gate_mlp[:, None] * self.ff(_modulate(self.norm(x), shift_mlp, scale_mlp))


class FixedPatchEmbed(nn.Module):
    """Patchify conv + a positional embedding fixed to one latent tile (the centre crop of SD3's grid)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        t = cfg.transformer
        # Built exactly as SD3Transformer2DModel builds its PatchEmbed, so the crop is bit-identical to the teacher's.
        sd3_embed = PatchEmbed(
            height=t.sample_size,
            width=t.sample_size,
            patch_size=t.patch_size,
            in_channels=t.in_channels,
            embed_dim=t.inner_dim,
            pos_embed_max_size=t.pos_embed_max_size,
        )
        self.proj = sd3_embed.proj
        self.register_buffer("pos_embed", sd3_embed.cropped_pos_embed(cfg.latent_tile, cfg.latent_tile).clone())

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        return self.proj(latent).flatten(2).transpose(1, 2) + self.pos_embed


class TinySRTransformer(nn.Module):
    """The pruned, image-only SD3 transformer. forward(latent N x 16 x T x T) -> prediction of the same shape.

    T is `config.latent_tile`. Before `cache()`, the modulation is computed from the constant `temb` buffer by trainable
    linears; after `cache()` it is constant and those linears and `temb` are gone.
    """

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        t = cfg.transformer
        self.config = cfg
        self.pos_embed = FixedPatchEmbed(cfg)
        self.transformer_blocks = nn.ModuleList(
            ImageStreamBlock(t.inner_dim, t.num_attention_heads) for _ in cfg.keep
        )
        self.norm_out: Modulation | CachedModulation = Modulation(t.inner_dim, OUTPUT_MODULATION_CHUNKS)
        self.norm = _parameter_free_layer_norm(t.inner_dim)
        self.proj_out = nn.Linear(t.inner_dim, t.patch_size * t.patch_size * t.out_channels)
        self.register_buffer("temb", _config_temb(cfg))

    @property
    def is_cached(self) -> bool:
        return isinstance(self.norm_out, CachedModulation)

    @classmethod
    def from_sd3(
        cls, transformer: SD3Transformer2DModel, temb: torch.Tensor, cfg: ModelConfig
    ) -> TinySRTransformer:
        """Copy `cfg.keep`'s layers of an SD3 transformer (plus patch embed, norm_out, proj_out) into a new student.

        `temb` (1 x inner_dim) is the teacher's time-text embedding at the fixed timestep and pooled prompt.
        `cfg.transformer` must describe `transformer`.
        """
        device = next(transformer.parameters()).device
        with torch.device(device):
            student = cls(cfg)
        source = transformer.state_dict()
        state = {name: source[name] for name in _KEPT_TOP_PARAMS}
        for j, layer in enumerate(cfg.keep):
            state.update(
                {f"transformer_blocks.{j}.{p}": source[f"transformer_blocks.{layer}.{p}"] for p in _KEPT_BLOCK_PARAMS}
            )
        state["pos_embed.pos_embed"] = transformer.pos_embed.cropped_pos_embed(cfg.latent_tile, cfg.latent_tile)
        state["temb"] = temb.detach().reshape(1, -1)
        student.load_state_dict(state, strict=True)
        return student

    @torch.no_grad()
    def cache(self) -> TinySRTransformer:
        """Freeze every modulation into constant buffers and delete the linears and `temb` (idempotent)."""
        if self.is_cached:
            return self
        temb = self.temb
        for block in self.transformer_blocks:
            block.norm1 = CachedModulation(block.norm1(temb).detach().clone())
        self.norm_out = CachedModulation(self.norm_out(temb).detach().clone())
        del self.temb
        return self

    def _check_tile(self, latent: torch.Tensor) -> None:
        t, tile = self.config.transformer, self.config.latent_tile
        if latent.ndim != 4 or tuple(latent.shape[1:]) != (t.in_channels, tile, tile):
            state = "cached positional embedding and modulation" if self.is_cached else "positional embedding"
            raise TileSizeError(
                f"TinySRTransformer ({self.config.name}) accepts only N x {t.in_channels} x {tile} x {tile} latents "
                f"(its {state} are fixed to a {tile} x {tile} latent tile = {self.config.hr_tile} px HR, "
                f"{self.config.lr_tile} px LR); got shape {tuple(latent.shape)}. Split larger inputs into tiles."
            )

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        self._check_tile(latent)
        temb = None if self.is_cached else self.temb
        x = self.pos_embed(latent)
        for block in self.transformer_blocks:
            x = block(x, temb)
        scale, shift = self.norm_out(temb).chunk(2, dim=1)
        x = self.proj_out(_modulate(self.norm(x), shift, scale))
        return self._unpatchify(x)

    def _unpatchify(self, tokens: torch.Tensor) -> torch.Tensor:
        p, c = self.config.transformer.patch_size, self.config.transformer.out_channels
        side = int(math.isqrt(tokens.shape[1]))
        x = tokens.reshape(tokens.shape[0], side, side, p, p, c)
        return x.permute(0, 5, 1, 3, 2, 4).reshape(tokens.shape[0], c, side * p, side * p)


def _config_temb(cfg: ModelConfig) -> torch.Tensor:
    """temb of a freshly initialised time-text embedding with the configured conditioning: a stand-in that
    `from_sd3` / checkpoint loading overwrites, so a student built from a config alone needs no teacher."""
    embed = CombinedTimestepTextProjEmbeddings(cfg.transformer.inner_dim, cfg.transformer.pooled_projection_dim)
    _, pooled = make_conditioning(cfg, device=embed.timestep_embedder.linear_1.weight.device)
    with torch.no_grad():
        return embed(torch.full((1,), cfg.timestep, device=pooled.device), pooled)


def build_student(
    cfg: ModelConfig, teacher: TSDSRTeacher | None = None, device: str | torch.device = "cpu"
) -> TinySRTransformer:
    """The student of `cfg`: copied from `teacher`'s `cfg.keep` layers when given, otherwise randomly initialised
    (no teacher is built, so full size fits on CPU and `meta` allocates nothing)."""
    if teacher is None:
        with torch.device(device):
            return TinySRTransformer(cfg)
    if teacher.config.transformer != cfg.transformer:
        raise ValueError(
            f"build_student: config {cfg.name!r} describes transformer {cfg.transformer}, but the teacher "
            f"({teacher.config.name!r}) has {teacher.config.transformer}; use a config of the teacher's sizes"
        )
    with torch.no_grad():
        temb = teacher.time_embedding()
    return TinySRTransformer.from_sd3(teacher.transformer, temb, cfg).to(device)
