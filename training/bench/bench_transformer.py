"""CPU benchmark: TSD-SR teacher vs TinySR student, transformer and VAE, in one process at one tile.

Times (median of --repeats runs after --warmup runs, torch on CPU with --threads intra-op threads, random weights):
the teacher's SD3 transformer (with the cached 333-token prompt) vs the student's transformer after cache(), the SD3 VAE
vs the tiny VAE (encode and decode separately), and prints each ratio plus the end-to-end ratio (encode + transformer +
decode; the shared bicubic upsample is left out). Models are built one at a time and freed, so peak memory is the
full-size teacher (~8.5 GB fp32). A benchmark prints measurements; it asserts nothing.
Tile: 64 x 64 latent (512 px HR, 128 px LR) by default, the one tile the cached student accepts and the paper's timing
size; smaller tiles flatter the student, because the teacher's 333 prompt tokens then dominate its attention and MLPs.
The paper's claim for comparison: 5.68x end to end on a V100 (0.147 s vs 0.026 s per 512 px tile, fp16).

Run (from training/):  .venv/bin/python bench/bench_transformer.py --out reports/bench-transformer.txt
Quick check of the script at test size:
  .venv/bin/python bench/bench_transformer.py --teacher tinysr-test --student tinysr-test
May import: torch and tinysr_train.{registry, models}.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import gc
import os
import platform
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from tinysr_train.models import build_student, build_teacher, build_tiny_vae
from tinysr_train.registry import get_config

PAPER_END_TO_END_SPEEDUP = 5.68


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--teacher", default="tsdsr-sd3m", help="registry config of the teacher")
    parser.add_argument("--student", default="tinysr", help="registry config of the student")
    parser.add_argument(
        "--tile", type=int, default=64, help="latent tile side (x8 = HR pixel side); default 64 = the student's tile"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    lines: list[str] = []

    def emit(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    for line in _header(args):
        emit(line)
    timings = _measure(args, emit)
    for line in _summary(timings):
        emit(line)
    emit(f"load average at the end: {_load()}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


def _measure(args: argparse.Namespace, emit: Callable[[str], None]) -> dict[str, float]:
    teacher_cfg = get_config(args.teacher)
    student_cfg = dataclasses.replace(get_config(args.student), latent_tile=args.tile)
    side = args.tile * teacher_cfg.vae_scale
    generator = torch.Generator().manual_seed(0)
    image = torch.rand(1, 3, side, side, generator=generator) * 2 - 1
    latent = torch.randn(1, teacher_cfg.transformer.in_channels, args.tile, args.tile, generator=generator)
    timings: dict[str, float] = {}

    def record(name: str, params: float, fn: Callable[[], object]) -> None:
        timings[name] = _median_seconds(fn, args.warmup, args.repeats)
        emit(f"{name:<28} {params / 1e6:9.2f} M params   median {timings[name]:8.3f} s")

    emit(f"tile: {args.tile} x {args.tile} latent = {side} x {side} px HR ({side // 4} px LR)")
    with torch.inference_mode():
        teacher = build_teacher(teacher_cfg).eval()
        record("teacher transformer", _params(teacher.transformer), lambda: teacher.predict(latent))
        record("teacher VAE encode (SD3)", _params(teacher.vae.encoder), lambda: teacher.encode(image))
        record("teacher VAE decode (SD3)", _params(teacher.vae.decoder), lambda: teacher.decode(latent))
        del teacher
        gc.collect()
        student = build_student(student_cfg).eval().cache()
        record("student transformer (cached)", _params(student), lambda: student(latent))
        del student
        gc.collect()
        tiny_vae = build_tiny_vae(student_cfg.tiny_vae).eval()
        record("student VAE encode (tiny)", _params(tiny_vae.encoder), lambda: tiny_vae.encode(image))
        record("student VAE decode (tiny)", _params(tiny_vae.decoder), lambda: tiny_vae.decode(latent))
    return timings


def _summary(t: dict[str, float]) -> list[str]:
    teacher_vae = t["teacher VAE encode (SD3)"] + t["teacher VAE decode (SD3)"]
    student_vae = t["student VAE encode (tiny)"] + t["student VAE decode (tiny)"]
    teacher_total = teacher_vae + t["teacher transformer"]
    student_total = student_vae + t["student transformer (cached)"]
    rows = [
        ("transformer", t["teacher transformer"], t["student transformer (cached)"]),
        ("VAE encode", t["teacher VAE encode (SD3)"], t["student VAE encode (tiny)"]),
        ("VAE decode", t["teacher VAE decode (SD3)"], t["student VAE decode (tiny)"]),
        ("VAE encode + decode", teacher_vae, student_vae),
        ("end to end (no bicubic)", teacher_total, student_total),
    ]
    lines = ["", f"{'ratio (teacher / student)':<28} {'teacher s':>10} {'student s':>10} {'speed-up':>9}"]
    lines += [f"{name:<28} {a:10.3f} {b:10.3f} {a / b:8.2f}x" for name, a, b in rows]
    lines.append(f"paper: {PAPER_END_TO_END_SPEEDUP}x end to end on a V100 (fp16, 512 px tile)")
    return lines


def _median_seconds(fn: Callable[[], object], warmup: int, repeats: int) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _params(module: torch.nn.Module) -> float:
    return float(sum(p.numel() for p in module.parameters()))


def _header(args: argparse.Namespace) -> list[str]:
    command = "cd training && .venv/bin/python bench/bench_transformer.py " + " ".join(
        shlex.quote(a) for a in sys.argv[1:]
    )
    return [
        "TinySR Studio - teacher vs student CPU benchmark (random weights, fp32, batch 1)",
        f"command: {command}",
        f"date: {dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}",
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, {_cpu_model()}",
        f"torch {torch.__version__}, intra-op threads {torch.get_num_threads()}, "
        f"warm-up {args.warmup}, median of {args.repeats} runs",
        f"load average at the start: {_load()} (other processes on the machine share these CPUs)",
        f"teacher: {args.teacher}  student: {args.student} (cached modulation)",
    ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


if __name__ == "__main__":
    sys.exit(main())
