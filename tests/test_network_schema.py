"""The network tables (issue 15): read, typed and checked with file, row, column, expected."""

from __future__ import annotations

from pathlib import Path

import pytest

import plantopt
from plantopt.instance.errors import InstanceError, Problem
from plantopt.instance.writer import write_instance
from tests.builders import find
from tests.network_case import distances, network_instance, sites
from tests.test_cli import run_subprocess


def errors_of(**kw: object) -> list[Problem]:
    with pytest.raises(InstanceError) as info:
        network_instance(**kw)  # type: ignore[arg-type]
    return info.value.errors


def test_network_instance_loads_typed() -> None:
    inst = network_instance()
    assert not [w for w in inst.warnings if w.severity == "error"]
    s = inst["sites"].set_index("site_id")
    assert s.loc["A", "capex_factor"] == 1.0 and s.loc["A", "opex_factor"] == 1.0
    assert s["land_available_m2"].isna().all()  # empty: no limit
    su = inst["site_units"].set_index("unit_id")
    assert bool(su.loc["D", "allow_build"]) is False and bool(su.loc["H", "allow_build"])
    assert inst["border_crossings"].empty


def test_bad_cells_name_file_row_column() -> None:
    errs = errors_of(site_rows=sites(B={"lat_deg": 95.0, "capex_factor": 0}))
    find(errs, "sites.csv", 3, "lat_deg", "above the allowed range")
    find(errs, "sites.csv", 3, "capex_factor", "below the allowed range")
    errs = errors_of(
        transport_modes=[{"mode": "truck", "cost_eur_per_tkm": 1, "co2_kg_per_tkm": 0}]
    )
    find(errs, "transport_modes.csv", 2, "mode", "not an allowed value")


def test_unknown_references() -> None:
    errs = errors_of(
        site_units=[{"site_id": "Z", "unit_id": "Q"}],
        distance_rows=distances()
        + [{"from_id": "nowhere", "to_id": "A", "mode": "rail", "distance_km": 5}],
    )
    find(errs, "site_units.csv", 2, "site_id", "unknown site_id")
    find(errs, "site_units.csv", 2, "unit_id", "unknown unit_id")
    find(errs, "distances.csv", 8, "from_id", "unknown region_id or site_id")
    find(errs, "distances.csv", 8, "mode", "unknown mode")


def test_region_supply_must_add_up_to_availability() -> None:
    errs = errors_of(region_supply=[{"region_id": "R", "feed_id": "F", "available_t_per_yr": 90}])
    p = find(errs, "region_supply.csv", None, "available_t_per_yr", "do not add up")
    assert p.found == "90" and p.expected.startswith("100 t/yr")


def test_existing_capacity_lives_per_site() -> None:
    units = [
        {"unit_id": "D", "stage": "dismantling", "existing_capacity_t_per_yr": 5},
        {"unit_id": "H", "stage": "refining"},
    ]
    find(errors_of(units=units), "units.csv", 2, "existing_capacity_t_per_yr", "per site")


def test_unsupported_combinations_are_errors() -> None:
    errs = errors_of(
        capacity_options=[
            {
                "unit_id": "D",
                "option_id": "s",
                "capacity_t_per_yr": 50,
                "capex_eur": 0,
                "size_max_t_per_yr": 100,
            }
        ]
    )
    find(errs, "capacity_options.csv", 2, "size_max_t_per_yr", "not supported together with sites")


def test_site_and_region_ids_are_distinct() -> None:
    errs = errors_of(
        regions=[{"region_id": "A", "country": "NL", "lat_deg": 51, "lon_deg": 4}],
        region_supply=[{"region_id": "A", "feed_id": "F", "available_t_per_yr": 100}],
    )
    find(errs, "sites.csv", 2, "site_id", "also a region id")


def test_network_tables_without_sites_warn() -> None:
    inst = network_instance(site_rows=[], site_units=[], distance_rows=[])
    files = {w.file for w in inst.warnings if "without sites.csv" in w.message}
    assert files == {"regions.csv", "region_supply.csv", "transport_modes.csv"}


def test_validate_cli_reports_network_error(tmp_path: Path) -> None:
    inst = network_instance()
    folder = tmp_path / "net"
    write_instance(inst, folder)
    path = folder / "region_supply.csv"
    path.write_text(path.read_text().replace(",100", ",80"))
    proc = run_subprocess("validate", folder)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "region_supply.csv" in proc.stdout + proc.stderr
    assert plantopt.validate(folder)  # the same problem through the API
