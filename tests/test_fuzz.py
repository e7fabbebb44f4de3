"""Property-based fuzzing of the instance reader, the checks and the solve (issue 13).

Every mutated copy of ``tiny`` or ``nl-2027`` (cells, columns, rows, files, the manifest;
tests/fuzz_mutations.py) must end in exactly one of:

* ``plantopt validate`` exits 2 and every error names a file of the instance (with row and
  column where it has them: a row is a line of that file, a column one of its columns);
* it is valid, and ``solve`` returns optimal/feasible with the mass balance holding per
  material (recomputed from the tables, tests/conftest.py), or infeasible, or no solution
  within the time limit;

never an internal error (any other exception or exit code), a solver error, or a case that
runs past :data:`CASE_LIMIT_S` (a hang). Hypothesis runs derandomized (fixed seed) without
an example database, so every run draws the same cases.

The default run draws :data:`DEFAULT_EXAMPLES` cases; ``make fuzz`` runs
``test_fuzz_full`` (marked ``fuzz``, skipped unless PLANTOPT_FUZZ_FULL is set) with
PLANTOPT_FUZZ_EXAMPLES cases (3,000 by default) and writes the counts per outcome to
PLANTOPT_FUZZ_REPORT.
"""

from __future__ import annotations

import collections
import json
import os
import shutil
import signal
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import plantopt
from plantopt.cli import app as cli_app
from plantopt.instance.errors import InstanceError
from plantopt.instance.loader import validate
from plantopt.instance.schema import MANIFEST_FILES, TABLES
from plantopt.solver.types import SolveStatus
from tests.conftest import INSTANCES, assert_mass_balance
from tests.fuzz_mutations import (
    CELL_VALUES,
    COLUMN_ACTIONS,
    FILE_ACTIONS,
    FILES,
    MANIFEST_ACTIONS,
    MANIFEST_VALUES,
    ROW_ACTIONS,
    WHOLE_MANIFESTS,
    Mutation,
    apply,
)

DEFAULT_EXAMPLES = 300
CASE_LIMIT_S = 30.0  # a case taking longer than this is a hang
SOLVE_LIMIT_S = 10.0
BASES = ["tiny", "tiny", "tiny", "nl-2027"]  # tiny solves in milliseconds

positions = st.integers(min_value=0, max_value=10_000)
mutations = st.one_of(
    st.builds(
        Mutation,
        kind=st.just("cell"),
        file=st.sampled_from(FILES),
        row=positions,
        column=positions,
        value=st.sampled_from(CELL_VALUES),
    ),
    st.builds(
        Mutation,
        kind=st.just("column"),
        file=st.sampled_from(FILES),
        action=st.sampled_from(COLUMN_ACTIONS),
        column=positions,
        value=st.sampled_from(["", "extra", "feed_id", "tc_frac", "x y", "é"]),
    ),
    st.builds(
        Mutation,
        kind=st.just("row"),
        file=st.sampled_from(FILES),
        action=st.sampled_from(ROW_ACTIONS),
        row=positions,
    ),
    st.builds(
        Mutation,
        kind=st.just("file"),
        file=st.sampled_from(FILES),
        action=st.sampled_from(FILE_ACTIONS),
    ),
    st.builds(
        Mutation,
        kind=st.just("manifest"),
        action=st.just("set"),
        column=positions,
        value=st.sampled_from(MANIFEST_VALUES),
    ),
    st.builds(
        Mutation,
        kind=st.just("manifest"),
        action=st.sampled_from(MANIFEST_ACTIONS),
        value=st.sampled_from(WHOLE_MANIFESTS),
    ),
)
cases = st.tuples(st.sampled_from(BASES), st.lists(mutations, min_size=1, max_size=2))


class CaseTimeout(Exception):
    """A fuzz case ran past CASE_LIMIT_S."""


def _alarm(signum: int, frame: object) -> None:
    raise CaseTimeout(f"case ran past {CASE_LIMIT_S} s")


