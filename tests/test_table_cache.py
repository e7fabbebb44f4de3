"""The per-process table cache and the check memo (batch workers): same instances, same
problems, same errors as without them; a changed file or table is read and checked again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import plantopt
from plantopt.instance import check_memo, table_cache
from plantopt.instance.errors import InstanceError
from plantopt.instance.generate import generate
from plantopt.instance.loader import read_and_check
from plantopt.instance.writer import write_instance
from tests.builders import InstanceFolder
from tests.conftest import INSTANCES


@pytest.fixture
def cache() -> Iterator[table_cache.TableCache]:
    """The cache on for one test (off and empty before and after it)."""
    table_cache.disable()
    check_memo.clear()
    yield table_cache.enable()
    table_cache.disable()
    check_memo.clear()


@pytest.fixture
def folder(tmp_path: Path) -> InstanceFolder:
    return InstanceFolder(tmp_path)


def _uncached(path: Path) -> plantopt.Instance:
    active = table_cache.active()
    table_cache._ACTIVE = None
    try:
        return plantopt.load_instance(path)
    finally:
        table_cache._ACTIVE = active


def _problems(path: Path) -> list:
    active = table_cache.active()
    table_cache._ACTIVE = None
    try:
        return read_and_check(path)[1]
    finally:
        table_cache._ACTIVE = active


def _error_text(path: Path) -> str:
    with pytest.raises(InstanceError) as exc:
        plantopt.load_instance(path)
    return str(exc.value)


def assert_same_instance(a: plantopt.Instance, b: plantopt.Instance) -> None:
    assert a.name == b.name and a.manifest == b.manifest
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        assert_frame_equal(a[name], b[name], check_exact=True)
        assert list(a[name].dtypes) == list(b[name].dtypes), name
        assert a[name].columns.dtype == b[name].columns.dtype, name
    assert a.warnings == b.warnings
    assert a.content_hash() == b.content_hash()


def _generated(tmp_path: Path, seed: int) -> Path:
    return write_instance(generate("S", seed), tmp_path / f"gen-S-{seed}", float_format=None)


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
def test_cached_loads_equal_uncached_loads(
    cache: table_cache.TableCache, tmp_path: Path, storage: str
) -> None:
    pd.set_option("mode.string_storage", storage)
    folders = [INSTANCES / n for n in ("tiny", "nl-2027", "nl-2027-2040", "nlbede-2030")]
    folders += [_generated(tmp_path, 1), _generated(tmp_path, 2)]
    for path in folders:
        ref = _uncached(path)
        first = plantopt.load_instance(path)
        hits = cache.hits
        again = plantopt.load_instance(path)  # every table file from the cache now
        assert cache.hits - hits == sum(1 for t in ref.tables if (path / f"{t}.csv").is_file())
        for inst in (first, again):
            assert_same_instance(ref, inst)
        assert table_cache.token(again["feeds"]) is not None


def test_string_storage_is_part_of_the_key(cache: table_cache.TableCache) -> None:
    pd.set_option("mode.string_storage", "python")
    a = plantopt.load_instance(INSTANCES / "tiny")
    pd.set_option("mode.string_storage", "pyarrow")
    b = plantopt.load_instance(INSTANCES / "tiny")
    assert a["feeds"]["feed_id"].array.dtype.storage == "python"
    assert b["feeds"]["feed_id"].array.dtype.storage == "pyarrow"


def test_a_changed_file_is_read_again(
    cache: table_cache.TableCache, folder: InstanceFolder
) -> None:
    before = plantopt.load_instance(folder.path)
    old = before["feeds"].at[0, "available_t_per_yr"]
    folder.set_cell("feeds.csv", 2, "available_t_per_yr", old + 7.0)
    after = plantopt.load_instance(folder.path)
    assert after["feeds"].at[0, "available_t_per_yr"] == old + 7.0
    assert_same_instance(_uncached(folder.path), after)
    assert before["feeds"].at[0, "available_t_per_yr"] == old


def test_bad_cells_are_reported_as_without_the_cache(
    cache: table_cache.TableCache, folder: InstanceFolder
) -> None:
    plantopt.load_instance(folder.path)  # every clean table stored
    folder.set_cell("feeds.csv", 2, "available_t_per_yr", "lots")
    folder.set_cell("units.csv", 3, "opex_eur_per_t", "-1")
    expected = str(pytest.raises(InstanceError, _uncached, folder.path).value)
    assert "feeds.csv" in expected and "lots" in expected
    for _ in range(2):  # a table with a problem is never stored: reported every time
        assert _error_text(folder.path) == expected


@pytest.mark.parametrize(
    "edit",
    [
        ("routing.csv", 2, "to_id", "no_such_unit"),  # a reference to nothing
        ("composition.csv", 2, "mass_frac", "0.999"),  # fractions no longer sum to 1
        ("feeds.csv", 2, "feed_class", "unknown_class"),
        ("units.csv", 2, "unit_id", "renamed_unit"),
    ],
)
def test_cross_table_problems_equal_uncached_after_an_edit(
    cache: table_cache.TableCache, folder: InstanceFolder, edit: tuple[str, int, str, str]
) -> None:
    file, row, column, value = edit
    clean = read_and_check(folder.path)[1]  # the memo holds every check's clean run
    assert clean == _problems(folder.path)
    folder.set_cell(file, row, column, value)
    found = read_and_check(folder.path)[1]
    assert found == _problems(folder.path)
    assert found != clean
    assert read_and_check(folder.path)[1] == found  # and again, from the memo


def test_warnings_are_reused_exactly(cache: table_cache.TableCache, folder: InstanceFolder) -> None:
    (folder.path / "lead_times.csv").write_text("applies_to,lead_time_yr\nrefining,5\n")
    ref = _problems(folder.path)
    assert any(p.severity == "warning" for p in ref)
    for _ in range(3):
        assert read_and_check(folder.path)[1] == ref
    assert any(check_memo._MEMO.values())


def test_a_table_changed_in_place_is_checked_again(cache: table_cache.TableCache) -> None:
    inst = plantopt.load_instance(INSTANCES / "tiny")
    assert not [p for p in plantopt.validate(inst) if p.severity == "error"]
    hashed = inst.content_hash()
    feeds = inst["feeds"]
    feeds.loc[feeds.index[0], "feed_class"] = "unknown_class"  # against the contract
    assert table_cache.token(feeds) is None
    errors = [p for p in plantopt.validate(inst) if p.severity == "error"]
    table_cache._ACTIVE, active = None, table_cache._ACTIVE
    try:
        expected = [p for p in plantopt.validate(inst) if p.severity == "error"]
    finally:
        table_cache._ACTIVE = active
    assert errors == expected and errors
    assert inst.content_hash() != hashed  # not the stored bytes of the file's content
    table_cache._ACTIVE, active = None, table_cache._ACTIVE
    try:
        assert (
            inst.content_hash()
            == plantopt.Instance(inst.name, inst.manifest, dict(inst.tables)).content_hash()
        )
    finally:
        table_cache._ACTIVE = active
    assert plantopt.load_instance(INSTANCES / "tiny")["feeds"].equals(
        _uncached(INSTANCES / "tiny")["feeds"]
    )


def test_the_cache_is_bounded_least_recently_used_first() -> None:
    c = table_cache.TableCache(max_bytes=10)
    df = pd.DataFrame({"a": [1.0]})
    c.put("t", b"12345", df)
    c.put("t", b"67890", df)
    assert c.get("t", b"12345") is not None  # now the most recent
    c.put("t", b"abcde", df)
    assert len(c) == 2 and c.get("t", b"67890") is None
    assert c.get("t", b"12345") is not None and c.get("t", b"abcde") is not None
    assert c.put("t", b"x" * 11, df) is df and len(c) == 2  # too large: not kept
    few = table_cache.TableCache(max_entries=2)
    for data in (b"1", b"2", b"3"):
        few.put("t", data, df)
    assert len(few) == 2 and few.get("t", b"1") is None and few.get("t", b"3") is not None


def test_off_by_default_and_in_batch_workers_on() -> None:
    import subprocess
    import sys

    code = (
        "from plantopt.instance import table_cache as t; a = t.active() is None; "
        "from plantopt.batch.worker import warm_up; warm_up(); print(a, t.active() is not None)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True"]


def test_scenario_overrides_are_checked_as_without_the_cache(
    cache: table_cache.TableCache,
) -> None:
    from plantopt.batch.fields import Override, apply_overrides

    base = plantopt.load_instance(INSTANCES / "tiny")
    ok = (Override("product_prices.price_eur_per_t", "scale", 0.5),)
    bad = (Override("feeds.available_t_per_yr", "set", -3),)
    for overrides in (ok, bad, ok):
        table_cache._ACTIVE, active = None, table_cache._ACTIVE
        try:
            ref = _outcome(apply_overrides, base, overrides)
        finally:
            table_cache._ACTIVE = active
        assert _outcome(apply_overrides, base, overrides) == ref


def _outcome(apply: object, base: plantopt.Instance, overrides: tuple) -> object:
    try:
        inst, _ = apply(base, overrides)  # type: ignore[operator]
    except InstanceError as exc:
        return str(exc)
    return inst.warnings, inst.content_hash()


def test_fuzzed_folders_give_the_same_problems_with_the_cache(tmp_path: Path) -> None:
    """The fuzz suite's mutations (tests/fuzz_mutations.py) of tiny, each read after the
    clean folder filled the cache and the memo: the same problems (or the same exception)."""
    import shutil

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tests.fuzz_mutations import apply
    from tests.test_fuzz import mutations

    def outcome(path: Path) -> object:
        try:
            return read_and_check(path)[1]
        except Exception as exc:  # the same failure either way
            return f"{type(exc).__name__}: {exc}"

    counter = iter(range(10**6))

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(muts=st.lists(mutations, min_size=1, max_size=3))
    def one(muts: list) -> None:
        path = tmp_path / f"case{next(counter)}"
        shutil.copytree(INSTANCES / "tiny", path)
        table_cache.disable()
        check_memo.clear()
        table_cache.enable()
        try:
            outcome(path)  # clean: every table stored, every check's run memorised
            for m in muts:
                apply(path, m)
            cached = outcome(path)
            table_cache._ACTIVE, active = None, table_cache._ACTIVE
            try:
                assert cached == outcome(path), muts
            finally:
                table_cache._ACTIVE = active
        finally:
            table_cache.disable()
            check_memo.clear()
            shutil.rmtree(path, ignore_errors=True)

    one()


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
def test_capacity_rows_are_the_rows_itertuples_gives(storage: str) -> None:
    from plantopt.instance.checks_capacity import _rows

    pd.set_option("mode.string_storage", storage)
    for name in ("nl-2027", "nlbede-2030"):
        df = plantopt.load_instance(INSTANCES / name)["capacity_options"]
        df = pd.concat([df, df.iloc[:2].assign(unit_id=[None, "x"])], ignore_index=True)
        ref, got = list(df.itertuples(index=False)), list(_rows(df))
        assert repr(ref) == repr(got)
        assert [[type(v) for v in r] for r in ref] == [[type(v) for v in r] for r in got]
        assert ref[0]._fields == got[0]._fields
