"""Where the no-reference metrics' standard model files come from, found at run time, and the command that fetches
them through the ordinary package clients (nothing is downloaded at evaluation time).

- BRISQUE: OpenCV's LIVE model, `brisque_model_live.yml` + `brisque_range_live.yml`, as Debian's `opencv-data`
  installs them in /usr/share/opencv4/quality/ (`apt-get download opencv-data` + `dpkg -x` puts them in the cache
  without installing anything).
- NIQE: the pristine model of the authors' MATLAB release (mu_prisparam, cov_prisparam) as BasicSR ships it,
  `basicsr/metrics/niqe_pris_params.npz` in PyPI's basicsr 1.4.2 sdist (`pip download --no-deps`;
  installing basicsr itself would pull torchvision, which this workspace cannot use).
Each file is checked against its pinned sha256, so a different model is never used under the standard's name.

Owns: the search order (configured path, the workspace cache `training/.cache/eval`, the system location), the pinned
digests, fetching. May import: the standard library, `tinysr_train.data.reference_teacher` (file_sha256), `.errors`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tinysr_train.data.reference_teacher import file_sha256

from .errors import EvalError

CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "eval"
BRISQUE_CACHE = CACHE_DIR / "brisque"
NIQE_CACHE = CACHE_DIR / "niqe"
SYSTEM_BRISQUE_DIR = Path("/usr/share/opencv4/quality")

BRISQUE_SHA256 = {
    "brisque_model_live.yml": "4c44c7eec9e5139830c0bb0e4a044c9cd351ba5bbc9e3798beca3243e2782ff4",
    "brisque_range_live.yml": "a18427f4f7ad087524bd0d63389649a3899b51ca6d44a4d5f8d8171f1f914a9c",
}
NIQE_FILE = "niqe_pris_params.npz"
NIQE_SHA256 = "2a7c182a68c9e7f1b2e2e5ec723279d6f65d912b6fcaf37eb2bf03d7367c4296"
OPENCV_DATA_PACKAGE = "opencv-data"
BASICSR_SDIST = "basicsr==1.4.2"
_BASICSR_MEMBER = "basicsr-1.4.2/basicsr/metrics/niqe_pris_params.npz"


@dataclass(frozen=True)
class Located:
    """A model file (or folder) that passed its checksum, or None with the reason it is unavailable."""

    path: Path | None
    reason: str


def _check_digest(path: Path, expected: str) -> None:
    found = file_sha256(path)
    if found != expected:
        raise EvalError(
            "EVAL_MODEL_FILES",
            f"{path}: sha256 {found} is not the standard model's {expected}; point the config at the standard file "
            "or rerun `tinysr-train eval-fetch`",
        )


def locate_brisque(configured: str | None) -> Located:
    """The folder holding both BRISQUE files: `configured`, else the cache, else /usr/share/opencv4/quality."""
    candidates = [Path(configured)] if configured else [BRISQUE_CACHE, SYSTEM_BRISQUE_DIR]
    for folder in candidates:
        if all((folder / name).is_file() for name in BRISQUE_SHA256):
            for name, digest in BRISQUE_SHA256.items():
                _check_digest(folder / name, digest)
            return Located(folder, f"OpenCV LIVE model from {folder}")
    tried = ", ".join(str(c) for c in candidates)
    return Located(
        None, f"unavailable (OpenCV's brisque_*_live.yml not found in {tried}; run `tinysr-train eval-fetch`)"
    )


def locate_niqe(configured: str | None) -> Located:
    """The NIQE pristine-model npz: `configured`, else the cache."""
    candidates = [Path(configured)] if configured else [NIQE_CACHE / NIQE_FILE]
    for path in candidates:
        if path.is_file():
            _check_digest(path, NIQE_SHA256)
            return Located(path, f"MATLAB release pristine model (BasicSR's {NIQE_FILE}) from {path}")
    tried = ", ".join(str(c) for c in candidates)
    return Located(None, f"unavailable ({NIQE_FILE} not found at {tried}; run `tinysr-train eval-fetch`)")


def _run(command: list[str], cwd: Path) -> None:
    try:
        subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or str(err)
        raise EvalError("EVAL_FETCH", f"`{' '.join(command)}` failed: {detail.strip()[-400:]}") from err


def fetch_brisque(target: Path = BRISQUE_CACHE) -> Path:
    """`apt-get download opencv-data`, unpack it with `dpkg -x`, copy the two yml files into `target`."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _run(["apt-get", "download", OPENCV_DATA_PACKAGE], work)
        (deb,) = work.glob(f"{OPENCV_DATA_PACKAGE}_*.deb")
        _run(["dpkg", "-x", deb.name, "root"], work)
        source = work / "root" / SYSTEM_BRISQUE_DIR.relative_to("/")
        target.mkdir(parents=True, exist_ok=True)
        for name, digest in BRISQUE_SHA256.items():
            _check_digest(source / name, digest)
            shutil.copyfile(source / name, target / name)
        (target / "provenance.json").write_text(
            json.dumps({"package": deb.name, "sha256": file_sha256(deb), "files": BRISQUE_SHA256}, indent=2) + "\n"
        )
    return target


def fetch_niqe(target: Path = NIQE_CACHE) -> Path:
    """`pip download --no-deps basicsr==1.4.2` (its sdist), extract niqe_pris_params.npz into `target`."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        # basicsr ships only an sdist; pip prepares its metadata, so skip build isolation (its build env wants torch).
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-build-isolation", "-d", "."]
        _run([*pip, BASICSR_SDIST], work)
        (sdist,) = work.glob("basicsr-*.tar.gz")
        with tarfile.open(sdist) as archive:
            member = archive.extractfile(_BASICSR_MEMBER)
            if member is None:
                raise EvalError("EVAL_FETCH", f"{sdist.name} has no {_BASICSR_MEMBER}")
            target.mkdir(parents=True, exist_ok=True)
            (target / NIQE_FILE).write_bytes(member.read())
        _check_digest(target / NIQE_FILE, NIQE_SHA256)
        (target / "provenance.json").write_text(
            json.dumps({"package": sdist.name, "sha256": file_sha256(sdist), "member": _BASICSR_MEMBER}, indent=2)
            + "\n"
        )
    return target / NIQE_FILE
