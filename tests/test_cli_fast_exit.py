"""The ``plantopt`` script ends its one-thread commands without the interpreter's teardown
(``plantopt.cli.console_main``, issue 17): same output, files and exit codes as
``plantopt.cli.main()``, atexit handlers run, and other commands end as before."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from tests.builders import InstanceFolder
from tests.conftest import INSTANCES
from tests.test_cli_validate_quick import run_cli_code as _run

SCRIPT = "from plantopt.cli import console_main\nconsole_main()\n"
MAIN = "from plantopt.cli import main\nmain()\n"


def _plain(text: str, out: Path) -> str:
    """The printed plan without its timings and output folder."""
    return re.sub(r"\d+\.\d+ s\b", "T s", text.replace(str(out), "OUT"))


def test_solve_ends_early_with_the_same_output_and_files(tmp_path: Path) -> None:
    tiny = str(INSTANCES / "tiny")
    fast = _run(SCRIPT, ["solve", tiny, "--out", str(tmp_path / "a")], tmp_path)
    slow = _run(MAIN, ["solve", tiny, "--out", str(tmp_path / "b")], tmp_path)
    assert fast[0] == slow[0] == 0, fast[2]
    assert _plain(fast[1], tmp_path / "a") == _plain(slow[1], tmp_path / "b")
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        if name.endswith(".parquet"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(tmp_path / "a" / name), pd.read_parquet(tmp_path / "b" / name)
            )
    a, b = (json.loads((tmp_path / d / "summary.json").read_text()) for d in "ab")
    assert a["objective"] == b["objective"] and a["instance"]["hash"] == b["instance"]["hash"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]  # no temporary folders


def test_exit_codes_and_messages_are_those_of_main(tmp_path: Path) -> None:
    bad = InstanceFolder(tmp_path / "bad")
    bad.set_cell("composition.csv", 3, "mass_frac", "0.5")
    cases = [
        ["solve", str(bad.path), "--out", str(tmp_path / "r1")],  # bad input: 2
        ["solve", str(INSTANCES / "tiny"), "--objective", "nonsense"],  # 2
        ["--help"],  # 0
    ]
    for args in cases:
        assert _run(SCRIPT, args, tmp_path) == _run(MAIN, args, tmp_path), args
    code, _, err = _run(SCRIPT, ["solve", str(bad.path), "--out", str(tmp_path / "r2")], tmp_path)
    assert code == 2 and "composition.csv, row 2, column 'mass_frac'" in err
    code, out, _ = _run(SCRIPT, ["describe", str(INSTANCES / "tiny")], tmp_path)
    assert code == 0 and "route-tree nodes" in out


def test_atexit_handlers_still_run(tmp_path: Path) -> None:
    before = "import atexit\natexit.register(lambda: print('atexit ran', file=sys.stderr))\n"
    code, out, err = _run(SCRIPT, ["validate", str(INSTANCES / "tiny")], tmp_path, before)
    assert code == 0 and "is valid" in out
    assert err.strip().endswith("atexit ran")


def test_other_commands_end_the_usual_way(tmp_path: Path) -> None:
    """A command outside FAST_EXIT_COMMANDS: the interpreter's own end (its SystemExit seen
    by the caller), the exit code of main()."""
    probe = (
        "try:\n    console_main()\nexcept SystemExit as exc:\n"
        "    print('usual end', exc.code, file=sys.stderr)\n    raise\n"
    )
    before = "from plantopt.cli import console_main\n"
    code, _, err = _run(probe, ["compare", "--help"], tmp_path, before)
    assert code == 0 and "usual end 0" in err
