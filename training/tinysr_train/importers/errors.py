"""Errors raised by the importers: data with a stable `code`; messages name the file, what was expected and what was
found.

Absent files are reported with the model family's `MissingWeightsError` (code MISSING_WEIGHTS), so a user sees the same
error whether the teacher loader or an importer found a file missing. May import: the standard library and tinysr_train.errors.
"""

from __future__ import annotations

from collections.abc import Iterable

from tinysr_train.errors import TinySRError

# Key names a message lists before it summarises the rest: enough to diagnose a naming scheme, short enough to read.
KEYS_SHOWN = 12


class ImportWeightsError(TinySRError):
    """Weight files that exist but do not fit the model they are imported into."""


def key_mismatch_error(
    what: str, *, missing: Iterable[str] = (), unexpected: Iterable[str] = (), hint: str = ""
) -> ImportWeightsError:
    """IMPORT_KEY_MISMATCH naming the missing and the unexpected keys (the first KEYS_SHOWN of each, sorted)."""
    parts = [f"{what}: the weight names do not match the model."]
    for label, keys in (("missing", sorted(missing)), ("unexpected", sorted(unexpected))):
        if keys:
            shown = ", ".join(keys[:KEYS_SHOWN])
            more = f" (+{len(keys) - KEYS_SHOWN} more)" if len(keys) > KEYS_SHOWN else ""
            parts.append(f"{len(keys)} {label} key(s): {shown}{more}.")
    if hint:
        parts.append(hint)
    return ImportWeightsError("IMPORT_KEY_MISMATCH", " ".join(parts))
