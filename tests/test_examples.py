"""The example notebooks (issue 18) are valid, their code compiles, and they use the public
API only. They are executed, time-bounded, by ``.ci/run`` (examples/run_notebooks.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))


def test_two_notebooks() -> None:
    assert {p.stem for p in NOTEBOOKS} == {"consultant_hydromet_hub", "researcher_scenario_batch"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_valid_and_compiles(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert code and nb.cells[0].cell_type == "markdown"
    for src in code:
        tree = ast.parse(src)
        for node in ast.walk(tree):  # public API: no private plantopt modules or names
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not any(part.startswith("_") for part in node.module.split("."))
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
