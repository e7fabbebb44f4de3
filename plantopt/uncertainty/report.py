"""Output of a Monte Carlo run: tables for the result folder, console tables, a PNG plot."""

from __future__ import annotations

import io
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.results.tables import write_result_dir
from plantopt.uncertainty.montecarlo import MonteCarloResult

PER_SAMPLE_LIMIT = 100_000  # above this many samples only quantiles are written


def headline_metrics(mc: MonteCarloResult) -> list[str]:
    """Metrics worth printing: profit, recovery of recovered materials, targets, utilisation."""
    cols = mc.samples.columns
    out = ["profit_eur_per_yr", "revenue_eur_per_yr"]
    for c in cols:
        if c.startswith("recovery_frac:") and mc.samples[
                "recovered_t_per_yr:" + c.split(":", 1)[1]].max() > 0:
            out.append(c)
    out += [c for c in cols if c.startswith("target_ratio:")]
    out += [c for c in cols if c.startswith("utilisation_frac:")]
    return out


def write_outputs(mc: MonteCarloResult, out_dir: str | Path, nominal: dict[str, float],
                  per_sample_limit: int = PER_SAMPLE_LIMIT, plot: bool = True,
                  force: bool = False) -> Path:
    """Atomically write quantiles, probabilities, per-sample metrics (if few) and the plot."""
    tables: dict[str, pd.DataFrame] = {
        "quantiles": mc.quantiles.assign(
            nominal=[nominal.get(m, np.nan) for m in mc.quantiles["metric"]]),
        "probabilities": pd.DataFrame({"event": list(mc.probabilities),
                                       "probability": list(mc.probabilities.values())}),
    }
    summary: dict[str, Any] = dict(mc.summary)
    n = len(mc.samples)
    summary["per_sample_written"] = n <= per_sample_limit
    if n <= per_sample_limit:
        tables["samples"] = mc.samples
    extra: dict[str, str | bytes] = {}
    if plot:
        extra["distributions.png"] = plot_distributions(mc, nominal)
    return write_result_dir(out_dir, tables, summary, extra, force=force)


def plot_distributions(mc: MonteCarloResult, nominal: dict[str, float]) -> bytes:
    """Histograms of the headline metrics (PNG), with the plan's nominal value and targets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = headline_metrics(mc)[:16]
    ncol = 4
    nrow = max(1, math.ceil(len(metrics) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 2.8 * nrow), squeeze=False)
    required = {f"target_ratio:{t['label']}": t["required_frac"]
                for t in mc.summary.get("targets", [])}
    for ax, m in zip(axes.flat, metrics):
        x = mc.samples[m].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        spread = float(np.ptp(x))
        bins = 50 if spread > 1e-9 * max(1.0, float(np.abs(x).max())) else 1
        ax.hist(x, bins=bins, color="#4878a8")
        if m in nominal and np.isfinite(nominal[m]):
            ax.axvline(nominal[m], color="black", lw=1, label="plan")
        if m in required:
            ax.axvline(required[m], color="#c03030", lw=1, ls="--", label="required")
        if m.startswith("utilisation_frac:"):
            ax.axvline(1.0, color="#c03030", lw=1, ls="--", label="capacity")
        ax.set_title(m if len(m) < 48 else m[:45] + "...", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(metrics):]:
        ax.axis("off")
    fig.suptitle(f"{mc.summary.get('samples')} samples, seed {mc.summary.get('seed')}",
                 fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()
