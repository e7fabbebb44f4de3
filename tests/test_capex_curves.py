"""Capex curves of the main routes from public plant figures (issue 16): the reference file
is what plantopt.data.capex_curves makes from capex_plants.csv, and its numbers check by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from plantopt.data.capex_curves import OUT, curves_table, two_point_exponent
from plantopt.model.capacity import Curve


def test_reference_file_is_generated_from_the_plants() -> None:
    saved = pd.read_csv(OUT, keep_default_na=False)
    pd.testing.assert_frame_equal(saved, curves_table(), check_dtype=False)


def test_routes_points_and_ranges() -> None:
    t = curves_table()
    assert {"hydromet", "preprocessing", "pm_smelter", "pyro_smelt", "weee_shred"} <= set(
        t["route"]
    )
    for _, g in t.groupby("route"):
        assert len(g) == 5 and g["capacity_t_per_yr"].is_monotonic_increasing
        assert (g["capex_eur_low"] <= g["capex_eur"]).all()
        assert (g["capex_eur"] <= g["capex_eur_high"]).all()
        assert g["exponent"].between(0.6, 1.0).all()
        assert g["source"].str.contains("capex_plants.csv, quotes ").all()


def test_pyro_line_through_the_two_umicore_plants_by_hand() -> None:
    """Umicore Hoboken 7 kt/yr for EUR 25 M (2010) and the planned 150 kt/yr plant for
    EUR 500 M (2022): b = ln(500 / 25) / ln(150 / 7) = 2.9957 / 3.0647 = 0.9775."""
    b = two_point_exponent(7000, 25e6, 150_000, 500e6)
    assert b == pytest.approx(math.log(20) / math.log(150 / 7))
    assert b == pytest.approx(0.9775, abs=1e-4)
    pyro = curves_table().query("route == 'pyro_smelt'")
    assert pyro["exponent"].iloc[0] == pytest.approx(b, abs=1e-3)
    ends = pyro.iloc[[0, -1]]
    np.testing.assert_allclose(ends["capex_eur"], [25e6, 500e6], rtol=1e-3)


def test_a_route_curve_is_a_continuous_option_curve() -> None:
    """The rows are (size, capex) points: a Curve interpolates between them."""
    h = curves_table().query("route == 'hydromet'")
    c = Curve(
        h["capacity_t_per_yr"].to_numpy(float),
        h["capex_eur"].to_numpy(float),
        np.zeros(len(h)),
    )
    mid = 0.5 * (h["capacity_t_per_yr"].iloc[1] + h["capacity_t_per_yr"].iloc[2])
    want = 0.5 * (h["capex_eur"].iloc[1] + h["capex_eur"].iloc[2])
    assert c.at(mid)[0] == pytest.approx(want)
