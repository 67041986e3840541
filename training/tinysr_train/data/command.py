"""`tinysr-train data pairs` and `tinysr-train data cache` (issue 5, stage 1): LQ/HQ pairs from photos, then the
training cache of pairs + reference outputs (pixels) and teacher latents (latents). Owns the arguments and the printed
summaries only.

May import: argparse, tinysr_train.config (stdlib + PyYAML only) and pathlib at module level; this package's modules,
torch and the config inside `run_*` (they import torch, which would slow `tinysr-train --help`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tinysr_train.config import add_recipe_arguments

from .errors import DataError

CACHE_WHAT = ("pixels", "latents")


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser(
        "data",
        help="training data: LQ/HQ pairs (Real-ESRGAN degradations) and the pixel / latent training cache",
        description="Training data. Evaluation sets (RealSR, DRealSR, Set5, Set14, osediff_reference) are refused.",
    )
    actions = data.add_subparsers(dest="data_action", metavar="ACTION", required=True)
    pairs = actions.add_parser(
        "pairs",
        help="random-crop HQ patches from every photo, USM-sharpen, degrade, write hq/ and lq/ PNGs (resumable)",
        description=(
            "Either `data pairs FOLDER OUT [options]` or `data pairs --config FILE [KEY=VALUE ...]` (reads seed, "
            "paths.photos, paths.pairs and data.{per_image,hq_size,lq_size,workers,usm}). Pairs already in OUT are "
            "kept, so a rerun resumes; OUT/pairs.json refuses a rerun with other settings."
        ),
        epilog="example: tinysr-train data pairs --config configs/recipe-small.yaml data.workers=2",
    )
    pairs.add_argument("inputs", nargs="*", metavar="ARG", help="FOLDER OUT; with --config: KEY=VALUE overrides")
    pairs.add_argument("--config", type=Path, help="recipe YAML (defaults <- this file <- KEY=VALUE overrides)")
    pairs.add_argument("--seed", type=int, help="the same seed writes the same pairs, bit for bit (default 0)")
    pairs.add_argument("--hq-size", type=int, help="HQ crop side in px (default 512)")
    pairs.add_argument("--lq-size", type=int, help="LQ side in px, HQ / 4 (default 128)")
    pairs.add_argument("--per-image", type=int, help="crops per photo (default 1)")
    pairs.add_argument("--workers", type=int, help="processes, one photo each at a time; same output (default 1)")
    pairs.add_argument("--no-usm", action="store_true", help="do not USM-sharpen the HQ crops (Real-ESRGAN does)")
    pairs.add_argument("--threads", type=int, default=1, help="torch CPU threads of this process")
    pairs.set_defaults(func=run_pairs)

    cache = actions.add_parser(
        "cache",
        help="cache pairs + reference outputs (--what pixels) or teacher latents (--what latents) under paths.cache",
        description=(
            "pixels: every pair of paths.pairs with reference.model's x4 output of its LQ -> paths.cache/pixels.pt. "
            "latents: the trained latent teacher's encodings of bicubic-x4 LQ and of HQ, and its one-step output "
            "-> paths.cache/latents.pt (run after `tinysr-train teacher-latent`). An up-to-date cache is kept."
        ),
        epilog="example: tinysr-train data cache --config configs/recipe-small.yaml --what pixels",
    )
    add_recipe_arguments(cache, "cache.batch_size=8")
    cache.add_argument("--what", choices=CACHE_WHAT, required=True, help="which cache to build")
    cache.add_argument("--batch-size", type=int, help="images per forward pass (default: cache.batch_size)")
    cache.set_defaults(func=run_cache)


_DIRECT_OPTIONS = ("seed", "hq_size", "lq_size", "per_image", "workers")


def run_pairs(args: argparse.Namespace) -> int:
    import torch

    from .pairs import make_pairs
    from .recipe import PairsRecipe

    torch.set_num_threads(args.threads)
    if args.config is not None:
        given = [f"--{name.replace('_', '-')}" for name in _DIRECT_OPTIONS if getattr(args, name) is not None]
        if given or args.no_usm:
            raise DataError(
                "DATA_BAD_ARGUMENT",
                f"{', '.join(given + (['--no-usm'] if args.no_usm else []))}: with --config, set seed and data.* in "
                "the recipe or as KEY=VALUE overrides (for example data.workers=2)",
            )
        from tinysr_train.config import load_config

        recipe = PairsRecipe.from_config(load_config(args.config, args.inputs))
    else:
        if len(args.inputs) != 2:
            raise DataError(
                "DATA_BAD_ARGUMENT",
                f"expected FOLDER OUT (or --config FILE), got {len(args.inputs)} argument(s): {' '.join(args.inputs)}",
            )
        recipe = PairsRecipe(
            photos=Path(args.inputs[0]),
            pairs=Path(args.inputs[1]),
            seed=0 if args.seed is None else args.seed,
            per_image=args.per_image or 1,
            hq_size=args.hq_size or 512,
            lq_size=args.lq_size or 128,
            workers=args.workers or 1,
            usm=not args.no_usm,
        )
    from .pairs import DEGRADATIONS

    pairs = make_pairs(
        recipe.photos,
        recipe.pairs,
        seed=recipe.seed,
        hq_size=recipe.hq_size,
        lq_size=recipe.lq_size,
        n_per_image=recipe.per_image,
        config=DEGRADATIONS[recipe.degradation](),
        usm=recipe.usm,
        workers=recipe.workers,
    )
    written = sum(pair.written for pair in pairs)
    sources = len({pair.source for pair in pairs})
    where = f"{recipe.pairs}/hq and {recipe.pairs}/lq"
    if written == 0:
        print(f"nothing to do: all {len(pairs)} pairs from {sources} photo(s) are already in {where}")
    else:
        kept = f" ({len(pairs) - written} already there)" if written < len(pairs) else ""
        print(f"wrote {written} pairs{kept} from {sources} photo(s) to {where} (seed {recipe.seed})")
    return 0


def run_cache(args: argparse.Namespace) -> int:
    import torch

    from tinysr_train.config import config_hash, load_config

    from .cache_build import build_latent_cache, build_pixel_cache
    from .recipe import CacheRecipe

    cfg = load_config(args.config, args.overrides)
    recipe = CacheRecipe.from_config(cfg)
    batch_size = args.batch_size or recipe.batch_size
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if args.what == "pixels":
        from .reference_teacher import load_reference_teacher

        reference = load_reference_teacher(recipe.reference_model, recipe.seed)
        outcome = build_pixel_cache(
            recipe.pairs, recipe.cache, reference, batch_size=batch_size, device=device, config_hash=config_hash(cfg)
        )
        source = f"reference {recipe.reference_model}"
    else:
        from tinysr_train.train.teacher_latent import load_trained_teacher, teacher_provenance

        teacher = load_trained_teacher(cfg)
        provenance = teacher_provenance(cfg)
        outcome = build_latent_cache(
            recipe.cache,
            teacher,
            batch_size=batch_size,
            device=device,
            teacher_provenance=provenance,
            config_hash=config_hash(cfg),
        )
        source = f"teacher {provenance.get('checkpoint') or 'pretrained'}"
    if outcome.built:
        print(f"wrote {outcome.path}: {outcome.count} pairs ({source}, {device})")
    else:
        print(f"nothing to do: {outcome.path} is up to date ({outcome.count} pairs, {source})")
    return 0
