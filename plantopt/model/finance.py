"""Discounting factors shared by the model data, the periods and the business case."""

from __future__ import annotations

import math

import numpy as np


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
