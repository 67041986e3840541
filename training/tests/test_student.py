"""The TinySR student: built from a teacher + keep-list, equivalent to the teacher's image stream, cacheable."""

from __future__ import annotations

import dataclasses

import pytest
import torch
import torch.nn.functional as F
from peft import LoraConfig, inject_adapter_in_model

from tinysr_train.models import TileSizeError, TinySRPipeline, TinySRTransformer, build_student, build_tiny_vae
from tinysr_train.registry import get_config

ALL_LAYERS = tuple(range(24))
# 2 of each group of 4, including the last (context-pre-only) layer.
IRREGULAR_KEEP = (0, 3, 5, 6, 8, 9, 13, 14, 16, 19, 22, 23)
STUDENT_LORA_TARGETS = ["to_k", "to_q", "to_v", "to_out.0", "proj", "linear", "linear_1", "linear_2", "net.2"]


def _latent(cfg, batch=2, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 16, cfg.latent_tile, cfg.latent_tile, generator=generator)


def _teacher_on_image_tokens(teacher, latent, skip_layers=None):
    """The teacher's transformer with a ZERO-LENGTH prompt sequence (same pooled vector, same timestep)."""
    empty = teacher.prompt_embeds[:, :0].expand(latent.shape[0], -1, -1)
    return teacher.transformer(
        hidden_states=latent,
        encoder_hidden_states=empty,
        pooled_projections=teacher.pooled_prompt_embeds.expand(latent.shape[0], -1),
        timestep=teacher.timesteps(latent.shape[0]),
        skip_layers=skip_layers,
        return_dict=False,
    )[0]


def test_full_size_cached_student_has_spec_parameter_count_on_meta():
    """Spec section 6: the cached 12-layer student transformer has 340.10M parameters."""
    student = build_student(get_config("tinysr"), device="meta").cache()
    assert all(p.is_meta for p in student.parameters())
    assert round(sum(p.numel() for p in student.parameters()) / 1e6, 2) == 340.10


def test_student_has_no_context_time_or_text_modules(tiny_teacher, test_cfg):
    student = build_student(test_cfg, tiny_teacher)
    names = [name for name, _ in student.named_parameters()]
    assert not [n for n in names if any(k in n for k in ("context", "add_", "time_text_embed", "to_add_out"))]
    assert len(student.transformer_blocks) == len(test_cfg.keep)


def test_modulation_vectors_equal_the_teachers_exactly(tiny_teacher, test_cfg):
    """Compared: for every kept layer, the six adaLN vectors the student computes from its `temb` buffer vs the teacher
    block's `norm1.linear(silu(time_text_embed(t=1000, pooled)))`; and norm_out's (scale, shift). Bitwise equal."""
    cfg = dataclasses.replace(test_cfg, keep=IRREGULAR_KEEP)
    student = build_student(cfg, tiny_teacher)
    with torch.no_grad():
        temb = tiny_teacher.time_embedding()
        assert torch.equal(student.temb, temb)
        for j, layer in enumerate(IRREGULAR_KEEP):
            teacher_norm = tiny_teacher.transformer.transformer_blocks[layer].norm1
            assert torch.equal(student.transformer_blocks[j].norm1(student.temb), teacher_norm.linear(F.silu(temb)))
        assert torch.equal(student.norm_out(student.temb), tiny_teacher.transformer.norm_out.linear(F.silu(temb)))


def test_keep_every_layer_equals_teacher_with_zero_length_context(tiny_teacher, test_cfg):
    """Compared: the student keeping all 24 layers (uncached) vs the teacher's SD3 transformer called with a
    zero-length prompt sequence (encoder_hidden_states of shape N x 0 x joint_dim), the same pooled vector and t=1000.

    With no context tokens the teacher's joint attention is exactly self-attention over the image tokens, and the
    context stream cannot reach the image stream, so both compute the same function of the latent: the whole predicted
    latent (every image token) must agree to float rounding. With the real (non-empty) prompt the outputs must differ:
    that is the context the student drops, and it shows the comparison is not vacuous."""
    student = build_student(dataclasses.replace(test_cfg, keep=ALL_LAYERS), tiny_teacher).eval()
    latent = _latent(test_cfg)
    with torch.no_grad():
        ours = student(latent)
        teacher_image_only = _teacher_on_image_tokens(tiny_teacher, latent)
        teacher_with_prompt = tiny_teacher.predict(latent)
    assert torch.allclose(ours, teacher_image_only, atol=1e-5, rtol=1e-5)
    assert (ours - teacher_with_prompt).abs().max() > 1e-3


def test_keep_list_equals_teacher_skipping_the_other_layers(tiny_teacher, test_cfg):
    """Compared: a 12-layer student with an irregular keep-list vs the teacher run with diffusers' `skip_layers` = the
    other 12 layers and a zero-length prompt sequence; the whole predicted latent must agree to float rounding."""
    student = build_student(dataclasses.replace(test_cfg, keep=IRREGULAR_KEEP), tiny_teacher).eval()
    latent = _latent(test_cfg, seed=1)
    skipped = [i for i in ALL_LAYERS if i not in IRREGULAR_KEEP]
    with torch.no_grad():
        assert torch.allclose(
            student(latent), _teacher_on_image_tokens(tiny_teacher, latent, skipped), atol=1e-5, rtol=1e-5
        )


