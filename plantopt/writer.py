"""Write an instance to a folder (manifest + one CSV per table), atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml

from .instance import Instance
from .schema import TABLES


def write_instance(instance: Instance, out_dir: str | Path) -> Path:
    """Write ``instance`` as ``instance.yaml`` plus CSVs; the folder appears whole or not at all.

    Round-trips through :func:`plantopt.load_instance` (defaults are written explicitly,
    empty optional values as empty cells).
    """
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    _umask = os.umask(0)  # mkdtemp makes the folder 0700; give it the usual permissions
    os.umask(_umask)
    os.chmod(tmp, 0o777 & ~_umask)
    try:
        manifest = {k: v for k, v in instance.manifest.items() if v is not None}
        (tmp / "instance.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False))
        for name, table in TABLES.items():
            df = instance.tables[name]
            df[table.column_names].to_csv(tmp / table.file, index=False,
                                          float_format="%.10g")
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rmdir(old)
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
