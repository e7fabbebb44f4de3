"""Sankey diagrams of material flows: interactive (plotly) and static (matplotlib).

Nodes are feeds, units, products, disposal routes and losses (``kind: id``); a link's width
is t/yr of the view's material (or of total mass) on that edge, summed over feeds. The
static version places nodes in columns by their longest distance from a feed (products,
disposal and losses in the last column) and draws each link as a band between two cubic
curves, so a slide shows the same picture without a browser.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from plantopt.results.plots import KIND_COLOURS, SINK_KINDS, Links, plotly_figure

if TYPE_CHECKING:  # matplotlib is imported where used, not at package import
    from matplotlib.axes import Axes


def _columns(lk: Links) -> np.ndarray:
    """Column of each node: longest path from a feed; sinks in the last column."""
    n = len(lk.labels)
    col = np.zeros(n, dtype=int)
    for _ in range(n):  # Bellman-Ford style relaxation; bounded for cyclic routes
        new = col.copy()
        for s, t in zip(lk.source, lk.target):
            new[t] = max(new[t], col[s] + 1)
        if (new == col).all():
            break
        col = np.minimum(new, n)
    sinks = np.array([k in SINK_KINDS for k in lk.kinds])
    if sinks.any():
        col[sinks] = (
            col.max() if (~sinks).sum() == 0 else max(col[~sinks].max() + 1, col[sinks].max())
        )
    return col


def _band(
    ax: Axes, x0: float, x1: float, y0: tuple[float, float], y1: tuple[float, float], colour: str
) -> None:
    """A link band from (x0, y0 lo..hi) to (x1, y1 lo..hi) bounded by cubic curves."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    xm = (x0 + x1) / 2
    verts = [
        (x0, y0[1]),
        (xm, y0[1]),
        (xm, y1[1]),
        (x1, y1[1]),
        (x1, y1[0]),
        (xm, y1[0]),
        (xm, y0[0]),
        (x0, y0[0]),
        (x0, y0[1]),
    ]
    codes = [
        MPath.MOVETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.LINETO,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CURVE4,
        MPath.CLOSEPOLY,
    ]
    ax.add_patch(PathPatch(MPath(verts, codes), facecolor=colour, edgecolor="none", alpha=0.35))


NODE_WIDTH = 0.015  # of the axis width


def _node_layout(lk: Links, ax: Axes) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """x, y (bottom) and size (t/yr) of every node and the t/yr -> axis-height scale:
    columns by longest distance from a feed, nodes stacked top-down by size."""
    from matplotlib.figure import Figure

    n = len(lk.labels)
    inflow, outflow = np.zeros(n), np.zeros(n)
    np.add.at(inflow, lk.target, lk.value)
    np.add.at(outflow, lk.source, lk.value)
    size = np.maximum(inflow, outflow)
    col = _columns(lk)
    per_col = {c: np.flatnonzero(col == c) for c in np.unique(col)}
    rows = max(len(idx) for idx in per_col.values())
    gap = min(0.04, 0.3 / max(rows - 1, 1))  # gaps take at most 30 % of the height
    scale = min((1.0 - gap * (len(idx) - 1)) / size[idx].sum() for idx in per_col.values())
    # a label is ~0.12 in tall: small nodes still get that much room so labels do not collide
    fig = ax.figure
    assert isinstance(fig, Figure), "draw_static draws on an axis of a top-level figure"
    axis_height_in = fig.get_size_inches()[1] * ax.get_position().height
    label_h = 0.12 / max(axis_height_in, 1e-6)
    y = np.zeros(n)
    for idx in per_col.values():
        pos = 1.0
        for i in idx[np.argsort(-size[idx], kind="stable")]:
            slot = max(size[i] * scale, label_h)
            y[i] = pos - (slot + size[i] * scale) / 2
            pos -= slot + gap
    x = col / max(col.max(), 1) * 0.8  # room on the right for the last column's labels
    return x, y, size, float(scale)


def _link_tops(lk: Links, y: np.ndarray, top: np.ndarray, height: np.ndarray) -> tuple:
    """Top of every link at its source and at its target: links stacked top-down at each
    end, ordered by the other end's height (fewer crossings)."""
    out_hi, in_hi = np.zeros(len(height)), np.zeros(len(height))
    off = top.copy()
    for k in np.argsort(-y[lk.target], kind="stable"):
        out_hi[k], off[lk.source[k]] = off[lk.source[k]], off[lk.source[k]] - height[k]
    off = top.copy()
    for k in np.argsort(-y[lk.source], kind="stable"):
        in_hi[k], off[lk.target[k]] = off[lk.target[k]], off[lk.target[k]] - height[k]
    return out_hi, in_hi


def draw_static(ax: Axes, view: pd.DataFrame, title: str) -> None:
    """Draw one view as a static Sankey-like diagram on a matplotlib axis; every node's
    label carries the amount through it (``hydromet (1.23 k t/yr)``, no e-notation)."""
    from matplotlib.patches import Rectangle

    lk = Links.from_view(view)
    ax.set_axis_off()
    ax.set_title(title, loc="left", fontsize=11)
    if not len(lk.value):
        ax.text(0.5, 0.5, "no flows", ha="center", va="center")
        return
    x, y, size, scale = _node_layout(lk, ax)
    height = lk.value * scale
    out_hi, in_hi = _link_tops(lk, y, y + size * scale, height)
    for k in range(len(height)):
        s, t = lk.source[k], lk.target[k]
        _band(
            ax,
            x[s] + NODE_WIDTH,
            x[t],
            (out_hi[k] - height[k], out_hi[k]),
            (in_hi[k] - height[k], in_hi[k]),
            KIND_COLOURS.get(lk.kinds[s], "#999999"),
        )
    for i in range(len(lk.labels)):
        colour = KIND_COLOURS.get(lk.kinds[i], "#999999")
        ax.add_patch(Rectangle((x[i], y[i]), NODE_WIDTH, max(size[i] * scale, 0.002), color=colour))
        ax.text(
            x[i] + NODE_WIDTH + 0.005,
            y[i] + size[i] * scale / 2,
            lk.labels[i],
            ha="left",
            va="center",
            fontsize=7,
            bbox={"facecolor": "white", "alpha": 0.6, "edgecolor": "none", "pad": 0.5},
        )
    ax.set_xlim(-0.01, 1.0)
    ax.set_ylim(min(y.min(), 0) - 0.02, 1.02)


def static_height_in(view: pd.DataFrame) -> float:
    """Figure height (inches) that leaves room for the busiest column's labels."""
    lk = Links.from_view(view)
    if not len(lk.value):
        return 3.0
    col = _columns(lk)
    return max(5.0, 0.3 * int(np.bincount(col).max()))


__all__ = ["KIND_COLOURS", "Links", "draw_static", "plotly_figure", "static_height_in"]
