"""The training cache (tinysr_train.data.cache / cache_build / reference_teacher): pixels with the random stand-in
reference, latents with a tinysr-test teacher, PairCache reads and sampling, resume and staleness, the command.

Tiny synthetic pairs (HQ 64 / LQ 16) made by make_pairs in a temporary folder; never /work/shared/data.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from tinysr_train.cli import main
from tinysr_train.data import DataError, PairCache, make_pairs
from tinysr_train.data.cache import LATENTS_FILE, META_FILE, PIXELS_FILE
from tinysr_train.data.cache_build import CacheOutcome, build_latent_cache, build_pixel_cache
from tinysr_train.data.reference_teacher import load_reference_teacher, upscale_uint8
from tinysr_train.models import TSDSRTeacher
from tinysr_train.reference.errors import ReferenceModelError
from tinysr_train.train.teacher_latent import encode_lq

HQ, LQ = 64, 16
TEACHER = {"checkpoint": "runs/test/teacher-latent/step-000002.pt", "config_hash": "abc"}


def write_photos(folder: Path, count: int = 2) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(count):
        rng = np.random.default_rng(index)
        ramp = np.linspace(0, 255, 80, dtype=np.float64)
        pixels = np.stack([ramp[None, :].repeat(80, 0), ramp[:, None].repeat(80, 1), rng.uniform(0, 255, (80, 80))], -1)
        Image.fromarray(pixels.astype(np.uint8)).save(folder / f"photo{index}.png")


@pytest.fixture()
def pairs_dir(tmp_path: Path) -> Path:
    write_photos(tmp_path / "photos")
    make_pairs(tmp_path / "photos", tmp_path / "pairs", seed=0, hq_size=HQ, lq_size=LQ, n_per_image=2)
    return tmp_path / "pairs"


def pixel_cache(pairs_dir: Path, cache_dir: Path, seed: int = 0) -> CacheOutcome:
    reference = load_reference_teacher("random-init", seed)
    return build_pixel_cache(pairs_dir, cache_dir, reference, batch_size=3, device="cpu", config_hash="h")


def test_pixel_cache_round_trip_and_resume(pairs_dir: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    outcome = pixel_cache(pairs_dir, cache_dir)
    assert outcome.built and outcome.count == 4
    stored = torch.load(cache_dir / PIXELS_FILE, weights_only=True)
    assert set(stored) == {"names", "lq", "hq", "ref"}
    assert stored["names"] == ["photo0_000.png", "photo0_001.png", "photo1_000.png", "photo1_001.png"]
    assert stored["lq"].dtype == torch.uint8 and stored["lq"].shape == (4, 3, LQ, LQ)
    assert stored["hq"].shape == stored["ref"].shape == (4, 3, HQ, HQ)
    reference = load_reference_teacher("random-init", 0)
    assert torch.equal(stored["ref"], upscale_uint8(reference.module, stored["lq"]))  # batching changes nothing
    with Image.open(pairs_dir / "hq" / "photo1_000.png") as hq:
        assert torch.equal(stored["hq"][2], torch.from_numpy(np.array(hq)).permute(2, 0, 1))

    meta = json.loads((cache_dir / META_FILE).read_text())
    assert meta["pixels"]["count"] == 4 and meta["pixels"]["config_hash"] == "h"
    assert meta["pixels"]["reference"]["model"] == "random-init" and meta["pixels"]["reference"]["sha256"] is None
    assert meta["pixels"]["pairs_settings"]["usm"] is True

    assert not pixel_cache(pairs_dir, cache_dir).built  # a rerun finds it up to date
    with pytest.raises(DataError, match="differing: reference_id") as caught:
        pixel_cache(pairs_dir, cache_dir, seed=1)  # another reference: refused, not overwritten
    assert caught.value.code == "DATA_CACHE_STALE"

    cache = PairCache.load(cache_dir)
    assert len(cache) == 4 and not cache.has_latents
    batch = cache.pixels(torch.tensor([3, 0]))
    assert batch["lq"].shape == (2, 3, LQ, LQ) and batch["ref"].shape == (2, 3, HQ, HQ)
    assert batch["hq"].dtype == torch.float32 and 0.0 <= batch["hq"].min() and batch["hq"].max() <= 1.0
    torch.testing.assert_close(batch["hq"][1], stored["hq"][0].float() / 255)
    with pytest.raises(DataError, match="--what latents") as missing:
        cache.latents(torch.tensor([0]))
    assert missing.value.code == "DATA_CACHE_MISSING"


def test_sample_indices_are_uniform_with_replacement_and_reproducible(pairs_dir: Path, tmp_path: Path) -> None:
    pixel_cache(pairs_dir, tmp_path / "cache")
    cache = PairCache.load(tmp_path / "cache")
    first = cache.sample_indices(torch.Generator().manual_seed(7), 64)
    assert first.shape == (64,) and first.dtype == torch.int64
    assert torch.equal(first, cache.sample_indices(torch.Generator().manual_seed(7), 64))
    assert set(first.tolist()) == {0, 1, 2, 3}  # all four pairs, so some repeat


def test_latent_cache_encodes_with_the_teacher(pairs_dir: Path, tmp_path: Path, tiny_teacher: TSDSRTeacher) -> None:
    cache_dir = tmp_path / "cache"
    with pytest.raises(DataError, match="--what pixels") as caught:
        build_latent_cache(cache_dir, tiny_teacher, batch_size=2, device="cpu", teacher_provenance=TEACHER,
                           config_hash="h")
    assert caught.value.code == "DATA_CACHE_MISSING"
    pixel_cache(pairs_dir, cache_dir)
    outcome = build_latent_cache(
        cache_dir, tiny_teacher, batch_size=3, device="cpu", teacher_provenance=TEACHER, config_hash="h"
    )
    assert outcome.built and outcome.count == 4
    stored = torch.load(cache_dir / LATENTS_FILE, weights_only=True)
    assert stored["provenance"]["teacher"] == TEACHER
    latent_side = HQ // 8
    for key in ("lq", "hq", "teacher"):
        assert stored[key].dtype == torch.float16 and stored[key].shape == (4, 16, latent_side, latent_side)

    cache = PairCache.load(cache_dir)
    assert cache.has_latents
    latents, pixels = cache.latents([1, 2]), cache.pixels([1, 2])
    assert latents["teacher"].dtype == torch.float32
    with torch.no_grad():
        lq_latent = encode_lq(tiny_teacher, pixels["lq"])
        hq_latent = tiny_teacher.encode(pixels["hq"] * 2 - 1)
        teacher_latent = tiny_teacher.denoise(lq_latent.half().float())
    torch.testing.assert_close(latents["lq"], lq_latent.half().float())
    torch.testing.assert_close(latents["hq"], hq_latent, atol=2e-3, rtol=2e-3)
    torch.testing.assert_close(latents["teacher"], teacher_latent, atol=2e-3, rtol=2e-3)

    meta = json.loads((cache_dir / META_FILE).read_text())
    assert meta["latents"]["teacher"] == TEACHER and meta["latents"]["latent_shape"] == [16, latent_side, latent_side]
    assert "pixels" in meta  # the pixel record survives
    assert not build_latent_cache(
        cache_dir, tiny_teacher, batch_size=3, device="cpu", teacher_provenance=TEACHER, config_hash="h"
    ).built
    with pytest.raises(DataError, match="differing: teacher") as stale:
        other = {**TEACHER, "checkpoint": "runs/test/teacher-latent/step-000004.pt"}
        build_latent_cache(cache_dir, tiny_teacher, batch_size=3, device="cpu", teacher_provenance=other,
                           config_hash="h")
    assert stale.value.code == "DATA_CACHE_STALE"


def test_real_reference_without_converted_weights_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(ReferenceModelError, match="reference fetch.*reference convert") as caught:
        load_reference_teacher("realesrgan-x4plus", 0, converted_dir=tmp_path)
    assert caught.value.code == "REFERENCE_FILE_MISSING"


def test_data_cache_command_builds_pixels_then_waits_for_the_teacher(
    pairs_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recipe = {
        "seed": 0,
        "paths": {"pairs": str(pairs_dir), "cache": str(tmp_path / "cache")},
        "reference": {"model": "random-init"},
        "cache": {"batch_size": 2},
        "teacher_latent": {"run_dir": str(tmp_path / "teacher-latent")},
    }
    config = tmp_path / "recipe.yaml"
    config.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    command = ["data", "cache", "--config", str(config), "--what"]
    assert main([*command, "pixels", "--batch-size", "3"]) == 0
    assert "4 pairs (reference random-init" in capsys.readouterr().out
    assert main([*command, "pixels"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main([*command, "latents"]) == 2
    assert "error [STAGE_NOT_RUN]" in capsys.readouterr().err
    assert main([*command, "pixels", "reference.model=esrgan"]) == 2
    assert "error [DATA_CONFIG]: reference.model must be one of" in capsys.readouterr().err


def test_atomic_writes_get_the_mode_a_plain_write_would(tmp_path: Path) -> None:
    """mkstemp's owner-only 0600 once reached the exported manifest.json; atomic files get 0666 less the umask."""
    import os
    import stat

    from tinysr_train.atomic import atomic_write_text

    plain = tmp_path / "plain.txt"
    plain.write_text("x", encoding="utf-8")
    atomic = atomic_write_text(tmp_path / "atomic.txt", "x")
    assert stat.S_IMODE(os.stat(atomic).st_mode) == stat.S_IMODE(os.stat(plain).st_mode)
