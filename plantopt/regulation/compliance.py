"""Compliance and offtake-contract tables, recomputed from the RESULT TABLES.

Nothing here reads model expressions: every ratio is rebuilt from ``feed_intake`` (tonnes
accepted), ``material_flows`` (real t/yr of each material on each edge, per feed) and the
instance's flags, so the report checks the model rather than repeating it. The weights
w[p, k] (calculation points) and x_k (Part B substances left out) are those of
:mod:`plantopt.model.regulation_terms`; the sums run over result-table edges:

* recycling_efficiency (Part B, per battery category): numerator = sum over edges into
  products with ``counts_recycled`` of mass_k w[p, k] (1 - x_k); denominator = tonnes of
  covered feeds accepted minus the excluded materials on their entry edges.
* material_recovery of k (Part C, per battery category): numerator = sum over edges into
  products of mass_k w[p, k]; denominator = k on the covered feeds' entry edges.
* the Battery Regulation denominators leave out what leaves the waste stage: mass (Part B,
  less x_k) or k (Part C) on edges into products prepared for re-use or second life;
* weee_recycling ("prepared for re-use and recycled"): mass on edges into products with
  ``counts_recycled`` or a ``reuse_kind``; weee_recovery adds products with
  ``counts_recovered`` and disposal edges whose routing row has ``counts_recovered``
  (energy recovery); denominator = tonnes of the category accepted.

Status per target: ``met``, ``binding`` (met with margin <= BINDING_TOL), ``violated``,
``not applicable — no covered feed accepted`` (covered feeds exist but the plan refuses them
all: never "met"; a feed accepted at less than ACCEPTED_TOL_T t/yr is not accepted),
``covered feeds contain no <element>`` (none of the covered feeds has it, accepted or not),
``accepted covered feeds contain no <element>`` (only covered feeds without it are
accepted), ``no covered feed in instance``. ``binding`` is the slack definition: the ratio
sits at its required value. ``applicable`` is true only when something was measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from plantopt.instance.instance import Instance
from plantopt.instance.targets import NOT_APPLICABLE
from plantopt.model.regulation_terms import (
    CollectionTarget,
    RegulationData,
    TargetTerms,
    counting_weights,
    excluded_materials,
)

BINDING_TOL = 1e-4  # fraction (0.01 pt): margins at most this are reported as binding
VIOLATION_TOL = 1e-6  # fraction: margins below minus this are violations
ACCEPTED_TOL_T = 1e-9  # t/yr: feeds accepted (and denominators) below this count as zero

COMPLIANCE_COLUMNS = [
    "target_id",
    "target",
    "kind",
    "material",
    "year",
    "deadline",
    "required_frac",
    "achieved_frac",
    "margin_frac",
    "numerator_t_per_yr",
    "denominator_t_per_yr",
    "status",
    "binding",
    "applicable",
    "enforced",
    "covered_feeds",
    "accepted_covered_feeds",
    "legal_reference",
]


def _in(values: np.ndarray, members: set[str]) -> np.ndarray:
    """``Series.isin(members)`` of an object array of ids (a set lookup per distinct id)."""
    return _lookup(values, lambda v: v in members, bool)


def _lookup(values: np.ndarray, of: Any, dtype: Any) -> np.ndarray:
    """``of(v)`` of every element of an object array of ids, evaluated once per distinct
    id (``pd.factorize``: each distinct value its own code, a missing value included)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    per = np.fromiter(map(of, uniques.tolist()), dtype=dtype, count=len(uniques))
    return per[codes] if len(values) else np.zeros(0, dtype=dtype)


