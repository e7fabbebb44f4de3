"""What held in the issue-13 fuzz run stays covered: hostile names are escaped in the HTML
report and made file-name-safe as scenario ids; wrong separators and binary files are clear
errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import plantopt
from plantopt.batch.scenarios import safe_id
from tests.builders import InstanceFolder

HOSTILE = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"


@pytest.mark.parametrize(
    "text,expected",
    [
        ("../../etc/passwd", "etc_passwd"),
        ("..", "job"),
        ("/abs", "abs"),
        ("a b", "a_b"),
        (HOSTILE, "script_script_alert_1_script_img_src_x_onerror_alert_2"),
        ("", "job"),
    ],
)
def test_scenario_ids_are_file_name_safe(text: str, expected: str) -> None:
    assert safe_id(text) == expected
    assert "/" not in safe_id(text) and not safe_id(text).startswith(".")


def test_report_escapes_hostile_names(tmp_path: Path) -> None:
    from plantopt.report import make_report

    folder = InstanceFolder(tmp_path)
    for file in ("feeds.csv", "composition.csv"):  # the feed id, in every row that uses it
        rows = (folder.path / file).read_text().replace("\nliion,", f'\n"{HOSTILE}",')
        folder.write_text(file, rows)
    text = (folder.path / "instance.yaml").read_text()
    folder.write_text("instance.yaml", text.replace("name: tiny", f"name: '{HOSTILE}'"))
    res = plantopt.solve(plantopt.load_instance(folder.path))
    assert res.has_solution, res.message
    assert HOSTILE in set(res["feed_intake"]["feed_id"])
    out = tmp_path / "res"
    res.save(out)
    page, _ = make_report(out, tmp_path / "report.html", static=False)
    html = page.read_text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html


@pytest.mark.parametrize("mangle", ["semicolons", "binary"])
def test_wrong_separator_or_binary_file_is_an_error(tmp_path: Path, mangle: str) -> None:
    folder = InstanceFolder(tmp_path)
    path = folder.path / "feeds.csv"
    if mangle == "semicolons":
        path.write_text(path.read_text().replace(",", ";"))
    else:
        path.write_bytes(bytes(range(256)) * 8)
    errors = folder.errors()
    in_feeds = [p for p in errors if p.file == "feeds.csv"]
    assert in_feeds, errors
    if mangle == "semicolons":  # the header is one unknown column; required ones missing
        assert any("missing required column" in p.message for p in in_feeds)
