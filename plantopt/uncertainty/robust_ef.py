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

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from plantopt.model.build import Families
from plantopt.model.emit_matrix import row_blocks
from plantopt.model.families.scenarios import (
    big_m,
    chance_count,
    chance_target,
    cvar_budget,
    cvar_objective,
    cvar_target,
)
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
    risk_cols: dict[str, np.ndarray] = field(default_factory=dict)  # z | u, tau | v, eta

    def scenario_x(self, x: np.ndarray, s: int) -> np.ndarray:
        return x[self.colmap[s]]


def first_stage_columns(glob: Layout, stage: str) -> np.ndarray:
    """Global columns of the first stage: builds; builds and accept; or all. A build
    carries its size: a continuous option's segment and segment_on columns are first
    stage with its build column (the size is built, not chosen per scenario), and its
    place: a network's site_build columns (which site builds it)."""
    if stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    if stage == "static":
        return np.arange(glob.n_cols)
    cols = []
    for t in range(glob.n_periods):
        b = t * glob.block
        cols.append(b + glob.build0 + np.arange(len(glob.options)))
        cols.append(b + np.arange(glob.segment0, glob.crew0))
        cols.append(b + np.arange(glob.site_build0, glob.site_run0))  # where (a network)
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
    fams: list[Families], maps: list[np.ndarray], n: int, cols: _Cols
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lower = np.full(n, -np.inf)
    upper = np.full(n, np.inf)
    integ = np.zeros(n, dtype=np.int32)
    for f, c in zip(fams, maps):
        np.maximum.at(lower, c, f.col_lower)
        np.minimum.at(upper, c, f.col_upper)
        integ[c] = f.layout.integrality()
    upper = np.maximum(upper, lower)
    return (
        np.concatenate([lower, *cols.lower]),
        np.concatenate([upper, *cols.upper]),
        np.concatenate([integ, *cols.integ]),
    )


def _mapped(f: Family, m: sp.csr_array, c: np.ndarray, n_total: int) -> sp.csr_array:
    coo = m.tocoo()
    return sp.csr_array((coo.data, (coo.row, c[coo.col])), shape=(m.shape[0], n_total))


@dataclass(frozen=True)
class Risk:
    """How the extensive form treats risk (``models/formulation.md`` §14).

    ``chance``: "exact" (indicators z_s with big-M) or "cvar" (the conservative, binary-free
    CVaR approximation of the chance constraint). ``cvar_beta``: with a level in [0, 1), the
    objective is (1 - ``cvar_weight``) E[V] + ``cvar_weight`` CVaR_beta(V) of the scenario
    objectives V_s (Rockafellar-Uryasev)."""

    chance: str = "exact"
    cvar_beta: float | None = None
    cvar_weight: float = 1.0

    def __post_init__(self) -> None:
        if self.chance not in ("exact", "cvar"):
            raise ValueError(f"chance must be exact or cvar, not {self.chance!r}")
        if self.cvar_beta is not None and not 0.0 <= self.cvar_beta < 1.0:
            raise ValueError(f"cvar_beta must be in [0, 1), not {self.cvar_beta}")
        if not 0.0 <= self.cvar_weight <= 1.0:
            raise ValueError(f"cvar_weight must be in [0, 1], not {self.cvar_weight}")


@dataclass
class _Cols:
    """Risk columns after the y, w block: their (lower, upper, integrality) and positions."""

    n: int
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    integ: list[np.ndarray] = field(default_factory=list)

    def add(self, shape: tuple[int, ...], lo: float, hi: float, integer: bool) -> np.ndarray:
        size = int(np.prod(shape))
        idx = self.n + np.arange(size).reshape(shape)
        self.n += size
        self.lower.append(np.full(size, lo))
        self.upper.append(np.full(size, hi))
        self.integ.append(np.full(size, int(integer), dtype=np.int32))
        return idx


def _target_rows(
    f: Family,
    a: sp.csr_array,
    s: int,
    risk: dict[str, np.ndarray],
    used: int,
    box: Any,
    tight: np.ndarray | None = None,
) -> Family:
    """The chance (exact) or CVaR rows that replace scenario s's target_ratio rows
    (``tight``: a smaller valid big-M of the exact rows, over all the scenario's targets)."""
    assert f.lower is not None
    mvec = big_m(a, f.lower, *box)
    if tight is not None and "z" in risk:
        mvec = np.minimum(mvec, tight[used : used + f.n])

    def pick(cols: np.ndarray) -> np.ndarray:
        return np.broadcast_to(cols, (f.n,)) if cols.size == 1 else cols[used : used + f.n]

    if "z" in risk:
        return chance_target(f, a, np.asarray(pick(risk["z"][s])), mvec, s)
    return cvar_target(f, a, mvec, np.asarray(pick(risk["u"][s])), pick(risk["tau"]), s)


def _scenario_rows(
    s: int,
    fams: Families,
    c: np.ndarray,
    n_total: int,
    risk: dict[str, np.ndarray] | None,
    box: tuple[np.ndarray, np.ndarray],
    skip_first_only: bool,
    tight: np.ndarray | None = None,
) -> list[Family]:
    """Scenario s's row families over the extensive columns (chance rows for targets)."""
    out = []
    used = 0  # indicators taken by earlier target_ratio blocks (per target, several periods)
    for f, m in row_blocks(fams):
        if skip_first_only and f.scope == "global" and f.name in FIRST_ONLY:
            continue
        a = _mapped(f, m, c, n_total)
        if risk is not None and f.name == "target_ratio":
            out.append(_target_rows(f, a, s, risk, used, box, tight))
            used += f.n
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