def _counting_edges(instance: Instance, e: _Edges, kind: str) -> np.ndarray:
    """Boolean mask over ``material_flows`` rows whose whole mass counts for a WEEE kind."""
    prods = instance["products"]
    pid = prods["product_id"].to_numpy(object)
    recycled = set(pid[prods["counts_recycled"].astype(bool).to_numpy()])
    recycled |= set(pid[(prods["reuse_kind"] != "none").to_numpy()])  # prepared for re-use
    if kind != "weee_recovery":
        return e.into & _in(e.target, recycled)
    recovered = recycled | set(pid[prods["counts_recovered"].astype(bool).to_numpy()])
    mask = e.into & _in(e.target, recovered)
    routing = instance["routing"]
    flagged = routing[(routing["to_kind"] == "disposal") & routing["counts_recovered"].astype(bool)]
    keys = set(zip(flagged["unit_id"], flagged["output_id"], flagged["to_id"]))
    if keys:
        edge = zip(e.source, e.output, e.target)
        energy = np.fromiter((k in keys for k in edge), dtype=bool, count=len(e.target))
        mask = mask | ((e.target_kind == "disposal") & energy)
    return mask


class _Weights:
    """w[p, k] and x_k of the instance, looked up per ``material_flows`` row."""

    def __init__(self, instance: Instance, year: int | None) -> None:
        self.products = list(instance["products"]["product_id"])
        self.materials = list(instance["materials"]["material"])
        self.w = counting_weights(instance, self.products, self.materials)
        self.x = excluded_materials(instance, self.materials, year)
        self.p_index = {p: i for i, p in enumerate(self.products)}
        self.m_index = {m: i for i, m in enumerate(self.materials)}
        prods = instance["products"]
        pid = prods["product_id"].to_numpy(object)
        self.recycled = set(pid[prods["counts_recycled"].astype(bool).to_numpy()])
        # prepared for re-use or second life: out of the waste stage
        self.out_of_waste = set(pid[(prods["reuse_kind"] != "none").to_numpy()])

    def of_edges(
        self, into: np.ndarray, target: np.ndarray, material: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(w[p, k], x_k) of every row (w = 0 on edges not into a product): ``into`` marks
        the rows into a product, ``target`` and ``material`` are their ids."""
        p = _lookup(target, lambda t: self.p_index.get(t, -1), np.int64)
        k = self.material_index(material)
        ok = into & (p >= 0) & (k >= 0)
        w = np.zeros(len(target))
        w[ok] = self.w[p[ok], k[ok]]
        return w, self.x_of(k)

    def material_index(self, material: np.ndarray) -> np.ndarray:
        """Index of each row's material (-1: not a material of the instance)."""
        return _lookup(material, lambda m: self.m_index.get(m, -1), np.int64)

    def x_of(self, k: np.ndarray, x: np.ndarray | None = None) -> np.ndarray:
        """x_k of each row (0 where the material is not the instance's; ``x``: x_k of
        another target year than this one's)."""
        x = self.x if x is None else x
        return np.where(k >= 0, x[np.maximum(k, 0)], 0.0)


class _Edges:
    """The ``material_flows`` columns every target reads, as arrays computed once per table.

    Each target then selects its covered feeds' rows with one boolean mask; the selected
    elements and their order are those of filtering the table per target, so the sums are
    the same numbers.
    """

    def __init__(
        self, instance: Instance, tables: dict[str, pd.DataFrame], weights: _Weights
    ) -> None:
        fi = tables["feed_intake"]
        accepted = fi["accepted_t_per_yr"].to_numpy(float)
        self.intake_t = dict(zip(fi["feed_id"].to_numpy(object).tolist(), accepted.tolist()))
        mf = tables["material_flows"]
        self.feed = mf["feed_id"].to_numpy(object)
        codes, first_seen = pd.factorize(self.feed, use_na_sentinel=False)
        self.feed_code = {f: i for i, f in enumerate(first_seen.tolist())}
        self.feed_idx = codes.astype(np.int64)  # the feed's rank by first appearance
        self.mass = mf["mass_t_per_yr"].to_numpy(float)
        self.entry = mf["source_kind"].to_numpy(object) == "feed"
        self.target_kind = mf["target_kind"].to_numpy(object)
        self.target = mf["target_id"].to_numpy(object)
        self.source = mf["source_id"].to_numpy(object)
        self.output = mf["output_id"].to_numpy(object)
        self.material = mf["material"].to_numpy(object)
        self.into = self.target_kind == "product"
        self.w, self.x = weights.of_edges(self.into, self.target, self.material)
        self.out = self.into & _in(self.target, weights.out_of_waste)
        self.recycled = _in(self.target, weights.recycled)
        self.instance = instance
        self._counting: dict[str, np.ndarray] = {}
        self._with_k: dict[str, set[str]] | None = None
        self._whole: tuple[_Edges, int, int] | None = None  # rows a:b of these edges
        self._feed_masks: dict[tuple[str, ...], np.ndarray] = {}  # of the periods' targets

    #: the per-row arrays (what a period's rows are cut from)
    ROWS = ("feed", "feed_idx", "mass", "entry", "target_kind", "target", "source", "output",
            "material", "into", "w", "x", "out", "recycled")  # fmt: skip

    def rows(
        self, a: int, b: int, instance: Instance, intake_t: dict[str, float], x: np.ndarray
    ) -> _Edges:
        """The edges of rows a:b (one period of a stacked ``material_flows``), with that
        period's view of the instance, its feed intake and x_k of its rows: the same arrays
        :class:`_Edges` makes of that period's tables alone (every value is per row; the
        WEEE counting masks depend on the row and the period-invariant tables only)."""
        out = object.__new__(_Edges)
        for name in self.ROWS:
            setattr(out, name, getattr(self, name)[a:b])
        out.x = x
        out.feed_code, out.intake_t, out.instance = self.feed_code, intake_t, instance
        out._counting, out._with_k, out._whole = {}, None, (self, a, b)
        return out

    def of_feeds(self, feeds: tuple[str, ...] | list[str]) -> np.ndarray:
        """Rows of these feeds (``np.isin`` on the rows' feed ids, compared as integer codes;
        a period's rows: its rows of the whole mask, made once per set of feeds)."""
        if self._whole is not None:
            whole, a, b = self._whole
            key = tuple(feeds)
            mask = whole._feed_masks.get(key)
            if mask is None:
                mask = whole._feed_masks[key] = whole.of_feeds(key)
            return mask[a:b]
        codes = [self.feed_code[f] for f in feeds if f in self.feed_code]
        return np.isin(self.feed_idx, codes)

    def accepted_t(self, feeds: tuple[str, ...] | list[str]) -> float:
        """Tonnes accepted of these feeds: the sum ``intake.reindex(feeds).fillna(0).sum()``
        gives (the same values in the same order, NaN as 0)."""
        values = np.array([self.intake_t.get(f, np.nan) for f in feeds], dtype=float)
        return float(np.where(np.isnan(values), 0.0, values).sum())

    def feeds_with(self, material: str) -> set[str]:
        """Feeds of the instance whose composition has ``material`` (mass fraction > 0)."""
        if self._whole is not None:  # the composition is the whole's
            return self._whole[0].feeds_with(material)
        if self._with_k is None:  # every material's feeds, in one pass over the composition
            comp = self.instance["composition"]
            self._with_k = {}
            cols = (comp["feed_id"].tolist(), comp["material"].tolist(), comp["mass_frac"].tolist())
            for f, m, frac in zip(*cols):
                if frac > 0:
                    self._with_k.setdefault(m, set()).add(f)
        return self._with_k.get(material, set())

    def counting(self, kind: str) -> np.ndarray:
        """Rows whose whole mass counts for a WEEE kind (made once over the whole rows)."""
        if kind not in self._counting:
            if self._whole is not None:
                whole, a, b = self._whole
                self._counting[kind] = whole.counting(kind)[a:b]
            else:
                self._counting[kind] = _counting_edges(self.instance, self, kind)
        return self._counting[kind]


def _ratio_terms(t: TargetTerms, e: _Edges) -> tuple[float, float]:
    """(numerator, denominator) of target t in t/yr, from the result tables."""
    sel = e.of_feeds(t.feeds)
    mass = e.mass[sel]
    entry, out = e.entry[sel], e.out[sel]
    w, x = e.w[sel], e.x[sel]
    if t.kind == "material_recovery":
        is_k = e.material[sel] == t.material
        num = float((mass * w)[is_k].sum())
        return num, float(mass[is_k & entry].sum()) - float(mass[is_k & out].sum())
    accepted_t = e.accepted_t(t.feeds)
    if t.kind == "recycling_efficiency":
        recycled = e.recycled[sel]
        num = float((mass * w * (1.0 - x))[recycled].sum())
        leaves = float((mass * (1.0 - x))[out].sum())
        return num, accepted_t - float((mass * x)[entry].sum()) - leaves
    counted = e.counting(t.kind)[sel]
    return float(mass[counted].sum()), accepted_t


def _status(t: TargetTerms, den: float, achieved: float, accepted: list[str], e: _Edges) -> str:
    if not t.feeds:
        return "no covered feed in instance"
    if den <= ACCEPTED_TOL_T:
        with_k = e.feeds_with(t.material) if t.material else None
        return _nothing_to_measure(e.instance, t.material, list(t.feeds), accepted, with_k)
    margin = achieved - t.required_frac
    if margin < -VIOLATION_TOL:
        return "violated"
    return "binding" if margin <= BINDING_TOL else "met"


def _row(instance: Instance, reg: RegulationData, t: TargetTerms, edges: _Edges) -> dict:
    intake = edges.intake_t
    # a feed accepted at solver noise (|x| < ACCEPTED_TOL_T) is not accepted
    accepted = [f for f in t.feeds if intake.get(f, 0.0) > ACCEPTED_TOL_T]
    num, den = _ratio_terms(t, edges)
    achieved = num / den if t.feeds and den > ACCEPTED_TOL_T else np.nan
    status = _status(t, den, achieved, accepted, edges)
    return {
        "target_id": t.target_id,
        "target": t.title,
        "kind": t.kind,
        "material": t.material,
        "year": t.year,
        "deadline": t.deadline,
        "required_frac": t.required_frac,
        "achieved_frac": achieved,
        "margin_frac": achieved - t.required_frac if np.isfinite(achieved) else np.nan,
        "numerator_t_per_yr": num,
        "denominator_t_per_yr": den,
        "status": status,
        "binding": status == "binding",
        "applicable": bool(np.isfinite(achieved)),
        "enforced": bool(reg.enforce and t.constrainable),
        "covered_feeds": ",".join(t.feeds),
        "accepted_covered_feeds": ",".join(accepted),
        "legal_reference": t.legal_reference,
    }


def compliance_table(
    instance: Instance,
    reg: RegulationData,
    tables: dict[str, pd.DataFrame],
    edges: _Edges | None = None,
) -> pd.DataFrame:
    """One row per target in force: achieved vs required, margin, binding, covered feeds
    (``edges``: those of ``tables``, when made already, :func:`period_edges`)."""
    if edges is None:
        edges = _Edges(instance, tables, _Weights(instance, reg.target_year))
    rows = [_row(instance, reg, t, edges) for t in reg.targets]
    rows += [_collection_row(reg, c, edges) for c in reg.collection]
    return pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS)


