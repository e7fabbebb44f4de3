"""The instance content hash: scheme 2 (typed values, the default) and scheme 1 (the
``to_csv`` text, what result folders of earlier versions recorded) both stay accepted."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import plantopt
from plantopt.instance.generate import generate
from plantopt.instance.instance import HASH_SCHEME
from plantopt.results.folder import ResultFolderError, solved_instance, write_solved_instance
from tests.conftest import INSTANCES
from tests.test_cli import run_main


def _scheme1_by_hand(inst: plantopt.Instance) -> str:
    """Scheme 1 as plantopt up to session 5 computed it."""
    h = hashlib.sha256()
    fields = inst.manifest.as_dict()
    for key in sorted(fields):
        h.update(f"{key}={fields[key]!r};".encode())
    for name in sorted(inst.tables):
        h.update(name.encode())
        h.update(inst.tables[name].to_csv(index=False).encode())
    return h.hexdigest()


def test_scheme_1_is_the_old_text_hash() -> None:
    inst = plantopt.load_instance(INSTANCES / "nl-2027-2040")
    assert inst.content_hash(1) == _scheme1_by_hand(inst)
    assert inst.content_hash() == inst.content_hash(HASH_SCHEME) != inst.content_hash(1)
    with pytest.raises(ValueError, match="unknown content-hash scheme"):
        inst.content_hash(3)


def test_both_schemes_survive_a_round_trip_and_see_any_cell(tmp_path: Path) -> None:
    inst = generate("S", 3)
    write_solved_instance(inst, tmp_path / "a")
    back = plantopt.load_instance(tmp_path / "a")
    for scheme in (1, 2):
        assert back.content_hash(scheme) == inst.content_hash(scheme)
    feeds = inst["feeds"].copy()
    feeds.loc[feeds.index[2], "gate_fee_eur_per_t"] += 1e-9
    other = replace(inst, tables={**inst.tables, "feeds": feeds})
    names = inst["units"].copy()
    names.loc[names.index[0], "stage"] = names["stage"].iloc[0] + "x"
    third = replace(inst, tables={**inst.tables, "units": names})
    for scheme in (1, 2):
        assert other.content_hash(scheme) != inst.content_hash(scheme)
        assert third.content_hash(scheme) != inst.content_hash(scheme)


def test_scheme_2_reads_cells_as_the_text_does() -> None:
    """A missing string and '' are the same cell (both write as ''); so are NaNs with
    different bits; 0.0 and -0.0, or 1 and 1.0 in a float column, are not confused."""
    from plantopt.instance.instance import _column_bytes

    assert _column_bytes(pd.array(["a", None], dtype="str")) == _column_bytes(
        pd.array(["a", ""], dtype="str")
    )
    assert _column_bytes(pd.array(["ab", "c"], dtype="str")) != _column_bytes(
        pd.array(["a", "bc"], dtype="str")
    )
    quiet = np.array([np.nan, 1.0])
    other_nan = np.array([np.frombuffer(b"\x01\x00\x00\x00\x00\x00\xf8\x7f")[0], 1.0])
    assert np.isnan(other_nan[0]) and quiet.tobytes() != other_nan.tobytes()
    assert _column_bytes(quiet) == _column_bytes(other_nan)
    assert _column_bytes(np.array([0.0])) != _column_bytes(np.array([-0.0]))
    assert _column_bytes(np.array([1], dtype=np.int64)) != _column_bytes(np.array([1.0]))
    assert _column_bytes(np.array(["x"], dtype=object)) is None  # another type: the text


def _old_style(folder: Path) -> dict:
    """Rewrite a result folder's summary as plantopt before session 6 wrote it."""
    path = folder / "summary.json"
    summary = json.loads(path.read_text())
    inst = plantopt.load_instance(folder / "instance")
    summary["instance"].pop("hash_scheme")
    summary["instance"]["hash"] = inst.content_hash(1)
    path.write_text(json.dumps(summary))
    return summary


def test_a_folder_of_an_earlier_version_is_accepted_and_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    res = plantopt.solve(INSTANCES / "tiny")
    assert res.summary["instance"]["hash_scheme"] == HASH_SCHEME
    assert res.summary["instance"]["hash"] == res.instance.content_hash()
    res.save(tmp_path / "r")
    _old_style(tmp_path / "r")
    assert solved_instance(tmp_path / "r").content_hash(1) == res.instance.content_hash(1)
    code, _, err = run_main(
        monkeypatch,
        capsys,
        "evaluate",
        tmp_path / "r",
        "--samples",
        "50",
        "--no-plot",
        "--engine",
        "numpy",
    )
    assert code == 0, err
    feeds = tmp_path / "r" / "instance" / "feeds.csv"
    df = pd.read_csv(feeds)
    df["gate_fee_eur_per_t"] = 7.0
    df.to_csv(feeds, index=False)
    with pytest.raises(ResultFolderError, match="changed since"):
        solved_instance(tmp_path / "r")


def test_an_unknown_scheme_is_a_clear_error(tmp_path: Path) -> None:
    res = plantopt.solve(INSTANCES / "tiny")
    res.save(tmp_path / "r")
    path = tmp_path / "r" / "summary.json"
    summary = json.loads(path.read_text())
    summary["instance"]["hash_scheme"] = 9
    path.write_text(json.dumps(summary))
    with pytest.raises(ResultFolderError, match="hash_scheme: unknown content-hash scheme 9"):
        solved_instance(tmp_path / "r")
