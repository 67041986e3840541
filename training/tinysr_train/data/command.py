"""`tinysr-train data pairs`: LQ/HQ training pairs from a folder of photos (issue 5, stage 1). Owns the arguments and
the printed summary only; the `data` command leaves room for later actions (the teacher-output cache).

May import: argparse and pathlib at module level; this package's modules inside `run_*` (they import torch, which
would slow `tinysr-train --help`).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    data = subparsers.add_parser(
        "data",
        help="make LQ/HQ training pairs with the Real-ESRGAN second-order degradation model",
        description="Training data. Evaluation sets (RealSR, DRealSR, Set5, Set14, osediff_reference) are refused.",
    )
    actions = data.add_subparsers(dest="data_action", metavar="ACTION", required=True)
    pairs = actions.add_parser(
        "pairs",
        help="random-crop HQ patches from every photo under FOLDER, degrade them, write OUT/hq and OUT/lq PNGs",
    )
    pairs.add_argument("folder", type=Path, help="folder of training photos (searched recursively)")
    pairs.add_argument("out", type=Path, help="output folder; gets hq/ and lq/ subfolders")
    pairs.add_argument("--seed", type=int, default=0, help="the same seed writes the same pairs, bit for bit")
    pairs.add_argument("--hq-size", type=int, default=512, help="HQ crop side in px")
    pairs.add_argument("--lq-size", type=int, default=128, help="LQ side in px (must be HQ / 4)")
    pairs.add_argument("--per-image", type=int, default=1, help="crops per photo")
    pairs.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    pairs.set_defaults(func=run_pairs)


def run_pairs(args: argparse.Namespace) -> int:
    import torch

    from .pairs import make_pairs

    torch.set_num_threads(args.threads)
    pairs = make_pairs(
        args.folder, args.out, seed=args.seed, hq_size=args.hq_size, lq_size=args.lq_size, n_per_image=args.per_image
    )
    sources = len({pair.source for pair in pairs})
    print(f"wrote {len(pairs)} pairs from {sources} photo(s) to {args.out}/hq and {args.out}/lq (seed {args.seed})")
    return 0
