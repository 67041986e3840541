"""The TSD-SR teacher: one-step inference per spec section 1 and loading real-layout weights (importer (a))."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from peft import LoraConfig, get_peft_model_state_dict, inject_adapter_in_model
from safetensors.torch import save_file

from tinysr_train.models import (
    MissingWeightsError,
    TSDSRTeacher,
    adain_color_fix,
    build_teacher,
    make_conditioning,
    save_conditioning,
    teacher_process_size,
    wavelet_color_fix,
)
from tinysr_train.registry import get_config

# Spec section 1: TSD-SR's transformer LoRA targets; its VAE LoRA sits on the encoder only.
TRANSFORMER_LORA_TARGETS = [
    "to_q", "to_k", "to_v", "to_out.0", "add_q_proj", "add_k_proj", "add_v_proj", "proj", "linear", "proj_out"
]
VAE_ENCODER_LORA_TARGETS = r"encoder\..*(conv_in|conv1|conv2|conv_out|to_q|to_k|to_v|to_out\.0)"
LORA_RANK, LORA_ALPHA = 4, 8


def _rand(*shape, seed=0, low=0.0, high=1.0):
    return low + (high - low) * torch.rand(shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize(
    "lr_size, work_size",
    [((128, 128), (512, 512)), ((130, 203), (520, 808)), ((32, 40), (512, 640)), ((100, 300), (512, 1536))],
)
def test_process_size_rule(lr_size, work_size):
    assert teacher_process_size(*lr_size) == work_size


def test_forward_is_the_one_step_recipe(tiny_teacher):
    """forward(lr, 'none') == decode(encode_mean(bicubic x4, [-1,1]) * 1.5305 - transformer(t=1000)) / 1.5305, written
    here directly against diffusers' classes."""
    lr = _rand(1, 3, 128, 128)
    transformer, vae = tiny_teacher.transformer, tiny_teacher.vae
    with torch.no_grad():
        image = F.interpolate(lr, size=(512, 512), mode="bicubic", align_corners=False) * 2 - 1
        latent = vae.encode(image).latent_dist.mean * 1.5305
        prediction = transformer(
            hidden_states=latent,
            encoder_hidden_states=tiny_teacher.prompt_embeds,
            pooled_projections=tiny_teacher.pooled_prompt_embeds,
            timestep=torch.tensor([1000.0]),
        ).sample
        expected = (vae.decode((latent - prediction) / 1.5305).sample.clamp(-1, 1) + 1) / 2
        assert torch.allclose(tiny_teacher(lr, color_fix="none"), expected, atol=1e-5)


def test_small_input_is_processed_at_128_and_returned_at_4x_with_colour_fix(tiny_teacher):
    """A 16 x 20 LR is worked on at 128 x 160 LR (512 x 640 HR), resized back to 64 x 80, then colour-fixed against
    the bicubic x4 LR."""
    lr = _rand(1, 3, 16, 20, seed=1)
    with torch.no_grad():
        raw = tiny_teacher(lr, color_fix="none")
        adain = tiny_teacher(lr, color_fix="adain")
        wavelet = tiny_teacher(lr, color_fix="wavelet")
    assert raw.shape == adain.shape == wavelet.shape == (1, 3, 64, 80)
    assert raw.min() >= 0 and raw.max() <= 1
    lr_up = F.interpolate(lr, size=(64, 80), mode="bicubic", align_corners=False).clamp(0, 1)
    assert torch.allclose(adain, adain_color_fix(raw, lr_up), atol=1e-6)
    assert torch.allclose(wavelet, wavelet_color_fix(raw, lr_up), atol=1e-6)


def test_bad_arguments_are_refused(tiny_teacher):
    with pytest.raises(ValueError, match="color_fix"):
        tiny_teacher(_rand(1, 3, 8, 8), color_fix="histogram")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="N x 3 x h x w"):
        tiny_teacher(_rand(3, 8, 8))
    # tinysr-test's positional grid (48 patches) bounds the teacher to 768 px HR; 16 x 200 LR works at 512 x 6400.
    with pytest.raises(ValueError, match=r"up to 768 px per HR side.*16 x 200 needs 512 x 6400"):
        tiny_teacher(_rand(1, 3, 16, 200))


