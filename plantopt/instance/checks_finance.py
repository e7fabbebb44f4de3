"""Checks of the finance terms of the manifest (issue 16), run by
:func:`plantopt.instance.checks.collect_problems`."""

from __future__ import annotations

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance


def check_finance(instance: Instance, problems: ProblemList) -> None:
    """capex_spend_profile: one share in [0, 1] per construction year, summing to 1."""
    m = instance.manifest
    text = m.capex_spend_profile
    if text is None or str(text).strip() == "":
        return
    years = int(m.construction_yr or 0)
    n = max(years, 1)
    expected = (
        f"{n} comma-separated share(s) in [0, 1] summing to 1, one per construction year "
        f"(construction_yr = {years})"
    )
    try:
        shares = [float(x) for x in str(text).split(",") if x.strip()]
    except ValueError:
        problems.error(
            "instance.yaml",
            "capex_spend_profile is not a list of numbers",
            column="capex_spend_profile",
            found=str(text),
            expected=expected,
        )
        return
    ok = len(shares) == n and all(0.0 <= s <= 1.0 for s in shares)
    if not ok or abs(sum(shares) - 1.0) > 1e-6:
        problems.error(
            "instance.yaml",
            "capex_spend_profile does not fit the construction period",
            column="capex_spend_profile",
            found=str(text),
            expected=expected,
        )
