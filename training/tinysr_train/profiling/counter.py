"""Parameter and MAC counting under the official TinySR convention (thop's rules), from tensor shapes only.

Owns the per-module counting rules, the attention-matmul count and the tally of one forward pass.
May import: torch only. Works on any device; full-size models are counted on `meta` tensors, so no weight is allocated
and no arithmetic is done: every rule reads shapes.

The convention (pytorch-OpCounter, "thop", as the paper's MAC test uses it; these rules reproduce the measured
numbers of spec section 6 exactly):
- Conv1d/2d/3d: output elements x (input channels / groups) x kernel elements. The bias is NOT counted.
- Linear: output elements x in_features. The bias is NOT counted.
- LayerNorm, BatchNorm, InstanceNorm: 2 x input elements, doubled when the layer has an affine scale/shift.
- nn.Upsample: output elements x 1 (nearest), 5 (linear), 11 (bilinear), 259 (bicubic), 31 (trilinear).
- Everything else counts zero: GroupNorm, activations, dropout, and functional ops (F.interpolate, additions,
  modulation, and the attention matmuls inside F.scaled_dot_product_attention). Models must therefore normalise with
  nn.LayerNorm modules, as the official ones do (the spec's 348.17 G for the student includes them).
Deliberate difference from thop's code:
- Rules match subclasses (thop looks up the exact type); a leaf module with weights but no rule counts zero silently in
  thop but is listed in `Tally.uncounted` here.

The second figure, `attention_macs`, is what that convention leaves out: the QK^T and AV products of every
F.scaled_dot_product_attention call (batch x heads x Lq x Lk x (Dqk + Dv)) plus any tensor-tensor product written as
torch.matmul / bmm / baddbmm / `@` (output elements x inner dimension). In the models profiled here these are exactly
the attention products (diffusers' processors use SDPA); F.linear is a module's own work and is not a matmul here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.overrides import TorchFunctionMode

# thop's per-output-element cost of each nn.Upsample mode (its `calculate_upsample`).
UPSAMPLE_OPS_PER_OUTPUT = {"nearest": 1, "linear": 5, "bilinear": 11, "bicubic": 224 + 35, "trilinear": 13 * 2 + 5}

# Leaf modules with weights that count zero by the convention (weightless leaves with no rule, such as activations and
# dropout, count zero without being listed as uncounted).
ZERO_COST_MODULES: tuple[type[nn.Module], ...] = (nn.GroupNorm,)

_NORMALIZATIONS = (nn.LayerNorm, nn.modules.batchnorm._BatchNorm, nn.modules.instancenorm._InstanceNorm)


@dataclass(frozen=True)
class Counts:
    """Parameters and multiply-accumulates of one module (or a sum of modules) for one forward pass."""

    params: int
    macs: int  # the official (thop) convention
    attention_macs: int = 0  # attention matmuls, which the official convention leaves out

    @property
    def macs_with_attention(self) -> int:
        return self.macs + self.attention_macs

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.params + other.params, self.macs + other.macs, self.attention_macs + other.attention_macs
        )

    def as_dict(self) -> dict[str, int]:
        return {
            "params": self.params,
            "macs": self.macs,
            "attention_macs": self.attention_macs,
            "macs_with_attention": self.macs_with_attention,
        }


def module_macs(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> int | None:
    """MACs of one call of a leaf module by the official rules; None when the module type has no rule."""
    if isinstance(module, nn.modules.conv._ConvNd) and not module.transposed:
        kernel_elements = math.prod(module.kernel_size)
        return output.numel() * (inputs[0].shape[1] // module.groups) * kernel_elements
    if isinstance(module, nn.Linear):
        return output.numel() * module.in_features
    if isinstance(module, _NORMALIZATIONS):
        affine = getattr(module, "affine", False) or getattr(module, "elementwise_affine", False)
        return 2 * inputs[0].numel() * (2 if affine else 1)
    if isinstance(module, nn.Upsample):
        return output.numel() * UPSAMPLE_OPS_PER_OUTPUT.get(module.mode, 0)
    if isinstance(module, ZERO_COST_MODULES):
        return 0
    return None


def attention_matmul_macs(func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> int:
    """MACs of a tensor-tensor product done outside any module (attention's QK^T and AV); 0 for every other call."""
    if func is F.scaled_dot_product_attention:
        query = args[0] if args else kwargs["query"]
        key = args[1] if len(args) > 1 else kwargs["key"]
        value = args[2] if len(args) > 2 else kwargs["value"]
        rows = query.shape[:-1].numel()  # batch x heads x Lq
        return rows * key.shape[-2] * (query.shape[-1] + value.shape[-1])
    if func in _MATMULS:
        left = args[1] if func in _BADDBMMS else args[0]
        if not isinstance(result, Tensor) or left.dim() == 0:
            return 0
        return result.numel() * left.shape[-1]
    return 0


_BADDBMMS = {torch.baddbmm, Tensor.baddbmm}
_MATMULS = {torch.matmul, Tensor.matmul, Tensor.__matmul__, torch.bmm, Tensor.bmm} | _BADDBMMS


@dataclass
class Tally:
    """What one traced forward pass cost, per qualified module name of `root` ("" is the root itself)."""

    root: nn.Module
    macs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    attention_macs: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    uncounted: set[str] = field(default_factory=set)  # leaf module types with weights but no rule (counted zero)

    def counts(self, prefix: str = "") -> Counts:
        """Counts of the submodule named `prefix` (all of `root` when empty): its parameters and the MACs it did."""
        module = self.root.get_submodule(prefix) if prefix else self.root
        params = sum(parameter.numel() for parameter in module.parameters())

        def inside(name: str) -> bool:
            return not prefix or name == prefix or name.startswith(prefix + ".")

        return Counts(
            params=params,
            macs=sum(value for name, value in self.macs.items() if inside(name)),
            attention_macs=sum(value for name, value in self.attention_macs.items() if inside(name)),
        )


class _FunctionalOps(TorchFunctionMode):
    """Sees every torch function call (not those nested inside one) and books attention matmuls to the module
    running at the time."""

    def __init__(self, tally: Tally, current_module: Callable[[], str]) -> None:
        super().__init__()
        self._tally = tally
        self._current_module = current_module

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        name = self._current_module()
        macs = attention_matmul_macs(func, args, kwargs, result)
        if macs:
            self._tally.attention_macs[name] += macs
        return result


@contextmanager
def _hooks(tally: Tally) -> Iterator[Callable[[], str]]:
    """Installs the per-module hooks on `tally.root`; yields a function naming the module running now."""
    stack: list[str] = []
    handles = []

    def enter(name: str) -> Callable[..., None]:
        def pre_hook(_module: nn.Module, _inputs: tuple[Any, ...]) -> None:
            stack.append(name)

        return pre_hook

    def leave(name: str, is_leaf: bool) -> Callable[..., None]:
        def hook(module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
            stack.pop()
            if not is_leaf:
                return
            macs = module_macs(module, inputs, output)
            if macs is not None:
                tally.macs[name] += macs
            elif next(module.parameters(), None) is not None:  # weights with no rule: work the count may be missing
                tally.uncounted.add(type(module).__name__)

        return hook

    try:
        for name, module in tally.root.named_modules():
            is_leaf = next(module.children(), None) is None
            handles.append(module.register_forward_pre_hook(enter(name)))
            handles.append(module.register_forward_hook(leave(name, is_leaf)))
        yield lambda: stack[-1] if stack else ""
    finally:
        for handle in handles:
            handle.remove()


def trace(root: nn.Module, run: Callable[[], Any]) -> Tally:
    """Runs `run()` (which calls `root` or its submodules, possibly several times) and tallies what `root` computed.

    Parameters are counted from `root` at the time of the call, so count a cached student after `cache()`.
    """
    tally = Tally(root)
    with torch.no_grad(), _hooks(tally) as current_module, _FunctionalOps(tally, current_module):
        run()
    return tally


def count(module: nn.Module, *args: Any, **kwargs: Any) -> Counts:
    """Counts of one call `module(*args, **kwargs)`. Pass meta tensors for full-size models: only shapes are read."""
    return trace(module, lambda: module(*args, **kwargs)).counts()
