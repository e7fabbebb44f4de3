"""Result and instance folders: written whole, with the usual permissions."""

from __future__ import annotations

import os
from pathlib import Path

import plantopt
from plantopt.instance.writer import write_instance
from tests.conftest import INSTANCES


def test_folders_get_umask_permissions_not_mkdtemp_0700(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        res = plantopt.solve(INSTANCES / "tiny")
        out = res.save(tmp_path / "result")
        inst = write_instance(plantopt.load_instance(INSTANCES / "tiny"), tmp_path / "inst")
    finally:
        os.umask(old)
    assert (out.stat().st_mode & 0o777) == 0o755
    assert (inst.stat().st_mode & 0o777) == 0o755
    assert not list(tmp_path.glob(".*"))  # no temporary folders left behind
