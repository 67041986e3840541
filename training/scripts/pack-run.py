"""Packs a recipe run's results small enough to copy back from a GPU machine: each stage's latest checkpoint without
optimizer state (fp16 copies for stages later ones only read), keep-lists, loss logs and curves, cache metadata and the
reports a run writes. Training pairs and caches stay behind (they are rebuilt deterministically from the photos).

usage: python scripts/pack-run.py RUNS_DIR OUT_DIR [--max-mib 15]
Writes OUT_DIR/results-N.tgz parts of at most --max-mib each (the device tool returns files of up to 16 MiB).
"""

from __future__ import annotations

import argparse
import tarfile
from pathlib import Path

from tinysr_train.checkpoint import load_checkpoint, save_checkpoint
from tinysr_train.train.runner import latest_checkpoint

SKIPPED_DIRS = {"pairs", "hq", "lq", "cache"}
CARRIED_SUFFIXES = {".png", ".jsonl", ".json", ".md", ".yaml", ".txt"}
# Stages whose weights later stages only read (never resume): halve them.
HALF_PRECISION_STAGES = {"teacher-vae", "teacher-latent", "vae-encoder"}


def slim_checkpoint(path: Path, scratch: Path, half: bool) -> Path:
    checkpoint = load_checkpoint(path)
    state = {k: (v.half() if half and v.is_floating_point() else v) for k, v in checkpoint.model_state.items()}
    target = scratch / path.parent.name / path.name
    extra = {**checkpoint.extra, "packed": "fp16, no optimizer" if half else "no optimizer"}
    return save_checkpoint(target, model_state=state, step=checkpoint.step, config=checkpoint.config, extra=extra)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("runs", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--max-mib", type=float, default=15.0)
    args = parser.parse_args()
    scratch = args.out / ".scratch"
    members: list[tuple[Path, str]] = []
    for stage_dir in sorted(p for p in args.runs.rglob("*") if p.is_dir() and not SKIPPED_DIRS & set(p.parts)):
        if stage_dir.is_relative_to(scratch):
            continue
        latest = latest_checkpoint(stage_dir)
        if latest is not None:
            slim = slim_checkpoint(latest, scratch, stage_dir.name in HALF_PRECISION_STAGES)
            members.append((slim, str(latest.relative_to(args.runs))))
        for extra in stage_dir.iterdir():
            if extra.is_file() and (extra.suffix in CARRIED_SUFFIXES or extra.name == "pruned.pt"):
                members.append((extra, str(extra.relative_to(args.runs))))
    for meta in (args.runs / "cache").glob("*.json"):
        members.append((meta, str(meta.relative_to(args.runs))))
    part, size, archive = 0, 0.0, None
    limit = args.max_mib * 2**20
    for source, name in members:
        bytes_ = source.stat().st_size
        if bytes_ > limit:
            print(f"skipped {name}: {bytes_ / 2**20:.1f} MiB is over the {args.max_mib} MiB part limit")
            continue
        if archive is None or size + bytes_ > limit:
            if archive is not None:
                archive.close()
            part += 1
            archive, size = tarfile.open(args.out / f"results-{part}.tgz", "w:gz"), 0.0
        archive.add(source, arcname=name)
        size += bytes_
    if archive is not None:
        archive.close()
    for tgz in sorted(args.out.glob("results-*.tgz")):
        print(f"{tgz} {tgz.stat().st_size / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
