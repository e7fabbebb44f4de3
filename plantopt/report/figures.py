"""Static figures (PNG and SVG) for slide decks, drawn with matplotlib (no browser needed).

One static Sankey-like diagram per view (total mass, each critical material), the
economics items as a bar chart, and the Pareto front and Monte Carlo distributions when the
result folder has them. File names: ``sankey_<view>.png|svg``, ``economics.png|svg``,
``pareto.png|svg``, ``monte_carlo.png|svg``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from plantopt.report.data import ResultData
from plantopt.report.sankey import draw_static, static_height_in

if TYPE_CHECKING:  # matplotlib is imported where used, not at package import
    from matplotlib.figure import Figure


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower() or "view"


def numeric_pair(df: pd.DataFrame) -> tuple[str, str] | None:
    """Two numeric columns to plot a Pareto front: profit-like on y, recovery-like on x."""
    num = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c]) and not pd.api.types.is_bool_dtype(df[c])
    ]
    xs = [c for c in num if "recover" in c.lower()]
    ys = [c for c in num if any(w in c.lower() for w in ("profit", "npv"))]
    if xs and ys:
        return xs[0], ys[0]
    return (num[0], num[1]) if len(num) >= 2 else None


def mc_columns(df: pd.DataFrame, limit: int = 4) -> list[str]:
    """Panels of the Monte Carlo figure: profit, every target (all of them, never cut),
    then up to ``limit`` other numeric columns, metric-like ones first."""
    num = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
        and c.lower() not in ("sample", "seed")
    ]
    targets = [c for c in num if c.startswith("target_ratio:")]
    key = ("profit", "recover", "npv")
    rest = sorted(
        (c for c in num if c not in targets), key=lambda c: not any(w in c.lower() for w in key)
    )
    lead = [c for c in rest if "profit" in c.lower()][:1]
    others = [c for c in rest if c not in lead][: max(0, limit - len(lead))]
    return lead + targets + others


def _save(fig: Figure, out: Path, stem: str, written: list[Path]) -> None:
    import matplotlib.pyplot as plt

    for ext in ("png", "svg"):
        path = out / f"{stem}.{ext}"
        fig.savefig(path, dpi=150, bbox_inches="tight")
        written.append(path)
    plt.close(fig)


def sankey_static(view: pd.DataFrame, title: str) -> Figure:
    """One Sankey view as a matplotlib figure (node labels carry their t/yr)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12, static_height_in(view)))
    draw_static(ax, view, title)
    return fig


def economics_static(econ: pd.DataFrame, title: str, currency: str = "EUR") -> Figure:
    """The annual economics as horizontal bars (one panel per period with several), in the
    manifest's currency per year, items in words."""
    import matplotlib.pyplot as plt

    from plantopt.results.figfmt import people_ticks
    from plantopt.results.plots import ECON_LABELS

    items = econ[econ["item"] != "capex_total"]
    if "unit" in items.columns:
        items = items[items["unit"].astype(str).str.endswith("/yr")]
    groups = list(items.groupby("period", sort=False)) if "period" in items.columns else []
    groups = groups or [("", items)]
    fig, axes = plt.subplots(
        1, len(groups), figsize=(4 + 4 * len(groups), 4), squeeze=False, sharey=True
    )
    for ax, (period, rows) in zip(axes[0], groups):
        values = rows["eur_per_yr"].astype(float)
        colours = ["#55a868" if v >= 0 else "#c44e52" for v in values]
        labels = [ECON_LABELS.get(i, i.replace("_", " ")) for i in rows["item"]]
        ax.barh(labels, values, color=colours)
        ax.axvline(0, color="black", lw=0.8)
        people_ticks(ax.xaxis)
        ax.set_xlabel(f"{currency}/yr")
        if period != "":
            ax.set_title(f"period {period}", fontsize=9)
    axes[0][0].invert_yaxis()
    fig.suptitle(f"{title}: annual economics", x=0.01, ha="left")
    fig.tight_layout()
    return fig


def pareto_static(df: pd.DataFrame, title: str, currency: str = "EUR") -> Figure | None:
    """The Pareto points as steps (the best value reachable with at least x recovery is the
    next point's), axes in words with units; None without two numeric columns."""
    import matplotlib.pyplot as plt

    from plantopt.results.figfmt import people_ticks
    from plantopt.results.numfmt import column_label

    pair = numeric_pair(df)
    if pair is None:
        return None
    d = df.sort_values(pair[0])
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(d[pair[0]], d[pair[1]], "o-", color="#4c72b0", drawstyle="steps-pre")
    people_ticks(ax.xaxis, share=pair[0].endswith("_frac"))
    people_ticks(ax.yaxis, share=pair[1].endswith("_frac"))
    ax.set_xlabel(column_label(pair[0], currency))
    ax.set_ylabel(column_label(pair[1], currency))
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def monte_carlo_static(df: pd.DataFrame, title: str, currency: str = "EUR") -> Figure | None:
    """Histograms of profit, every target and a few other metrics (shares in %, money in
    the manifest's currency); None without numeric columns."""
    import matplotlib.pyplot as plt

    from plantopt.results.figfmt import people_ticks
    from plantopt.uncertainty.report import is_share, metric_label

    cols = mc_columns(df)
    if not cols:
        return None
    ncol = min(4, len(cols))
    nrow = -(-len(cols) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3.2 * nrow), squeeze=False)
    for ax, c in zip(axes.flat, cols):
        ax.hist(df[c].dropna(), bins=30, color="#4c72b0")
        people_ticks(ax.xaxis, share=is_share(c))
        ax.set_xlabel(metric_label(c, currency) + (" (%)" if is_share(c) else ""), fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(cols) :]:
        ax.axis("off")
    fig.suptitle(title, x=0.01, ha="left")
    fig.tight_layout()
    return fig


def export_figures(
    data: ResultData, views: dict[str, pd.DataFrame], out_dir: str | Path, title: str
) -> list[Path]:
    """Write every static figure as PNG (150 dpi) and SVG; return the written paths."""
    import matplotlib

    matplotlib.use("Agg", force=False)

    from plantopt.report.data import currency_of, monte_carlo_tables, pareto_table

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    currency = currency_of(data)
    period = data.sources.get("sankey_period")  # a multi-period plan: its last period
    when = f", period {period}" if period else ""
    for name, view in views.items():
        sankey = sankey_static(view, f"{title}: {name} (t/yr{when})")
        _save(sankey, out, f"sankey_{_slug(name)}", written)
    econ = data.get("economics")
    if econ is not None and len(econ):
        _save(economics_static(econ, title, currency), out, "economics", written)
    for name, df in [pt] if (pt := pareto_table(data)) else []:
        front = pareto_static(df, f"{title}: Pareto front ({name})", currency)
        if front is not None:
            _save(front, out, "pareto", written)
    for name, df in [kv for kv in monte_carlo_tables(data).items() if "sample" in kv[0]][:1]:
        mc = monte_carlo_static(df, f"{title}: Monte Carlo ({name})", currency)
        if mc is not None:
            _save(mc, out, "monte_carlo", written)
    return written
