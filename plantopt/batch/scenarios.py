"""Batch inputs -> jobs: instance folders, globs, and scenario files (YAML).

A scenario file names a base instance and overrides::

    name: prices                 # prefix of the scenario ids (default: the file's stem)
    base: ../instances/tiny      # folder, relative to this file, or a packaged instance name;
                                 # a list of bases runs the whole grid on each
    set:                         # applied to every scenario
      time_limit: 60
    grid:                        # Cartesian product over every entry
      objective: [recovery, profit]
      product_prices.price_eur_per_t: {scale: [0.5, 1.0, 1.5, 2.0]}
      "feeds[feed_id=ev_nmc811].available_t_per_yr": [500, 1000]
      budget_eur: {from: 1.0e6, to: 5.0e6, num: 5}
    cases:                       # optional named override sets, crossed with the grid
      - {case: baseline}
      - {case: subsidy, "capacity_options.capex_eur": {scale: 0.7}}

A value is a scalar (set) or ``{scale: factor}``; a grid entry is a list, ``{scale: [..]}``,
or an evenly spaced range ``{from: a, to: b, num: n}`` (also inside ``scale``). The number of
jobs is (number of bases) x (product of grid lengths) x (number of cases). A scenario id is
``<name>[-<case>]-<10 hex digits>`` hashed from the base path and the overrides, so it is
stable when a grid is extended and a rerun finds the finished jobs again.
"""

from __future__ import annotations

import glob
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from plantopt.batch.fields import Override, ScenarioError, check_override
from plantopt.instance.safe_yaml import load_yaml

_TOP_KEYS = {"name", "base", "set", "grid", "cases", "description"}


@dataclass(frozen=True)
class Job:
    """One solve: an instance folder plus overrides; plain data, picklable."""

    job_id: str
    instance_path: str
    overrides: tuple[Override, ...] = ()
    case: str = ""

    @property
    def params(self) -> dict[str, Any]:
        """Parameter columns of this job (``p:case``, ``p:<field>``, ``p:<field>:scale``)."""
        out: dict[str, Any] = {"p:case": self.case} if self.case else {}
        out.update((ov.param_name, ov.value) for ov in self.overrides)
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "instance_path": self.instance_path,
            "case": self.case,
            "overrides": [{"field": o.field, "op": o.op, "value": o.value} for o in self.overrides],
        }


def safe_id(text: str) -> str:
    """A scenario id usable as a file name: letters, digits, '.', '_', '-' only."""
    out = re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._")
    return out or "job"


