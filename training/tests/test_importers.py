"""Importer (b): the authors' TinySR release layout, written here with random weights at the 'tinysr-test' size,
imported into a TinySRPipeline and exported for the app.

The reference for the round trip is the saved pruned transformer with the LoRA attached by PEFT and NOT merged, run by
diffusers with a zero-length context: at t=1000 with the same pooled prompt, its image stream is exactly the student's
computation (joint attention over image tokens only), so equality checks the file layout, the key mapping, the LoRA
merge and the conditioning together. Compared: the student's prediction (uncached and cached) for random latents.
"""

from __future__ import annotations

import json
from pathlib import Path

import onnxruntime
import pytest
import torch
from diffusers import SD3Transformer2DModel
from peft import LoraConfig
from peft.utils import get_peft_model_state_dict
from safetensors.torch import load_file, save_file

from tinysr_train.cli import main
from tinysr_train.importers.errors import ImportWeightsError
from tinysr_train.importers.tinysr_release import (
    CONTEXT_STREAM_MARKERS,
    STUDENT_LORA_TARGETS,
    ReleaseFiles,
    import_tinysr,
)
from tinysr_train.models import MissingWeightsError, build_tiny_vae
from tinysr_train.registry import get_config

REGISTRY = "tinysr-test"
LORA_RANK = 4
PRUNED_DEPTH = 12
# float32 through 12 blocks at width 32: merged vs unmerged LoRA differ only by summation order.
ATOL = 1e-5


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A TinySR release in the authors' layout, plus the unmerged PEFT transformer it came from."""
    root = tmp_path_factory.mktemp("tinysr-release")
    cfg = get_config(REGISTRY)
    torch.manual_seed(0)
    kwargs = {**cfg.transformer.to_diffusers_kwargs(), "num_layers": PRUNED_DEPTH}
    transformer = SD3Transformer2DModel(**kwargs).eval()
    transformer_dir = root / "tinybackbone" / "prune-12-merge-tinysr" / "transformer"
    transformer.save_pretrained(transformer_dir)

    transformer.add_adapter(
        LoraConfig(
            r=LORA_RANK, lora_alpha=LORA_RANK, init_lora_weights="gaussian", target_modules=list(STUDENT_LORA_TARGETS)
        )
    )
    with torch.no_grad():
        for name, param in transformer.named_parameters():
            if "lora_B" in name:  # PEFT starts B at zero; a zero LoRA would make the merge untestable
                param.normal_(0.0, 0.05)
    lora_state = {
        f"transformer.{key}": value.contiguous()
        for key, value in get_peft_model_state_dict(transformer).items()
        # The authors' student has no context stream, so their file has no LoRA on it.
        if not any(marker in key for marker in CONTEXT_STREAM_MARKERS)
    }
    lora_file = root / "tinysr" / "transformer.safetensors"
    lora_file.parent.mkdir(parents=True)
    save_file(lora_state, str(lora_file))

    vae = build_tiny_vae(cfg.tiny_vae)
    vae_dir = root / "vae" / "separable"
    vae_dir.mkdir(parents=True)
    vae_state = {k: v.contiguous() for k, v in vae.state_dict().items()}
    save_file(vae_state, str(vae_dir / "diffusion_pytorch_model.safetensors"))
    (vae_dir / "config.json").write_text(json.dumps({"_class_name": "AutoencoderTiny", "scaling_factor": 1.0}))

    pooled = torch.randn(1, cfg.transformer.pooled_projection_dim)
    conditioning = root / "default" / "pool_embeds.pt"
    conditioning.parent.mkdir()
    torch.save(pooled, conditioning)
    return {
        "root": root,
        "transformer_parent": transformer_dir.parent,
        "lora": lora_file,
        "vae": vae_dir,
        "conditioning": conditioning,
        "reference": transformer,
        "vae_state": vae.state_dict(),
        "pooled": pooled,
    }


def _files(release: dict, **changes: Path) -> ReleaseFiles:
    paths = {
        "transformer": release["transformer_parent"],
        "lora": release["lora"],
        "vae": release["vae"],
        "conditioning": release["conditioning"],
    }
    return ReleaseFiles.resolve(**{**paths, **changes})