def test_cached_equals_uncached_and_drops_the_modulation_modules(tiny_teacher, test_cfg):
    student = build_student(test_cfg, tiny_teacher).eval()
    latent = _latent(test_cfg, seed=2)
    params_before = sum(p.numel() for p in student.parameters())
    with torch.no_grad():
        uncached = student(latent)
        student.cache()
        cached = student(latent)
    assert torch.allclose(cached, uncached, atol=1e-6)
    names = [name for name, _ in student.named_parameters()] + [name for name, _ in student.named_buffers()]
    assert not [n for n in names if ".linear." in n or n == "temb"]
    dim = test_cfg.transformer.inner_dim
    dropped = len(test_cfg.keep) * (dim * 6 * dim + 6 * dim) + (dim * 2 * dim + 2 * dim)
    assert params_before - sum(p.numel() for p in student.parameters()) == dropped
    assert student.cache() is student and student.is_cached


def test_cached_state_dict_loads_into_a_cached_skeleton(tiny_teacher, test_cfg):
    source = build_student(test_cfg, tiny_teacher).cache().eval()
    target = TinySRTransformer(test_cfg).cache().eval()
    target.load_state_dict(source.state_dict(), strict=True)
    latent = _latent(test_cfg, batch=1)
    with torch.no_grad():
        assert torch.equal(source(latent), target(latent))


@pytest.mark.parametrize("cached", [True, False])
@pytest.mark.parametrize("shape", [(1, 16, 32, 32), (1, 16, 64, 72), (1, 4, 64, 64), (16, 64, 64)])
def test_wrong_latent_size_is_refused_clearly(tiny_teacher, test_cfg, cached, shape):
    student = build_student(test_cfg, tiny_teacher)
    if cached:
        student.cache()
    with pytest.raises(TileSizeError) as err:
        student(torch.zeros(shape))
    message = str(err.value)
    assert "N x 16 x 64 x 64" in message and str(tuple(shape)) in message
    assert ("cached" in message) == cached


def test_uncached_modulation_is_trainable(tiny_teacher, test_cfg):
    student = build_student(test_cfg, tiny_teacher)
    student(_latent(test_cfg, batch=1)).square().mean().backward()
    assert student.transformer_blocks[0].norm1.linear.weight.grad is not None
    assert student.norm_out.linear.weight.grad is not None
    assert "temb" not in dict(student.named_parameters())


def test_student_lora_targets_of_the_paper_apply(tiny_teacher, test_cfg):
    """Spec section 2's student LoRA target list must find the student's modules under the SD3 names."""
    student = build_student(test_cfg, tiny_teacher)
    inject_adapter_in_model(LoraConfig(r=4, lora_alpha=4, target_modules=STUDENT_LORA_TARGETS), student)
    wrapped = {name.split(".lora_A")[0] for name, _ in student.named_parameters() if ".lora_A" in name}
    block = "transformer_blocks.0"
    for module in ("attn.to_q", "attn.to_out.0", "ff.net.0.proj", "ff.net.2", "norm1.linear"):
        assert f"{block}.{module}" in wrapped, module
    assert {"norm_out.linear", "pos_embed.proj"} <= wrapped
    with torch.no_grad():
        assert student(_latent(test_cfg, batch=1)).shape == (1, 16, 64, 64)


def test_teacher_of_other_sizes_is_refused(tiny_teacher):
    with pytest.raises(ValueError, match="use a config of the teacher's sizes"):
        build_student(get_config("tinysr-small"), tiny_teacher)


def test_random_student_from_config_needs_no_teacher(test_cfg):
    torch.manual_seed(0)
    student = build_student(test_cfg)
    with torch.no_grad():
        assert student(_latent(test_cfg, batch=1)).shape == (1, 16, 64, 64)


def test_pipeline_composes_bicubic_tiny_vae_and_one_student_step(tiny_teacher, test_cfg):
    """TinySRPipeline(lr) == clamp((tiny_decode(z - student(z)) + 1) / 2), z = tiny_encode(bicubic_x4(lr) * 2 - 1);
    unchanged by cache(); no colour fix inside."""
    torch.manual_seed(0)
    student, tiny_vae = build_student(test_cfg, tiny_teacher).eval(), build_tiny_vae(test_cfg.tiny_vae).eval()
    pipeline = TinySRPipeline(student, tiny_vae)
    lr = torch.rand(1, 3, 128, 128, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        latent = tiny_vae.encode(F.interpolate(lr, size=(512, 512), mode="bicubic", align_corners=False) * 2 - 1)
        expected = ((tiny_vae.decode(latent - student(latent)) + 1) / 2).clamp(0, 1)
        hr = pipeline(lr)
        assert hr.shape == (1, 3, 512, 512) and torch.allclose(hr, expected, atol=1e-6)
        assert pipeline.cache() is pipeline and student.is_cached
        assert torch.allclose(pipeline(lr), expected, atol=1e-5)


def test_pipeline_refuses_other_tile_sizes(tiny_teacher, test_cfg):
    pipeline = TinySRPipeline(build_student(test_cfg, tiny_teacher), build_tiny_vae(test_cfg.tiny_vae))
    with pytest.raises(TileSizeError, match=r"N x 3 x 128 x 128 LR tiles.*\(1, 3, 96, 128\)"):
        pipeline(torch.rand(1, 3, 96, 128))
