"""The tornado chart (PNG bytes) of a sensitivity table: one bar per input group from the
objective at the low end to the objective at the high end, around the base value; bars of
groups whose plan changes are hatched. Money in the manifest's currency, ticks for people
(:mod:`plantopt.results.figfmt`)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pandas as pd

from plantopt.results.figfmt import people_ticks

if TYPE_CHECKING:  # matplotlib is imported where used
    from matplotlib.figure import Figure

MAX_BARS = 30
OBJECTIVE_WORDS = {"npv": "NPV", "profit": "annual profit", "recovery": "weighted recovery"}


def objective_unit(objective: str, currency: str = "EUR") -> str:
    """Unit of an objective's value: ``EUR`` (NPV), ``EUR/yr`` (profit), ``t/yr``."""
    return {"npv": currency, "profit": f"{currency}/yr"}.get(objective, "t/yr")


def tornado_figure(
    table: pd.DataFrame,
    objective: str,
    base: float | None,
    currency: str = "EUR",
    npv_rate_basis: str = "",
) -> Figure:
    """The tornado as a matplotlib figure (x: the objective in its unit, people's ticks; an
    NPV says its discount rate and basis, ``npv_rate_basis``)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from plantopt.results.numfmt import fmt_amount

    df = table.dropna(subset=["objective_low", "objective_high"]).head(MAX_BARS)
    fig, ax = plt.subplots(figsize=(9, 0.32 * max(len(df), 3) + 1.4))
    b = base or 0.0
    for i, r in enumerate(df.itertuples()):
        hatch = "//" if r.plan_changes else None
        for end, colour in ((r.objective_low, "#c44e52"), (r.objective_high, "#55a868")):
            ax.barh(i, end - b, left=b, color=colour, hatch=hatch, edgecolor="black", lw=0.3)
    ax.set_yticks(range(len(df)), [g.replace("_", " ") for g in df["group_id"]], fontsize=7)
    ax.invert_yaxis()
    ax.axvline(b, color="black", lw=0.8)
    people_ticks(ax.xaxis)
    word, unit = OBJECTIVE_WORDS.get(objective, objective), objective_unit(objective, currency)
    if objective == "npv" and npv_rate_basis:
        word = f"NPV at {npv_rate_basis}"
    ax.set_xlabel(
        f"{word} ({unit}); red: input at its low end, green: at its high end; "
        "hatched: the plan changes",
        fontsize=8,
    )
    ax.set_title(f"Tornado: {word}, base {fmt_amount(b)} {unit}", fontsize=10)
    fig.tight_layout()
    return fig


def plot_tornado(
    table: pd.DataFrame,
    objective: str,
    base: float | None,
    currency: str = "EUR",
    npv_rate_basis: str = "",
) -> bytes:
    """:func:`tornado_figure` as PNG bytes."""
    import matplotlib.pyplot as plt

    fig = tornado_figure(table, objective, base, currency, npv_rate_basis)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()