def _reference_prediction(release: dict, latent: torch.Tensor) -> torch.Tensor:
    reference: SD3Transformer2DModel = release["reference"]
    batch = latent.shape[0]
    empty_context = torch.zeros(batch, 0, reference.config.joint_attention_dim)
    with torch.no_grad():
        return reference(
            hidden_states=latent,
            encoder_hidden_states=empty_context,
            pooled_projections=release["pooled"].expand(batch, -1),
            timestep=torch.full((batch,), get_config(REGISTRY).timestep),
            return_dict=False,
        )[0]


def test_imported_student_equals_the_unmerged_peft_transformer(release: dict) -> None:
    cfg = get_config(REGISTRY)
    pipeline = import_tinysr(_files(release), cfg)
    latent = torch.randn(2, 16, cfg.latent_tile, cfg.latent_tile, generator=torch.Generator().manual_seed(1))
    expected = _reference_prediction(release, latent)
    with torch.no_grad():
        uncached = pipeline.student(latent)
        cached = pipeline.cache().student(latent)
    # The LoRA really changes the output: a merge that dropped it would fail here, not pass by accident.
    release["reference"].disable_adapters()
    try:
        without_lora = _reference_prediction(release, latent)
    finally:
        release["reference"].enable_adapters()
    assert (expected - without_lora).abs().max() > 100 * ATOL
    torch.testing.assert_close(uncached, expected, atol=ATOL, rtol=0)
    torch.testing.assert_close(cached, expected, atol=ATOL, rtol=0)
    for key, value in release["vae_state"].items():
        torch.testing.assert_close(pipeline.tiny_vae.state_dict()[key], value, atol=0, rtol=0)


