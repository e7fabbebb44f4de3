"""The tornado chart (PNG bytes) of a sensitivity table: one bar per input group from the
objective at the low end to the objective at the high end, around the base value; bars of
groups whose plan changes are hatched."""

from __future__ import annotations

import io

import pandas as pd

MAX_BARS = 30


def plot_tornado(table: pd.DataFrame, objective: str, base: float | None) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = table.dropna(subset=["objective_low", "objective_high"]).head(MAX_BARS)
    fig, ax = plt.subplots(figsize=(9, 0.32 * max(len(df), 3) + 1.4))
    scale = 1e6 if objective in ("npv", "profit") else 1.0
    unit = "MEUR" if objective == "npv" else "MEUR/yr" if objective == "profit" else "t/yr"
    b = (base or 0.0) / scale
    for i, r in enumerate(df.itertuples()):
        lo, hi = r.objective_low / scale, r.objective_high / scale
        hatch = "//" if r.plan_changes else None
        ax.barh(i, lo - b, left=b, color="#c44e52", hatch=hatch, edgecolor="black", lw=0.3)
        ax.barh(i, hi - b, left=b, color="#55a868", hatch=hatch, edgecolor="black", lw=0.3)
    ax.set_yticks(range(len(df)), list(df["group_id"]), fontsize=7)
    ax.invert_yaxis()
    ax.axvline(b, color="black", lw=0.8)
    ax.set_xlabel(
        f"{objective} ({unit}); red: input at its low end, green: at its high end; "
        "hatched: the plan changes",
        fontsize=8,
    )
    ax.set_title(f"Tornado: {objective}, base {b:,.2f} {unit}", fontsize=10)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