def _collection_row(reg: RegulationData, c: CollectionTarget, edges: _Edges) -> dict:
    """Collection rate = tonnes accepted of the covered feeds / tonnes placed on the market."""
    intake = edges.intake_t
    num = edges.accepted_t(list(c.feeds))
    den = c.placed_on_market_t_per_yr
    achieved = num / den if den > 0 else np.nan
    if not c.feeds:
        status = "no covered feed in instance"
    elif den <= 0:
        status = "placed on the market not given"
    else:
        margin = achieved - c.required_frac
        status = (
            "violated" if margin < -VIOLATION_TOL else "binding" if margin <= BINDING_TOL else "met"
        )
    return {
        "target_id": c.target_id,
        "target": c.title,
        "kind": "collection_rate",
        "material": "",
        "year": c.year,
        "deadline": c.deadline,
        "required_frac": c.required_frac,
        "achieved_frac": achieved,
        "margin_frac": achieved - c.required_frac if np.isfinite(achieved) else np.nan,
        "numerator_t_per_yr": num,
        "denominator_t_per_yr": den,
        "status": status,
        "binding": status == "binding",
        "applicable": bool(np.isfinite(achieved)),
        "enforced": bool(reg.enforce and reg.enforce_collection and den > 0),
        "covered_feeds": ",".join(c.feeds),
        "accepted_covered_feeds": ",".join(f for f in c.feeds if intake.get(f, 0.0) > 1e-9),
        "legal_reference": c.legal_reference,
    }


