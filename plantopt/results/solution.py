"""A solution as arrays per column family and period, read back through the layout."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from plantopt.model.build import Families
from plantopt.model.families.collection import canonical_collect

ZERO_TOL = 1e-9  # |x| below this (t/yr, or a fraction of a binary) is read as 0


@dataclass(frozen=True)
class PeriodSolution:
    """Period t: accept (F), flow (N), build decided in t and in service (by option),
    run (by unit), take (by contract) and the segments of continuous options (in service,
    decided), as the model's index sets order them."""

    accept: np.ndarray
    flow: np.ndarray
    decided: dict[tuple[str, str], float]
    in_service: dict[tuple[str, str], float]
    run: dict[str, float]
    take: dict[str, float]
    x_local: np.ndarray  # S_t x: the period's columns in the local layout
    collect: dict[str, float] = field(default_factory=dict)  # t/yr by collection step
    # continuous options' segments: of the builds in service in t (sum over them, as
    # in_service) and of the build decided in t
    segment: dict[tuple[str, str, int], float] = field(default_factory=dict)
    segment_decided: dict[tuple[str, str, int], float] = field(default_factory=dict)


@dataclass(frozen=True)
class Solution:
    x: np.ndarray  # global columns
    periods: tuple[PeriodSolution, ...]


def read_solution(fams: Families, x: np.ndarray) -> Solution:
    """Split x (global layout) into per-period family arrays; values within
    :data:`ZERO_TOL` of zero become exactly zero (solver noise is not a flow), and the
    collect columns are the cheapest-first fill of each feed's excess intake
    (:func:`~plantopt.model.families.collection.canonical_collect`)."""
    x = np.where(np.abs(x) < ZERO_TOL, 0.0, np.asarray(x, dtype=float))
    x = canonical_collect(fams, x)  # collected = the excess over what is on offer
    lay = fams.layout
    out = []
    for t, per in enumerate(fams.periods):
        parts = lay.split(x, t)
        x_local = np.asarray(per.subst @ x)
        service = x_local[lay.build0 : lay.run0]
        out.append(
            PeriodSolution(
                accept=parts["accept"].copy(),
                flow=parts["flow"].copy(),
                decided=dict(zip(lay.options, parts["build"].tolist())),
                in_service=dict(zip(lay.options, service.tolist())),
                run=dict(zip(lay.run_units, parts["run"].tolist())),
                take=dict(zip(lay.contracts, parts["take"].tolist())),
                x_local=x_local,
                collect=dict(zip(lay.steps, parts["collect"].tolist())),
                segment=dict(zip(lay.segments, x_local[lay.segment0 : lay.segment_on0].tolist())),
                segment_decided=dict(zip(lay.segments, parts["segment"].tolist())),
            )
        )
    return Solution(x, tuple(out))


__all__ = ["PeriodSolution", "Solution", "read_solution", "ZERO_TOL"]
