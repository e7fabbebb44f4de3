"""Plotly figures drawn straight from result tables (``res.plot``), also used by the report.

    res = plantopt.solve(inst, objective="npv")
    res.plot.sankey()        # total mass: feeds -> units -> products, disposal, losses
    res.plot.sankey("Co")    # one material
    res.plot.economics()     # waterfall from revenue through costs to the annual profit

A Sankey link's width is t/yr of the material (or of total mass) on that edge, summed over
feeds (the ``material_flows`` table); each node's label gives the amount through it.
plotly is imported when a figure is drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from plantopt.results.numfmt import fmt_amount

EDGE_KEYS = ["source_kind", "source_id", "target_kind", "target_id"]


KIND_COLOURS = {
    "feed": "#4c72b0",
    "unit": "#dd8452",
    "product": "#55a868",
    "disposal": "#8c6d31",
    "loss": "#c44e52",
}
SINK_KINDS = ("product", "disposal", "loss")


@dataclass
class Links:
    """Nodes and links of one view, by node index."""

    labels: list[str]
    kinds: list[str]
    source: np.ndarray
    target: np.ndarray
    value: np.ndarray

    @classmethod
    def from_view(cls, view: pd.DataFrame, min_t_per_yr: float = 0.0) -> Links:
        view = view[view["mass_t_per_yr"] > min_t_per_yr]
        nodes: dict[tuple[str, str], int] = {}
        for kind, ident in list(zip(view["source_kind"], view["source_id"])) + list(
            zip(view["target_kind"], view["target_id"])
        ):
            nodes.setdefault((kind, ident), len(nodes))
        src = np.array([nodes[k] for k in zip(view["source_kind"], view["source_id"])], dtype=int)
        tgt = np.array([nodes[k] for k in zip(view["target_kind"], view["target_id"])], dtype=int)
        value = view["mass_t_per_yr"].to_numpy(dtype=float)
        # amount through a node: the larger of what enters and what leaves it
        through = np.maximum(
            np.bincount(src, value, len(nodes)), np.bincount(tgt, value, len(nodes))
        )
        labels = [f"{i} ({fmt_amount(t)} t/yr)" for (_, i), t in zip(nodes, through)]
        return cls(labels, [k for k, _ in nodes], src, tgt, value)


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _sankey_trace(name: str, view: pd.DataFrame, visible: bool) -> Any:
    """One Sankey trace of a view: nodes coloured by kind, links by their source's kind."""
    import plotly.graph_objects as go

    lk = Links.from_view(view)
    return go.Sankey(
        name=name,
        visible=visible,
        arrangement="snap",
        valueformat=",.2f",
        valuesuffix=" t/yr",
        node={
            "label": lk.labels,
            "pad": 14,
            "thickness": 16,
            "color": [KIND_COLOURS.get(k, "#999999") for k in lk.kinds],
        },
        link={
            "source": lk.source.tolist(),
            "target": lk.target.tolist(),
            "value": lk.value.tolist(),
            "color": [_rgba(KIND_COLOURS.get(lk.kinds[s], "#999999"), 0.35) for s in lk.source],
        },
    )


def _view_menu(names: list[str], title: str) -> list[dict[str, Any]]:
    """The dropdown that switches between views (empty without views)."""
    buttons = [
        {
            "label": name,
            "method": "update",
            "args": [
                {"visible": [j == i for j in range(len(names))]},
                {"title.text": f"{title}: {name} (t/yr)"},
            ],
        }
        for i, name in enumerate(names)
    ]
    if not names:
        return []
    return [
        {
            "buttons": buttons,
            "direction": "down",
            "x": 1.0,
            "xanchor": "right",
            "y": 1.16,
            "yanchor": "top",
            "showactive": True,
        }
    ]