COLLECTION_COLUMNS = [
    "feed_id",
    "step_id",
    "size_t_per_yr",
    "cost_eur_per_t",
    "collected_t_per_yr",
    "cost_eur_per_yr",
]


def collection_table(reg: RegulationData, collect: dict[str, float]) -> pd.DataFrame:
    """Per collection step: its size and marginal cost, tonnes collected on it, cost."""
    rows = []
    for s in reg.steps:
        x = max(0.0, float(collect.get(s.label, 0.0)))
        rows.append(
            {
                "feed_id": s.feed_id,
                "step_id": s.step_id,
                "size_t_per_yr": s.t_per_yr,
                "cost_eur_per_t": s.cost_eur_per_t,
                "collected_t_per_yr": x,
                "cost_eur_per_yr": x * s.cost_eur_per_t,
            }
        )
    return pd.DataFrame(rows, columns=COLLECTION_COLUMNS)


def _nothing_to_measure(
    instance: Instance,
    material: str | None,
    feeds: list[str],
    accepted: list[str],
    feeds_with_k: set[str] | None = None,
) -> str:
    """Status of a target whose denominator is zero, saying why.

    ``covered feeds contain no <k>``: no covered feed of the instance has k in its
    composition (accepted or not); ``not applicable — no covered feed accepted``: some do,
    but the plan accepts none of the covered feeds; ``accepted covered feeds contain no
    <k>``: the plan accepts covered feeds, only not those with k (``feeds_with_k``: the
    instance's feeds with k in their composition, when already known).
    """
    if material:
        if feeds_with_k is None:
            comp = instance["composition"]
            has = comp[(comp["material"] == material) & (comp["mass_frac"] > 0)]["feed_id"]
            feeds_with_k = set(has)
        with_k = feeds_with_k & set(feeds)
        if not with_k:
            return f"covered feeds contain no {material}"
        if accepted:
            return f"accepted covered feeds contain no {material}"
    return NOT_APPLICABLE