def test_configured_conditioning_constants():
    cfg = get_config("tinysr-test")
    seq, pooled = make_conditioning(cfg)
    assert seq.shape == (1, cfg.text_seq_len, 32) and pooled.shape == (1, 32)
    again, _ = make_conditioning(cfg)
    assert torch.equal(seq, again) and seq.std() > 0.5
    zeros, zero_pooled = make_conditioning(dataclasses.replace(cfg, conditioning_init="zeros"))
    assert not zeros.any() and not zero_pooled.any()


def _random_lora(targets: list[str] | str) -> LoraConfig:
    # init_lora_weights=False leaves B random (not zero), so the LoRA visibly changes the outputs.
    return LoraConfig(r=LORA_RANK, lora_alpha=LORA_ALPHA, init_lora_weights=False, target_modules=targets)


@pytest.fixture(scope="module")
def saved_teacher(tiny_teacher, tmp_path_factory):
    """The tiny teacher written in the real layouts, and the reference it must load back as (LoRA applied unmerged)."""
    root = tmp_path_factory.mktemp("tsdsr")
    tiny_teacher.transformer.save_pretrained(root / "transformer")
    tiny_teacher.vae.save_pretrained(root / "vae")
    save_conditioning(root / "conditioning.safetensors", tiny_teacher.prompt_embeds, tiny_teacher.pooled_prompt_embeds)
    torch.manual_seed(7)
    transformer = inject_adapter_in_model(
        _random_lora(TRANSFORMER_LORA_TARGETS), copy.deepcopy(tiny_teacher.transformer)
    )
    vae = inject_adapter_in_model(_random_lora(VAE_ENCODER_LORA_TARGETS), copy.deepcopy(tiny_teacher.vae))
    (root / "lora").mkdir()
    # diffusers' layout ("transformer.<module>.lora_A.weight") for the transformer, PEFT's in-model keys for the VAE.
    transformer_lora = {f"transformer.{k}": v for k, v in get_peft_model_state_dict(transformer).items()}
    save_file(transformer_lora, str(root / "lora/transformer.safetensors"))
    vae_lora = {k: v.contiguous() for k, v in vae.state_dict().items() if ".lora_" in k}
    save_file(vae_lora, str(root / "lora/vae.safetensors"))
    reference = TSDSRTeacher(
        tiny_teacher.config, transformer, vae, tiny_teacher.prompt_embeds, tiny_teacher.pooled_prompt_embeds
    )
    return root, reference.eval()


def _load(root: Path, lora: bool | Path, **kwargs) -> TSDSRTeacher:
    """Loads the teacher saved under `root`; `lora` is True (its own LoRA folder), False (none) or another folder."""
    return TSDSRTeacher.from_pretrained(
        root / "transformer",
        root / "vae",
        kwargs.pop("conditioning", root / "conditioning.safetensors"),
        lora_dir=root / "lora" if lora is True else (lora or None),
        cfg=kwargs.pop("cfg", get_config("tinysr-test")),
        **kwargs,
    )


def test_round_trip_without_lora_is_exact(saved_teacher, tiny_teacher):
    loaded = _load(saved_teacher[0], lora=False)
    expected = tiny_teacher.state_dict()
    assert loaded.state_dict().keys() == expected.keys()
    assert all(torch.equal(v, expected[k]) for k, v in loaded.state_dict().items())


def test_round_trip_with_lora_merges_it(saved_teacher, tiny_teacher):
    root, reference = saved_teacher
    loaded = _load(root, lora=True, lora_alpha=LORA_ALPHA)
    latent = torch.randn(1, 16, 64, 64, generator=torch.Generator().manual_seed(3))
    image = _rand(1, 3, 64, 64, seed=4, low=-1.0)
    with torch.no_grad():
        ours, theirs = loaded.predict(latent), reference.predict(latent)
        assert not torch.allclose(ours, tiny_teacher.predict(latent), atol=1e-3)  # the LoRA changed something
        assert torch.allclose(ours, theirs, rtol=1e-4, atol=1e-4 * theirs.abs().max().item())
        encoded, expected_encoded = loaded.encode(image), reference.encode(image)
        assert not torch.allclose(encoded, tiny_teacher.encode(image), atol=1e-3)
        assert torch.allclose(encoded, expected_encoded, rtol=1e-4, atol=1e-4 * expected_encoded.abs().max().item())
    decoder = tiny_teacher.vae.decoder.state_dict()
    assert all(torch.equal(v, decoder[k]) for k, v in loaded.vae.decoder.state_dict().items())