def plotly_figure(views: dict[str, pd.DataFrame], title: str) -> object:
    """One plotly figure, one Sankey trace per view, a dropdown to switch views."""
    import plotly.graph_objects as go

    fig = go.Figure()
    names = list(views)
    for i, name in enumerate(names):
        fig.add_trace(_sankey_trace(name, views[name], i == 0))
    fig.update_layout(
        title={"text": f"{title}: {names[0] if names else 'no flows'} (t/yr)"},
        height=560,
        margin={"l": 20, "r": 20, "t": 90, "b": 20},
        font={"size": 12},
        updatemenus=_view_menu(names, title),
    )
    return fig


ECON_LABELS = {
    "revenue": "revenue",
    "gate_fees": "gate fees",
    "variable_opex": "variable opex",
    "fixed_opex": "fixed opex",
    "annualised_capex": "annualised capex",
    "disposal_and_route_costs": "disposal and routes",
    "co2_cost": "CO2 cost",
    "offtake_premiums": "offtake premiums",
    "profit": "profit",
    "capex_total": "capex total",
}


def economics_figure(econ: pd.DataFrame, currency: str = "EUR") -> Any:
    """Waterfall: revenue and gate fees up, costs down, profit as the total (per year)."""
    import plotly.graph_objects as go

    if "period" in econ.columns:  # multi-period: the first period's economics
        econ = econ[econ["period"] == econ["period"].iloc[0]]
    items = econ[econ["unit"].astype(str).str.endswith("/yr")] if "unit" in econ.columns else econ
    items = items[items["item"] != "capex_total"]
    measure = ["total" if i == "profit" else "relative" for i in items["item"]]
    values = items["eur_per_yr"].astype(float).to_numpy()
    fig = go.Figure(
        go.Waterfall(
            x=[ECON_LABELS.get(i, i.replace("_", " ")) for i in items["item"]],
            y=values,
            measure=measure,
            text=[f"{v / 1e6:,.2f} M" if abs(v) >= 1e5 else f"{v:,.0f}" for v in values],
            textposition="outside",
            increasing={"marker": {"color": "#55a868"}},
            decreasing={"marker": {"color": "#c44e52"}},
            totals={"marker": {"color": "#1f6f8b"}},
        )
    )
    fig.update_layout(
        height=380,
        yaxis_title=f"{currency}/yr",
        margin={"t": 30},
        yaxis={"tickformat": ",.3s"},
        showlegend=False,
    )
    return fig


def material_view(edges: pd.DataFrame, material: str | None = None) -> pd.DataFrame:
    """Edges of one material (``None`` or ``"total mass"``: all materials summed)."""
    if material not in (None, "total mass"):
        if material not in set(edges["material"]):
            raise ValueError(
                f"no flows of {material!r}; materials with flows: "
                f"{', '.join(sorted(set(edges['material'])))}"
            )
        edges = edges[edges["material"] == material]
    return edges.groupby(EDGE_KEYS, as_index=False, sort=False)["mass_t_per_yr"].sum()


class ResultPlots:
    """``res.plot``: plotly figures of one result (periods: ``period=`` selects one)."""

    def __init__(self, result: Any) -> None:
        self._result = result

    def _table(self, name: str, period: Any = None) -> pd.DataFrame:
        df = self._result.tables.get(name)
        if df is None:
            raise ValueError(f"the result has no {name} table (status {self._result.status.value})")
        if "period" in df.columns:
            period = df["period"].iloc[0] if period is None else period
            df = df[df["period"].astype(str) == str(period)]
        return df

    def sankey(self, material: str | None = None, period: Any = None) -> Any:
        """Sankey of ``material`` (default: total mass) in t/yr."""
        view = material_view(self._table("material_flows", period), material)
        name = self._result.summary.get("instance", {}).get("name", "")
        return plotly_figure({material or "total mass": view}, name)

    def economics(self, period: Any = None) -> Any:
        """Waterfall of the annual economics (revenue, costs, profit)."""
        inst = self._result.instance
        currency = (inst.manifest.currency if inst is not None else None) or "EUR"
        return economics_figure(self._table("economics", period), currency)


__all__ = [
    "ECON_LABELS",
    "KIND_COLOURS",
    "Links",
    "ResultPlots",
    "economics_figure",
    "material_view",
    "plotly_figure",
]
