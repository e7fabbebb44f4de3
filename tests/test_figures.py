"""The static (matplotlib) figures read for people (issue 18), checked by their content:
axis labels with units and the manifest's currency, tick labels without e-notation or an
offset (1e7), shares in %, items in words, every target panel, Pareto as steps."""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from plantopt.report.figures import (
    economics_static,
    monte_carlo_static,
    pareto_static,
    sankey_static,
)
from plantopt.results.figfmt import tick_digits, tick_text
from plantopt.studies.pareto import ParetoFront, front_figure
from plantopt.studies.tornado_plot import tornado_figure
from plantopt.uncertainty.montecarlo import MonteCarloResult
from plantopt.uncertainty.report import distributions_figure

E_NOTATION = re.compile(r"\d[eE][+-]?\d")


def _texts(fig: Figure) -> list[str]:
    """Every text drawn on the figure: titles, labels, tick labels, offsets, annotations."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def _ticks(ax: Axes) -> tuple[list[str], list[str]]:
    ax.figure.canvas.draw()
    xs = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    ys = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    return xs, ys


def _readable(fig: Figure) -> list[str]:
    """No e-notation in any text, no offset above any axis (one draw)."""
    texts = _texts(fig)
    assert not [t for t in texts if E_NOTATION.search(t)], texts
    for ax in fig.axes:
        offsets = [a.get_offset_text().get_text() for a in (ax.xaxis, ax.yaxis)]
        assert offsets == ["", ""], offsets
    return texts


def test_ticks_for_people() -> None:
    assert tick_digits([0, 2.5e6, 5e6, 7.5e6, 1e7]) == 2
    assert [tick_text(v, 2) for v in (0, 2.5e6, 1e7)] == ["0", "2.5 M", "10 M"]
    # close ticks keep the digits that tell them apart
    locs = [12.30e6, 12.32e6, 12.34e6]
    assert len({tick_text(v, tick_digits(locs)) for v in locs}) == 3
    assert tick_text(0.45, 2, share=True) == "45 %"


def test_tornado_in_the_manifest_currency_without_offsets() -> None:
    table = pd.DataFrame(
        {
            "group_id": ["price_Co", "capex_hydromet"],
            "objective_low": [12.31e6, 12.33e6],
            "objective_high": [12.39e6, 12.35e6],
            "plan_changes": [True, False],
        }
    )
    fig = tornado_figure(table, "npv", 12.34e6, "USD")
    ax = fig.axes[0]
    assert ax.get_xlabel().startswith("NPV (USD)")
    assert "base 12.3 M USD" in ax.get_title()
    xs, ys = _ticks(ax)
    assert ys == ["price Co", "capex hydromet"]
    assert all(x.endswith(" M") for x in xs if x != "0") and len(set(xs)) == len(xs), xs
    _readable(fig)


def _front(currency: str = "USD") -> ParetoFront:
    points = pd.DataFrame(
        {
            "point": [0, 1, 2],
            "weighted_recovery_t_per_yr": [40.0, 60.0, 80.0],
            "npv_eur": [5.6e7, 5.1e7, 2.0e7],
            "profit_eur_per_yr": [1e7, 9e6, 5e6],
        }
    )
    summary = {"instance": "nl", "currency": currency}
    return ParetoFront(points, pd.DataFrame(), "npv", summary)


def test_pareto_png_is_steps_in_the_currency() -> None:
    fig = front_figure(_front())
    ax = fig.axes[0]
    assert ax.get_ylabel() == "NPV (USD)"
    assert ax.get_xlabel() == "weighted critical-material recovery (t/yr)"
    assert ax.lines[0].get_drawstyle() == "steps-pre"
    _, ys = _ticks(ax)
    assert any(y.endswith(" M") for y in ys), ys
    _readable(fig)
    # the report's Pareto figure: steps too, column names in words
    fig = pareto_static(_front().points, "nl: Pareto front", "USD")
    assert fig is not None
    ax = fig.axes[0]
    assert ax.lines[0].get_drawstyle() == "steps-pre"
    assert ax.get_xlabel() == "weighted recovery (t/yr)" and ax.get_ylabel() == "NPV (USD)"
    _readable(fig)


def test_economics_items_in_words_per_period() -> None:
    items = ["revenue", "gate_fees", "variable_opex", "annualised_capex", "profit", "capex_total"]
    values = [2.4e7, 3.0e6, -1.1e7, -4.0e6, 1.2e7, 4.4e7]
    units = ["EUR/yr"] * 5 + ["EUR"]
    econ = pd.DataFrame(
        {
            "period": ["2027"] * 6 + ["2031"] * 6,
            "item": items * 2,
            "eur_per_yr": values * 2,
            "unit": units * 2,
        }
    )
    fig = economics_static(econ, "nl", "USD")
    assert len(fig.axes) == 2 and [a.get_title() for a in fig.axes] == [
        "period 2027",
        "period 2031",
    ]
    ax = fig.axes[0]
    assert ax.get_xlabel() == "USD/yr"
    _, ys = _ticks(ax)
    assert "annualised capex" in ys and "gate fees" in ys and "capex total" not in ys
    xs, _ = _ticks(ax)
    assert any(x.endswith(" M") for x in xs), xs
    _readable(fig)
    one = economics_static(econ[econ["period"] == "2027"].drop(columns="period"), "nl")
    assert len(one.axes) == 1 and one.axes[0].get_xlabel() == "EUR/yr"


def _mc(n_targets: int) -> MonteCarloResult:
    n = 200
    rng = np.random.default_rng(0)
    cols: dict[str, np.ndarray] = {
        "profit_eur_per_yr": rng.normal(1.234e7, 2e4, size=n),
        "revenue_eur_per_yr": rng.normal(3e7, 1e6, size=n),
    }
    labels = [f"target {i}" for i in range(n_targets)]
    for label in labels:
        cols[f"target_ratio:{label}"] = rng.uniform(0.4, 0.9, size=n)
        cols[f"target_met:{label}"] = cols[f"target_ratio:{label}"] > 0.5
    for m in ("Co", "Ni"):
        cols[f"recovery_frac:{m}"] = rng.uniform(size=n)
        cols[f"recovered_t_per_yr:{m}"] = rng.uniform(size=n)
    return MonteCarloResult(
        samples=pd.DataFrame(cols),
        quantiles=pd.DataFrame({"metric": list(cols), "p5": 0.0, "p50": 0.5, "p95": 1.0}),
        probabilities={"all_targets_met": 0.1},
        summary={
            "targets": [{"label": label, "required_frac": 0.5} for label in labels],
            "samples": n,
            "seed": 1,
            "plan": {"currency": "USD"},
        },
    )


def test_distributions_every_target_in_percent_profit_without_offset() -> None:
    mc = _mc(8)  # plot_metrics keeps every target of many (tests/test_montecarlo_output.py)
    fig = distributions_figure(mc, {"profit_eur_per_yr": 1.234e7})
    titles = [a.get_title() for a in fig.axes if a.get_title()]
    assert titles[0] == "profit (USD/yr)"
    for i in range(8):
        assert any(t.endswith(f"target {i} (%)") for t in titles), titles
    profit = fig.axes[0]
    xs, _ = _ticks(profit)
    assert all(x.endswith(" M") for x in xs) and len(set(xs)) == len(xs), xs  # 12.34 M ...
    target = next(a for a in fig.axes if a.get_title().endswith("target 0 (%)"))
    xs, _ = _ticks(target)
    assert all(float(x.replace(",", "")) <= 100 for x in xs), xs  # per cent, not fractions
    _readable(fig)


def test_report_monte_carlo_figure_has_every_target() -> None:
    samples = _mc(6).samples
    fig = monte_carlo_static(samples, "nl: Monte Carlo", "USD")
    assert fig is not None
    labels = [a.get_xlabel() for a in fig.axes if a.get_xlabel()]
    assert labels[0] == "profit (USD/yr)"
    assert {f"target {i} (%)" for i in range(6)} <= set(labels)
    target = next(a for a in fig.axes if a.get_xlabel() == "target 0 (%)")
    xs, _ = _ticks(target)
    assert xs and all(x.endswith(" %") for x in xs), xs
    _readable(fig)


def test_sankey_labels_carry_amounts_without_e_notation() -> None:
    view = pd.DataFrame(
        {
            "source_kind": ["feed", "unit", "unit"],
            "source_id": ["ev_nmc", "hydromet", "hydromet"],
            "target_kind": ["unit", "product", "loss"],
            "target_id": ["hydromet", "cobalt_sulphate", "loss"],
            "mass_t_per_yr": [12_345.0, 0.000123, 12_344.999877],
        }
    )
    fig = sankey_static(view, "nl: Co (t/yr)")
    texts = _readable(fig)
    assert "ev_nmc (12.3 k t/yr)" in texts
    assert "cobalt_sulphate (0.000123 t/yr)" in texts


@pytest.mark.parametrize("objective,unit", [("profit", "EUR/yr"), ("recovery", "t/yr")])
def test_tornado_units_per_objective(objective: str, unit: str) -> None:
    table = pd.DataFrame(
        {"group_id": ["g"], "objective_low": [1.0], "objective_high": [3.0], "plan_changes": [0]}
    )
    fig = tornado_figure(table, objective, 2.0)
    assert f"({unit})" in fig.axes[0].get_xlabel()
