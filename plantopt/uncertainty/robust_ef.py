"""The extensive form of the two-stage sample-average approximation, from the row families.

Scenario s (probability p_s) has its own families (:func:`plantopt.model.pipeline.families_of`
on the scenario's instance and route tree) over the same global layout. The extensive form
keeps ONE copy of the first-stage columns and one copy of every other column per scenario:

    x = [ first stage y | second stage w_1 | ... | w_S | indicators z ]
    column map C_s: scenario column j -> y[j] if j is first stage, else w_s[j]
    rows:      every row family of scenario s, A_f^s C_s (the first-stage-only rows
               one_option, require_build and budget once, from scenario 0)
    objective: max sum_s p_s c^s C_s x   (expected NPV, or expected annual profit)

First stage (``stage``): ``builds`` (build[k, t]), ``contracts`` (builds and accept[f]:
contracted intake) or ``static`` (every column: one plan for all scenarios, what ``evaluate``
checks). Shared columns take the intersection of the scenarios' bounds (accept[f] <=
min_s available_{s,f}). With ``alpha`` the target rows become the chance rows of
:mod:`plantopt.model.families.scenarios`. ``anticipative=True`` gives every scenario its own
first stage (the wait-and-see problem of the EVPI).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from plantopt.model.build import Families
from plantopt.model.emit_matrix import row_blocks
from plantopt.model.families.scenarios import big_m, chance_count, chance_target
from plantopt.model.family import Family
from plantopt.model.layout import Layout
from plantopt.model.matrix_form import MatrixModel

STAGES = ("builds", "contracts", "static")
FIRST_ONLY = ("one_option", "require_build", "budget")


@dataclass
class Extensive:
    """The extensive form and how its columns map to every scenario's columns."""

    mm: MatrixModel
    colmap: list[np.ndarray]  # per scenario: scenario global column -> extensive column
    first: np.ndarray  # scenario global columns that are first stage
    z: np.ndarray  # extensive columns of the indicators: (0,), (S,) or (S, T)
    weights: np.ndarray  # (S,)
    families: list[Families]
    rows: list[tuple[int, Family]]  # (scenario or -1, family over the extensive columns)

    def scenario_x(self, x: np.ndarray, s: int) -> np.ndarray:
        return x[self.colmap[s]]


def first_stage_columns(glob: Layout, stage: str) -> np.ndarray:
    """Global columns of the first stage: builds; builds and accept; or all."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    if stage == "static":
        return np.arange(glob.n_cols)
    cols = []
    for t in range(glob.n_periods):
        b = t * glob.block
        cols.append(b + glob.build0 + np.arange(len(glob.options)))
        if stage == "contracts":
            cols.append(b + np.arange(glob.n_feeds))
    return np.sort(np.concatenate(cols))


def column_maps(
    n_scen: int, n_cols: int, first: np.ndarray, anticipative: bool = False
) -> tuple[list[np.ndarray], int]:
    """C_s for every scenario and the number of y and w columns."""
    if anticipative:
        return [s * n_cols + np.arange(n_cols) for s in range(n_scen)], n_scen * n_cols
    is_first = np.zeros(n_cols, dtype=bool)
    is_first[first] = True
    rest = np.flatnonzero(~is_first)
    n_f = first.size
    maps = []
    for s in range(n_scen):
        c = np.empty(n_cols, dtype=np.int64)
        c[first] = np.arange(n_f)
        c[rest] = n_f + s * rest.size + np.arange(rest.size)
        maps.append(c)
    return maps, n_f + n_scen * rest.size


def _check_layouts(fams: list[Families]) -> None:
    base = fams[0].layout
    for s, f in enumerate(fams[1:], start=1):
        if f.layout != base:
            raise ValueError(f"scenario {s} has another column layout than scenario 0")


def _bounds(
    fams: list[Families], maps: list[np.ndarray], n: int, n_z: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lower = np.full(n + n_z, -np.inf)
    upper = np.full(n + n_z, np.inf)
    integ = np.zeros(n + n_z, dtype=np.int32)
    for f, c in zip(fams, maps):
        np.maximum.at(lower, c, f.col_lower)
        np.minimum.at(upper, c, f.col_upper)
        integ[c] = f.layout.integrality()
    lower[n:], upper[n:], integ[n:] = 0.0, 1.0, 1
    return lower, np.maximum(upper, lower), integ


def _mapped(f: Family, m: sp.csr_array, c: np.ndarray, n_total: int) -> sp.csr_array:
    coo = m.tocoo()
    return sp.csr_array((coo.data, (coo.row, c[coo.col])), shape=(m.shape[0], n_total))


def _scenario_rows(
    s: int,
    fams: Families,
    c: np.ndarray,
    n_total: int,
    z_of: np.ndarray | None,
    bounds: tuple[np.ndarray, np.ndarray],
    skip_first_only: bool,
) -> list[Family]:
    """Scenario s's row families over the extensive columns (chance rows for targets)."""
    out = []
    used = 0  # indicators taken by earlier target_ratio blocks (per target, several periods)
    for f, m in row_blocks(fams):
        if skip_first_only and f.scope == "global" and f.name in FIRST_ONLY:
            continue
        a = _mapped(f, m, c, n_total)
        if z_of is not None and f.name == "target_ratio":
            assert f.lower is not None
            mvec = big_m(a, f.lower, *bounds)
            z_col = np.broadcast_to(z_of, (f.n,)) if z_of.size == 1 else z_of[used : used + f.n]
            used += f.n
            out.append(chance_target(f, a, np.asarray(z_col), mvec, s))
            continue
        coo = a.tocoo()
        assert f.lower is not None and f.upper is not None
        out.append(
            Family(
                f.name,
                [(s, i) for i in f.index],
                coo.row.astype(np.int64),
                coo.col.astype(np.int64),
                coo.data,
                f.lower,
                f.upper,
                scope="global",
                block="model",
                doc=f.doc,
            )
        )
    return out