def test_missing_files_are_all_named(tmp_path):
    with pytest.raises(MissingWeightsError) as err:
        TSDSRTeacher.from_pretrained(tmp_path / "t", tmp_path / "v", tmp_path / "emb", lora_dir=tmp_path / "l")
    expected = [
        tmp_path / "t/config.json",
        tmp_path / "t/diffusion_pytorch_model.safetensors",
        tmp_path / "v/config.json",
        tmp_path / "v/diffusion_pytorch_model.safetensors",
        tmp_path / "emb/prompt_embeds.pt",
        tmp_path / "emb/pool_embeds.pt",
        tmp_path / "l/transformer.safetensors",
        tmp_path / "l/vae.safetensors",
    ]
    assert isinstance(err.value, FileNotFoundError) and err.value.missing == expected
    assert all(str(path) in str(err.value) for path in expected)


def test_one_missing_lora_file_is_named_alone(saved_teacher, tmp_path):
    root = saved_teacher[0]
    (tmp_path / "lora").mkdir()
    (tmp_path / "lora/transformer.safetensors").write_bytes((root / "lora/transformer.safetensors").read_bytes())
    with pytest.raises(MissingWeightsError) as err:
        _load(root, lora=tmp_path / "lora")
    assert err.value.missing == [tmp_path / "lora/vae.safetensors"]


def test_official_embedding_folder_loads(saved_teacher, tiny_teacher, tmp_path):
    torch.save(tiny_teacher.prompt_embeds.clone(), tmp_path / "prompt_embeds.pt")
    torch.save(tiny_teacher.pooled_prompt_embeds[0].clone(), tmp_path / "pool_embeds.pt")  # unbatched is accepted
    loaded = _load(saved_teacher[0], lora=False, conditioning=tmp_path)
    assert torch.equal(loaded.prompt_embeds, tiny_teacher.prompt_embeds)
    assert torch.equal(loaded.pooled_prompt_embeds, tiny_teacher.pooled_prompt_embeds)


def test_weights_of_another_size_are_refused(saved_teacher):
    with pytest.raises(ValueError, match=r"transformer/config.json does not match.*num_attention_heads"):
        _load(saved_teacher[0], lora=False, cfg=get_config("tinysr-small"))


def test_lora_for_unknown_modules_is_refused(saved_teacher, tmp_path):
    root = saved_teacher[0]
    (tmp_path / "lora").mkdir()
    (tmp_path / "lora/vae.safetensors").write_bytes((root / "lora/vae.safetensors").read_bytes())
    save_file(
        {
            "transformer.blocks.0.q.lora_A.weight": torch.zeros(4, 32),
            "transformer.blocks.0.q.lora_B.weight": torch.zeros(32, 4),
        },
        str(tmp_path / "lora/transformer.safetensors"),
    )
    with pytest.raises(ValueError, match="blocks.0.q"):
        _load(root, lora=tmp_path / "lora")


def test_full_size_teacher_builds_on_meta_without_weights():
    teacher = build_teacher(get_config("tsdsr-sd3m"), device="meta")
    assert teacher.prompt_embeds.shape == (1, 333, 4096) and teacher.pooled_prompt_embeds.is_meta
    assert teacher.time_embedding().shape == (1, 1536)


def test_conditioning_is_drawn_on_the_cpu_inside_a_device_context():
    # The GPU run built the pruned student inside `with torch.device("cuda")`; the CPU generator then met a CUDA draw.
    # A meta-device context reproduces that mismatch on a CPU-only machine.
    cfg = get_config("tinysr-test")
    expected = make_conditioning(cfg)
    with torch.device("meta"):
        seq, pooled = make_conditioning(cfg, device="cpu")
    assert torch.equal(seq, expected[0]) and torch.equal(pooled, expected[1])
