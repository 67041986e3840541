"""Depth pruning end to end on 'tinysr-test' with a random teacher and a fake latent cache (no shared data): the gated
teacher against diffusers' own `skip_layers`, every method through `run_prune` (keep.json, pruned.pt, idempotence),
the CLI with a teacher-latent checkpoint, and the recoverability table at smoke size."""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
import torch

from tinysr_train.checkpoint import save_checkpoint
from tinysr_train.cli import main
from tinysr_train.config import CONFIG_DIR, load_config
from tinysr_train.models import TinySRTransformer, TSDSRTeacher
from tinysr_train.prune import stage
from tinysr_train.prune.gating import MaskedTeacher
from tinysr_train.prune.errors import PruneError
from tinysr_train.prune.recoverability import run_recoverability
from tinysr_train.prune.settings import RecoverabilitySettings
from tinysr_train.prune.stage import KEEP_FILE, PRUNED_CHECKPOINT, load_pruned_student, run_prune
from tinysr_train.train.runner import STAGE_SECONDS_ENV

SMOKE = CONFIG_DIR / "recipe-smoke.yaml"
SEARCH_TILE = 16  # the teacher takes any latent size: searches and baselines run on small latents to stay fast


class FakeLatentCache:
    """`PairCache.latents` over random input latents and the given teacher's outputs, stored fp16 like the real one."""

    def __init__(self, teacher: TSDSRTeacher, samples: int, tile: int, seed: int = 0) -> None:
        lq = torch.randn(samples, 16, tile, tile, generator=torch.Generator().manual_seed(seed))
        with torch.no_grad():
            out = teacher.denoise(lq)
        self.lq, self.teacher = lq.half(), out.half()

    def latents(self, indices: Sequence[int]) -> dict[str, torch.Tensor]:
        index = torch.as_tensor(list(indices))
        return {"lq": self.lq[index].float(), "hq": self.lq[index].float(), "teacher": self.teacher[index].float()}

    def __len__(self) -> int:
        return self.lq.shape[0]


@pytest.fixture(scope="module")
def search_cache(tiny_teacher: TSDSRTeacher) -> FakeLatentCache:
    return FakeLatentCache(tiny_teacher, samples=4, tile=SEARCH_TILE)


def _cfg(tmp_path: Path, *overrides: str) -> dict:
    return load_config(
        SMOKE,
        [
            f"prune.run_dir={tmp_path / 'prune'}",
            f"recoverability.run_dir={tmp_path / 'recoverability'}",
            f"recoverability.report={tmp_path / 'report' / 'recoverability.md'}",
            f"teacher_latent.run_dir={tmp_path / 'teacher-latent'}",
            *overrides,
        ],
    )


def _reference(teacher: TSDSRTeacher, lq: torch.Tensor, skip: list[int]) -> torch.Tensor:
    batch = lq.shape[0]
    prediction = teacher.transformer(
        hidden_states=lq,
        encoder_hidden_states=teacher.prompt_embeds.expand(batch, -1, -1),
        pooled_projections=teacher.pooled_prompt_embeds.expand(batch, -1),
        timestep=teacher.timesteps(batch),
        skip_layers=skip,
        return_dict=False,
    )[0]
    return lq - prediction


@torch.no_grad()
def test_gated_teacher_matches_diffusers_skip_layers_on_both_streams(tiny_teacher: TSDSRTeacher) -> None:
    masked = MaskedTeacher(copy.deepcopy(tiny_teacher))
    lq = torch.randn(2, 16, SEARCH_TILE, SEARCH_TILE, generator=torch.Generator().manual_seed(1))
    full = tiny_teacher.denoise(lq)
    assert torch.equal(masked(lq), full)
    assert torch.equal(masked(lq, torch.ones(1, 24)), full)
    skip = [0, 5, 6, 22, 23]  # the last block is context-pre-only
    mask = torch.ones(1, 24)
    mask[0, skip] = 0.0
    expected = _reference(tiny_teacher, lq, skip)
    torch.testing.assert_close(masked(lq, mask), expected, rtol=0, atol=1e-6)  # skipped outright
    with torch.enable_grad():  # a mask with a gradient runs every layer and mixes: the same numbers
        torch.testing.assert_close(masked(lq, mask.requires_grad_()).detach(), expected, rtol=1e-5, atol=1e-5)
    per_sample = torch.ones(2, 24)
    per_sample[1, skip] = 0.0
    torch.testing.assert_close(masked(lq, per_sample), torch.cat([full[:1], expected[1:]]), rtol=1e-5, atol=1e-5)
    released = masked.release()
    assert released.transformer.state_dict().keys() == tiny_teacher.transformer.state_dict().keys()