CONTRACT_COLUMNS = [
    "contract_id",
    "product_id",
    "material",
    "min_t_per_yr",
    "max_t_per_yr",
    "taken_t_per_yr",
    "contained_in_product_t_per_yr",
    "premium_eur_per_t",
    "premium_eur_per_yr",
]


_NO_CONTRACTS: dict[Any, pd.DataFrame] = {}


def _no_contracts() -> pd.DataFrame:
    """``pd.DataFrame([], columns=CONTRACT_COLUMNS)``: a copy of one made once per string
    storage of the process (the type of its column labels)."""
    key = pd.get_option("mode.string_storage")
    if key not in _NO_CONTRACTS:
        _NO_CONTRACTS[key] = pd.DataFrame([], columns=CONTRACT_COLUMNS)
    return _NO_CONTRACTS[key].copy()


def contract_table(
    reg: RegulationData, take: dict[str, float], tables: dict[str, pd.DataFrame]
) -> pd.DataFrame:
    """Per offtake contract: quantity taken, what the product contains, premium earned."""
    if not reg.contracts:
        return _no_contracts()
    prod = tables["products"].groupby(["product_id", "material"])["mass_t_per_yr"].sum()
    rows = []
    for c in reg.contracts:
        taken = max(0.0, float(take.get(c.contract_id, 0.0)))
        rows.append(
            {
                "contract_id": c.contract_id,
                "product_id": c.product_id,
                "material": c.material,
                "min_t_per_yr": c.min_t_per_yr,
                "max_t_per_yr": c.max_t_per_yr,
                "taken_t_per_yr": taken,
                "contained_in_product_t_per_yr": float(prod.get((c.product_id, c.material), 0.0)),
                "premium_eur_per_t": c.premium_eur_per_t,
                "premium_eur_per_yr": taken * c.premium_eur_per_t,
            }
        )
    return pd.DataFrame(rows, columns=CONTRACT_COLUMNS)


