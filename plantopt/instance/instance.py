"""The in-memory instance: typed tables plus the manifest, never mutated after loading."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from plantopt.instance.errors import Problem
from plantopt.instance.manifest import Manifest


@dataclass(frozen=True)
class Instance:
    """A loaded, typed instance.

    ``tables`` maps each table name of :data:`plantopt.instance.schema.TABLES` to a DataFrame whose
    columns are exactly the schema's columns, with defaults filled in. ``manifest`` is the
    typed, frozen :class:`~plantopt.instance.manifest.Manifest` (defaults filled in).
    ``warnings`` are the non-fatal problems validation found. Treat it as read-only: model
    building and solving never change it; use :meth:`with_manifest` to derive a variant.
    """

    name: str
    manifest: Manifest
    tables: dict[str, pd.DataFrame]
    path: Path | None = None
    warnings: tuple[Problem, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not isinstance(self.manifest, Manifest):  # a plain mapping of typed values
            object.__setattr__(self, "manifest", Manifest.from_values(self.manifest))

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def with_manifest(self, **overrides: Any) -> Instance:
        """A copy with some manifest fields replaced (tables are shared, read-only)."""
        return replace(self, manifest=self.manifest.replace(**overrides))

    def content_hash(self) -> str:
        """SHA-256 over the manifest and every table's content, stable across runs."""
        h = hashlib.sha256()
        fields = self.manifest.as_dict()
        for key in sorted(fields):
            h.update(f"{key}={fields[key]!r};".encode())
        for name in sorted(self.tables):
            h.update(name.encode())
            h.update(self.tables[name].to_csv(index=False).encode())
        return h.hexdigest()
