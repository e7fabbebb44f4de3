"""EV packs reaching end of life in the Netherlands: a vintage model calibrated to ARN.

For vintage v (the year a car entered the Dutch fleet) with N_v cars (net additions to the
BEV stock, ``ev_fleet.csv``), average pack mass m_v (t) and chemistry shares s_v,c
(``ev_vintage_mix.csv``), the pack mass leaving the fleet in year y is

    M_c(y) = sum_v N_v * m_v * s_v,c * p(y - v),   p(a) = F(a + 1/2) - F(a - 1/2),

with F the Weibull lifetime distribution F(a) = 1 - exp(-(a / lam)^k), F(a<0) = 0
(registrations mid-year; lam = mean / Gamma(1 + 1/k)). Only part of that mass reaches a
Dutch recycler (used EVs are exported, packs go to second life, repairs replace modules): one
capture factor c is fitted by least squares through the origin to ARN's collected tonnes
A_y of 2022-2024 (``arn_ev_batteries.csv``),

    c = sum_y A_y M(y) / sum_y M(y)^2,   M(y) = sum_c M_c(y),

and the feed on offer is c * M_c(y). An error in the level of pack mass or fleet size cancels
in c; only the shape (ages, growth) carries into the projection. Low / high: the same fit with
the low / high mean lifetime (each refitted), taking the smaller / larger result, widened by
the largest relative misfit r of the nominal fit to ARN (low x (1 - r), high x (1 + r)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

REF = Path(__file__).resolve().parent / "reference"
CHEMISTRIES = ("nmc111", "nmc622", "nmc811", "nca", "lfp")


@dataclass(frozen=True)
class EvFit:
    """One calibrated lifetime setting: capture factor and the fit to ARN."""

    mean_life_yr: float
    shape: float
    capture: float
    fitted_t: dict[int, float]
    observed_t: dict[int, float]


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / name, keep_default_na=False)


def _vintages() -> pd.DataFrame:
    """One row per vintage: cars added, pack mass (t) and chemistry shares."""
    fleet = _read("ev_fleet.csv").sort_values("year")
    cars = fleet["bev_stock_end_of_year"].astype(float).diff()
    cars.iloc[0] = float(fleet["bev_stock_end_of_year"].iloc[0])
    mix = _read("ev_vintage_mix.csv")
    rows = []
    for year, n in zip(fleet["year"].astype(int), cars):
        m = mix[(mix["vintage_from"] <= year) & (mix["vintage_to"] >= year)]
        if len(m) != 1:
            raise ValueError(
                f"ev_vintage_mix.csv: vintage {year} matches {len(m)} rows, expected exactly one"
            )
        r = m.iloc[0]
        shares = {c: float(r[f"share_{c}"]) for c in CHEMISTRIES}
        if abs(sum(shares.values()) - 1.0) > 1e-9:
            raise ValueError(
                f"ev_vintage_mix.csv: shares of {year} sum to {sum(shares.values())}, expected 1"
            )
        rows.append(
            {
                "vintage": year,
                "cars": float(n),
                "pack_t": float(r["pack_mass_kg"]) / 1000.0,
                **shares,
            }
        )
    return pd.DataFrame(rows)


def _retire_prob(age: float, mean_life_yr: float, shape: float) -> float:
    lam = mean_life_yr / math.gamma(1.0 + 1.0 / shape)

    def cdf(a: float) -> float:
        return 0.0 if a <= 0 else 1.0 - math.exp(-((a / lam) ** shape))

    return cdf(age + 0.5) - cdf(age - 0.5)


def retired_t(year: int, mean_life_yr: float, shape: float) -> dict[str, float]:
    """Pack mass per chemistry leaving the Dutch BEV fleet in ``year`` (t, uncalibrated)."""
    vint = _vintages()
    out = dict.fromkeys(CHEMISTRIES, 0.0)
    for r in vint.itertuples(index=False):
        if r.vintage > year:
            continue
        mass = r.cars * r.pack_t * _retire_prob(year - r.vintage, mean_life_yr, shape)
        for c in CHEMISTRIES:
            out[c] += mass * getattr(r, c)
    return out


def calibrate(mean_life_yr: float, shape: float) -> EvFit:
    """Capture factor fitted to ARN's collected tonnes (least squares through the origin)."""
    arn = _read("arn_ev_batteries.csv")
    obs = {int(y): float(kg) / 1000.0 for y, kg in zip(arn["year"], arn["collected_kg"])}
    model = {y: sum(retired_t(y, mean_life_yr, shape).values()) for y in obs}
    c = sum(obs[y] * model[y] for y in obs) / sum(model[y] ** 2 for y in obs)
    return EvFit(mean_life_yr, shape, c, {y: c * model[y] for y in obs}, obs)


def ev_tonnes(
    year: int, life: tuple[float, float, float], shape: float
) -> tuple[dict[str, tuple[float, float, float]], list[EvFit]]:
    """(low, nominal, high) tonnes per chemistry in ``year`` and the three calibrations.

    ``life`` is (low, nominal, high) mean lifetime in years; each is calibrated separately.
    """
    fits = [calibrate(m, shape) for m in life]
    per_fit = [
        {c: f.capture * t for c, t in retired_t(year, f.mean_life_yr, shape).items()} for f in fits
    ]
    r = misfit(fits[1])
    out = {
        c: (
            min(p[c] for p in per_fit) * (1 - r),
            per_fit[1][c],
            max(p[c] for p in per_fit) * (1 + r),
        )
        for c in CHEMISTRIES
    }
    return out, fits


def misfit(fit: EvFit) -> float:
    """Largest relative difference between the calibrated model and ARN, max |M/A - 1|."""
    return max(abs(fit.fitted_t[y] / fit.observed_t[y] - 1) for y in fit.observed_t)


def describe_fit(fit: EvFit) -> str:
    """One line: lifetime setting, capture factor and the fit to ARN per year."""
    pairs = ", ".join(
        f"{y}: {fit.fitted_t[y]:,.0f} vs ARN {fit.observed_t[y]:,.0f} t"
        for y in sorted(fit.observed_t)
    )
    return (
        f"Weibull lifetime mean {fit.mean_life_yr:g} yr, shape {fit.shape:g}; capture "
        f"factor {fit.capture:.3f} fitted to ARN ({pairs})"
    )
