"""Output folders (issue 13): safe default names, only plantopt's own folders replaced, no
leftovers from killed runs, and a swap that never loses the result at the target path.

Kills are real: a child process writes a result folder and SIGKILLs itself at one named
point of the swap (``plantopt.atomic._checkpoint``); the next write must find either the old
or the new complete result at the target and clean up every temporary folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from plantopt import atomic
from plantopt.atomic import MARKER, OutputFolderError, default_output_dir, safe_slug
from plantopt.results.tables import write_result_dir
from tests.builders import InstanceFolder
from tests.test_cli import TINY, run_main


@pytest.mark.parametrize(
    "name,slug",
    [
        ("tiny", "tiny"),
        ("../../x", "x"),
        ("/etc/passwd", "etc-passwd"),
        ("a b/c", "a-b-c"),
        ("..", "instance"),
        ("", "instance"),
        (".hidden", "hidden"),
        ("-rf", "rf"),
        ("nl-2027", "nl-2027"),
        ("C:\\temp\\x", "C-temp-x"),
        ("ünï", "n"),
        ("x" * 300, "x" * 80),
    ],
)
def test_safe_slug(name: str, slug: str) -> None:
    assert safe_slug(name) == slug


def test_default_output_dir_stays_under_results() -> None:
    for name in ("../../x", "/abs/path", "a/../../b", "..\\..\\w"):
        path = default_output_dir(name, "recovery")
        assert path.parent == Path("results") and ".." not in path.parts


def test_manifest_name_cannot_escape_the_results_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = InstanceFolder(tmp_path / "inst")
    text = (folder.path / "instance.yaml").read_text()
    victim = tmp_path / "victim-recovery"
    victim.mkdir()
    (victim / "precious.txt").write_text("not plantopt's")
    folder.write_text("instance.yaml", text.replace("name: tiny", f"name: {tmp_path}/victim"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, err = run_main(monkeypatch, capsys, "solve", folder.path, "--quiet")
    assert code == 0, err
    assert (victim / "precious.txt").read_text() == "not plantopt's"
    written = [p for p in (work / "results").iterdir()]
    assert len(written) == 1 and (written[0] / "summary.json").is_file()
    assert written[0].name.endswith("-recovery") and written[0].name.startswith("tmp-")


def test_foreign_folder_is_not_replaced_without_force(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    code, _, err = run_main(monkeypatch, capsys, "solve", TINY, "--out", out, "--quiet")
    assert code == 2 and "not written by plantopt" in err and "--force" in err
    assert (out / "thesis.docx").read_text() == "years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    code, _, err = run_main(monkeypatch, capsys, "solve", TINY, "--out", out, "--quiet", "--force")
    assert code == 0, err
    assert not (out / "thesis.docx").exists() and (out / MARKER).is_file()


def test_file_at_output_path_is_an_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "afile"
    out.write_text("x")
    code, _, err = run_main(monkeypatch, capsys, "solve", TINY, "--out", out, "--quiet", "--force")
    assert code == 2 and "not a folder" in err and out.read_text() == "x"


def test_own_and_empty_folders_are_replaced(tmp_path: Path) -> None:
    out = tmp_path / "res"
    out.mkdir()  # empty: nothing to lose
    write_result_dir(out, {}, {"n": 1})
    assert json.loads((out / MARKER).read_text())["written_by"] == "plantopt"
    write_result_dir(out, {}, {"n": 2})  # plantopt's own: replaced without --force
    assert json.loads((out / "summary.json").read_text()) == {"n": 2}
    with pytest.raises(OutputFolderError):
        (out / MARKER).unlink()
        write_result_dir(out, {}, {"n": 3})


def test_generate_refuses_a_foreign_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "gen"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    code, _, err = run_main(monkeypatch, capsys, "generate", "--out", out)
    assert code == 2 and (out / "notes.txt").exists()


# ----------------------------------------------------------------------------- kills

CHILD = textwrap.dedent("""
    import os, signal, sys
    from plantopt import atomic
    out, point, exchange, value = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4]
    atomic._EXCHANGE["ok"] = exchange
    def checkpoint(name):
        if name == point:
            os.kill(os.getpid(), signal.SIGKILL)
    atomic._checkpoint = checkpoint
    with atomic.atomic_folder(out) as tmp:  # what write_result_dir does, without pandas
        (tmp / "summary.json").write_text('{"run": "%s"}' % value)
        (tmp / "big.txt").write_text("x" * 100000)
""")
POINTS = ["created", "written", "complete", "between_renames", "swapped"]


def _write_in_child(out: Path, point: str, exchange: bool, value: str) -> int:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(out), point, "1" if exchange else "0", value],
        capture_output=True,
        timeout=60,
    )
    return proc.returncode


def _run_at(out: Path) -> str | None:
    """The ``run`` recorded in the complete result at ``out`` (None when absent)."""
    if not out.exists():
        return None
    assert (out / MARKER).is_file() and len((out / "big.txt").read_text()) == 100000
    return json.loads((out / "summary.json").read_text())["run"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "two-renames"])
@pytest.mark.parametrize("point", POINTS)
def test_kill_at_each_point_leaves_old_or_new_result(
    tmp_path: Path, point: str, exchange: bool
) -> None:
    out = tmp_path / "res"
    assert _write_in_child(out, "none", exchange, "old") == 0
    code = _write_in_child(out, point, exchange, "new")
    killed = code == -9
    if point == "between_renames" and exchange and atomic._EXCHANGE["ok"]:
        assert not killed  # the exchange path has no such point
    else:
        assert killed, code
    # right after the kill: old or new at X, except between the two renames
    seen = _run_at(out)
    if point == "between_renames" and not exchange:
        assert seen is None
    else:
        assert seen == ("new" if point == "swapped" or not killed else "old")
    # the next run recovers and cleans up; a plain look at X after that sees a result
    atomic.recover_output(out)
    assert _run_at(out) in ("old", "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]
    assert _write_in_child(out, "none", exchange, "third") == 0
    assert _run_at(out) == "third"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_temporary_folder_of_a_live_process_is_kept(tmp_path: Path) -> None:
    import os

    out = tmp_path / "res"
    live = tmp_path / f".res.tmp-{os.getppid()}-abc"  # the test runner's parent: alive
    live.mkdir()
    write_result_dir(out, {}, {"n": 1})
    assert live.is_dir()
