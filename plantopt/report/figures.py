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
    """Up to ``limit`` numeric columns of a Monte Carlo table, metric-like ones first."""
    num = [
        c
        for c in df.columns
        if pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
        and c.lower() not in ("sample", "seed")
    ]
    key = ("profit", "recover", "npv")
    return sorted(num, key=lambda c: not any(w in c.lower() for w in key))[:limit]


def export_figures(
    data: ResultData, views: dict[str, pd.DataFrame], out_dir: str | Path, title: str
) -> list[Path]:
    """Write every static figure as PNG (150 dpi) and SVG; return the written paths."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    from plantopt.report.data import monte_carlo_tables, pareto_table

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def save(fig: Figure, stem: str) -> None:
        for ext in ("png", "svg"):
            path = out / f"{stem}.{ext}"
            fig.savefig(path, dpi=150, bbox_inches="tight")
            written.append(path)
        plt.close(fig)

    for name, view in views.items():
        fig, ax = plt.subplots(figsize=(12, static_height_in(view)))
        draw_static(ax, view, f"{title}: {name} (t/yr)")
        save(fig, f"sankey_{_slug(name)}")

    econ = data.get("economics")
    if econ is not None and len(econ):
        items = econ[econ["item"] != "capex_total"]
        fig, ax = plt.subplots(figsize=(8, 4))
        colours = ["#55a868" if v >= 0 else "#c44e52" for v in items["eur_per_yr"]]
        ax.barh(items["item"], items["eur_per_yr"], color=colours)
        ax.axvline(0, color="black", lw=0.8)
        ax.invert_yaxis()
        ax.set_xlabel("EUR/yr")
        ax.set_title(f"{title}: annual economics", loc="left")
        save(fig, "economics")

    for name, df in [pt] if (pt := pareto_table(data)) else []:
        pair = numeric_pair(df)
        if pair:
            fig, ax = plt.subplots(figsize=(6, 4.5))
            ax.plot(df[pair[0]], df[pair[1]], "o-", color="#4c72b0")
            ax.set_xlabel(pair[0])
            ax.set_ylabel(pair[1])
            ax.set_title(f"{title}: Pareto front ({name})", loc="left")
            save(fig, "pareto")

    for name, df in [kv for kv in monte_carlo_tables(data).items() if "sample" in kv[0]][:1]:
        cols = mc_columns(df)
        if cols:
            fig, axes = plt.subplots(1, len(cols), figsize=(4 * len(cols), 3.5), squeeze=False)
            for ax, c in zip(axes[0], cols):
                ax.hist(df[c].dropna(), bins=30, color="#4c72b0")
                ax.set_xlabel(c)
            axes[0][0].set_title(f"{title}: Monte Carlo ({name})", loc="left")
            save(fig, "monte_carlo")
    return written
