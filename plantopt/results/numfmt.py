"""Numbers formatted for people: money with its currency, shares in %, tonnes, no e-notation.

fmt_money(12_345_678, "EUR")  -> "12.3 M EUR"
fmt_money(-950, "USD")        -> "-950 USD"
fmt_share(0.155273)           -> "15.5 %"
fmt_tonnes(0.000123)          -> "0.000123 t/yr" (significant digits, never 1.23e-04)
fmt_rate(0.04291)             -> "4.3 %/yr"
column_label("capacity_t_per_yr") -> "capacity (t/yr)"
"""

from __future__ import annotations

import math

_SCALES = ((1e9, "bn"), (1e6, "M"), (1e3, "k"))


def _plain(x: float, sig: int = 3) -> str:
    """``x`` with about ``sig`` significant digits in positional notation."""
    if x == 0 or not math.isfinite(x):
        return "0" if x == 0 else str(x)
    digits = max(0, sig - 1 - int(math.floor(math.log10(abs(x)))))
    text = f"{x:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_amount(x: float | None, sig: int = 3) -> str:
    """``12.3 M``, ``950``, ``1.2 bn``; ``-`` for missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) < 5e-10:  # rounding noise of the solver
        return "0"
    for scale, suffix in _SCALES:
        if abs(x) >= scale:
            return f"{_plain(x / scale, sig)} {suffix}"
    return _plain(x, sig)


def fmt_money(x: float | None, currency: str = "EUR", per: str = "") -> str:
    """Money with its currency (and ``/yr`` etc. when ``per`` is given)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{fmt_amount(x)} {currency}{per}"


def fmt_share(frac: float | None, digits: int = 1) -> str:
    """A fraction in [0, 1] as a percentage."""
    if frac is None or (isinstance(frac, float) and math.isnan(frac)):
        return "-"
    return f"{100 * frac:.{digits}f} %"


def rate_basis(rate: float | None, basis: str | None = "real") -> str:
    """``8.0 % real``: a discount rate and its basis (real or nominal money)."""
    return "-" if rate is None else f"{100 * float(rate):.1f} % {basis or 'real'}"


def case_rate_basis(case: dict | None) -> str:
    """:func:`rate_basis` of a ``summary["business_case"]`` dict ("" without one)."""
    if not case or case.get("discount_rate") is None:
        return ""
    return rate_basis(case["discount_rate"], case.get("discount_rate_basis"))


def fmt_rate(rate: float | None) -> str:
    """A yearly rate (IRR, discount rate) as ``4.3 %/yr``."""
    return "-" if rate is None else f"{fmt_share(rate)}/yr"


def fmt_tonnes(x: float | None, per: str = "/yr") -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{fmt_amount(x)} t{per}"


def fmt_years(x: float | None) -> str:
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "never" if x is not None and x == math.inf else "-"
    return f"{x:g} yr" if float(x).is_integer() else f"{x:.1f} yr"


_UNITS = (
    ("_eur_per_yr", "{cur}/yr"),
    ("_eur_per_t", "{cur}/t"),
    ("_eur", "{cur}"),
    ("_t_per_yr", "t/yr"),
    ("_mwh_per_yr", "MWh/yr"),
    ("_m2", "m2"),
    ("_fte", "FTE"),
    ("_frac", "%"),
    ("_yr", "yr"),
    ("_s", "s"),
    ("_mib", "MiB"),
)
_WORDS = {"npv": "NPV", "irr": "IRR", "co2": "CO2", "id": "", "eu": "EU"}


def column_label(column: str, currency: str = "EUR") -> str:
    """``capacity_t_per_yr`` -> ``capacity (t/yr)``; ``unit_id`` -> ``unit``."""
    unit = ""
    bare = {"eur_per_yr": f"{currency}/yr", "eur": currency, "t_per_yr": "t/yr"}
    if column in bare:
        return bare[column]
    for suffix, text in _UNITS:
        if column.endswith(suffix) and len(column) > len(suffix):
            column, unit = column[: -len(suffix)], text.format(cur=currency)
            break
    words = [_WORDS.get(w, w) for w in column.split("_")]
    label = " ".join(w for w in words if w)
    return f"{label} ({unit})" if unit else label


__all__ = [
    "column_label",
    "fmt_amount",
    "fmt_money",
    "fmt_rate",
    "fmt_share",
    "fmt_tonnes",
    "fmt_years",
]