@pytest.mark.slow
def test_dia_search_resumes_writes_the_keep_list_and_student_and_then_does_nothing(
    tmp_path: Path, tiny_teacher: TSDSRTeacher, search_cache: FakeLatentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = _cfg(tmp_path)
    logs: list[str] = []
    monkeypatch.setenv(STAGE_SECONDS_ENV, '{"prune": 0}')  # the runner stops after one step, as a lease running out
    stopped = run_prune(cfg, teacher=tiny_teacher, cache=search_cache, log=logs.append)
    # Stopped early, it still decides (later stages can run) but marks the record incomplete, so a rerun continues.
    assert not stopped.complete and len(stopped.keep) == 12
    assert json.loads((tmp_path / "prune" / KEEP_FILE).read_text())["search_complete"] is False
    monkeypatch.delenv(STAGE_SECONDS_ENV)
    result = run_prune(cfg, teacher=tiny_teacher, cache=search_cache, log=logs.append)
    assert result.complete and any("resumed from" in line and "step 1" in line for line in logs)
    assert (tmp_path / "prune" / "step-000002.pt").is_file()
    record = json.loads((tmp_path / "prune" / KEEP_FILE).read_text())
    assert record["method"] == "dia-ecs" and record["neighbour"] == "marginal" and record["search_steps"] == 2
    assert record["search_complete"] is True
    assert record["keep"] == result.keep and len(result.keep) == 12
    kept = torch.zeros(24)
    kept[result.keep] = 1.0
    assert torch.all(kept.view(3, 8).sum(-1) == 4)  # each block pair keeps 4 layers
    assert set(record["logits"]) == {"logits", "ema_logits", "pair_logits", "ema_pair_logits"}
    assert record["holdout_masked_teacher_l1"] > 0

    student = load_pruned_student(cfg)
    assert isinstance(student, TinySRTransformer) and student.config.keep == tuple(result.keep)
    source = tiny_teacher.transformer.state_dict()  # the ORIGINAL weights, not the search's LoRA copy
    for j, layer in enumerate(result.keep):
        torch.testing.assert_close(
            student.state_dict()[f"transformer_blocks.{j}.attn.to_q.weight"],
            source[f"transformer_blocks.{layer}.attn.to_q.weight"],
        )
    again = run_prune(cfg, teacher=tiny_teacher, cache=search_cache, log=logs.append)
    assert not again.ran and again.keep == result.keep
    assert "nothing to do" in logs[-1]


@pytest.mark.parametrize(
    ("method", "ratio", "kept"),
    [("tinyfusion", 0.67, 16), ("random-min", 0.5, 12), ("similarity", 0.33, 8), ("sensitivity", 0.5, 12)],
)
def test_every_method_writes_a_keep_list_of_the_ratio(
    tmp_path: Path,
    tiny_teacher: TSDSRTeacher,
    search_cache: FakeLatentCache,
    method: str,
    ratio: float,
    kept: int,
) -> None:
    cfg = _cfg(tmp_path, f"prune.method={method}", f"prune.keep_ratio={ratio}", "prune.finetune=none",
               "prune.steps=1", "prune.score_samples=1")
    result = run_prune(cfg, teacher=tiny_teacher, cache=search_cache, log=lambda _: None)
    record = json.loads((tmp_path / "prune" / KEEP_FILE).read_text())
    assert record["method"] == method and len(result.keep) == kept == record["kept_layers"]
    assert result.keep == sorted(set(result.keep))
    if method == "similarity":
        assert record["group_space"] is None and len(record["scores"]["cosine_similarity"]) == 24
    if method == "sensitivity":  # the most sensitive layers are kept
        assert record["group_space"] is None
        increase = record["scores"]["loss_increase"]
        assert min(increase[i] for i in result.keep) >= max(i for j, i in enumerate(increase) if j not in result.keep)
    if method == "random-min":
        losses = record["scores"]["losses"]
        assert result.keep == record["scores"]["candidates"][losses.index(min(losses))]
    assert (tmp_path / "prune" / PRUNED_CHECKPOINT).is_file()


def test_cli_prunes_the_trained_teacher_and_reports_config_errors(
    tmp_path: Path,
    tiny_teacher: TSDSRTeacher,
    search_cache: FakeLatentCache,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cfg = _cfg(tmp_path)
    save_checkpoint(  # what `tinysr-train teacher-latent` leaves: module `teacher`, the whole TSDSRTeacher
        tmp_path / "teacher-latent" / "step-000001.pt",
        model_state={f"teacher.{k}": v for k, v in tiny_teacher.state_dict().items()},
        step=1,
        config=cfg,
    )
    monkeypatch.setattr(stage, "load_latent_cache", lambda _: search_cache)
    args = ["prune", "--config", str(SMOKE), f"prune.run_dir={tmp_path / 'prune'}",
            f"teacher_latent.run_dir={tmp_path / 'teacher-latent'}", "prune.method=similarity"]
    assert main(args) == 0
    assert "prune: keep" in capsys.readouterr().out
    assert main(args) == 0
    assert "nothing to do" in capsys.readouterr().out
    assert main([*args, "prune.method=magnitude"]) == 2
    assert "error [PRUNE_CONFIG]: prune.method is 'magnitude'" in capsys.readouterr().err


@pytest.mark.slow
def test_recoverability_table_at_smoke_size(tmp_path: Path, tiny_teacher: TSDSRTeacher) -> None:
    cache = FakeLatentCache(tiny_teacher, samples=3, tile=tiny_teacher.config.latent_tile, seed=2)
    cfg = _cfg(tmp_path, "prune.score_samples=1", "prune.finetune=none")
    cells = run_recoverability(cfg, command="tinysr-train recoverability --config smoke", teacher=tiny_teacher,
                               cache=cache, log=lambda _: None)
    assert [(c.method, c.kept_layers) for c in cells] == [("dia-ecs:logit", 12), ("similarity", 12)]
    for cell in cells:
        assert cell.before["latent_l1"] > 0 and cell.after["latent_l1"] > 0 and cell.after["decoded_psnr"] > 0
    report = (tmp_path / "report" / "recoverability.md").read_text()
    assert "tinysr-train recoverability --config smoke" in report and "| 50% | 12 |" in report
    payload = json.loads((tmp_path / "report" / "recoverability.json").read_text())
    assert [c["method"] for c in payload["cells"]] == ["dia-ecs:logit", "similarity"]
    cell = tmp_path / "recoverability" / "dia-ecs-logit-keep50"
    assert json.loads((cell / "prune" / KEEP_FILE).read_text())["neighbour"] == "logit"
    assert (cell / "finetune" / "step-000001.pt").is_file()


def test_recoverability_method_entries_name_a_method_and_optionally_dia_neighbour_rule(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, 'recoverability.methods=[dia-ecs, "dia-ecs:marginal", sensitivity]')
    assert RecoverabilitySettings.from_config(cfg).methods == ("dia-ecs", "dia-ecs:marginal", "sensitivity")
    for bad in ('["tinyfusion:logit"]', '["dia-ecs:nearest"]', "[magnitude]", "[]"):
        with pytest.raises(PruneError, match="recoverability.methods"):
            RecoverabilitySettings.from_config(_cfg(tmp_path, f"recoverability.methods={bad}"))
