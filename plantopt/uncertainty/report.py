"""Output of a Monte Carlo run: tables for the result folder, console tables, a PNG plot."""

from __future__ import annotations

import io
import math
import re
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from plantopt.results.tables import write_result_dir
from plantopt.uncertainty.montecarlo import MonteCarloResult

PER_SAMPLE_LIMIT = 100_000  # above this many samples only quantiles are written


def headline_metrics(mc: MonteCarloResult) -> list[str]:
    """Metrics worth printing: profit, every target, recovery of recovered materials,
    utilisation (targets before recoveries, so that no target is ever cut)."""
    cols = mc.samples.columns
    out = ["profit_eur_per_yr", "revenue_eur_per_yr"]
    out += [c for c in cols if c.startswith("target_ratio:")]
    for c in cols:
        if (
            c.startswith("recovery_frac:")
            and mc.samples["recovered_t_per_yr:" + c.split(":", 1)[1]].max() > 0
        ):
            out.append(c)
    out += [c for c in cols if c.startswith("utilisation_frac:")]
    return out


def metric_label(metric: str, currency: str = "EUR") -> str:
    """``profit_eur_per_yr`` -> ``profit (EUR/yr)``; ``target_ratio:X`` -> ``X``;
    ``recovery_frac:Co`` -> ``Co recovery``; ``utilisation_frac:u`` -> ``u load``."""
    kind, _, what = metric.partition(":")
    if what:
        return {
            "target_ratio": what,
            "target_met": f"{what} met",
            "recovery_frac": f"{what} recovery",
            "utilisation_frac": f"{what} load",
            "recovered_t_per_yr": f"{what} recovered (t/yr)",
            "overloaded": f"{what} overloaded",
        }.get(kind, metric)
    return {
        "profit_eur_per_yr": f"profit ({currency}/yr)",
        "revenue_eur_per_yr": f"revenue ({currency}/yr)",
        "profit_positive": "profit > 0",
        "all_targets_met": "all targets met",
        "any_overload": "any unit overloaded",
    }.get(metric, metric.replace("_", " "))


def is_share(metric: str) -> bool:
    return metric.split(":", 1)[0] in ("target_ratio", "recovery_frac", "utilisation_frac")


def target_rows(mc: MonteCarloResult, nominal: dict[str, float]) -> pd.DataFrame:
    """One row per target: required, plan, P5, P50, P95 of the achieved share, P(met);
    first row all targets together (P(all targets met))."""
    q = mc.quantiles.set_index("metric")
    prob = mc.probabilities
    rows = []
    for t in mc.summary.get("targets", []):
        m = f"target_ratio:{t['label']}"
        rows.append(
            {
                "target": t["label"],
                "required_frac": t["required_frac"],
                "plan_frac": nominal.get(m, np.nan),
                **{k: float(q.at[m, k]) if m in q.index else np.nan for k in ("p5", "p50", "p95")},
                "probability_met": prob.get(f"target_met:{t['label']}", np.nan),
            }
        )
    if rows:
        rows.insert(
            0,
            {
                "target": "all targets",
                "required_frac": np.nan,
                "plan_frac": np.nan,
                "p5": np.nan,
                "p50": np.nan,
                "p95": np.nan,
                "probability_met": prob.get("all_targets_met", np.nan),
            },
        )
    return pd.DataFrame(
        rows,
        columns=["target", "required_frac", "plan_frac", "p5", "p50", "p95", "probability_met"],
    )


def write_outputs(
    mc: MonteCarloResult,
    out_dir: str | Path,
    nominal: dict[str, float],
    per_sample_limit: int = PER_SAMPLE_LIMIT,
    plot: bool = True,
    force: bool = False,
) -> Path:
    """Atomically write quantiles, probabilities, per-sample metrics (if few) and the plot."""
    tables: dict[str, pd.DataFrame] = {
        "quantiles": mc.quantiles.assign(
            nominal=[nominal.get(m, np.nan) for m in mc.quantiles["metric"]]
        ),
        "probabilities": pd.DataFrame(
            {"event": list(mc.probabilities), "probability": list(mc.probabilities.values())}
        ),
        "targets": target_rows(mc, nominal),
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


def plot_metrics(mc: MonteCarloResult, most: int = 16) -> list[str]:
    """Panels of the plot: profit and every target always, then recoveries and loads up to
    ``most`` panels in all."""
    metrics = headline_metrics(mc)
    keep = [m for m in metrics if m == "profit_eur_per_yr" or m.startswith("target_ratio:")]
    rest = [m for m in metrics if m not in keep and m != "revenue_eur_per_yr"]
    return keep + rest[: max(0, most - len(keep))]


def plot_distributions(mc: MonteCarloResult, nominal: dict[str, float]) -> bytes:
    """:func:`distributions_figure` as PNG bytes."""
    import matplotlib.pyplot as plt

    fig = distributions_figure(mc, nominal)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return buf.getvalue()


def distributions_figure(mc: MonteCarloResult, nominal: dict[str, float]) -> Any:
    """Histograms of the headline metrics (a matplotlib figure), one panel for profit and
    for every target, with the plan's nominal value and the required share; shares in %,
    money in the plan's currency, ticks without e-notation or offsets."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from plantopt.results.figfmt import people_ticks

    metrics = plot_metrics(mc)
    ncol = 4
    nrow = max(1, math.ceil(len(metrics) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 2.8 * nrow), squeeze=False)
    required = {
        f"target_ratio:{t['label']}": t["required_frac"] for t in mc.summary.get("targets", [])
    }
    currency = str(((mc.summary.get("plan") or {}).get("currency")) or "EUR")
    for ax, m in zip(axes.flat, metrics):
        x = mc.samples[m].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        if x.size == 0:
            continue
        share = is_share(m)
        scale = 100.0 if share else 1.0
        spread = float(np.ptp(x))
        bins = 50 if spread > 1e-9 * max(1.0, float(np.abs(x).max())) else 1
        ax.hist(x * scale, bins=bins, color="#4878a8")
        if m in nominal and np.isfinite(nominal[m]):
            ax.axvline(nominal[m] * scale, color="black", lw=1.2, label="plan")
        if m in required:
            ax.axvline(required[m] * scale, color="#c03030", lw=1.2, ls="--", label="required")
        if m.startswith("utilisation_frac:"):
            ax.axvline(100.0, color="#c03030", lw=1.2, ls="--", label="capacity")
        title = re.sub(r"\s*>=\s*[0-9.]+$", "", metric_label(m, currency))
        title += " (%)" if share else ""
        if m.startswith("target_ratio:"):
            p_met = mc.probabilities.get("target_met:" + m[len("target_ratio:") :], 0.0)
            title = f"P(met) {100 * p_met:.0f} %: {title}"
        ax.set_title("\n".join(textwrap.wrap(title, 52)[:2]), fontsize=8)
        people_ticks(ax.xaxis)
        ax.tick_params(labelsize=7)
        if ax is axes.flat[0]:
            ax.legend(fontsize=6, loc="upper right")
    for ax in list(axes.flat)[len(metrics) :]:
        ax.axis("off")
    p_all = mc.probabilities.get("all_targets_met")
    lead = f"P(all targets met) {100 * p_all:.1f} %; " if p_all is not None else ""
    fig.suptitle(
        f"{lead}{mc.summary.get('samples'):,} samples, seed {mc.summary.get('seed')}"
        "; black: plan, red dashed: required",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