def _risk_columns(
    cols: _Cols, n_s: int, n_targets: int, alpha: float | None, per_target: bool, risk: Risk
) -> dict[str, np.ndarray]:
    """Indicators z (exact chance), u and tau (CVaR chance), v and eta (CVaR objective)."""
    out: dict[str, np.ndarray] = {}
    if alpha is not None and n_targets > 0:
        k = n_targets if per_target else 1
        if risk.chance == "exact":
            out["z"] = cols.add((n_s, k), 0.0, 1.0, True)
        else:
            out["u"] = cols.add((n_s, k), 0.0, np.inf, False)
            out["tau"] = cols.add((k,), -np.inf, np.inf, False)
    if risk.cvar_beta is not None:
        out["v"] = cols.add((n_s,), 0.0, np.inf, False)
        out["eta"] = cols.add((1,), -np.inf, np.inf, False)
    return out


def _coupling_rows(
    rc: dict[str, np.ndarray],
    p: np.ndarray,
    alpha: float | None,
    values: list[sp.csr_array],
) -> list[tuple[int, Family]]:
    """The rows across scenarios: chance count or CVaR budget, and the objective's CVaR."""
    rows: list[tuple[int, Family]] = []
    if "z" in rc:
        zc = rc["z"][:, 0] if rc["z"].shape[1] == 1 else rc["z"]
        rows.append((-1, chance_count(zc, p, np.asarray(alpha, float))))
    if "u" in rc:
        assert alpha is not None
        rows.append((-1, cvar_budget(rc["u"], rc["tau"], p, float(alpha))))
    if "v" in rc:
        vals = sp.vstack(values, format="csr")
        rows.append((-1, cvar_objective(vals, rc["v"], int(rc["eta"][0]), list(range(len(p))))))
    return rows


def _objective(
    fams: list[Families],
    maps: list[np.ndarray],
    p: np.ndarray,
    objective: str,
    n_total: int,
    rc: dict[str, np.ndarray],
    risk: Risk,
) -> tuple[np.ndarray, list[sp.csr_array]]:
    """(1 - lambda) sum_s p_s c^s C_s x + lambda (eta - sum_s p_s v_s / (1 - beta)), and the
    scenario objective rows V_s over the extensive columns (for the CVaR rows)."""
    lam = risk.cvar_weight if "v" in rc else 0.0
    cost = np.zeros(n_total)
    values = []
    for ps, f, c in zip(p, fams, maps):
        vec = f.objectives[objective]
        np.add.at(cost, c, (1.0 - lam) * ps * vec)
        nz = np.flatnonzero(vec)
        values.append(sp.csr_array((vec[nz], (np.zeros(nz.size, int), c[nz])), shape=(1, n_total)))
    if "v" in rc:
        assert risk.cvar_beta is not None
        cost[rc["eta"]] += lam
        cost[rc["v"]] -= lam * p / (1.0 - risk.cvar_beta)
    return cost, values


def extensive_form(
    fams: list[Families],
    objective: str = "npv",
    stage: str = "builds",
    alpha: float | None = None,
    per_target: bool = False,
    anticipative: bool = False,
    weights: np.ndarray | None = None,
    fixed_first: np.ndarray | None = None,
    risk: Risk | None = None,
    big_ms: list[np.ndarray] | None = None,
) -> Extensive:
    """The extensive form of ``fams`` (one Families per scenario); see the module doc.

    ``big_ms``: per scenario, a valid big-M for each of its target rows (all periods, in
    row order) below the box one, for the exact chance rows
    (:func:`plantopt.uncertainty.robust_start.tight_big_m`).

    ``fixed_first`` fixes the first-stage columns (values over ``first``, clipped to the
    scenarios' common bounds), as for the expected result of the mean-value solution (VSS).
    ``risk``: exact or CVaR chance rows, CVaR of the objective (:class:`Risk`).
    """
    _check_layouts(fams)
    risk = risk or Risk()
    n_s = len(fams)
    p = np.full(n_s, 1.0 / n_s) if weights is None else np.asarray(weights, float)
    first = first_stage_columns(fams[0].layout, stage)
    maps, n = column_maps(n_s, fams[0].layout.n_cols, first, anticipative)
    n_targets = sum(r.n for per in fams[0].periods for r in per.rows if r.name == "target_ratio")
    cols = _Cols(n)
    rc = _risk_columns(cols, n_s, n_targets, alpha, per_target, risk)
    lower, upper, integ = _bounds(fams, maps, n, cols)
    if fixed_first is not None:  # clipped to the shared box (intake <= min_s available)
        fixed = np.clip(fixed_first, lower[: first.size], upper[: first.size])
        lower[: first.size] = upper[: first.size] = fixed
    rows: list[tuple[int, Family]] = []
    chance = rc if ("z" in rc or "u" in rc) else None
    for s, (f, c) in enumerate(zip(fams, maps)):
        skip = s > 0 and not anticipative
        tight = None if big_ms is None else big_ms[s]
        rows += [
            (s, fam) for fam in _scenario_rows(s, f, c, cols.n, chance, (lower, upper), skip, tight)
        ]
    cost, values = _objective(fams, maps, p, objective, cols.n, rc, risk)
    rows += _coupling_rows(rc, p, alpha, values)
    mm = _matrix(rows, cost, lower, upper, integ, objective)
    z = rc.get("z", np.zeros((n_s, 0), int))
    return Extensive(mm, maps, first, z[:, 0] if z.shape[1] == 1 else z, p, fams, rows, rc)


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


__all__ = ["Extensive", "Risk", "STAGES", "column_maps", "extensive_form", "first_stage_columns"]