_SUMMARY_KEYS = ("target_id", "target", "required_frac", "achieved_frac", "status")


def compliance_summary(comp: pd.DataFrame, reg: RegulationData) -> dict:
    """Compact summary for ``summary.json``."""
    ids = comp["target_id"].to_numpy(dtype=object)
    return {
        "target_year": reg.target_year,
        "targets_enforced": reg.enforce,
        "targets_table_version": reg.table_version,
        "targets": [
            {
                k: (None if isinstance(v, float) and not np.isfinite(v) else v)
                for k, v in zip(_SUMMARY_KEYS, r)
            }
            for r in zip(*(_native(comp[k]) for k in _SUMMARY_KEYS))
        ],
        "binding": ids[comp["binding"].to_numpy(dtype=bool)].tolist(),
        "violated": ids[(comp["status"] == "violated").to_numpy(dtype=bool)].tolist(),
    }


def _native(col: pd.Series) -> list:
    """The column's cells as the Python values ``to_dict("records")`` gives (floats,
    strings; a numpy scalar in an object column as its Python value)."""
    return [v.item() if isinstance(v, np.generic) else v for v in col.tolist()]


#: tables the compliance figures read that a period's view of the instance shares with the
#: instance (:func:`plantopt.model.periods.period_instance` replaces feeds and prices only)
_SHARED = ("products", "materials", "composition", "routing", "downstream_recovery")


def period_edges(
    instances: list[Instance],
    years: list[int | None],
    material_flows: pd.DataFrame,
    bounds: np.ndarray,
    feed_intake: list[pd.DataFrame],
) -> list[_Edges] | None:
    """The edges of every period from one stacked ``material_flows`` (period t's rows
    ``bounds[t]:bounds[t+1]``): the row arrays, weights and WEEE masks made once, x_k per
    period (its target year). None when the periods' views do not share the tables the
    weights read (then each period makes its own, :func:`compliance_table`)."""
    first = instances[0]
    pp0 = first["product_prices"][["product_id", "material", "recovered"]]
    for inst in instances[1:]:
        if any(inst.tables.get(n) is not first.tables.get(n) for n in _SHARED):
            return None
        if not inst["product_prices"][["product_id", "material", "recovered"]].equals(pp0):
            return None
    weights = _Weights(first, years[0])
    whole = _Edges(
        first, {"feed_intake": feed_intake[0], "material_flows": material_flows}, weights
    )
    k = weights.material_index(whole.material)
    out = []
    for t, (inst, year, fi) in enumerate(zip(instances, years, feed_intake)):
        a, b = int(bounds[t]), int(bounds[t + 1])
        x = excluded_materials(inst, weights.materials, year)
        accepted = fi["accepted_t_per_yr"].to_numpy(float)
        intake = dict(zip(fi["feed_id"].to_numpy(object).tolist(), accepted.tolist()))
        out.append(whole.rows(a, b, inst, intake, weights.x_of(k[a:b], x)))
    return out


#: the ratio machinery, for the per-site figures of a network (regulation/site_compliance.py)
Weights = _Weights
Edges = _Edges
target_row = _row

__all__ = [
    "BINDING_TOL",
    "COLLECTION_COLUMNS",
    "collection_table",
    "COMPLIANCE_COLUMNS",
    "compliance_summary",
    "compliance_table",
    "contract_table",
    "period_edges",
]
