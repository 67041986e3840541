"""Params and MACs of the TinySR family by the paper's convention (thop's rules), plus attention matmuls.

`counter`: `count(module, *inputs) -> Counts` for one call of any module (meta tensors for full-size models), `trace`
for a per-submodule tally; imports torch only. `report`: `profile_pipeline(config_name)` for one tile through a named
config's pipeline and `paper_rows()`, the table behind `tinysr-train profile`; it builds models (imports diffusers).
"""

from .counter import Counts, Tally, count, trace

__all__ = ["Counts", "Tally", "count", "trace"]
