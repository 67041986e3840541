"""The tiny VAE and its Tab. 3 variants: parameter counts (spec sections 3 and 6), shapes, and the conventions
(range [-1, 1] on both sides, soft latent clamp in TAESD decoders, latent_scale)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tinysr_train.models import build_tiny_vae
from tinysr_train.models.tiny_vae import SepConv
from tinysr_train.registry import TINY_VAE_VARIANTS, TinyVAEConfig


def _millions(module: nn.Module) -> float:
    return sum(p.numel() for p in module.parameters()) / 1e6


def test_default_tiny_vae_counts_match_spec():
    vae = build_tiny_vae(TinyVAEConfig(), device="meta")
    assert _millions(vae.encoder) == pytest.approx(0.158, rel=0.01)
    assert _millions(vae.decoder) == pytest.approx(1.229, rel=0.01)
    assert _millions(vae) == pytest.approx(1.387, rel=0.01)


@pytest.mark.parametrize("variant, millions", [("taesd", 2.46), ("sd3-64", 2.07)])
def test_table3_variant_counts_match_spec(variant, millions):
    assert _millions(build_tiny_vae(TinyVAEConfig(variant=variant), device="meta")) == pytest.approx(millions, rel=0.01)


def test_separable_convs_only_where_the_variant_says():
    def has_sepconv(module: nn.Module) -> bool:
        return any(isinstance(m, SepConv) for m in module.modules())

    expected = {"taesd-sepenc": (True, False), "taesd": (False, False), "taesd-sepboth": (True, True)}
    for variant, (enc, dec) in expected.items():
        vae = build_tiny_vae(TinyVAEConfig(variant=variant), device="meta")
        assert (has_sepconv(vae.encoder), has_sepconv(vae.decoder)) == (enc, dec), variant


@pytest.mark.parametrize("variant", TINY_VAE_VARIANTS)
def test_attention_and_norms_only_in_the_sd3_layout_with_attention(variant):
    vae = build_tiny_vae(TinyVAEConfig(variant=variant), device="meta")
    kinds = {type(m).__name__ for m in vae.modules()}
    assert ("Attention" in kinds) == (variant == "sd3-64")
    assert ("GroupNorm" in kinds) == variant.startswith("sd3")


@pytest.mark.parametrize("variant", TINY_VAE_VARIANTS)
def test_shapes_round_trip(variant):
    torch.manual_seed(0)
    vae = build_tiny_vae(TinyVAEConfig(variant=variant, channels=8)).eval()
    image = torch.rand(2, 3, 32, 48) * 2 - 1
    with torch.no_grad():
        latent = vae.encode(image)
        assert latent.shape == (2, 16, 4, 6)
        assert vae.decode(latent).shape == (2, 3, 32, 48)


def test_taesd_encoder_reads_minus_one_to_one():
    """TAESD's layers expect [0, 1]; the encoder must do the mapping itself: encoder(x) == layers((x + 1) / 2)."""
    torch.manual_seed(0)
    vae = build_tiny_vae(TinyVAEConfig(channels=8)).eval()
    image = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(vae.encoder(image), vae.encoder.layers((image + 1) / 2), atol=1e-6)


def test_taesd_decoder_soft_clamps_latents_to_three():
    torch.manual_seed(0)
    vae = build_tiny_vae(TinyVAEConfig(channels=8)).eval()
    latent = torch.randn(1, 16, 4, 4)
    with torch.no_grad():
        huge = vae.decode(latent.sign() * 1e4)
        at_three = vae.decoder.layers(latent.sign() * 3) * 2 - 1
    assert torch.allclose(huge, at_three, atol=1e-5)


def test_latent_scale_is_applied_around_the_raw_modules():
    torch.manual_seed(0)
    vae = build_tiny_vae(TinyVAEConfig(channels=8, latent_scale=2.0)).eval()
    image, latent = torch.rand(1, 3, 16, 16) * 2 - 1, torch.randn(1, 16, 2, 2)
    with torch.no_grad():
        assert torch.allclose(vae.encode(image), vae.encoder(image) * 2.0)
        assert torch.allclose(vae.decode(latent), vae.decoder(latent / 2.0))


def test_state_dict_round_trip():
    torch.manual_seed(0)
    source = build_tiny_vae(TinyVAEConfig(channels=8))
    target = build_tiny_vae(TinyVAEConfig(channels=8))
    target.load_state_dict(source.state_dict())
    image = torch.rand(1, 3, 16, 16)
    with torch.no_grad():
        assert torch.equal(source.decode(source.encode(image)), target.decode(target.encode(image)))
