"""What `tinysr-train eval` writes: per set a markdown table, a JSON file with the per-image values, and a comparison
sheet of crops; plus `summary.md` with every table, the metric sources and the command.

Owns: table layout, crop choice (the ground truth's most detailed window, so the sheet shows texture, not sky) and
the sheet drawing. May import: numpy, pillow, torch, `tinysr_train.reference.photo_check`, `.evaluate`, `.producers`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from tinysr_train.reference.photo_check import read_rgb

from .evaluate import MethodResult, NoReference, SetResult
from .producers import MODEL_KINDS
from .settings import EvalSettings

# (key, header, format); the arrow says which way is better
COLUMNS = (
    ("psnr_y", "PSNR-Y (dB) ↑", ".2f"),
    ("ssim_y", "SSIM-Y ↑", ".4f"),
    ("lpips", "LPIPS ↓", ".4f"),
    ("brisque", "BRISQUE ↓", ".2f"),
    ("niqe", "NIQE ↓", ".3f"),
    ("agreement_psnr_y", "PSNR-Y vs teacher (dB) ↑", ".2f"),
)
SHEET_ZOOM = 2
_LABEL_HEIGHT = 18


def _cell(result: MethodResult, key: str, fmt: str, teacher: str | None) -> str:
    if key == "agreement_psnr_y" and result.method.label == teacher:
        return "(teacher)"
    means = result.means()
    return format(means[key], fmt) if key in means and math.isfinite(means[key]) else "n/a"


def set_table(result: SetResult) -> str:
    present = {k for r in result.methods for k in r.means()}
    columns = [c for c in COLUMNS if c[0] in present]
    lines = [
        "| method | " + " | ".join(c[1] for c in columns) + " |",
        "| --- | " + " | ".join("---:" for _ in columns) + " |",
    ]
    for r in result.methods:
        cells = " | ".join(_cell(r, key, fmt, result.teacher) for key, _, fmt in columns)
        lines.append(f"| {r.method.label} | {cells} |")
    return "\n".join(lines)


def _methods_list(result: SetResult) -> str:
    return "\n".join(f"- **{r.method.label}**: {r.method.description}" for r in result.methods)


def set_markdown(result: SetResult, nr: NoReference, command: str) -> str:
    s = result.eval_set
    return (
        f"# Evaluation: {s.name} ({len(result.images)} images, LR {s.lr}, HR {s.hr})\n\n"
        f"Means over the set.\n\n{set_table(result)}\n\n![comparison sheet]({s.name}-sheet.png)\n\n"
        f"## Methods\n{_methods_list(result)}\n\n## Metrics\n{_metric_list(nr)}\n\nMade by `{command}`.\n"
    )


def _metric_list(nr: NoReference) -> str:
    return "\n".join(f"- {k}: {v}" for k, v in nr.status.items())


def set_json(result: SetResult, nr: NoReference, command: str) -> dict:
    return {
        "set": result.eval_set.name,
        "lr": str(result.eval_set.lr),
        "hr": str(result.eval_set.hr),
        "images": result.images,
        "teacher": result.teacher,
        "metrics": nr.status,
        "command": command,
        "methods": [
            {
                "label": r.method.label,
                "kind": r.method.kind,
                "spec": r.method.spec,
                "description": r.method.description,
                "means": r.means(),
                "per_image": r.per_image,
            }
            for r in result.methods
        ],
    }


def detailed_window(hr: torch.Tensor, size: int) -> tuple[int, int]:
    """Top-left (y, x) of the `size` px window with the most gradient energy in the HR image (ties: first)."""
    grey = hr.mean(dim=1, keepdim=True)
    energy = (grey[..., 1:, :-1] - grey[..., :-1, :-1]).abs() + (grey[..., :-1, 1:] - grey[..., :-1, :-1]).abs()
    side = min(size, energy.shape[-2], energy.shape[-1])
    sums = F.avg_pool2d(energy, side, stride=max(1, side // 4))
    index = int(torch.argmax(sums))
    stride = max(1, side // 4)
    return (index // sums.shape[-1]) * stride, (index % sums.shape[-1]) * stride


def sheet_columns(result: SetResult, chosen: tuple[str, ...] | None) -> list[MethodResult]:
    by_label = {r.method.label: r for r in result.methods}
    if chosen is not None:
        return [by_label[label] for label in chosen if label in by_label]
    picked = [r for r in result.methods if r.method.kind == "bicubic"]
    picked += [r for r in result.methods if r.method.label == result.teacher and r not in picked]
    picked += [r for r in result.methods if r.method.kind in MODEL_KINDS and r not in picked]
    return picked


def comparison_sheet(result: SetResult, settings: EvalSettings) -> Image.Image:
    """Rows: a few images spread over the set; columns: the chosen methods then the ground truth; labelled."""
    columns = sheet_columns(result, settings.crop_methods)
    count = min(settings.crop_images, len(result.images))
    picks = [result.images[round(i * (len(result.images) - 1) / max(count - 1, 1))] for i in range(count)]
    size = settings.crop_size
    cell = size * SHEET_ZOOM
    headers = [r.method.label for r in columns] + ["ground truth"]
    sheet = Image.new("RGB", (len(headers) * cell, _LABEL_HEIGHT + count * (cell + _LABEL_HEIGHT)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, header in enumerate(headers):
        draw.text((c * cell + 4, 3), header, fill="black")
    for row, name in enumerate(picks):
        hr = read_rgb(result.eval_set.hr / name)
        y, x = detailed_window(hr, size)
        top = _LABEL_HEIGHT + row * (cell + _LABEL_HEIGHT)
        draw.text((4, top + 3), f"{name} (crop {size} px at x={x}, y={y})", fill="black")
        sources = [r.output(name) for r in columns] + [result.eval_set.hr / name]
        for c, path in enumerate(sources):
            with Image.open(path) as image:
                crop = image.convert("RGB").crop((x, y, x + size, y + size))
            sheet.paste(crop.resize((cell, cell), Image.Resampling.NEAREST), (c * cell, top + _LABEL_HEIGHT))
    return sheet


def write_reports(settings: EvalSettings, nr: NoReference, results: list[SetResult], command: str) -> list[Path]:
    out = settings.out
    out.mkdir(parents=True, exist_ok=True)
    written = []
    summary = [f"# Evaluation summary\n\nMade by `{command}`.\n"]
    for result in results:
        name = result.eval_set.name
        (out / f"{name}.md").write_text(set_markdown(result, nr, command), encoding="utf-8")
        (out / f"{name}.json").write_text(json.dumps(set_json(result, nr, command), indent=1) + "\n", encoding="utf-8")
        comparison_sheet(result, settings).save(out / f"{name}-sheet.png")
        written += [out / f"{name}.md", out / f"{name}.json", out / f"{name}-sheet.png"]
        summary.append(
            f"## {name} ({len(result.images)} images)\n\n{set_table(result)}\n\n![{name}]({name}-sheet.png)\n"
        )
    summary.append(f"## Methods\n{_methods_list(results[0])}\n\n## Metrics\n{_metric_list(nr)}\n")
    (out / "summary.md").write_text("\n".join(summary), encoding="utf-8")
    return [out / "summary.md", *written]
