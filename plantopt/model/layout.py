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
  network instances only (sites.csv; none of these columns exists without sites):
    site_flow[n,s]    (N S) feed-equivalent t/yr into node n at site s       [0, inf)
    ship[g,a,b,mode]  (L)   feed-eq. t/yr of group g's stream shipped a -> b   [0, inf)
    haul[f,r,s,mode]  (H)   t/yr of feed f hauled from region r to site s      [0, inf)
    site_build[s,u,j] (B)   option (u, j) built at site s                      {0, 1}
    site_run[s,u]     (R')  unit u runs at site s (units with a minimum load)  {0, 1}

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
    "site_flow": "feed-equivalent flow into route-tree node at a site, t/yr",
    "ship": "feed-equivalent flow of an output stream shipped between two sites, t/yr",
    "haul": "tonnes of a feed hauled from a collection region to a site, t/yr",
    "site_build": "capacity option built at a site",
    "site_run": "unit runs at a site",
}
NETWORK_FAMILIES = ("site_flow", "ship", "haul", "site_build", "site_run")


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
    sites: tuple[str, ...] = ()  # network instances (sites.csv): site_flow is N x S
    ships: tuple[tuple[int, str, str, str], ...] = ()
    hauls: tuple[tuple[str, str, str, str], ...] = ()
    site_builds: tuple[tuple[str, str, str], ...] = ()
    site_runs: tuple[tuple[str, str], ...] = ()

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
    def site_flow0(self) -> int:
        return self.crew0 + len(self.crew)

    @property
    def ship0(self) -> int:
        return self.site_flow0 + self.n_nodes * len(self.sites)

    @property
    def haul0(self) -> int:
        return self.ship0 + len(self.ships)

    @property
    def site_build0(self) -> int:
        return self.haul0 + len(self.hauls)

    @property
    def site_run0(self) -> int:
        return self.site_build0 + len(self.site_builds)

    @property
    def block(self) -> int:
        """Columns of one period: accept, flow, build, run, take, collect, segment,
        segment_on, crew (and with sites site_flow, ship, haul, site_build, site_run)."""
        return self.site_run0 + len(self.site_runs)

    def site_flow_col(self, node: np.ndarray, site: np.ndarray) -> np.ndarray:
        """Local column of site_flow[n, s] (node-major: n S + s)."""
        return self.site_flow0 + np.asarray(node) * len(self.sites) + np.asarray(site)

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
            sites=self.sites,
            ships=self.ships,
            hauls=self.hauls,
            site_builds=self.site_builds,
            site_runs=self.site_runs,
        )

    def families(self) -> list[tuple[str, int, list, bool]]:
        """(name, first local column, index labels, integer) of every column family."""
        out: list[tuple[str, int, list, bool]] = [
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
        return out + (self._network_families() if self.sites else [])

    def _network_families(self) -> list[tuple[str, int, list, bool]]:
        nodes: list = [(n, s) for n in range(self.n_nodes) for s in self.sites]
        return [
            ("site_flow", self.site_flow0, nodes, False),
            ("ship", self.ship0, list(self.ships), False),
            ("haul", self.haul0, list(self.hauls), False),
            ("site_build", self.site_build0, list(self.site_builds), True),
            ("site_run", self.site_run0, list(self.site_runs), True),
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
            "crew": x[self.crew0 : self.site_flow0],
            "site_flow": x[self.site_flow0 : self.ship0],
            "ship": x[self.ship0 : self.haul0],
            "haul": x[self.haul0 : self.site_build0],
            "site_build": x[self.site_build0 : self.site_run0],
            "site_run": x[self.site_run0 : self.block],
        }

    def integrality(self) -> np.ndarray:
        out = np.zeros(self.n_cols, dtype=np.int32)
        for t in range(self.n_periods):
            out[t * self.block + self.build0 : t * self.block + self.take0] = 1
            out[t * self.block + self.segment_on0 : t * self.block + self.site_flow0] = 1
            out[t * self.block + self.site_build0 : (t + 1) * self.block] = 1
        return out


__all__ = ["COLUMN_DOCS", "NETWORK_FAMILIES", "Layout"]
