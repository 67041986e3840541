"""ncnn -> PyTorch conversion of the reference models, on small synthetic ncnn files written here with random weights.

The writer below is independent of the reader under test: it lays out `.param` text and `.bin` blobs the way ncnn's
tools do (fp16 blobs tagged 0x01306B47 and padded to 4 bytes, raw fp32 biases and PReLU slopes, Split layers for blobs
with several consumers), for Real-ESRGAN's two graph shapes at tiny widths. No network, no ../shared/data.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import torch

from tinysr_train.reference.archs import RRDBNet, SRVGGNetCompact
from tinysr_train.reference.convert import convert
from tinysr_train.reference.errors import ReferenceModelError
from tinysr_train.reference.ncnn_model import NcnnModel
from tinysr_train.reference.ncnn_param import parse_param

torch.set_num_threads(1)

FP16_TAG = struct.pack("<I", 0x01306B47)
LEAKY = "9=2 -23310=1,2.000000e-01"
RESIDUAL_SUM = "0=1 -23301=2,2.000000e-01,1.000000e+00"  # Eltwise sum: 0.2 x first + 1.0 x second


@dataclass
class _Layer:
    type: str
    name: str
    bottoms: list[str]
    tops: list[str]
    params: str = ""
    blobs: list[bytes] = field(default_factory=list)


class NcnnWriter:
    """Builds a .param/.bin pair; blobs read by several layers get ncnn's Split layers automatically."""

    def __init__(self, seed: int, *, fp32_weights: bool = False) -> None:
        self.layers: list[_Layer] = []
        self.rng = np.random.default_rng(seed)
        self.fp32_weights = fp32_weights
        self.expected: dict[str, dict[str, np.ndarray]] = {}  # layer name -> role -> values as ncnn will decode them

    def add(self, layer_type: str, name: str, bottoms: list[str], tops: list[str], params: str = "") -> str:
        self.layers.append(_Layer(layer_type, name, bottoms, tops, params))
        return tops[0]

    def conv(self, name: str, bottom: str, n_in: int, n_out: int, extra: str = "") -> str:
        weight = self.rng.normal(0, 0.3, size=(n_out, n_in, 3, 3)).astype(np.float32)
        bias = self.rng.normal(0, 0.1, size=n_out).astype(np.float32)
        if self.fp32_weights:
            weight_blob = struct.pack("<I", 0) + weight.astype("<f4").tobytes()
        else:
            weight = weight.astype(np.float16).astype(np.float32)  # what the fp16 file can hold
            data = weight.astype("<f2").tobytes()
            weight_blob = FP16_TAG + data + b"\0" * (-len(data) % 4)
        params = f"0={n_out} 1=3 4=1 5=1 6={weight.size} {extra}".strip()
        top = self.add("Convolution", name, [bottom], [f"{name}_out"], params)
        self.layers[-1].blobs = [weight_blob, bias.astype("<f4").tobytes()]
        self.expected[name] = {"weight": weight, "bias": bias}
        return top

    def prelu(self, name: str, bottom: str, n: int) -> str:
        slope = self.rng.uniform(0, 0.5, size=n).astype(np.float32)
        top = self.add("PReLU", name, [bottom], [f"{name}_out"], f"0={n}")
        self.layers[-1].blobs = [slope.astype("<f4").tobytes()]
        self.expected[name] = {"slope": slope}
        return top

    def _with_splits(self) -> list[_Layer]:
        uses: dict[str, int] = {}
        for layer in self.layers:
            for bottom in layer.bottoms:
                uses[bottom] = uses.get(bottom, 0) + 1
        taken: dict[str, int] = {}
        out: list[_Layer] = []
        for layer in self.layers:
            bottoms = []
            for bottom in layer.bottoms:
                if uses[bottom] > 1:
                    index = taken.get(bottom, 0)
                    taken[bottom] = index + 1
                    bottom = f"{bottom}_splitncnn_{index}"
                bottoms.append(bottom)
            out.append(_Layer(layer.type, layer.name, bottoms, layer.tops, layer.params, layer.blobs))
            for top in layer.tops:
                if uses.get(top, 0) > 1:
                    copies = [f"{top}_splitncnn_{i}" for i in range(uses[top])]
                    out.append(_Layer("Split", f"split_{top}", [top], copies))
        return out

    def write(self, folder: Path, stem: str) -> tuple[Path, Path]:
        layers = self._with_splits()
        blobs = {top for layer in layers for top in layer.tops}
        lines = ["7767517", f"{len(layers)} {len(blobs)}"]
        for layer in layers:
            counts = [str(len(layer.bottoms)), str(len(layer.tops))]
            fields = [layer.type, layer.name, *counts, *layer.bottoms, *layer.tops]
            lines.append(" ".join(fields + ([layer.params] if layer.params else [])))
        param, weights = folder / f"{stem}.param", folder / f"{stem}.bin"
        param.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")  # the shipped files use CRLF
        weights.write_bytes(b"".join(blob for layer in layers for blob in layer.blobs))
        return param, weights


