"""Test helpers: small instances built in memory, and edited copies of instance folders.

``make_instance`` builds an instance from short row lists through
:func:`plantopt.instance_from_tables` (the same checks as files). ``InstanceFolder`` copies an
instance folder (default ``tiny``) and edits one CSV cell, row or column, so each validation
test is a few lines. ``recompute_profit`` recomputes annual profit from the instance tables
and the result tables, independently of the model's expressions.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import plantopt
from plantopt.instance.errors import InstanceError, Problem
from plantopt.instance.schema import TABLES
from tests.conftest import INSTANCES

Rows = list[dict[str, Any]]


def make_instance(*, manifest: dict[str, Any] | None = None, **tables: Rows) -> plantopt.Instance:
    """An instance from row lists, one keyword per table name; missing tables are empty."""
    frames = {}
    for name, table in TABLES.items():
        rows = tables.pop(name, [])
        frames[name] = pd.DataFrame(rows, columns=None if rows else table.column_names)
    assert not tables, f"unknown tables {sorted(tables)}"
    full_manifest = {"name": "case", "discount_rate": 0.0}
    full_manifest.update(manifest or {})
    return plantopt.instance_from_tables(full_manifest, frames)


def tc_rows(unit: str, splits: dict[str, dict[str, float]], feed_class: str = "*") -> Rows:
    """Transfer-coefficient rows of one unit: {material: {output: fraction}}."""
    return [
        {"unit_id": unit, "feed_class": feed_class, "material": m, "output_id": o, "tc_frac": x}
        for m, outs in splits.items()
        for o, x in outs.items()
    ]


def route(unit: str, output: str, kind: str, to: str, cost: float = 0.0) -> dict[str, Any]:
    return {
        "unit_id": unit,
        "output_id": output,
        "to_kind": kind,
        "to_id": to,
        "cost_eur_per_t": cost,
    }


def materials(critical: dict[str, float]) -> Rows:
    """Critical materials with their recovery weights, plus the remainder 'other'."""
    rows: Rows = [
        {"material": m, "eu_critical": True, "recovery_weight": w} for m, w in critical.items()
    ]
    rows.append({"material": "other", "eu_critical": False, "recovery_weight": 0})
    return rows


# --------------------------------------------------------------------------- results


def assert_solved(result: plantopt.Result) -> None:
    assert result.status == plantopt.SolveStatus.OPTIMAL, result.message


def accepted(result: plantopt.Result) -> dict[str, float]:
    return result["feed_intake"].set_index("feed_id")["accepted_t_per_yr"].to_dict()


def throughput(result: plantopt.Result) -> dict[str, float]:
    return result["unit_throughput"].set_index("unit_id")["throughput_t_per_yr"].to_dict()


def recovered(result: plantopt.Result) -> dict[str, float]:
    return result["recovery"].set_index("material")["recovered_t_per_yr"].to_dict()


def economics(result: plantopt.Result) -> dict[str, float]:
    return result["economics"].set_index("item")["eur_per_yr"].to_dict()


def recompute_profit(instance: plantopt.Instance, result: plantopt.Result) -> float:
    """Annual profit from the instance tables and the result tables (EUR/yr).

    revenue   = sum over products table rows of mass * price * payable (prices from
                product_prices.csv, looked up here, not taken from the result)
    gate fees = sum_f accepted_f * gate_fee_f
    var opex  = sum_u throughput_u * opex_u
    capex     = sum over built options of capex * CRF(r, L) + fixed opex
    routes    = sum over flow rows of real mass * cost of the routing row used
    """
    pp = instance["product_prices"].set_index(["product_id", "material"])
    revenue = 0.0
    for r in result["products"].itertuples():
        if (r.product_id, r.material) in pp.index:
            row = pp.loc[(r.product_id, r.material)]
            revenue += r.mass_t_per_yr * row["price_eur_per_t"] * row["payable_frac"]
    fees = instance["feeds"].set_index("feed_id")["gate_fee_eur_per_t"]
    gate = sum(t * fees[f] for f, t in accepted(result).items())
    opex = instance["units"].set_index("unit_id")["opex_eur_per_t"]
    var_opex = sum(t * opex[u] for u, t in throughput(result).items())
    rate = float(instance.manifest["discount_rate"])
    opts = instance["capacity_options"].set_index(["unit_id", "option_id"])
    capital = 0.0
    for r in result["built_units"].itertuples():
        o = opts.loc[(r.unit_id, r.option_id)]
        capital += o["capex_eur"] * crf(rate, o["lifetime_yr"]) + o["fixed_opex_eur_per_yr"]
    routing = instance["routing"].set_index(["unit_id", "output_id", "to_kind", "to_id"])
    flows = result["flows"].set_index("node")
    units_of = flows["target_id"]
    route_cost = 0.0
    for r in flows.itertuples():
        if r.parent_node < 0:
            continue
        key = (units_of[r.parent_node], r.output_id, r.kind, r.target_id)
        route_cost += r.mass_t_per_yr * routing.loc[key, "cost_eur_per_t"]
    return revenue + gate - var_opex - capital - route_cost


def crf(rate: float, lifetime_yr: float) -> float:
    """Capital recovery factor r(1+r)^L / ((1+r)^L - 1); 1/L at r = 0."""
    if rate == 0:
        return 1.0 / lifetime_yr
    g = (1 + rate) ** lifetime_yr
    return rate * g / (g - 1)


# --------------------------------------------------------------------------- folders


class InstanceFolder:
    """A copy of an instance folder with small CSV edits; rows are spreadsheet rows."""

    def __init__(self, tmp_path: Path, source: str = "tiny") -> None:
        self.path = tmp_path / source
        shutil.copytree(INSTANCES / source, self.path)

    def _read(self, file: str) -> list[list[str]]:
        with open(self.path / file, newline="", encoding="utf-8") as fh:
            return list(csv.reader(fh))

    def _write(self, file: str, rows: list[list[str]]) -> None:
        with open(self.path / file, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)

    def set_cell(self, file: str, row: int, column: str, value: object) -> InstanceFolder:
        """Set the cell at spreadsheet ``row`` (header = 1) and ``column``."""
        rows = self._read(file)
        rows[row - 1][rows[0].index(column)] = str(value)
        self._write(file, rows)
        return self

    def add_row(self, file: str, **cells: object) -> int:
        """Append a row (other cells empty); return its spreadsheet row number."""
        rows = self._read(file)
        header = rows[0]
        unknown = set(cells) - set(header)
        assert not unknown, f"{file} has no columns {unknown}"
        rows.append([str(cells.get(c, "")) for c in header])
        self._write(file, rows)
        return len(rows)

    def delete_rows(self, file: str, where: Callable[[dict[str, str]], bool]) -> int:
        """Delete the data rows for which ``where(row_as_dict)`` is true; return how many."""
        rows = self._read(file)
        header = rows[0]
        keep = [header] + [r for r in rows[1:] if not where(dict(zip(header, r)))]
        self._write(file, keep)
        return len(rows) - len(keep)

    def drop_column(self, file: str, column: str) -> InstanceFolder:
        rows = self._read(file)
        i = rows[0].index(column)
        self._write(file, [r[:i] + r[i + 1 :] for r in rows])
        return self

    def add_column(self, file: str, column: str, value: object = "") -> InstanceFolder:
        rows = self._read(file)
        self._write(file, [rows[0] + [column]] + [r + [str(value)] for r in rows[1:]])
        return self

    def write_text(self, file: str, text: str) -> InstanceFolder:
        (self.path / file).write_text(text, encoding="utf-8")
        return self

    def append_manifest(self, text: str) -> InstanceFolder:
        with open(self.path / "instance.yaml", "a", encoding="utf-8") as fh:
            fh.write(text)
        return self

    def errors(self) -> list[Problem]:
        """Errors of loading the folder; asserts that loading raises one InstanceError."""
        with pytest.raises(InstanceError) as info:
            plantopt.load_instance(self.path)
        assert info.value.errors, "InstanceError without errors"
        return info.value.errors


def find(
    problems: list[Problem], file: str, row: int | None, column: str | None, contains: str = ""
) -> Problem:
    """The one problem at (file, row, column) whose message contains ``contains``."""
    hits = [
        p
        for p in problems
        if p.file == file and p.row == row and p.column == column and contains in p.message
    ]
    assert len(hits) == 1, (
        f"expected one problem at {file}, row {row}, column {column} "
        f"with {contains!r}; got:\n" + "\n".join(map(str, problems))
    )
    return hits[0]


def knapsack_instance(n: int = 40, seed: int = 3) -> plantopt.Instance:
    """A plantopt instance that is a 0-1 knapsack: hard enough that HiGHS has no solution at
    time limit 0 (presolve cannot solve it), easy enough to solve to optimality in < 1 s.

    Item i: feed f_i (class c_i, 10 t/yr, A 10 %) can only enter unit u_i, which must be built
    (capacity 10 t/yr, capex w_i in [1000, 5000) EUR, lifetime 1 yr, discount 0) and sells A
    as product p_i at v_i = 1.1 w_i + U[0, 500) EUR/t. Profit of item i = v_i - w_i > 0; the
    budget (half of all capex) makes the choice a knapsack.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    w = rng.integers(1000, 5000, size=n).astype(float)
    v = w * 1.1 + rng.integers(0, 500, size=n)
    items = range(n)
    tcs: Rows = []
    for i in items:
        tcs += tc_rows(f"u{i}", {"A": {"prod": 1.0}, "other": {"res": 1.0}}, feed_class=f"c{i}")
    return make_instance(
        manifest={"name": "knapsack", "budget_eur": float(w.sum() / 2), "objective": "profit"},
        materials=materials({"A": 1.0}),
        feeds=[
            {"feed_id": f"f{i}", "feed_class": f"c{i}", "available_t_per_yr": 10} for i in items
        ],
        composition=[{"feed_id": f"f{i}", "material": "A", "mass_frac": 0.1} for i in items],
        units=[{"unit_id": f"u{i}", "stage": "refining"} for i in items],
        capacity_options=[
            {
                "unit_id": f"u{i}",
                "option_id": "o",
                "capacity_t_per_yr": 10,
                "capex_eur": w[i],
                "lifetime_yr": 1,
            }
            for i in items
        ],
        transfer_coefficients=tcs,
        routing=[
            r
            for i in items
            for r in (
                route(f"u{i}", "prod", "product", f"p{i}"),
                route(f"u{i}", "res", "disposal", "dump"),
            )
        ],
        feed_entry=[{"feed_class": f"c{i}", "unit_id": f"u{i}"} for i in items],
        products=[{"product_id": f"p{i}"} for i in items],
        product_prices=[
            {"product_id": f"p{i}", "material": "A", "price_eur_per_t": v[i]} for i in items
        ],
    )