def extensive_form(
    fams: list[Families],
    objective: str = "npv",
    stage: str = "builds",
    alpha: float | None = None,
    per_target: bool = False,
    anticipative: bool = False,
    weights: np.ndarray | None = None,
    fixed_first: np.ndarray | None = None,
) -> Extensive:
    """The extensive form of ``fams`` (one Families per scenario); see the module doc.

    ``fixed_first`` fixes the first-stage columns (values over ``first``, clipped to the
    scenarios' common bounds), as for the expected result of the mean-value solution (VSS).
    """
    _check_layouts(fams)
    n_s = len(fams)
    p = np.full(n_s, 1.0 / n_s) if weights is None else np.asarray(weights, float)
    glob = fams[0].layout
    first = first_stage_columns(glob, stage)
    maps, n = column_maps(n_s, glob.n_cols, first, anticipative)
    n_targets = sum(r.n for per in fams[0].periods for r in per.rows if r.name == "target_ratio")
    chance = alpha is not None and n_targets > 0
    z_per = n_targets if (chance and per_target) else (1 if chance else 0)
    z = n + np.arange(n_s * z_per).reshape(n_s, z_per) if z_per else np.zeros((n_s, 0), int)
    lower, upper, integ = _bounds(fams, maps, n, n_s * z_per)
    if fixed_first is not None:  # clipped to the shared box (intake <= min_s available)
        fixed = np.clip(fixed_first, lower[: first.size], upper[: first.size])
        lower[: first.size] = upper[: first.size] = fixed
    rows: list[tuple[int, Family]] = []
    for s, (f, c) in enumerate(zip(fams, maps)):
        z_of = z[s] if chance else None
        for fam in _scenario_rows(
            s, f, c, n + z.size, z_of, (lower, upper), s > 0 and not anticipative
        ):
            rows.append((s, fam))
    if chance:
        zc = z[:, 0] if not per_target else z
        rows.append((-1, chance_count(zc, p, np.asarray(alpha, float))))
    cost = np.zeros(n + z.size)
    for ps, f, c in zip(p, fams, maps):
        np.add.at(cost, c, ps * f.objectives[objective])
    mm = _matrix(rows, cost, lower, upper, integ, objective)
    return Extensive(mm, maps, first, z[:, 0] if z_per == 1 else z, p, fams, rows)


def _matrix(
    rows: list[tuple[int, Family]],
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integ: np.ndarray,
    objective: str,
) -> MatrixModel:
    n = cost.size
    mats = [f.matrix(n) for _, f in rows if f.n]
    a = sp.vstack(mats, format="csc") if mats else sp.csc_array((0, n))
    return MatrixModel(
        a_csc=a,
        row_lower=np.concatenate([f.lower for _, f in rows if f.n and f.lower is not None]),
        row_upper=np.concatenate([f.upper for _, f in rows if f.n and f.upper is not None]),
        col_lower=lower,
        col_upper=upper,
        costs=cost[None, :],
        offsets=np.zeros(1),
        maximize=True,
        integrality=integ,
        objective_names=[objective],
    )


__all__ = ["Extensive", "STAGES", "column_maps", "extensive_form", "first_stage_columns"]
