"""The result side's list and array code against the pandas formulations it replaced.

Headline figures (api/summary.py), the business case's inputs (business/case.py,
business/cashflow.py), the plan warnings (results/warnings.py) and a batch job's metrics
(batch/worker.py) read columns as lists and arrays; each must give the same values, bit for
bit, as the pandas expression it replaced, also with missing values in the columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.api.summary import headline
from plantopt.batch.worker import case_metrics
from plantopt.business.case import cost_table, plan_builds
from plantopt.business.cashflow import operating_items
from plantopt.model.ledger import ITEMS, TABLE_LABEL
from plantopt.results.tables import Result
from plantopt.results.warnings import REFUSED, _refused_tonnes, refused_feed_targets
from tests.conftest import INSTANCES


class _Single:
    """Families of a single-period instance, as far as ``headline`` reads them."""

    multi = False


SINGLE = _Single()


@pytest.fixture(scope="module")
def nl() -> Result:
    return plantopt.solve(INSTANCES / "nl-2027", objective="profit", threads=1)


def test_headline_equals_the_pandas_sums(nl: Result) -> None:
    rec = nl.tables["recovery"].copy()
    for tables in (nl.tables, {**nl.tables, "recovery": rec.assign(recovery_weight=np.nan)}):
        econ = tables["economics"].set_index("item")["eur_per_yr"]
        r = tables["recovery"]
        got = headline(SINGLE, tables, {})  # type: ignore[arg-type]
        assert got["profit_eur_per_yr"] == float(econ["profit"])
        assert got["capex_eur"] == float(econ["capex_total"])
        crit = float(r.loc[r["eu_critical"], "recovered_t_per_yr"].sum())
        weighted = float((r["recovered_t_per_yr"] * r["recovery_weight"]).sum())
        assert got["critical_recovered_t_per_yr"] == crit
        assert got["weighted_recovery_t_per_yr"] == weighted  # NaN skipped: 0.0 here


def test_business_inputs_equal_the_pandas_forms(nl: Result) -> None:
    econ = nl.tables["economics"]
    costs = econ[(econ["eur_per_yr"] < 0) & (econ["unit"] == "EUR/yr") & (econ["item"] != "profit")]
    expected = pd.DataFrame(
        {"category": costs["item"].to_numpy(), "eur_per_yr": -costs["eur_per_yr"].to_numpy()}
    )
    pd.testing.assert_frame_equal(cost_table(econ), expected, check_exact=True)
    built = nl.tables["built_units"]
    assert [(b.unit_id, b.option_id, b.capex_eur) for b in plan_builds(built)] == [
        (r.unit_id, r.option_id, float(r.capex_eur)) for r in built.itertuples(index=False)
    ]
    by_label = econ.set_index("item")["eur_per_yr"]
    expected_items = {
        name: sign * float(by_label[TABLE_LABEL.get(name, name)])
        for name, sign, _ in ITEMS
        if name != "annual_capex" and TABLE_LABEL.get(name, name) in by_label.index
    }
    assert operating_items(econ) == expected_items


def _compliance(period: bool) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "target": ["a", "b", "c", "d", "e"],
            "status": [REFUSED, "met", np.nan, REFUSED, "violated"],
            "covered_feeds": ["f1,f2", "f3", "f1", "f4,", "f2"],
        }
    )
    return df.assign(period=[2027, 2027, 2031, 2031, 2031]) if period else df


def test_warnings_and_metrics_equal_the_pandas_forms() -> None:
    intake = pd.DataFrame(
        {"feed_id": ["f1", "f2", "f3", "f4"], "available_t_per_yr": [1.5, np.nan, 7.0, 0.1]}
    )
    for period in (False, True):
        comp = _compliance(period)
        sel = comp[comp["status"] == REFUSED]
        want = (
            [f"{r.target} ({r.period})" for r in sel.itertuples()]
            if period
            else list(sel["target"])
        )
        assert refused_feed_targets({"compliance": comp}) == want
    comp = _compliance(False)
    feeds = {f for t in comp.loc[comp["status"] == REFUSED, "covered_feeds"] for f in t.split(",")}
    want_t = float(intake[intake["feed_id"].isin(feeds - {""})]["available_t_per_yr"].sum())
    assert _refused_tonnes({"compliance": comp, "feed_intake": intake}) == want_t
    built = pd.DataFrame({"unit_id": ["u", "v"], "option_id": ["x", "y"], "period": [2027, 2031]})
    got = case_metrics({"built_units": built, "compliance": comp}, {})
    assert got["units_built"] == "u:x@2027; v:y@2031"
    assert (got["targets_violated"], got["targets_met_by_refusing_feeds"]) == (1, 2)
    assert got["all_targets_met"] is False
