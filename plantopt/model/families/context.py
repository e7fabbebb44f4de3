"""What every family function of one period reads: the period's model data, its regulation
terms, the local column layout and the real mass per feed-equivalent tonne of each node."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from plantopt.model.data import ModelData
from plantopt.model.layout import Layout

if TYPE_CHECKING:
    from plantopt.model.regulation_terms import RegulationData


@dataclass(frozen=True)
class PeriodContext:
    data: ModelData
    layout: Layout  # local layout
    regulation: RegulationData | None
    mass: np.ndarray  # (N,) real t per feed-equivalent t
    used_units: list[str]  # units some route-tree node reaches
    run_units: list[str]  # used units with a minimum load (and some capacity)
    _memo: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: str, make: Callable[[], Any]) -> Any:
        """``make()``, made once per period for the families that read the same terms."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def options_of(self, units: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, local build column) of every option of each unit in ``units``."""
        from plantopt.model.family import csr_rows

        o = self.layout.o_index
        r, c = csr_rows([[o[(u, j)] for j in self.data.unit_options[u]] for u in units])
        return r, self.layout.build0 + c

    def flows_of(self, node_lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """(row, node) of every node of each list."""
        from plantopt.model.family import csr_rows

        return csr_rows(node_lists)


def used_and_run_units(data: ModelData) -> tuple[list[str], list[str]]:
    used = [u for u in data.units if len(data.unit_nodes[u])]
    run = [u for u in used if data.unit_min_load[u] > 0 and data.unit_max_capacity[u] > 0]
    return used, run