def compact_writer(
    num_in: int = 3, num_feat: int = 5, num_conv: int = 2, upscale: int = 4, seed: int = 0, fp32_weights: bool = False
) -> NcnnWriter:
    """SRVGGNetCompact's graph; num_feat 5 makes fp16 blobs of odd length, so 4-byte padding is exercised."""
    w = NcnnWriter(seed, fp32_weights=fp32_weights)
    w.add("Input", "input", [], ["data"])
    x = w.prelu("prelu_0", w.conv("conv_0", "data", num_in, num_feat), num_feat)
    for i in range(1, num_conv + 1):
        x = w.prelu(f"prelu_{i}", w.conv(f"conv_{i}", x, num_feat, num_feat), num_feat)
    x = w.conv("conv_last", x, num_feat, 3 * upscale * upscale)
    x = w.add("PixelShuffle", "shuffle", [x], ["shuffled"], f"0={upscale}")
    base = w.add("Interp", "resize", ["data"], ["base"], f"0=1 1={upscale:.6e} 2={upscale:.6e}")
    w.add("BinaryOp", "add", [x, base], ["output"])
    return w


def rrdb_writer(num_feat: int = 4, num_grow: int = 2, num_block: int = 1, seed: int = 0) -> NcnnWriter:
    """RRDBNet x4's graph in the order ONNX export + onnx2ncnn produce it."""
    w = NcnnWriter(seed)
    w.add("Input", "input", [], ["data"])
    feat = w.conv("conv_first", "data", 3, num_feat)
    x = feat
    for b in range(num_block):
        block_in = x
        for r in range(1, 4):
            dense = [x]
            for c in range(1, 5):
                cat = x if c == 1 else w.add("Concat", f"cat_{b}_{r}_{c}", list(dense), [f"cat_{b}_{r}_{c}_out"])
                dense.append(w.conv(f"b{b}_r{r}_c{c}", cat, num_feat + (c - 1) * num_grow, num_grow, LEAKY))
            cat = w.add("Concat", f"cat_{b}_{r}_5", list(dense), [f"cat_{b}_{r}_5_out"])
            c5 = w.conv(f"b{b}_r{r}_c5", cat, num_feat + 4 * num_grow, num_feat)
            x = w.add("Eltwise", f"rdb_add_{b}_{r}", [c5, x], [f"rdb_{b}_{r}"], RESIDUAL_SUM)
        x = w.add("Eltwise", f"rrdb_add_{b}", [x, block_in], [f"rrdb_{b}"], RESIDUAL_SUM)
    body = w.conv("conv_body", x, num_feat, num_feat)
    x = w.add("BinaryOp", "trunk_add", [feat, body], ["trunk"])
    x = w.add("Interp", "up1", [x], ["up1_out"], "0=1 1=2.000000e+00 2=2.000000e+00")
    x = w.conv("conv_up1", x, num_feat, num_feat, LEAKY)
    x = w.add("Interp", "up2", [x], ["up2_out"], "0=1 1=2.000000e+00 2=2.000000e+00")
    x = w.conv("conv_up2", x, num_feat, num_feat, LEAKY)
    x = w.conv("conv_hr", x, num_feat, num_feat, LEAKY)
    w.conv("conv_last", x, num_feat, 3)
    w.layers[-1].tops = ["output"]
    return w


