"""The tornado section of the HTML report, shown when the result folder holds
``sensitivity.parquet`` (written by ``plantopt sensitivity``)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

from plantopt.report.data import ResultData

MAX_BARS = 30


def sensitivity_section(
    data: ResultData, figure_div: Callable[[Any, str, bool], str], table_html: Callable[..., str]
) -> list[str]:
    """Heading, a plotly tornado of the top groups and the ranked table; [] without table.

    ``figure_div`` and ``table_html`` are the report's renderers (passed in, so this module
    does not import :mod:`plantopt.report.html`, which imports it)."""
    df = data.get("sensitivity")
    df = data.extra.get("sensitivity") if df is None else df
    if df is None or df.empty:
        return []
    import plotly.graph_objects as go

    shown = df.dropna(subset=["objective_low", "objective_high"]).head(MAX_BARS)
    base = float(shown["objective_base"].iloc[0]) if len(shown) else 0.0
    fig = go.Figure()
    for side, color in (("low", "#c44e52"), ("high", "#55a868")):
        fig.add_trace(
            go.Bar(
                y=shown["group_id"],
                x=shown[f"objective_{side}"] - base,
                base=base,
                orientation="h",
                name=f"input at its {side} end",
                marker_color=color,
            )
        )
    fig.update_layout(
        barmode="overlay",
        height=140 + 22 * len(shown),
        margin={"t": 30},
        yaxis={"autorange": "reversed"},
        xaxis_title="objective",
    )
    changed = int(df["plan_changes"].sum())
    name: Any = (data.summary or {}).get("objective_name", "objective")
    return [
        f"<h2>Sensitivity (tornado)</h2><p class='muted'>{len(df)} input groups at their "
        f"low and high values, ranked by the swing of the {html.escape(str(name))}; "
        f"{changed} change the plan (units built or feeds accepted).</p>",
        figure_div(fig, "tornado", False),
        table_html(df, 200),
    ]
