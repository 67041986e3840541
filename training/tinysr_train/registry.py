"""Named model configurations for the TinySR family: every size is a config, never a code fork.

Owns the frozen config dataclasses (transformer, teacher VAE, tiny VAE, whole model) and the table of named configs.
Imports only the standard library, so every other module (models, profiler, CLI, export) can depend on it.

Full-size numbers follow SD3-medium / TSD-SR / TinySR (see shared/docs/tinysr-spec.md sections 1-3). The small configs
keep the SAME structure (24 MMDiT layers, patch 2, 16 latent channels, 8x VAE) with narrower widths, so any code path
exercised by a test on 'tinysr-test' is the code path the full-size model runs. One exception, said where it is
defined: tinysr-cpu has 64 latent channels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

# The SD3 VAE latent scale. The official code ignores SD3's shift (0.0609): latent = sample * 1.5305.
SD3_SCALING_FACTOR = 1.5305

TinyVAEVariant = Literal["taesd-sepenc", "taesd", "taesd-sepboth", "sd3-64", "sd3-64-noattn", "unshuffle"]
# The paper's Tab. 3 variants (the profiler reports each), and the warm recipe's exact codec (models/codec.py).
TINY_VAE_VARIANTS: tuple[str, ...] = ("taesd-sepenc", "taesd", "taesd-sepboth", "sd3-64", "sd3-64-noattn")
EXACT_CODEC_VARIANT = "unshuffle"

ConditioningInit = Literal["zeros", "seeded"]

# What turns images into the teacher's latents: diffusers' AutoencoderKL (SD3's VAE, or one trained at small size), or
# `unshuffle`, an exact codec with no weights (pixel-unshuffle at the latent stride; models/codec.py).
VAECodec = Literal["autoencoder-kl", "unshuffle"]


@dataclass(frozen=True)
class TransformerConfig:
    """Constructor arguments of diffusers' SD3Transformer2DModel (SD3-medium defaults)."""

    sample_size: int = 128
    patch_size: int = 2
    in_channels: int = 16
    num_layers: int = 24
    attention_head_dim: int = 64
    num_attention_heads: int = 24
    joint_attention_dim: int = 4096
    caption_projection_dim: int = 1536
    pooled_projection_dim: int = 2048
    out_channels: int = 16
    pos_embed_max_size: int = 192

    @property
    def inner_dim(self) -> int:
        return self.num_attention_heads * self.attention_head_dim

    def to_diffusers_kwargs(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VAEConfig:
    """Constructor arguments of diffusers' AutoencoderKL in the SD3 layout, plus the teacher's latent scale."""

    in_channels: int = 3
    out_channels: int = 3
    block_out_channels: tuple[int, ...] = (128, 256, 512, 512)
    layers_per_block: int = 2
    latent_channels: int = 16
    norm_num_groups: int = 32
    sample_size: int = 1024
    scaling_factor: float = SD3_SCALING_FACTOR
    mid_block_add_attention: bool = True
    codec: VAECodec = "autoencoder-kl"

    def __post_init__(self) -> None:
        stride = 2 ** (len(self.block_out_channels) - 1)
        if self.codec == "unshuffle" and self.latent_channels != self.in_channels * stride * stride:
            raise ValueError(
                f"VAEConfig: the unshuffle codec at stride {stride} makes {self.in_channels * stride * stride} latent "
                f"channels, but latent_channels is {self.latent_channels}"
            )

    @property
    def stride(self) -> int:
        """Pixels per latent pixel (the 2x down-samplings between the levels of `block_out_channels`)."""
        return 2 ** (len(self.block_out_channels) - 1)

    def to_diffusers_kwargs(self) -> dict[str, Any]:
        levels = len(self.block_out_channels)
        return {
            "in_channels": self.in_channels,
            "out_channels": self.out_channels,
            "down_block_types": ("DownEncoderBlock2D",) * levels,
            "up_block_types": ("UpDecoderBlock2D",) * levels,
            "block_out_channels": tuple(self.block_out_channels),
            "layers_per_block": self.layers_per_block,
            "act_fn": "silu",
            "latent_channels": self.latent_channels,
            "norm_num_groups": self.norm_num_groups,
            "sample_size": self.sample_size,
            "scaling_factor": self.scaling_factor,
            # SD3's shift is stored for fidelity with the real config file; the one-step pipeline does not apply it.
            "shift_factor": 0.0609,
            "use_quant_conv": False,
            "use_post_quant_conv": False,
            "mid_block_add_attention": self.mid_block_add_attention,
        }


@dataclass(frozen=True)
class TinyVAEConfig:
    """The tiny VAE that replaces the SD3 VAE in the student (spec section 3), and its Tab. 3 ablation variants.

    Latent-scale convention: the tiny encoder outputs latents directly in the TRANSFORMER's latent space, i.e. it is
    trained to match `teacher_vae.encode(x).mean * 1.5305`, and the tiny decoder consumes that space. `latent_scale`
    exists only to load checkpoints made under another convention: `TinyVAE.encode` returns
    `encoder(x) * latent_scale` and `TinyVAE.decode` runs `decoder(latent / latent_scale)`. Ours is 1.0.
    """

    variant: TinyVAEVariant = "taesd-sepenc"
    channels: int = 64
    latent_channels: int = 16
    latent_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.variant not in (*TINY_VAE_VARIANTS, EXACT_CODEC_VARIANT):
            raise ValueError(
                f"TinyVAEConfig.variant: expected one of {TINY_VAE_VARIANTS} or {EXACT_CODEC_VARIANT}, got {self.variant!r}"
            )
        if self.variant == EXACT_CODEC_VARIANT and self.latent_channels != 3 * self.unshuffle_stride**2:
            raise ValueError(
                f"TinyVAEConfig: variant unshuffle needs 3 x stride^2 latent channels (48, 192, ...), got "
                f"{self.latent_channels}"
            )

    @property
    def unshuffle_stride(self) -> int:
        """The pixel-unshuffle stride of variant `unshuffle` (latent_channels = 3 x stride^2)."""
        return round((self.latent_channels / 3) ** 0.5)


# Placeholder keep-list for the full-size student: every second layer (0, 2, ..., 22), i.e. 2 of each group of 4 as the
# paper's 2:4 search space requires. The published keep-list is NOT public; replace this once mask learning
# (spec section 4) produces one. It is a config value, so a learned list is a new config, not a code change.
PLACEHOLDER_KEEP_24: tuple[int, ...] = tuple(range(0, 24, 2))


@dataclass(frozen=True)
class ModelConfig:
    """One named member of the family: teacher architecture + the student derived from it + its tiny VAE."""

    name: str
    transformer: TransformerConfig = field(default_factory=TransformerConfig)
    vae: VAEConfig = field(default_factory=VAEConfig)
    tiny_vae: TinyVAEConfig = field(default_factory=TinyVAEConfig)
    keep: tuple[int, ...] = PLACEHOLDER_KEEP_24  # the teacher layers the student keeps, ascending
    latent_tile: int = 64  # the student's fixed latent tile side (64 latent px = 512 HR px = 128 LR px)
    text_seq_len: int = 333  # tokens of the cached prompt sequence (CLIP-L/G 77 + T5 256)
    timestep: float = 1000.0
    conditioning_init: ConditioningInit = "seeded"  # what fills the prompt buffers when no cached file is given
    conditioning_seed: int = 0

    def __post_init__(self) -> None:
        layers = self.transformer.num_layers
        if not self.keep or list(self.keep) != sorted(set(self.keep)) or self.keep[0] < 0 or self.keep[-1] >= layers:
            raise ValueError(
                f"ModelConfig {self.name!r}: keep must be strictly ascending layer indices in [0, {layers}), "
                f"got {self.keep}"
            )
        if self.latent_tile % self.transformer.patch_size:
            raise ValueError(
                f"ModelConfig {self.name!r}: latent_tile {self.latent_tile} is not a multiple of patch_size "
                f"{self.transformer.patch_size}"
            )
        if self.latent_tile // self.transformer.patch_size > self.transformer.pos_embed_max_size:
            raise ValueError(
                f"ModelConfig {self.name!r}: latent_tile {self.latent_tile} needs "
                f"{self.latent_tile // self.transformer.patch_size} patches per side, more than pos_embed_max_size "
                f"{self.transformer.pos_embed_max_size}"
            )

    @property
    def vae_scale(self) -> int:
        """Pixels per latent pixel of the (teacher and tiny) VAE."""
        return self.vae.stride

    @property
    def hr_tile(self) -> int:
        return self.latent_tile * self.vae_scale

    @property
    def lr_tile(self) -> int:
        """The LR tile side the exported student pipeline accepts (it upscales x4 bicubically first)."""
        return self.hr_tile // 4


_SD3_MEDIUM = TransformerConfig()

# Width-reduced transformers with the SD3-medium structure (24 layers, patch 2, 16 latent channels).
_SMALL_TRANSFORMER = TransformerConfig(
    sample_size=32,
    num_attention_heads=4,
    attention_head_dim=32,
    joint_attention_dim=128,
    caption_projection_dim=128,
    pooled_projection_dim=128,
    pos_embed_max_size=48,
)
_TEST_TRANSFORMER = TransformerConfig(
    sample_size=32,
    num_attention_heads=2,
    attention_head_dim=16,
    joint_attention_dim=32,
    caption_projection_dim=32,
    pooled_projection_dim=32,
    pos_embed_max_size=48,
)

_CONFIGS: dict[str, ModelConfig] = {
    config.name: config
    for config in (
        # The teacher: SD3-medium + SD3 VAE; keeps every layer (no pruning).
        ModelConfig(name="tsdsr-sd3m", transformer=_SD3_MEDIUM, keep=tuple(range(24))),
        # The full-size student: 12 of 24 layers (placeholder keep-list, see PLACEHOLDER_KEEP_24).
        ModelConfig(name="tinysr", transformer=_SD3_MEDIUM),
        # Small enough to train on a CPU machine: 128-wide transformer, 256 px HR tiles.
        ModelConfig(
            name="tinysr-small",
            transformer=_SMALL_TRANSFORMER,
            vae=VAEConfig(block_out_channels=(32, 32, 64, 64), layers_per_block=1, norm_num_groups=8, sample_size=256),
            tiny_vae=TinyVAEConfig(channels=32),
            latent_tile=32,
            text_seq_len=16,
        ),
        # What 2 CPU cores can train in about an hour (configs/recipe-cpu.yaml): tinysr-small's widths at a 128 px HR
        # tile (16 x 16 latent, 64 tokens, ~4-6x cheaper per sample; 32 px LR tiles), and the one structural change:
        # 64 latent channels instead of 16. A VAE trained from scratch for minutes cannot learn SD3's 12x compression
        # (8 x 8 x 3 values into 16): measured here, the 16-channel teacher VAE was still at L1 0.22 on [-1, 1] after
        # 350 steps. 64 channels (3x) is a much easier code to learn; the transformer's patches grow from 64 to 256
        # values and its token count stays the same.
        ModelConfig(
            name="tinysr-cpu",
            transformer=replace(_SMALL_TRANSFORMER, in_channels=64, out_channels=64),
            vae=VAEConfig(
                block_out_channels=(32, 32, 64, 64),
                layers_per_block=1,
                norm_num_groups=8,
                sample_size=128,
                latent_channels=64,
            ),
            tiny_vae=TinyVAEConfig(channels=32, latent_channels=64),
            latent_tile=16,
            text_seq_len=16,
        ),
        # The warm-started recipe's size (configs/recipe-warm.yaml): tinysr-cpu's 128 px HR tile and widths, with the
        # exact `unshuffle` codec as the teacher's VAE (8 x 8 x 3 pixels -> 192 latent channels, lossless) and the
        # matching tiny VAE (the same encoder; the inverse plus a zero-initialised conv refinement as decoder). A token
        # (patch 2) covers 16 x 16 HR px = 4 x 4 LR px: 64 tokens per tile.
        ModelConfig(
            name="tinysr-warm",
            transformer=replace(_SMALL_TRANSFORMER, in_channels=192, out_channels=192),
            vae=VAEConfig(
                block_out_channels=(32, 32, 64, 64), sample_size=128, latent_channels=192, codec="unshuffle",
                scaling_factor=1.0,
            ),
            tiny_vae=TinyVAEConfig(variant="unshuffle", channels=32, latent_channels=192),
            latent_tile=16,
            text_seq_len=16,
        ),
        # For tests and app fixtures: 128 px LR tile -> 512 px HR via a 32-wide transformer and an 8-channel tiny VAE.
        ModelConfig(
            name="tinysr-test",
            transformer=_TEST_TRANSFORMER,
            vae=VAEConfig(block_out_channels=(8, 8, 16, 16), layers_per_block=1, norm_num_groups=4, sample_size=128),
            tiny_vae=TinyVAEConfig(channels=8),
            latent_tile=64,
            text_seq_len=8,
        ),
    )
}


def config_names() -> list[str]:
    return sorted(_CONFIGS)


def get_config(name: str) -> ModelConfig:
    try:
        return _CONFIGS[name]
    except KeyError:
        raise KeyError(f"unknown model config {name!r}; known configs: {', '.join(config_names())}") from None
