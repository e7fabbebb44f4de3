"""Column families: the decision variables, declared once, and where each sits in x.

Local layout (one period; every row family is written in it):

    accept[f]  (F)  feed accepted, t/yr                    [contracted_min_f, available_f]
    flow[n]    (N)  feed-equivalent t/yr into node n       [0, inf)
    build[k]   (O)  option k = (u, j) in service           {0, 1}
    run[u]     (R)  unit u runs (units with a minimum load) {0, 1}
    take[c]    (C)  contained t/yr delivered on contract c [min_c, max_c]
    collect[s] (S)  t/yr collected on collection step s     [0, size_s]
    segment[u,j,k]    (K)  share of segment k of continuous option (u, j)'s curve [0, 1]
    segment_on[u,j,k] (K') segment k+1 may be used (incremental formulation)  {0, 1}
    crew[c]           (0/1) operators per shift of the plant (manifest shift_crews) {0, 1, ..}

Global layout: T blocks of the local layout, one per period; block t's ``build`` segment holds
the decisions *made* in period t (build[k, t]). Period t's rows reach them through the 0/1
substitution S_t (local build[k] -> sum_{tau in A(k, t)} build[k, tau]; every other local
column -> the same column of block t). With one period S is the identity, so a single-period
model is the one-period case of the same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

COLUMN_DOCS = {
    "accept": "feed accepted, t/yr",
    "flow": "feed-equivalent flow into route-tree node, t/yr",
    "build": "capacity option built",
    "run": "unit runs",
    "take": "contained material delivered under the contract, t/yr",
    "collect": "tonnes collected on the collection step (supply curve), t/yr",
    "segment": "share of a segment of a continuous option's capex curve used",
    "segment_on": "the next segment of a continuous option's capex curve may be used",
    "crew": "operators per shift of the plant (an integer)",
}


@dataclass(frozen=True)
class Layout:
    """Sizes and offsets of the column families (local layout, or T blocks of it)."""

    feeds: tuple[str, ...]
    n_nodes: int
    options: tuple[tuple[str, str], ...]
    run_units: tuple[str, ...]
    contracts: tuple[str, ...] = ()
    n_periods: int = 1
    steps: tuple[str, ...] = ()  # collection steps "feed:step"
    o_index: dict[tuple[str, str], int] = field(default_factory=dict, compare=False)
    segments: tuple[tuple[str, str, int], ...] = ()
    segment_binaries: tuple[tuple[str, str, int], ...] = ()
    crew: tuple[str, ...] = ()  # ("operators",) when the instance has staffing

    def __post_init__(self) -> None:
        if not self.o_index:
            self.o_index.update({k: i for i, k in enumerate(self.options)})

    @property
    def n_feeds(self) -> int:
        return len(self.feeds)

    @property
    def flow0(self) -> int:
        return self.n_feeds

    @property
    def build0(self) -> int:
        return self.n_feeds + self.n_nodes

    @property
    def run0(self) -> int:
        return self.build0 + len(self.options)

    @property
    def take0(self) -> int:
        return self.run0 + len(self.run_units)

    @property
    def collect0(self) -> int:
        return self.take0 + len(self.contracts)

    @property
    def segment0(self) -> int:
        return self.collect0 + len(self.steps)

    @property
    def segment_on0(self) -> int:
        return self.segment0 + len(self.segments)

    @property
    def crew0(self) -> int:
        return self.segment_on0 + len(self.segment_binaries)

    @property
    def block(self) -> int:
        """Columns of one period: accept, flow, build, run, take, collect, segment,
        segment_on, crew."""
        return self.crew0 + len(self.crew)

    @property
    def n_cols(self) -> int:
        return self.block * self.n_periods

    def local(self) -> Layout:
        """The one-period layout the row families are written in."""
        return Layout(
            self.feeds,
            self.n_nodes,
            self.options,
            self.run_units,
            self.contracts,
            steps=self.steps,
            segments=self.segments,
            segment_binaries=self.segment_binaries,
            crew=self.crew,
        )

    def families(self) -> list[tuple[str, int, list, bool]]:
        """(name, first local column, index labels, integer) of every column family."""
        return [
            ("accept", 0, list(self.feeds), False),
            ("flow", self.flow0, list(range(self.n_nodes)), False),
            ("build", self.build0, list(self.options), True),
            ("run", self.run0, list(self.run_units), True),
            ("take", self.take0, list(self.contracts), False),
            ("collect", self.collect0, list(self.steps), False),
            ("segment", self.segment0, list(self.segments), False),
            ("segment_on", self.segment_on0, list(self.segment_binaries), True),
            ("crew", self.crew0, list(self.crew), True),
        ]

    def split(self, x: np.ndarray, t: int = 0) -> dict[str, np.ndarray]:
        """Period t's slice of x (global layout) by column family."""
        x = x[t * self.block : (t + 1) * self.block]
        return {
            "accept": x[: self.flow0],
            "flow": x[self.flow0 : self.build0],
            "build": x[self.build0 : self.run0],
            "run": x[self.run0 : self.take0],
            "take": x[self.take0 : self.collect0],
            "collect": x[self.collect0 : self.segment0],
            "segment": x[self.segment0 : self.segment_on0],
            "segment_on": x[self.segment_on0 : self.crew0],
            "crew": x[self.crew0 : self.block],
        }

    def integrality(self) -> np.ndarray:
        out = np.zeros(self.n_cols, dtype=np.int32)
        for t in range(self.n_periods):
            out[t * self.block + self.build0 : t * self.block + self.take0] = 1
            out[t * self.block + self.segment_on0 : (t + 1) * self.block] = 1
        return out


__all__ = ["COLUMN_DOCS", "Layout"]