def _check_naming(folder: Path, problems: list) -> None:
    """Every error names a file of the instance; rows are lines, columns are columns."""
    files = set(FILES) | set(MANIFEST_FILES) | {t.file for t in TABLES.values()}
    for p in problems:
        if p.severity != "error":
            continue
        assert p.file in files or p.file == str(folder), f"error without a known file: {p}"
        if p.row is not None:
            assert isinstance(p.row, int) and p.row >= 1, f"bad row: {p}"
        if p.column is not None and p.file.endswith(".csv") and p.row is not None:
            table = next(t for t in TABLES.values() if t.file == p.file)
            assert p.column in table.column_names, f"column not in the schema: {p}"


def _validate_exit_code(folder: Path) -> int:
    """``plantopt validate FOLDER`` in-process (the real entry point); its exit code."""
    argv = sys.argv
    sys.argv = ["plantopt", "validate", str(folder)]
    try:
        cli_app.main()
    except SystemExit as exc:
        return 0 if exc.code is None else int(exc.code)
    finally:
        sys.argv = argv
    return 0


def run_case(root: Path, base: str, muts: list[Mutation]) -> str:
    """Mutate a copy of ``base``, validate and (if valid) solve it; return the outcome."""
    folder = root / "case"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(INSTANCES / base, folder)
    for m in muts:
        apply(folder, m)
    problems = validate(folder)
    errors = [p for p in problems if p.severity == "error"]
    code = _validate_exit_code(folder)
    if errors:
        assert code == 2, f"validate found errors but exited {code}"
        _check_naming(folder, errors)
        return "invalid (exit 2)"
    assert code == 0, f"validate found no errors but exited {code}"
    try:
        inst = plantopt.load_instance(folder)
    except InstanceError as exc:  # pragma: no cover - validate and load must agree
        raise AssertionError(f"validate passed but load failed: {exc}") from None
    res = plantopt.solve(inst, time_limit_s=SOLVE_LIMIT_S)
    if res.status.has_solution:
        assert_mass_balance(inst, res)
        return f"solved ({res.status.value}), mass balance holds"
    assert res.status in (SolveStatus.INFEASIBLE, SolveStatus.TIME_LIMIT_NO_SOLUTION), (
        f"solve ended {res.status.value}: {res.message}"
    )
    return res.status.value


def fuzz(root: Path, examples: int) -> collections.Counter:
    """Run ``examples`` hypothesis cases; return the count per outcome."""
    outcomes: collections.Counter = collections.Counter()

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=(Phase.generate, Phase.shrink),
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def one(case: tuple[str, list[Mutation]]) -> None:
        base, muts = case
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, CASE_LIMIT_S)
        started = time.perf_counter()
        try:
            outcome = run_case(root, base, muts)
        except Exception as exc:
            raise AssertionError(
                f"{base} {[str(m) for m in muts]}: {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        outcomes[outcome] += 1
        outcomes["max case seconds"] = max(
            outcomes["max case seconds"], round(time.perf_counter() - started, 2)
        )

    one()
    return outcomes


def _report(outcomes: collections.Counter, seconds: float) -> None:
    cases_run = sum(v for k, v in outcomes.items() if k != "max case seconds")
    data = {"cases": cases_run, "seconds": round(seconds, 1), **dict(outcomes)}
    print(json.dumps(data, indent=2))
    path = os.environ.get("PLANTOPT_FUZZ_REPORT")
    if path:
        Path(path).write_text(json.dumps(data, indent=2) + "\n")


def test_fuzz_default(tmp_path: Path) -> None:
    started = time.perf_counter()
    outcomes = fuzz(tmp_path, DEFAULT_EXAMPLES)
    _report(outcomes, time.perf_counter() - started)
    assert sum(v for k, v in outcomes.items() if k != "max case seconds") >= DEFAULT_EXAMPLES
    # the suite exercises both sides: rejections and solved mutants
    assert outcomes["invalid (exit 2)"] > 0
    assert any(k.startswith("solved") for k in outcomes)


@pytest.mark.fuzz
@pytest.mark.skipif(
    not os.environ.get("PLANTOPT_FUZZ_FULL"), reason="the full fuzz run is `make fuzz`"
)
def test_fuzz_full(tmp_path: Path) -> None:
    examples = int(os.environ.get("PLANTOPT_FUZZ_EXAMPLES", "3000"))
    started = time.perf_counter()
    outcomes = fuzz(tmp_path, examples)
    _report(outcomes, time.perf_counter() - started)
    assert sum(v for k, v in outcomes.items() if k != "max case seconds") >= examples