def _short_hash(payload: object) -> str:
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _range(spec: dict[str, Any], where: str) -> list[float]:
    try:
        lo, hi, num = float(spec["from"]), float(spec["to"]), int(spec["num"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ScenarioError(f"{where}: a range needs numeric from, to and num") from exc
    if num < 1:
        raise ScenarioError(f"{where}: num must be >= 1")
    return [float(v) for v in np.round(np.linspace(lo, hi, num), 12)]


def _values(field: str, spec: Any, where: str, grid: bool) -> list[Override]:
    """Overrides for one ``set`` entry (one override) or ``grid`` entry (one per value)."""
    op = "set"
    if isinstance(spec, dict) and set(spec) == {"scale"}:
        op, spec = "scale", spec["scale"]
    if grid:
        if isinstance(spec, dict) and {"from", "to", "num"} <= set(spec):
            values = _range(spec, f"{where}.{field}")
        elif isinstance(spec, list) and spec:
            values = spec
        else:
            raise ScenarioError(
                f"{where}.{field}: a grid entry must be a non-empty list, "
                "{scale: [...]} or {from: a, to: b, num: n}"
            )
    else:
        if isinstance(spec, (list, dict)):
            raise ScenarioError(
                f"{where}.{field}: expected one value or {{scale: factor}}, found {spec!r}"
            )
        values = [spec]
    out = [Override(field, op, v) for v in values]
    for ov in out:
        try:
            check_override(ov)
        except ScenarioError as exc:
            raise ScenarioError(f"{where}: {exc}") from None
    return out


def jobs_from_scenario_file(path: str | Path) -> list[Job]:
    """Expand a scenario YAML file into jobs (see the module docstring for the format)."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc}") from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: a scenario file is a mapping with base, set, grid, cases")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise ScenarioError(
            f"{path}: unknown key(s) {sorted(unknown)}; expected {sorted(_TOP_KEYS)}"
        )
    if "base" not in data:
        raise ScenarioError(f"{path}: 'base' (the instance folder) is required")
    name = str(data.get("name") or path.stem)
    bases = data["base"] if isinstance(data["base"], list) else [data["base"]]
    fixed = [
        ov
        for k, v in (data.get("set") or {}).items()
        for ov in _values(str(k), v, f"{path}: set", grid=False)
    ]
    axes = [
        _values(str(k), v, f"{path}: grid", grid=True) for k, v in (data.get("grid") or {}).items()
    ]
    cases: list[tuple[str, list[Override]]] = []
    for i, case in enumerate(data.get("cases") or [{}]):
        if not isinstance(case, dict):
            raise ScenarioError(f"{path}: cases[{i}] must be a mapping of field: value")
        label = str(case.get("case", "")) if case else ""
        ovs = [
            ov
            for k, v in case.items()
            if k != "case"
            for ov in _values(str(k), v, f"{path}: cases[{i}]", grid=False)
        ]
        cases.append((label, ovs))
    jobs = []
    for base in bases:
        base_path = _resolve_base(str(base), path.parent)
        for combo in itertools.product(*axes):
            for label, case_ovs in cases:
                job_ovs = tuple(fixed) + tuple(combo) + tuple(case_ovs)
                digest = _short_hash(
                    [str(base_path), label, [(o.field, o.op, o.value) for o in job_ovs]]
                )
                job_id = safe_id("-".join(p for p in (name, label, digest) if p))
                jobs.append(Job(job_id, str(base_path), job_ovs, label))
    return jobs


def _resolve_base(base: str, folder: Path) -> Path:
    candidate = (folder / base).resolve()
    if candidate.is_dir() or "/" in base:
        return candidate
    from plantopt.instance.loader import packaged_instance_path

    try:
        return packaged_instance_path(base)
    except FileNotFoundError:
        return candidate  # reported as bad input when the job runs


def expand_inputs(inputs: list[str]) -> list[Job]:
    """Jobs for command-line INPUTS: folders, glob patterns, and scenario files.

    A folder yields one job with id = folder name (a short hash is appended when two folders
    share a name). Patterns are expanded with :func:`glob.glob`; a pattern matching nothing is
    an error. Duplicate job ids (the same input twice) are dropped.
    """
    jobs: list[Job] = []
    for item in inputs:
        matches = sorted(glob.glob(item)) if glob.has_magic(item) else [item]
        if not matches:
            raise ScenarioError(f"{item}: the pattern matches nothing")
        for m in matches:
            p = Path(m)
            if not p.exists() and p.suffix in (".yaml", ".yml"):
                raise ScenarioError(f"{m}: scenario file does not exist")
            if (
                p.is_file()
                and p.suffix in (".yaml", ".yml")
                and p.name not in ("instance.yaml", "instance.yml")
            ):
                jobs.extend(jobs_from_scenario_file(p))
            elif p.is_dir() or not p.exists():
                # a missing folder becomes a job reported as bad_input, not a crash
                jobs.append(Job(safe_id(p.resolve().name), str(p.resolve())))
            else:
                raise ScenarioError(f"{m}: expected an instance folder or a scenario .yaml")
    seen: dict[str, Job] = {}
    out: list[Job] = []
    for job in jobs:
        if job.job_id in seen:
            if seen[job.job_id] == job:
                continue
            job = Job(
                f"{job.job_id}-{_short_hash(job.to_json())[:6]}",
                job.instance_path,
                job.overrides,
                job.case,
            )
        seen[job.job_id] = job
        out.append(job)
    return out