def test_tolerates_the_authors_extras_and_absent_context_stream(tmp_path: Path, release: dict) -> None:
    """Their pruned class may save cached-modulation buffers and a cropped pos_embed, and lack the context stream."""
    cfg = get_config(REGISTRY)
    source = release["transformer_parent"] / "transformer"
    variant = tmp_path / "transformer"
    variant.mkdir()
    (variant / "config.json").write_text((source / "config.json").read_text())
    state = load_file(str(source / "diffusion_pytorch_model.safetensors"))
    state = {k: v for k, v in state.items() if not any(marker in k for marker in CONTEXT_STREAM_MARKERS)}
    state.update({"scale": torch.zeros(0), "shift": torch.zeros(0), "transformer_blocks.0.gate_msa": torch.zeros(0)})
    state["pos_embed.pos_embed"] = torch.zeros(1, (cfg.latent_tile // 2) ** 2, cfg.transformer.inner_dim)
    save_file(state, str(variant / "diffusion_pytorch_model.safetensors"))
    pipeline = import_tinysr(_files(release, transformer=variant), cfg)
    latent = torch.randn(1, 16, cfg.latent_tile, cfg.latent_tile, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        torch.testing.assert_close(pipeline.student(latent), _reference_prediction(release, latent), atol=ATOL, rtol=0)


def test_tiny_vae_of_another_latent_scale_is_refused(tmp_path: Path, release: dict) -> None:
    vae_dir = tmp_path / "vae"
    vae_dir.mkdir()
    (vae_dir / "diffusion_pytorch_model.safetensors").write_bytes(
        (release["vae"] / "diffusion_pytorch_model.safetensors").read_bytes()
    )
    (vae_dir / "config.json").write_text(json.dumps({"scaling_factor": 1.5305}))
    with pytest.raises(ImportWeightsError) as caught:
        import_tinysr(_files(release, vae=vae_dir), get_config(REGISTRY))
    assert caught.value.code == "IMPORT_CONFIG_MISMATCH"
    assert "latent_scale: registry 1.0, release 1.5305" in str(caught.value)


def test_missing_files_are_each_named(tmp_path: Path, release: dict) -> None:
    absent = tmp_path / "absent"
    files = _files(
        release, transformer=absent / "transformer", vae=absent / "vae", conditioning=absent / "pool_embeds.pt"
    )
    with pytest.raises(MissingWeightsError) as caught:
        import_tinysr(files, get_config(REGISTRY))
    message = str(caught.value)
    for name in ("transformer/config.json", "transformer/diffusion_pytorch_model.safetensors",
                 "vae/diffusion_pytorch_model.safetensors", "pool_embeds.pt"):
        assert str(absent / name) in message
    assert str(release["lora"]) not in message  # present files are not listed


def test_lora_key_mismatch_names_missing_and_unexpected_keys(tmp_path: Path, release: dict) -> None:
    state = load_file(str(release["lora"]))
    dropped = "transformer.transformer_blocks.3.attn.to_q.lora_A.weight"
    state.pop(dropped)
    state.pop(dropped.replace("lora_A", "lora_B"))
    state["transformer.transformer_blocks.99.attn.to_q.lora_A.weight"] = torch.zeros(LORA_RANK, 32)
    state["transformer.transformer_blocks.99.attn.to_q.lora_B.weight"] = torch.zeros(32, LORA_RANK)
    broken = tmp_path / "transformer.safetensors"
    save_file(state, str(broken))
    with pytest.raises(ImportWeightsError) as caught:
        import_tinysr(_files(release, lora=broken), get_config(REGISTRY))
    assert caught.value.code == "IMPORT_KEY_MISMATCH"
    assert f"1 missing key(s): {dropped}." in str(caught.value)
    assert "1 unexpected key(s): transformer.transformer_blocks.99.attn.to_q.lora_A.weight." in str(caught.value)


def test_transformer_key_mismatch_names_the_keys(tmp_path: Path, release: dict) -> None:
    source = release["transformer_parent"] / "transformer"
    broken = tmp_path / "transformer"
    broken.mkdir()
    (broken / "config.json").write_text((source / "config.json").read_text())
    state = load_file(str(source / "diffusion_pytorch_model.safetensors"))
    state["proj_output.weight"] = state.pop("proj_out.weight")
    save_file(state, str(broken / "diffusion_pytorch_model.safetensors"))
    with pytest.raises(ImportWeightsError) as caught:
        import_tinysr(_files(release, transformer=broken), get_config(REGISTRY))
    assert "missing key(s): proj_out.weight" in str(caught.value)
    assert "unexpected key(s): proj_output.weight" in str(caught.value)


def test_import_command_exports_an_app_ready_model(tmp_path: Path, release: dict) -> None:
    out = tmp_path / "native-models" / "tinysr-imported"
    checkpoint = tmp_path / "imported.pt"
    code = main([
        "import-tinysr",
        "--transformer", str(release["transformer_parent"]),
        "--lora", str(release["lora"]),
        "--vae", str(release["vae"]),
        "--conditioning", str(release["conditioning"]),
        "--out", str(out),
        "--registry", REGISTRY,
        "--checkpoint", str(checkpoint),
        "export.fp16=false",
        "export.name=TinySR imported (test)",
    ])
    assert code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["id"] == "tinysr-imported"
    assert manifest["provenance"]["weights"] == "imported"
    assert manifest["provenance"]["config"]["import"]["lora"] == str(release["lora"])
    assert manifest["tile"] == {"mode": "fixed", "size": get_config(REGISTRY).lr_tile}
    assert checkpoint.is_file()
    # The app's graph computes what the imported pipeline computes (the checkpoint -> registry pipeline path is exact).
    side = get_config(REGISTRY).lr_tile
    tile = torch.rand(1, 3, side, side, generator=torch.Generator().manual_seed(3))
    session = onnxruntime.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    onnx_out = session.run(None, {manifest["io"]["input"]: tile.numpy()})[0]
    with torch.no_grad():
        expected = import_tinysr(_files(release), get_config(REGISTRY)).cache()(tile)
    torch.testing.assert_close(torch.from_numpy(onnx_out), expected, atol=1e-4, rtol=0)


def test_import_command_reports_missing_files_as_an_error_code(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main([
        "import-tinysr", "--transformer", str(tmp_path / "t"), "--lora", str(tmp_path / "l.safetensors"),
        "--vae", str(tmp_path / "v"), "--out", str(tmp_path / "out"), "--registry", REGISTRY,
    ])
    assert code == 2
    err = capsys.readouterr().err
    assert "error [MISSING_WEIGHTS]" in err
    assert str(tmp_path / "l.safetensors") in err
    assert not (tmp_path / "out").exists()
