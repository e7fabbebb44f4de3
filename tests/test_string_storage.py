"""The command line's Python string storage (plantopt/instance/string_storage.py) changes how
pandas holds text, never a number or a label: every result table equals the one made with
pandas' default storage, value for value."""

from __future__ import annotations

import pandas as pd
import pytest

import plantopt
from plantopt.instance.generate import generate
from plantopt.instance.string_storage import OPTION, use_python_strings
from plantopt.instance.writer import write_instance
from tests.conftest import INSTANCES, assert_mass_balance


def _solve(folder: object, objective: str) -> tuple[plantopt.Instance, plantopt.Result]:
    inst = plantopt.load_instance(folder)
    return inst, plantopt.solve(inst, objective=objective)


@pytest.mark.parametrize("case", ["tiny", "gen-S-1"])
@pytest.mark.parametrize("objective", ["recovery", "profit"])
def test_python_strings_give_the_same_tables(case: str, objective: str, tmp_path) -> None:
    folder = INSTANCES / "tiny" if case == "tiny" else write_instance(generate("S", 1), tmp_path)
    assert pd.get_option(OPTION) != "python"  # the library default (conftest restores it)
    _, default = _solve(folder, objective)
    use_python_strings()
    inst, fast = _solve(folder, objective)
    assert inst["feeds"]["feed_id"].dtype.storage == "python"
    assert fast.objective == default.objective
    assert sorted(fast.tables) == sorted(default.tables)
    for name, table in default.tables.items():
        pd.testing.assert_frame_equal(
            fast.tables[name],
            table,
            check_dtype=False,
            check_index_type=False,
            check_column_type=False,
            check_exact=True,
            obj=name,
        )
    assert_mass_balance(inst, fast)