def _load(writer: NcnnWriter, tmp_path: Path, stem: str = "m") -> NcnnModel:
    return NcnnModel.load(*writer.write(tmp_path, stem))


def test_compact_walk_accounts_for_every_byte_and_decodes_exact_weights(tmp_path: Path) -> None:
    writer = compact_writer()
    model = _load(writer, tmp_path)
    accounting = model.byte_accounting()
    assert accounting.total == accounting.file_bytes == (tmp_path / "m.bin").stat().st_size
    assert accounting.padding_bytes > 0  # 5 x 3 x 9 = 135 fp16 values -> 270 bytes + 2 padding
    assert accounting.storage_counts == {"fp16": 4, "fp32-raw": 7}
    for layer, roles in writer.expected.items():
        for role, values in roles.items():
            np.testing.assert_array_equal(model.weights[layer][role].reshape(values.shape), values)


def test_compact_converts_to_srvgg_with_identical_parameters(tmp_path: Path) -> None:
    writer = compact_writer(num_conv=3)
    converted = convert(_load(writer, tmp_path))
    assert converted.arch == "SRVGGNetCompact"
    assert converted.config == dict(num_in_ch=3, num_out_ch=3, num_feat=5, num_conv=3, upscale=4)
    assert isinstance(converted.module, SRVGGNetCompact)
    state = converted.module.state_dict()
    convs = ["conv_0", "conv_1", "conv_2", "conv_3", "conv_last"]
    for index, name in enumerate(convs):
        assert torch.equal(state[f"body.{2 * index}.weight"], torch.from_numpy(writer.expected[name]["weight"]))
        assert torch.equal(state[f"body.{2 * index}.bias"], torch.from_numpy(writer.expected[name]["bias"]))
    for index in range(4):
        slope = torch.from_numpy(writer.expected[f"prelu_{index}"]["slope"])
        assert torch.equal(state[f"body.{2 * index + 1}.weight"], slope)
    assert converted.source["graph_equivalence_max_abs_error"] <= 1e-5


def test_rrdb_converts_with_identical_parameters_and_matches_the_graph(tmp_path: Path) -> None:
    writer = rrdb_writer(num_block=2)
    ncnn = _load(writer, tmp_path)
    assert ncnn.byte_accounting().total == ncnn.bin_bytes
    converted = convert(ncnn)
    assert converted.arch == "RRDBNet" and isinstance(converted.module, RRDBNet)
    assert converted.config == dict(num_in_ch=3, num_out_ch=3, num_feat=4, num_block=2, num_grow_ch=2)
    state = converted.module.state_dict()
    assert torch.equal(state["body.1.rdb3.conv4.weight"], torch.from_numpy(writer.expected["b1_r3_c4"]["weight"]))
    assert torch.equal(state["conv_hr.bias"], torch.from_numpy(writer.expected["conv_hr"]["bias"]))
    assert sum(p.numel() for p in converted.module.parameters()) == ncnn.byte_accounting().values
    x = torch.rand(1, 3, 12, 10)
    with torch.no_grad():
        assert float((converted.module(x) - ncnn.evaluate(x)).abs().max()) <= 1e-5


def test_fp32_tagged_weights_are_read_too(tmp_path: Path) -> None:
    writer = compact_writer(fp32_weights=True)
    model = _load(writer, tmp_path)
    assert model.byte_accounting().storage_counts == {"fp32-tagged": 4, "fp32-raw": 7}
    np.testing.assert_array_equal(model.weights["conv_1"]["weight"], writer.expected["conv_1"]["weight"])


