"""The whole recipe script in its smoke configuration, as CI runs it: synthetic photos -> pairs -> caches -> teacher
VAE -> latent teacher -> VAE compression -> mask learning -> restoration 1 and 2 -> export, then a second run that
finds every stage done. Slow by this suite's standards (a few minutes on 2 cores): it is the one end-to-end check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TRAINING = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # minutes on 2 cores: the slow tier (`pytest -m slow`, scripts/test.sh)


def run_script(config: Path, export_out: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TINYSR_PYTHON": sys.executable, "OMP_NUM_THREADS": "2"}
    return subprocess.run(
        ["bash", "scripts/train-small.sh", "--smoke", "--config", str(config), "--export-out", str(export_out)],
        cwd=TRAINING, env=env, capture_output=True, text=True, timeout=1800, check=False,
    )


TRAINED = ("teacher-latent", "vae-decoder", "prune", "restore1", "restore2")
# (config, the runs folder it writes under, the stages that train): the paper's recipe at test size, and the
# warm-started recipe, whose teacher VAE and tiny encoder are the exact codec (nothing to train).
SMOKE_CONFIGS = [
    ("recipe-smoke.yaml", "runs/smoke", ("teacher-vae", "vae-encoder", *TRAINED)),
    ("recipe-warm-smoke.yaml", "runs/warm-smoke", TRAINED),
]


@pytest.mark.parametrize(("name", "runs", "trained"), SMOKE_CONFIGS)
def test_the_smoke_recipe_runs_end_to_end_and_resumes(
    tmp_path: Path, name: str, runs: str, trained: tuple[str, ...]
) -> None:
    recipe = (TRAINING / "configs" / name).read_text(encoding="utf-8")
    config = tmp_path / name
    config.write_text(recipe.replace(runs, str(tmp_path / "runs")), encoding="utf-8")
    first = run_script(config, tmp_path / "model")
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["provenance"]["weights"] == "trained"
    keep = json.loads((tmp_path / "runs" / "prune" / "keep.json").read_text(encoding="utf-8"))["keep"]
    assert len(keep) == 12
    for stage in trained:
        assert (tmp_path / "runs" / stage / "losses.png").is_file(), stage
    second = run_script(config, tmp_path / "model-again")
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    assert second.stdout.count("nothing to do") >= 8, second.stdout[-3000:]
