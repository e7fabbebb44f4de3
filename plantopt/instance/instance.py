"""The in-memory instance: typed tables plus the manifest, never mutated after loading."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from plantopt.instance.errors import Problem


@dataclass(frozen=True)
class Instance:
    """A loaded, typed instance.

    ``tables`` maps each table name of :data:`plantopt.instance.schema.TABLES` to a DataFrame whose
    columns are exactly the schema's columns, with defaults filled in. ``manifest`` holds every
    manifest field (defaults filled in). ``warnings`` are the non-fatal problems validation
    found. Treat it as read-only: model building and solving never change it; use
    :meth:`with_manifest` to derive a variant.
    """

    name: str
    manifest: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    path: Path | None = None
    warnings: tuple[Problem, ...] = field(default_factory=tuple)

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def with_manifest(self, **overrides: Any) -> Instance:
        """A copy with some manifest fields replaced (tables are shared, read-only)."""
        manifest = dict(self.manifest)
        manifest.update(overrides)
        return replace(self, manifest=manifest)

    def content_hash(self) -> str:
        """SHA-256 over the manifest and every table's content, stable across runs."""
        h = hashlib.sha256()
        for key in sorted(self.manifest):
            h.update(f"{key}={self.manifest[key]!r};".encode())
        for name in sorted(self.tables):
            h.update(name.encode())
            h.update(self.tables[name].to_csv(index=False).encode())
        return h.hexdigest()
