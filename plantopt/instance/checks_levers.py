"""Cross-table checks of the lever inputs, run by
:func:`plantopt.instance.checks.collect_problems`."""

from __future__ import annotations

from plantopt.instance.errors import ProblemList
from plantopt.instance.instance import Instance


def check_levers(instance: Instance, problems: ProblemList) -> None:
    """guarantee_frac needs guarantee_rate; eco_modulation rows name known feeds and give one
    adjustment per class; capex_subsidies and staff_pools apply to known units or stages;
    a staff pool has one available_fte."""
    m = instance.manifest
    if (m.guarantee_frac or 0) > 0 and m.guarantee_rate is None:
        problems.error(
            "instance.yaml",
            "guarantee_frac is set without guarantee_rate",
            column="guarantee_rate",
            expected="the discount rate on the guaranteed share of capex",
        )
    feeds = set(instance["feeds"]["feed_id"])
    units = instance["units"]
    targets = set(units["unit_id"]) | set(units["stage"])
    eco = instance.tables.get("eco_modulation")
    if eco is not None and len(eco):
        seen: dict[str, float] = {}
        for i, (f, c, a) in enumerate(
            zip(eco["feed_id"], eco["recyclability_class"], eco["gate_fee_adjustment_eur_per_t"])
        ):
            if f not in feeds:
                problems.error(
                    "eco_modulation.csv",
                    "unknown feed",
                    row=i + 2,
                    column="feed_id",
                    found=f,
                    expected="a feed_id of feeds.csv",
                )
            if c in seen and seen[c] != a:
                problems.error(
                    "eco_modulation.csv",
                    "a recyclability class has two adjustments",
                    row=i + 2,
                    column="gate_fee_adjustment_eur_per_t",
                    found=a,
                    expected=f"{seen[c]:g} as on the class's first row",
                )
            seen.setdefault(c, a)
    for file, table in (
        ("capex_subsidies.csv", "capex_subsidies"),
        ("staff_pools.csv", "staff_pools"),
        ("lead_times.csv", "lead_times"),
    ):
        df = instance.tables.get(table)
        if df is None or not len(df):
            continue
        for i, t in enumerate(df["applies_to"]):
            if t not in targets:
                problems.error(
                    file,
                    "applies to no unit or stage",
                    row=i + 2,
                    column="applies_to",
                    found=t,
                    expected="a unit_id or stage of units.csv",
                )
    pools = instance.tables.get("staff_pools")
    if pools is not None and len(pools):
        fte: dict[str, float] = {}
        for i, (level, a) in enumerate(zip(pools["skill_level"], pools["available_fte"])):
            if level in fte and fte[level] != a:
                problems.error(
                    "staff_pools.csv",
                    "a skill level has two available_fte",
                    row=i + 2,
                    column="available_fte",
                    found=a,
                    expected=f"{fte[level]:g} as on the level's first row",
                )
            fte.setdefault(level, a)
