"""CLI command `tinysr-train import-tinysr`: the authors' TinySR release -> an app-ready model folder in one command.

Owns the command's arguments and report. The work is done by `tinysr_release.import_tinysr` (release -> pipeline), the
checkpoint helper (the imported weights become a tinysr-train checkpoint, so later stages can fine-tune from it) and the
exporter (`export_tinysr`: cache(), ONNX fp32/fp16, parity check, manifest with provenance.weights 'imported').
May import: argparse at module level; torch, the config, checkpoint, export and importer modules inside `run`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

DEFAULT_EXPORT_CONFIG = "export-tinysr.yaml"
TEACHER = "TSD-SR (SD3-medium), pruned and distilled by the TinySR authors"
DATA = "the TinySR authors' training data (official release weights)"
NO_CONDITIONING_WARNING = (
    "warning: no --conditioning given: the student's modulation is computed from the registry's configured constant "
    "pooled prompt, not the authors' default-prompt embedding. Pass their pool_embeds.pt for real weights."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "import-tinysr",
        help="import the authors' TinySR release (transformer + LoRA + tiny VAE) and export it for the app",
        description=(
            "Loads the pruned SD3 transformer folder, merges the LoRA, cuts it to the image-only student, loads the "
            "tiny VAE, then exports the cached end-to-end tile graph with a checked manifest "
            "(provenance.weights = imported)."
        ),
        epilog=(
            "example: tinysr-train import-tinysr --transformer checkpoint/tinybackbone/prune-12-merge-tinysr "
            "--lora checkpoint/tinysr/transformer.safetensors --vae checkpoint/vae/separable "
            "--conditioning dataset/default/pool_embeds.pt --out native-models/tinysr-official"
        ),
    )
    parser.add_argument("--transformer", required=True, type=Path, help="pruned transformer folder (diffusers format)")
    parser.add_argument("--lora", required=True, type=Path, help="the student LoRA safetensors file")
    parser.add_argument("--vae", required=True, type=Path, help="tiny VAE folder (diffusion_pytorch_model.safetensors)")
    parser.add_argument("--conditioning", type=Path, help="pooled default-prompt embedding (pool_embeds.pt or folder)")
    parser.add_argument("--out", required=True, type=Path, help="model folder to write, e.g. native-models/<id>")
    parser.add_argument("--registry", help="registry config the release fits (default: the config's model.registry)")
    parser.add_argument("--lora-alpha", type=float, help="LoRA alpha (default: adapter_config.json, else the rank)")
    parser.add_argument(
        "--checkpoint", type=Path, help="also keep the imported weights as a tinysr-train checkpoint here"
    )
    parser.add_argument(
        "--config", type=Path, help=f"export config (default: training/configs/{DEFAULT_EXPORT_CONFIG})"
    )
    parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="config overrides such as export.fp16=false")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from tinysr_train.checkpoint import save_checkpoint
    from tinysr_train.config import CONFIG_DIR, load_config
    from tinysr_train.export.tinysr import export_tinysr
    from tinysr_train.importers.tinysr_release import ReleaseFiles, import_tinysr
    from tinysr_train.registry import get_config

    overrides = [*args.overrides, f"export.id={args.out.name}"]
    if args.registry:
        overrides.append(f"model.registry={args.registry}")
    cfg = load_config(args.config or CONFIG_DIR / DEFAULT_EXPORT_CONFIG, overrides)
    files = ReleaseFiles.resolve(args.transformer, args.lora, args.vae, args.conditioning)
    cfg["import"] = {
        "source": "tinysr-release",
        "transformer": str(files.transformer_dir),
        "lora": str(files.lora_file),
        "vae": str(files.vae_dir),
        "conditioning": str(files.conditioning_file()) if files.conditioning else None,
        "lora_alpha": args.lora_alpha,
    }
    if files.conditioning is None:
        print(NO_CONDITIONING_WARNING, file=sys.stderr)
    pipeline = import_tinysr(files, get_config(cfg["model"]["registry"]), lora_alpha=args.lora_alpha)
    with tempfile.TemporaryDirectory(prefix="tinysr-import-") as scratch:
        checkpoint = save_checkpoint(
            args.checkpoint or Path(scratch) / "imported.pt",
            model_state=pipeline.state_dict(),
            step=0,
            config=cfg,
            extra={"weights": "imported", "teacher": TEACHER, "data": DATA},
        )
        result = export_tinysr({**cfg, "model": {**cfg["model"], "checkpoint": str(checkpoint)}}, out_dir=args.out)
    manifest = result.manifest
    print(
        f"imported {files.transformer_dir} + {files.lora_file.name} + {files.vae_dir} -> {result.manifest_path} "
        f"(id {manifest['id']}, {manifest['tile']['size']} px LR tiles, parity fp32 {result.fp32_max_abs_error:.3g})"
    )
    if args.checkpoint:
        print(f"checkpoint for fine-tuning: {checkpoint}")
    return 0