def test_graph_that_differs_from_the_architecture_is_refused(tmp_path: Path) -> None:
    writer = compact_writer()
    writer.layers[-1].params = "0=1"  # BinaryOp sub instead of add: same weights, different network
    with pytest.raises(ReferenceModelError) as err:
        convert(_load(writer, tmp_path))
    assert err.value.code == "REFERENCE_GRAPH_MISMATCH"


def _expect(code: str, param: Path, weights: Path) -> ReferenceModelError:
    with pytest.raises(ReferenceModelError) as err:
        NcnnModel.load(param, weights)
    assert err.value.code == code
    return err.value


def test_truncated_bin_names_the_layer(tmp_path: Path) -> None:
    param, weights = compact_writer().write(tmp_path, "m")
    weights.write_bytes(weights.read_bytes()[:-10])
    error = _expect("NCNN_BIN_TRUNCATED", param, weights)
    assert "prelu_" in str(error) or "conv_last" in str(error)


def test_trailing_bytes_are_refused(tmp_path: Path) -> None:
    param, weights = compact_writer().write(tmp_path, "m")
    weights.write_bytes(weights.read_bytes() + b"\0" * 4)
    assert "4 bytes belong to no layer" in str(_expect("NCNN_BIN_TRAILING_BYTES", param, weights))


def test_wrong_storage_tag_is_refused(tmp_path: Path) -> None:
    param, weights = compact_writer().write(tmp_path, "m")
    weights.write_bytes(struct.pack("<I", 0x000D4B38) + weights.read_bytes()[4:])  # int8 tag on the first blob
    error = _expect("NCNN_BIN_BAD_TAG", param, weights)
    assert "0x000D4B38" in str(error) and "conv_0" in str(error)


def test_unknown_layer_type_is_refused_by_name(tmp_path: Path) -> None:
    writer = compact_writer()
    writer.layers[1].type = "Deconvolution"
    param, weights = writer.write(tmp_path, "m")
    assert "'Deconvolution'" in str(_expect("NCNN_LAYER_UNSUPPORTED", param, weights))


def test_int8_convolution_option_is_refused(tmp_path: Path) -> None:
    writer = compact_writer()
    writer.layers[1].params += " 8=1"
    param, weights = writer.write(tmp_path, "m")
    assert "int8" in str(_expect("NCNN_LAYER_UNSUPPORTED", param, weights))


def test_graph_of_another_architecture_is_not_recognised(tmp_path: Path) -> None:
    w = NcnnWriter(0)
    w.add("Input", "input", [], ["data"])
    w.conv("only_conv", "data", 3, 3)
    with pytest.raises(ReferenceModelError) as err:
        convert(_load(w, tmp_path))
    assert err.value.code == "REFERENCE_ARCH_UNRECOGNISED"


def test_param_parser_reads_arrays_floats_and_checks_counts() -> None:
    text = "7767517\n2 2\nInput in 0 1 data\nConvolution c 1 1 data out 0=4 1=3 6=108 9=2 -23310=1,2.000000e-01\n"
    graph = parse_param(text, source="mem.param")
    conv = graph.layers[1]
    assert conv.params[0] == 4 and conv.params[10] == (0.2,) and conv.array_param(10) == (0.2,)
    assert graph.inputs == ["data"] and graph.outputs == ["out"]
    for bad, fragment in [
        ("7767518\n1 1\nInput in 0 1 data\n", "magic"),
        ("7767517\n2 2\nInput in 0 1 data\n", "header announces"),
        ("7767517\n1 1\nSplit s 1 1 nowhere data\n", "before any layer produces it"),
        ("7767517\n1 1\nInput in 0 1 data 0=x\n", "cannot read parameter"),
    ]:
        with pytest.raises(ReferenceModelError, match=fragment) as err:
            parse_param(bad, source="bad.param")
        assert err.value.code == "NCNN_PARAM_INVALID"
