"""Write an instance to a folder (manifest + one CSV per table), atomically."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import yaml

from plantopt.atomic import atomic_folder
from plantopt.instance.instance import Instance
from plantopt.instance.schema import TABLES


def write_instance(
    instance: Instance, out_dir: str | Path, force: bool = False, float_format: str | None = "%.10g"
) -> Path:
    """Write ``instance`` as ``instance.yaml`` plus CSVs; the folder appears whole or not at all.

    Round-trips through :func:`plantopt.load_instance` (defaults are written explicitly,
    empty optional values as empty cells). An existing folder plantopt did not write is
    replaced only with ``force``. ``float_format=None`` writes every float in its shortest
    exact form, so the copy loads with the same content hash.
    """
    with atomic_folder(out_dir, force=force) as tmp:
        manifest = {k: v for k, v in instance.manifest.as_dict().items() if v is not None}
        (tmp / "instance.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
        for name, table in TABLES.items():
            df = instance.tables[name]
            if len(df):
                df[table.column_names].to_csv(
                    tmp / table.file, index=False, float_format=float_format
                )
            else:  # the header line pandas writes, without its per-call cost (~1 ms a table)
                (tmp / table.file).write_text(header_line(table.column_names), newline="")
    return Path(out_dir)


def header_line(names: list[str]) -> str:
    """The header line ``DataFrame.to_csv(index=False)`` writes for these column names (the
    same ``csv`` writer, quoting and line end)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator=os.linesep).writerow(names)
    return buf.getvalue()
