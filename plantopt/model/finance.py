"""Discounting, the finance terms of the manifest, and the cash flows of one capex outlay.

Shared by the model data, the periods, the npv objective and the business case, so that the
cash-flow table and the model's ``npv`` are the same sums (docs/business-case.md).

Years are end-of-year indices y = 0, 1, ... from the project start; DF(y) = (1 + r)^-y with
r the (blended) discount rate, real or nominal as the manifest says (``basis``). A
construction period of C years shifts every period by C years: the operating years of a
period with offset o and duration d are y = C + o + 1 .. C + o + d.

Operating items (ledger items, EUR/yr in base-year money) escalate from year 0:
revenue-class items (revenue, gate fees, offtake premiums, re-use and second-life revenue) at
g_r, cost-class items (variable and fixed opex, route costs, CO2 cost, collection,
repurposing, staffing) at g_o. Tax at rate tau on
taxable_y = OCF_y - dep_y + salvage_y (a negative tax is a credit against the owner's other
income — an assumption that keeps the NPV linear). Working capital
WC_y = a_r REV_y + a_c COST_y (a = days / 365) in operating years, 0 before; the cash flow is
-(WC_y - WC_{y-1}) and WC is released at the horizon end E. Its present value is

    PV_WC = - sum_{y = S+1}^{E-1} (DF(y) - DF(y+1)) WC_y

(summation by parts), so every item enters the npv with the period factor

    phi_{item,t} = sign (1 - tau) sum_{y in t} DF(y) (1+g)^y
                   - a_class sum_{y in t, y < E} (DF(y) - DF(y+1)) (1+g)^y.

Capex: an outlay of 1 EUR (base-year money) at year y costs (1 + g_c)^y. The initial
investment of a build is spread over the construction years by the spend profile f_k
(k = 0..C-1, paid at the start of each construction year, i.e. at y = P - C + k with P the
start of service); replacements are paid in the year they fall in. Each outlay A is
depreciated straight-line over the tax life T in years ceil(y)+1, ceil(y)+2, ...; at E the
remaining book value is written off and the straight-line salvage is taxed as income.
The present value per EUR of net capex of a build is

    K' = sum_y DF(y) [capex_y - (1 - tau) salvage_y - tau dep_y].
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from plantopt.instance.manifest import Manifest

REVENUE_ITEMS = ("revenue", "gate_fees", "offtake_premium", "reuse_revenue")


def capital_recovery_factor(rate: float, lifetime_yr: float) -> float:
    """Annuity factor turning capex into an equal annual payment.

    CRF(r, L) = r (1 + r)^L / ((1 + r)^L - 1), and 1 / L when r = 0.
    """
    if rate <= 0:
        return 1.0 / lifetime_yr
    g = (1.0 + rate) ** lifetime_yr
    return rate * g / (g - 1.0)


def annuity_factor(rate: float, years: int) -> float:
    """Present value of 1 EUR/yr over years 1..H: AF(r, H) = sum_t (1 + r)^-t = 1 / CRF(r, H)."""
    return 1.0 / capital_recovery_factor(rate, float(years))


def capex_pv_factor(rate: float, lifetime_yr: float, horizon_yr: float) -> float:
    """Present value of the capex outlays of one option per EUR of capex, over the horizon.

    K(r, L, H) = sum_{k >= 0, kL < H} (1 + r)^-(kL)  -  s (1 + r)^-H,
    s = (ceil(H / L) L - H) / L:
    the option is bought in year 0 and replaced every L years while the horizon lasts;
    the last one's remaining life at year H is credited as straight-line salvage.
    K = 1 when L = H.
    """
    k = np.arange(int(math.ceil(horizon_yr / lifetime_yr - 1e-12)))
    outlays = float(((1.0 + rate) ** (-(k * lifetime_yr))).sum())
    salvage = (len(k) * lifetime_yr - horizon_yr) / lifetime_yr
    return outlays - salvage * (1.0 + rate) ** (-horizon_yr)


@dataclass(frozen=True)
class Finance:
    """The finance terms of an instance (manifest; defaults give the plain model)."""

    rate: float = 0.0  # blended discount rate, 1/yr
    basis: str = "real"  # the discount rate (and every money column) is real or nominal
    construction_yr: int = 0
    spend_profile: tuple[float, ...] = (1.0,)  # shares of the initial capex, sum 1
    capex_escalation: float = 0.0  # 1/yr
    opex_escalation: float = 0.0  # 1/yr, cost-class items
    revenue_escalation: float = 0.0  # 1/yr, revenue-class items
    tax_rate: float = 0.0
    tax_life_yr: float | None = None  # None: each option's lifetime
    wc_days_revenue: float = 0.0
    wc_days_cost: float = 0.0

    @property
    def plain(self) -> bool:
        """No construction period, escalation, tax or working capital."""
        return self == Finance(self.rate, self.basis)

    def df(self, years: Any) -> Any:
        """DF(y) = (1 + r)^-y."""
        return (1.0 + self.rate) ** (-np.asarray(years, dtype=float))

    def growth(self, item: str) -> float:
        return self.revenue_escalation if item in REVENUE_ITEMS else self.opex_escalation

    def wc_share(self, item: str) -> float:
        days = self.wc_days_revenue if item in REVENUE_ITEMS else self.wc_days_cost
        return days / 365.0

    def item_factor(self, item: str, sign: int, first: int, last: int, end: int) -> float:
        """phi of a ledger item over the operating years first..last (horizon end ``end``)."""
        y = np.arange(first, last + 1, dtype=float)
        g = (1.0 + self.growth(item)) ** y
        d = self.df(y)
        op = float((d * g).sum())
        inner = y < end
        wc = float(((d - self.df(y + 1.0)) * g)[inner].sum())
        return sign * (1.0 - self.tax_rate) * op - self.wc_share(item) * wc


def parse_profile(text: object, construction_yr: int) -> tuple[float, ...]:
    """The spend profile: comma-separated shares (empty: equal shares over the years)."""
    n = max(construction_yr, 1)
    if text is None or (isinstance(text, float) and math.isnan(text)) or str(text).strip() == "":
        return (1.0 / n,) * n
    return tuple(float(x) for x in str(text).split(",") if x.strip())


def finance_of(manifest: Manifest, rate: float) -> Finance:
    """The :class:`Finance` of a (validated) manifest at the blended rate."""
    m = manifest
    c = int(m.construction_yr or 0)
    return Finance(
        rate=rate,
        basis=str(m.discount_rate_basis or "real"),
        construction_yr=c,
        spend_profile=parse_profile(m.capex_spend_profile, c),
        capex_escalation=float(m.capex_escalation_rate or 0.0),
        opex_escalation=float(m.opex_escalation_rate or 0.0),
        revenue_escalation=float(m.revenue_escalation_rate or 0.0),
        tax_rate=float(m.tax_rate or 0.0),
        tax_life_yr=None if m.tax_life_yr is None else float(m.tax_life_yr),
        wc_days_revenue=float(m.working_capital_days_revenue or 0.0),
        wc_days_cost=float(m.working_capital_days_cost or 0.0),
    )


@dataclass(frozen=True)
class OutlayFlows:
    """Cash flows per EUR of base-year capex of one build, by end-of-year index 0..Y.

    ``capex``: outlays (escalated; an outlay at a non-integer year valued at the year it is
    booked to, ceil(y), at the discount rate); ``salvage``: straight-line remaining value at
    the horizon end; ``dep``: tax depreciation (the write-off of the remaining book value at
    the end included). ``rows``: (exact year, kind, escalated amount) of every outlay.
    """

    capex: np.ndarray
    salvage: np.ndarray
    dep: np.ndarray
    rows: tuple[tuple[float, str, float], ...]

    def pv(self, fin: Finance) -> float:
        """K' = sum_y DF(y) [capex_y - (1 - tau) salvage_y - tau dep_y]."""
        d = fin.df(np.arange(len(self.capex)))
        tau = fin.tax_rate
        return float(d @ (self.capex - (1.0 - tau) * self.salvage - tau * self.dep))


