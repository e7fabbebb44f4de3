"""Planning periods and the timing of investments (issue 5, multi-period planning).

An instance without ``periods.csv`` is ONE period: it starts in the manifest's
``target_year`` and lasts ``horizon_yr`` years. With ``periods.csv`` the horizon is the
sequence of periods t = 0..T-1 (start year y_t, duration d_t, offset o_t = y_t - y_0,
contiguous: y_{t+1} = y_t + d_t), H = sum_t d_t.

Timing of an option k = (u, j) built in period tau (capex paid at o_tau; lead time l_k;
service starts at S = o_tau + l_k; lifetime L_k):

    A(k, t) = {tau : S <= o_t < S + L_k}       builds of k in service during period t
              (in service at the start of t, kept for the whole period)
    E       = o_e + d_e, e = last period in service (end of the service window),
    W       = E - S (years in service)
    PV_{k,tau} = (1 + r)^-o_tau K(r, L, W)      when l_k = 0, else
                 (1 + r)^-o_tau + (1 + r)^-S (K(r, L, W) - 1)
    with K (``capex_pv_factor``): the outlay, replacements every L years while the service
    window lasts, minus straight-line salvage of the last one at E. A build never in service
    within the horizon costs its outlay only.
    DF_t = sum_{y = o_t+1}^{o_t+d_t} (1 + r)^-y = (1 + r)^-o_t AF(r, d_t)   operating years
    w_t  = d_t / H                                                        period weight

One period (o = 0, d = H, l = 0): A(k, 0) = {0}, PV = K(r, L, H), DF = AF(r, H), w = 1 —
exactly the single-period model.

Finance (:mod:`plantopt.model.finance`): a construction period of C years shifts every
offset by C (o_0 = C; the first period's builds are paid over years 0..C-1 by the spend
profile); PV_{k,tau} is then K' of :func:`plantopt.model.finance.outlay_flows` (escalation,
tax depreciation, salvage), which is the formula above when the finance terms are plain.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from plantopt.model.finance import Finance, OutlayFlows, annuity_factor, finance_of, outlay_flows

if TYPE_CHECKING:
    from plantopt.instance.instance import Instance


@dataclass(frozen=True)
class Period:
    period_id: str
    start_year: int | None
    duration_yr: int
    offset_yr: int  # years from the horizon start to the period start
    operating_pv: float  # DF_t: present value of 1 EUR/yr over the period's years
    weight: float  # w_t = d_t / H

    @property
    def first_yr(self) -> int:
        """First operating year (end-of-year index)."""
        return self.offset_yr + 1

    @property
    def last_yr(self) -> int:
        return self.offset_yr + self.duration_yr


@dataclass(frozen=True)
class Timing:
    """Periods, and when each build is in service and what it costs in present value."""

    periods: tuple[Period, ...]
    active: dict[tuple[str, str, int], tuple[int, ...]]  # (u, j, t) -> build periods tau
    capex_pv_factor: dict[tuple[str, str, int], float]  # (u, j, tau) -> PV per EUR net capex
    service: dict[tuple[str, str, int], tuple[int, int] | None]  # (u, j, tau) -> (first, last)
    lead_yr: dict[tuple[str, str], float]  # (u, j) -> lead time
    finance: Finance = Finance()
    flows: dict[tuple[str, str, int], OutlayFlows] | None = None  # (u, j, tau) -> per EUR

    @property
    def multi(self) -> bool:
        return len(self.periods) > 1

    @property
    def horizon_yr(self) -> int:
        """Operating years H (the construction period not counted)."""
        return sum(p.duration_yr for p in self.periods)

    @property
    def end_yr(self) -> int:
        """Last year of the cash-flow table: E = C + H."""
        return self.finance.construction_yr + self.horizon_yr

    def key(self, k: object, t: int) -> object:
        """Index of a per-period component: ``k`` alone with one period, else k + (period,)."""
        if not self.multi:
            return k if not (isinstance(k, tuple) and len(k) == 1) else k[0]
        pid = self.periods[t].period_id
        return (*k, pid) if isinstance(k, tuple) else (k, pid)


def period_table(instance: Instance) -> list[tuple[str, int | None, int]]:
    """(period_id, start_year, duration_yr) in start order; one period without periods.csv."""
    df = instance.tables.get("periods")
    if df is None or not len(df):
        year = instance.manifest.target_year
        horizon = int(instance.manifest.horizon_yr or 15)
        return [
            (str(year) if year is not None else "1", None if year is None else int(year), horizon)
        ]
    df = df.sort_values("start_year", kind="stable")
    return [
        (str(p), int(y), int(d))
        for p, y, d in zip(df["period_id"], df["start_year"], df["duration_yr"])
    ]


def build_timing(
    instance: Instance, rate: float, options: dict[tuple[str, str], tuple[float, float]]
) -> Timing:
    """Timing of every option; ``options`` maps (u, j) to (lifetime_yr, lead_time_yr).

    Lead times delay service by whole periods, so they apply with two periods or more: one
    period is a steady state in which every built unit serves (lead 0; the checks warn when
    lead_times.csv is given without periods)."""

    rows = period_table(instance)
    if len(rows) < 2:
        options = {k: (life, 0.0) for k, (life, _) in options.items()}
    fin = finance_of(instance.manifest, rate)
    periods, offset = [], fin.construction_yr
    horizon = sum(d for _, _, d in rows)
    for pid, year, d in rows:
        disc = (1.0 + rate) ** (-offset) if offset else 1.0
        periods.append(Period(pid, year, d, offset, disc * annuity_factor(rate, d), d / horizon))
        offset += d
    T, end_yr = len(periods), offset
    active: dict[tuple[str, str, int], list[int]] = {}
    pv: dict[tuple[str, str, int], float] = {}
    service: dict[tuple[str, str, int], tuple[int, int] | None] = {}
    flows: dict[tuple[str, str, int], OutlayFlows] = {}
    made: dict[tuple[float, float], list[_BuildTiming]] = {}  # options alike: made once
    for (u, j), (life, lead) in options.items():
        for t in range(T):
            active.setdefault((u, j, t), [])
        per_tau = made.get((life, lead))
        if per_tau is None:
            per_tau = made[(life, lead)] = _build_timings(fin, periods, life, lead, end_yr)
        for tau, (on, served, f, k_pv) in enumerate(per_tau):
            for t in on:
                active[(u, j, t)].append(tau)
            service[(u, j, tau)] = served
            flows[(u, j, tau)], pv[(u, j, tau)] = f, k_pv
    return Timing(
        tuple(periods),
        {k: tuple(v) for k, v in active.items()},
        pv,
        service,
        {k: lead for k, (_, lead) in options.items()},
        fin,
        flows,
    )


#: per build period tau: (periods in service, (first, last) or None, flows, PV per EUR)
_BuildTiming = tuple[list[int], tuple[int, int] | None, OutlayFlows, float]


def _build_timings(
    fin: Finance, periods: list[Period], life: float, lead: float, end_yr: int
) -> list[_BuildTiming]:
    """The timing of a build of lifetime ``life`` and lead time ``lead`` in each period
    (the same for every option of that lifetime and lead: made once per pair)."""
    out: list[_BuildTiming] = []
    for p in periods:
        start = p.offset_yr + lead
        on = [t for t, q in enumerate(periods) if start - 1e-9 <= q.offset_yr < start + life - 1e-9]
        end = periods[on[-1]].offset_yr + periods[on[-1]].duration_yr if on else None
        f = outlay_flows(fin, p.offset_yr, start, end, life, end_yr)
        out.append((on, (on[0], on[-1]) if on else None, f, f.pv(fin)))
    return out


#: the last period views made: (id of the instance, period) -> (a weak reference to the
#: instance, its view); the model data and the result tables of a solve ask for the same
#: views, each ~20-70 ms of pandas work at nl-2027-2040
_VIEWS: dict[tuple[int, Period], tuple[weakref.ref[Instance], Instance]] = {}
_VIEWS_KEPT = 64


def period_instance(instance: Instance, period: Period) -> Instance:
    """The instance as seen in one period: per-period feed limits, gate fees and prices
    (feed_periods.csv, price_periods.csv; empty cells keep the base value) and the targets
    in force in the period's start year.

    Made once per (instance object, period) while the instance lives (instances are
    read-only); every later call returns the same view."""
    key = (id(instance), period)
    hit = _VIEWS.get(key)
    if hit is not None and hit[0]() is instance:
        return hit[1]
    view = _period_view(instance, period)
    if len(_VIEWS) >= _VIEWS_KEPT:
        _VIEWS.clear()
    _VIEWS[key] = (weakref.ref(instance), view)
    return view


def _period_view(instance: Instance, period: Period) -> Instance:
    """:func:`period_instance`, made."""
    tables = dict(instance.tables)
    fp = instance.tables.get("feed_periods")
    if fp is not None and len(fp):
        feeds = _with_period_values(
            instance["feeds"],
            ["feed_id"],
            fp,
            period.period_id,
            ("available_t_per_yr", "contracted_min_t_per_yr", "gate_fee_eur_per_t"),
        )
        if feeds is not None:
            tables["feeds"] = feeds
    pp = instance.tables.get("price_periods")
    if pp is not None and len(pp):
        prices = _with_period_values(
            instance["product_prices"],
            ["product_id", "material"],
            pp,
            period.period_id,
            ("price_eur_per_t",),
        )
        if prices is not None:
            tables["product_prices"] = prices
    manifest = instance.manifest
    if (
        period.start_year is not None
        and instance.tables.get("periods") is not None
        and len(instance.tables["periods"])
    ):
        manifest = manifest.replace(target_year=period.start_year)
    return replace(instance, manifest=manifest, tables=tables)


def _with_period_values(
    base: pd.DataFrame,
    keys: list[str],
    rows: pd.DataFrame,
    period_id: str,
    columns: tuple[str, ...],
) -> pd.DataFrame | None:
    """``base`` with the cells of ``columns`` that the rows of ``rows`` for ``period_id``
    set (matched on ``keys``; an empty cell keeps the base value), as floats; None when no
    row is for that period. Plain lists and arrays: the tables are small."""
    pids = rows["period_id"].astype(str).tolist()
    sel = [i for i, p in enumerate(pids) if p == period_id]
    if not sel:
        return None
    row_of = {k: i for i, k in enumerate(zip(*(rows[k].take(sel).tolist() for k in keys)))}
    at = np.array([row_of.get(k, -1) for k in zip(*(base[k].tolist() for k in keys))], np.intp)
    out = base.copy()
    for col in columns:
        if col not in rows.columns:
            continue
        given = np.append(rows[col].to_numpy(float)[sel], np.nan)[at]  # -1: no row, NaN
        out[col] = np.where(np.isnan(given), base[col].to_numpy(float), given)
    return out


def max_capacity(
    existing: float, caps: dict[str, float], timing: Timing, unit: str, t: int
) -> float:
    """Cmax_{u,t} = existing_u + sum over build periods tau in service at t of
    max_j {cap_{u,j} : tau in A(u, j, t)} (at most one option added per period)."""
    best: dict[int, float] = {}
    for j, cap in caps.items():
        for tau in timing.active[(unit, j, t)]:
            best[tau] = max(best.get(tau, 0.0), cap)
    return existing + math.fsum(best.values()) if len(best) > 1 else existing + sum(best.values())


__all__ = ["Period", "Timing", "build_timing", "max_capacity", "period_instance", "period_table"]
