"""Reader of ncnn's text `.param` graph format (magic 7767517).

Owns: parsing a `.param` into `NcnnGraph` (ordered layers with their blobs and `k=v` parameters) and checking that
every bottom blob is produced before it is consumed. May import: `.errors`.

Format (ncnn `Net::load_param`): line 1 the magic, line 2 `layer_count blob_count`, then one line per layer:
`Type Name bottom_count top_count bottom... top... key=value...`. A key <= -23300 marks an array parameter with id
`-key - 23300` whose value is `count,v1,...`. A value is a float when its text holds `.` or `e`/`E` (ncnn's rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Union

from .errors import ReferenceModelError

NCNN_PARAM_MAGIC = 7767517
_ARRAY_KEY_BASE = -23300

ParamValue = Union[int, float, tuple[Union[int, float], ...]]


def _is_float_text(text: str) -> bool:
    return any(ch in ".eE" for ch in text)


def _scalar(text: str) -> int | float:
    return float(text) if _is_float_text(text) else int(text)


@dataclass(frozen=True)
class NcnnLayer:
    """One layer line of a `.param` file."""

    type: str
    name: str
    bottoms: tuple[str, ...]
    tops: tuple[str, ...]
    params: dict[int, ParamValue] = field(default_factory=dict)
    line: int = 0

    def where(self, source: str) -> str:
        return f"{source}:{self.line} ({self.type} {self.name})"

    def _invalid(self, key: int, expected: str, found: object) -> ReferenceModelError:
        return ReferenceModelError(
            "NCNN_PARAM_INVALID",
            f"layer {self.type} {self.name} (line {self.line}): parameter {key} should be {expected}, found {found!r}",
        )

    def int_param(self, key: int, default: int) -> int:
        value = self.params.get(key, default)
        if not isinstance(value, int):
            raise self._invalid(key, "an integer", value)
        return value

    def float_param(self, key: int, default: float) -> float:
        value = self.params.get(key, default)
        if isinstance(value, tuple):
            raise self._invalid(key, "a number", value)
        return float(value)

    def array_param(self, key: int) -> tuple[float, ...]:
        value = self.params.get(key, ())
        if not isinstance(value, tuple):
            raise self._invalid(key, "an array", value)
        return tuple(float(v) for v in value)


@dataclass(frozen=True)
class NcnnGraph:
    """A parsed `.param`: layers in file order (ncnn's execution and `.bin` order)."""

    layers: tuple[NcnnLayer, ...]
    blob_count: int
    source: str

    def layers_of_type(self, layer_type: str) -> list[NcnnLayer]:
        return [layer for layer in self.layers if layer.type == layer_type]

    @property
    def inputs(self) -> list[str]:
        return [top for layer in self.layers if layer.type == "Input" for top in layer.tops]

    @property
    def outputs(self) -> list[str]:
        """Blobs produced but never consumed: the graph's outputs."""
        consumed = {bottom for layer in self.layers for bottom in layer.bottoms}
        return [top for layer in self.layers for top in layer.tops if top not in consumed]


def _parse_param_entry(token: str, where: str) -> tuple[int, ParamValue]:
    key_text, sep, value_text = token.partition("=")
    if not sep:
        raise ReferenceModelError("NCNN_PARAM_INVALID", f"{where}: expected key=value, found {token!r}")
    try:
        key = int(key_text)
        if key <= _ARRAY_KEY_BASE:
            count_text, *items = value_text.split(",")
            if int(count_text) != len(items):
                raise ValueError(f"array announces {count_text} values but holds {len(items)}")
            return _ARRAY_KEY_BASE - key, tuple(_scalar(item) for item in items)
        return key, _scalar(value_text)
    except ValueError as err:
        raise ReferenceModelError("NCNN_PARAM_INVALID", f"{where}: cannot read parameter {token!r}: {err}") from err


def parse_param(text: str, *, source: str) -> NcnnGraph:
    """Parse `.param` text; `source` names the file in error messages."""
    lines = [(number, line.split()) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    if not lines or lines[0][1] != [str(NCNN_PARAM_MAGIC)]:
        found = " ".join(lines[0][1]) if lines else "an empty file"
        raise ReferenceModelError(
            "NCNN_PARAM_INVALID",
            f"{source}: expected the ncnn magic {NCNN_PARAM_MAGIC} on the first line, found {found!r}; "
            "only the text .param format is supported",
        )
    try:
        layer_count, blob_count = (int(v) for v in lines[1][1])
    except (IndexError, ValueError) as err:
        raise ReferenceModelError(
            "NCNN_PARAM_INVALID", f"{source}: the second line must be 'layer_count blob_count'"
        ) from err
    layers: list[NcnnLayer] = []
    produced: set[str] = set()
    for number, tokens in lines[2:]:
        where = f"{source}:{number}"
        try:
            layer_type, name, n_bottom, n_top = tokens[0], tokens[1], int(tokens[2]), int(tokens[3])
        except (IndexError, ValueError) as err:
            raise ReferenceModelError(
                "NCNN_PARAM_INVALID",
                f"{where}: expected 'Type Name bottom_count top_count ...', found {' '.join(tokens)!r}",
            ) from err
        blobs = tokens[4 : 4 + n_bottom + n_top]
        if len(blobs) != n_bottom + n_top:
            raise ReferenceModelError(
                "NCNN_PARAM_INVALID", f"{where}: {name} lists fewer blobs than its counts announce"
            )
        bottoms, tops = tuple(blobs[:n_bottom]), tuple(blobs[n_bottom:])
        for bottom in bottoms:
            if bottom not in produced:
                raise ReferenceModelError(
                    "NCNN_PARAM_INVALID", f"{where}: {name} reads blob {bottom!r} before any layer produces it"
                )
        produced.update(tops)
        params = dict(_parse_param_entry(token, where) for token in tokens[4 + n_bottom + n_top :])
        layers.append(NcnnLayer(layer_type, name, bottoms, tops, params, number))
    if len(layers) != layer_count or len(produced) != blob_count:
        raise ReferenceModelError(
            "NCNN_PARAM_INVALID",
            f"{source}: header announces {layer_count} layers / {blob_count} blobs, "
            f"the file holds {len(layers)} layers / {len(produced)} blobs",
        )
    return NcnnGraph(tuple(layers), blob_count, source)


def read_param(path: Path) -> NcnnGraph:
    if not path.is_file():
        raise ReferenceModelError("REFERENCE_FILE_MISSING", f"{path}: ncnn .param file not found")
    return parse_param(path.read_text(encoding="utf-8"), source=str(path))