def _book(fin: Finance, out: np.ndarray, year: float, amount: float) -> int:
    """Add an amount due at ``year`` to ``out`` at ceil(year) (valued there); that index."""
    y = int(math.ceil(year - 1e-9))
    out[y] += amount * (1.0 + fin.rate) ** (y - year)
    return y


def outlay_flows(
    fin: Finance, paid: float, service_start: float, end: int | None, life_yr: float, n_years: int
) -> OutlayFlows:
    """Cash flows of one build decided for the period starting at ``paid`` (years from the
    project start; the initial investment is spread over paid - C + k, k = 0..C-1, paid at
    ``paid`` when C = 0), in service from ``service_start`` to ``end`` (None: never in
    service within the horizon; the investment only), replaced every ``life_yr`` years
    while in service; arrays of length n_years + 1."""
    capex, salvage, dep = (np.zeros(n_years + 1) for _ in range(3))
    rows: list[tuple[float, str, float]] = []
    esc = 1.0 + fin.capex_escalation
    tax_life = fin.tax_life_yr or life_yr
    first = paid - fin.construction_yr
    outlays = [(first + k, "investment", f) for k, f in enumerate(fin.spend_profile)]
    n = 1
    if end is not None:
        n = max(int(math.ceil((end - service_start) / life_yr - 1e-12)), 1)
        outlays += [(service_start + m * life_yr, "replacement", 1.0) for m in range(1, n)]
    in_service = int(math.ceil(service_start - 1e-9))
    for year, kind, share in outlays:
        amount = share * esc**year
        rows.append((year, kind, amount))
        y0 = _book(fin, capex, year, amount)
        if end is None:
            continue
        y0 = max(y0, in_service) if kind == "investment" else y0
        i = np.arange(1, max(end - y0, 0) + 1, dtype=float)
        part = (np.minimum(i, tax_life) - np.minimum(i - 1.0, tax_life)) / tax_life
        dep[y0 + 1 : end + 1] += amount * part
        dep[end] += amount * max(1.0 - float(part.sum()), 0.0)  # book value written off
    if end is not None:
        left = (n * life_yr - (end - service_start)) / life_yr
        initial = sum(a for _, k, a in rows if k == "investment")
        last = esc ** outlays[-1][0] if n > 1 else initial
        if left > 1e-12:
            salvage[end] += last * left
            rows.append((float(end), "salvage", last * left))
    return OutlayFlows(capex, salvage, dep, tuple(rows))


__all__ = [
    "Finance",
    "OutlayFlows",
    "REVENUE_ITEMS",
    "annuity_factor",
    "capex_pv_factor",
    "capital_recovery_factor",
    "finance_of",
    "outlay_flows",
    "parse_profile",
]
