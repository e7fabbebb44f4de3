"""What is uncertain and how: ranges, distributions and targets packed into kernel arrays.

Ranges come from the instance (``mass_frac_low/high`` in composition.csv, ``tc_frac_low/high``
in transfer_coefficients.csv, the re-use value and repurposing cost ranges of products.csv
(``value_eur_per_t_low/high``, ``value_eur_per_item_low/high``, ``value_eur_per_kwh_low/high``,
``repurposing_cost_eur_per_t_low/high``: data ranges only, no default spread), resolved
with the same wildcard precedence as the nominal values). An entry without a range gets
``nominal * (1 -/+ spread)`` (clipped to [0, 1]) when a default relative spread is given,
else no spread. A nominal zero is structural (the route
tree was pruned on it) and stays zero. Each uncertain entry is drawn from a Beta-PERT
(default) or triangular distribution on (low, nominal, high); see docs/uncertainty.md for the
distributions and the renormalisation rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from plantopt.instance.errors import PlantoptError
from plantopt.routetree.tree import RouteTree, _resolve_tc
from plantopt.uncertainty.kernels_mc import (
    DIST_PERT,
    DIST_PERT_EXACT,
    DIST_TRIANGULAR,
    MCArrays,
)
from plantopt.uncertainty.mc_arrays import Spec
from plantopt.uncertainty.pert_table import pert_quantile_table
from plantopt.uncertainty.plan import Plan
from plantopt.uncertainty.targets import Target

DISTRIBUTIONS = {"pert": DIST_PERT, "pert-exact": DIST_PERT_EXACT, "triangular": DIST_TRIANGULAR}
SAMPLINGS = ("random", "lhs", "sobol", "sobol-lt")


class SpecError(PlantoptError):
    """Bad sampling options (unknown material in a target, malformed scenario table)."""


@dataclass(frozen=True)
class SamplingOptions:
    """Uncertainty settings. Spreads are relative half-widths, sigma is of the log price."""

    comp_spread: float = 0.0
    tc_spread: float = 0.0
    use_ranges: bool = True
    price_sigma: float = 0.0
    price_scenarios: pd.DataFrame | None = None  # columns scenario, material, price_factor
    # [, weight]
    # "pert" (Beta-PERT, lambda 4, by an inverse-CDF table: pert_table.py), "pert-exact"
    # (the same distribution drawn as a ratio of two gammas) or "triangular"
    distribution: str = "pert"
    # "random" (independent draws) or "lhs" (Latin hypercube over the run's samples: each
    # entry's uniforms cover the n strata [i/n, (i+1)/n) once each) or "sobol" (scrambled
    # Sobol' points, one dimension per drawn entry: plantopt.uncertainty.qmc) or "sobol-lt"
    # (the same points in normal scores, rotated so that the first coordinates follow the
    # headline metrics' gradients: plantopt.uncertainty.qmc_lt; the recommended QMC option)
    sampling: str = "random"
    # joint log-price normals with these correlations (columns material_a, material_b, rho;
    # correlation.default_price_correlation() is the sourced default); None: independent
    price_correlation: pd.DataFrame | None = None
    # correlated compositions within a feed (columns feed_class, group, loading;
    # correlation.default_composition_correlation() is the stated default); None: independent
    composition_correlation: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        for name in ("comp_spread", "tc_spread", "price_sigma"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise SpecError(f"{name} must be a finite number >= 0, not {v!r}")
        if self.distribution not in DISTRIBUTIONS:
            raise SpecError(
                f"distribution must be one of {', '.join(DISTRIBUTIONS)}, not {self.distribution!r}"
            )
        if self.sampling not in SAMPLINGS:
            raise SpecError(
                f"sampling must be one of {', '.join(SAMPLINGS)}, not {self.sampling!r}"
            )
        if self.price_correlation is not None and self.price_scenarios is not None:
            raise SpecError("price correlations apply to log-normal prices, not to price scenarios")
        if self.composition_correlation is not None and (
            self.sampling.startswith("sobol") or self.distribution == "pert-exact"
        ):
            raise SpecError(
                "correlated compositions need one uniform per draw and their own factor "
                "draws: use distribution pert or triangular with random or lhs sampling"
            )
        if self.sampling != "random" and self.distribution == "pert-exact":
            raise SpecError(
                f"sampling {self.sampling} needs one uniform per draw: use distribution pert "
                "or triangular, not pert-exact"
            )


def _price_matrices(plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    tree = plan.tree
    p_index = {p: i for i, p in enumerate(tree.products)}
    m_index = {m: i for i, m in enumerate(tree.materials)}
    value = np.zeros((len(tree.products), len(tree.materials)))
    rec = np.zeros_like(value)
    pp = plan.instance["product_prices"]
    for p, m, price, pay, r in zip(
        pp["product_id"], pp["material"], pp["price_eur_per_t"], pp["payable_frac"], pp["recovered"]
    ):
        value[p_index[p], m_index[m]] = float(price) * float(pay)
        rec[p_index[p], m_index[m]] = 1.0 if bool(r) else 0.0
    return value, rec


def _bounds(
    nom: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    has_range: np.ndarray,
    spread: float,
    use_ranges: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Final (low, high): data ranges, else nominal -/+ spread; structural zeros pinned."""
    if use_ranges:
        lo_out = np.where(has_range, lo, np.maximum(nom * (1.0 - spread), 0.0))
        hi_out = np.where(has_range, hi, np.minimum(nom * (1.0 + spread), 1.0))
    else:
        lo_out = np.maximum(nom * (1.0 - spread), 0.0)
        hi_out = np.minimum(nom * (1.0 + spread), 1.0)
    lo_out = np.minimum(lo_out, nom)
    hi_out = np.maximum(hi_out, nom)
    zero = nom <= 0
    return np.where(zero, nom, lo_out), np.where(zero, nom, hi_out)


def _composition_bounds(
    plan: Plan, opts: SamplingOptions
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    tree = plan.tree
    f_index = {f: i for i, f in enumerate(tree.feeds)}
    m_index = {m: i for i, m in enumerate(tree.materials)}
    shape = tree.comp.shape
    lo, hi = np.array(tree.comp), np.array(tree.comp)
    has = np.zeros(shape, dtype=bool)
    warnings: list[str] = []
    cdf = plan.instance["composition"]
    for f, m, x, a, b in zip(
        cdf["feed_id"],
        cdf["material"],
        cdf["mass_frac"],
        cdf["mass_frac_low"],
        cdf["mass_frac_high"],
    ):
        i, j = f_index[f], m_index[m]
        if pd.notna(a) or pd.notna(b):
            has[i, j] = True
            lo[i, j] = float(a) if pd.notna(a) else float(x)
            hi[i, j] = float(b) if pd.notna(b) else float(x)
            if float(x) == 0 and hi[i, j] > 0:
                warnings.append(
                    f"composition {f}/{m}: nominal 0 is kept at 0 (the route "
                    "tree is pruned on it); its range is ignored"
                )
    lo, hi = _bounds(tree.comp, lo, hi, has, opts.comp_spread, opts.use_ranges)
    if "other" in m_index:  # the remainder is computed, never drawn
        o = m_index["other"]
        lo[:, o] = hi[:, o] = tree.comp[:, o]
    return lo, hi, warnings


def _tc_tables(
    plan: Plan, opts: SamplingOptions, rows_used: list[int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[int, int]]:
    """Extended tc rows of the (unit, class) pairs the plan uses, grouped by pair."""
    tree = plan.tree
    inst = plan.instance
    mats = list(tree.materials)
    tc_df = inst["transfer_coefficients"]
    has_col = (tc_df["tc_frac_low"].notna() | tc_df["tc_frac_high"].notna()).astype(float)
    variants = {
        "lo": tc_df["tc_frac_low"].fillna(tc_df["tc_frac"]),
        "hi": tc_df["tc_frac_high"].fillna(tc_df["tc_frac"]),
        "has": has_col,
    }
    outputs_of, nominal = _resolve_tc(inst, mats)
    resolved = {}
    for name, col in variants.items():
        tables = dict(inst.tables)
        tables["transfer_coefficients"] = tc_df.assign(tc_frac=col)
        resolved[name] = _resolve_tc(replace(inst, tables=tables), mats)[1]
    pairs: list[tuple[str, str]] = []
    for k in rows_used:
        u, cls, _ = tree.tc_key[k]
        if (u, cls) not in pairs:
            pairs.append((u, cls))
    tree_row = {key: k for k, key in enumerate(tree.tc_key)}
    nom_rows: list[np.ndarray] = []
    lo_rows: list[np.ndarray] = []
    hi_rows: list[np.ndarray] = []
    has_rows: list[np.ndarray] = []
    ptr = [0]
    ext_of_tree_row: dict[int, int] = {}
    for u, cls in pairs:
        for out in outputs_of[(u, cls)]:
            key = (u, cls, out)
            if key in tree_row:
                ext_of_tree_row[tree_row[key]] = len(nom_rows)
                nom_rows.append(tree.tc[tree_row[key]])
            else:
                nom_rows.append(nominal[key])
            lo_rows.append(resolved["lo"][key])
            hi_rows.append(resolved["hi"][key])
            has_rows.append(resolved["has"][key] > 0)
        ptr.append(len(nom_rows))
    m_n = len(mats)
    nom, lo, hi, has = (
        np.array(rows) if rows else np.zeros((0, m_n))
        for rows in (nom_rows, lo_rows, hi_rows, has_rows)
    )
    lo, hi = _bounds(nom, lo, hi, has.astype(bool), opts.tc_spread, opts.use_ranges)
    return nom, lo, hi, np.asarray(ptr, dtype=np.int64), ext_of_tree_row


def _scenarios(opts: SamplingOptions, mats: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    df = opts.price_scenarios
    need = {"scenario", "material", "price_factor"}
    if df is None or not need <= set(df.columns):
        raise SpecError(
            "price scenario table needs columns scenario, material, price_factor (optional weight)"
        )
    names = list(dict.fromkeys(df["scenario"].astype(str)))
    factor = np.ones((len(names), len(mats)))
    weight = np.ones(len(names))
    for i, r in enumerate(df.itertuples(index=False), start=2):
        s, m, x = str(r.scenario), str(r.material), float(r.price_factor)
        if m not in mats:
            raise SpecError(f"price scenarios, row {i}: unknown material {m!r}")
        if not (math.isfinite(x) and x >= 0):
            raise SpecError(
                f"price scenarios, row {i}, column 'price_factor': {x!r} (expected a number >= 0)"
            )
        factor[names.index(s), mats.index(m)] = x
        if "weight" in df.columns and pd.notna(r.weight):
            weight[names.index(s)] = float(r.weight)
    if (weight < 0).any() or weight.sum() <= 0:
        raise SpecError("price scenarios: weights must be >= 0 with a positive sum")
    cum = np.cumsum(weight / weight.sum())
    cum[-1] = 1.0
    return factor, cum


def _price_mode(
    opts: SamplingOptions, mats: tuple[str, ...], sigma: np.ndarray
) -> tuple[int, np.ndarray, np.ndarray]:
    """(kernel price mode, scenario factors, cumulative weights): log-normal (0), the user's
    scenarios (1), or correlated log-normal as a table of joint factors (1; correlation.py)."""
    if opts.price_scenarios is not None:
        return (1, *_scenarios(opts, mats))
    if opts.price_correlation is not None and (sigma > 0).any():
        from plantopt.uncertainty.correlation import price_factor_table

        return (1, *price_factor_table(opts.price_correlation, mats, sigma))
    return 0, np.ones((1, len(mats))), np.ones(1)


def f64(x: object) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64)


def i64(x: object) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.int64)


def _pair_spread(
    tree: RouteTree,
    active: np.ndarray,
    node_row: np.ndarray,
    tc: tuple[np.ndarray, np.ndarray],
    pair_ptr: np.ndarray,
) -> np.ndarray:
    """pair_spread[q, m]: drawn if the material reaches the pair on an active path and the
    pair has a range for it (nominal zeros stay zero, so an entry nothing flows through
    cannot change any output)."""
    tc_lo, tc_hi = tc
    n_pairs = len(pair_ptr) - 1
    n_m = len(tree.materials)
    pair_spread = np.zeros((n_pairs, n_m), dtype=np.int8)
    pair_of_row = np.repeat(np.arange(n_pairs), np.diff(pair_ptr))
    reaches = np.zeros((n_pairs, n_m), dtype=bool)
    child = np.flatnonzero(tree.node_parent[active] >= 0)
    if child.size:
        parent_coef = tree.node_coef.rows(tree.node_parent[active[child]]) > 0
        np.logical_or.at(reaches, pair_of_row[node_row[child]], parent_coef)
    for q in range(n_pairs):
        sl = slice(pair_ptr[q], pair_ptr[q + 1])
        pair_spread[q] = (tc_hi[sl] > tc_lo[sl]).any(axis=0) & reaches[q]
    return pair_spread


def _target_csr(
    targets: list[Target], active: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ptr, target index, weight): the targets' node weights over the active nodes, CSR."""
    weights = np.array([t.node_weight[active] for t in targets]).reshape(len(targets), active.size)
    nz_node, nz_t = np.nonzero(weights.T)  # row-major over (node, target): CSR order
    ptr_t = np.zeros(active.size + 1, dtype=np.int64)
    np.add.at(ptr_t, nz_node + 1, 1)
    return np.cumsum(ptr_t), nz_t, weights[nz_t, nz_node]


def _check_conservative(plan: Plan, active: np.ndarray, pos: np.ndarray) -> None:
    parent = plan.tree.node_parent[active]
    orphan = (parent >= 0) & (pos[np.maximum(parent, 0)] < 0)
    if orphan.any():
        n = int(active[np.flatnonzero(orphan)[0]])
        raise SpecError(
            f"{plan.source}: node {n} carries flow but its parent does not; the "
            "flows table is not conservative"
        )


def _node_arrays(plan: Plan, active: np.ndarray, pos: np.ndarray) -> dict[str, np.ndarray]:
    """Per active node: parent position, feed, kind, target, flow, route cost, support."""
    tree = plan.tree
    parent = tree.node_parent[active]
    support = tree.node_coef.rows(active) > 0  # structural: sampling keeps nominal zeros at zero
    return {
        "node_parent": i64(np.where(parent >= 0, pos[np.maximum(parent, 0)], -1)),
        "node_feed": i64(tree.node_feed[active]),
        "node_kind": i64(tree.node_kind[active]),
        "node_target": i64(tree.node_target[active]),
        "node_flow": f64(plan.flow_feed_equiv_t_per_yr[active]),
        # routing costs, plus the transport of a network plan (per real t, re-priced)
        "node_route_cost": f64(tree.node_route_cost[active] + plan.transport_eur_per_t[active]),
        "node_sptr": i64(np.concatenate([[0], np.cumsum(support.sum(axis=1))])),
        "node_smat": i64(np.nonzero(support)[1]),
    }


def _reuse_money(arrays: MCArrays, plan: Plan, opts: SamplingOptions) -> MCArrays:
    """Re-use value v_p and repurposing cost r_p per product, EUR per t of product mass
    (model/reuse_terms.py), with their data ranges (``value_eur_per_t_low`` ...
    ``repurposing_cost_eur_per_t_high`` of products.csv; no default spread). Left empty when
    no product of the tree carries re-use money."""
    from plantopt.model.reuse_terms import product_money_ranges

    prods = plan.instance["products"].set_index("product_id")
    ranges = [product_money_ranges(prods.loc[p]) for p in plan.tree.products]
    lo = np.array([[v[0], r[0]] for v, r in ranges]).reshape(-1, 2)
    nom = np.array([[v[1], r[1]] for v, r in ranges]).reshape(-1, 2)
    hi = np.array([[v[2], r[2]] for v, r in ranges]).reshape(-1, 2)
    if not (lo.any() or nom.any() or hi.any()):
        return arrays
    if not opts.use_ranges:
        lo, hi = nom, nom
    lo, hi = np.minimum(lo, nom), np.maximum(hi, nom)
    return replace(arrays, money_nom=f64(nom), money_lo=f64(lo), money_hi=f64(hi))


def _comp_correlation(arrays: MCArrays, plan: Plan, opts: SamplingOptions) -> MCArrays:
    """The loadings of correlated compositions (correlation.composition_loadings), if any."""
    if opts.composition_correlation is None:
        return arrays
    from plantopt.uncertainty.correlation import composition_loadings

    feeds = plan.instance["feeds"].set_index("feed_id")
    classes = tuple(str(feeds.at[f, "feed_class"]) for f in plan.tree.feeds)
    load, group = composition_loadings(opts.composition_correlation, classes, plan.tree.materials)
    return replace(arrays, comp_load=f64(load), comp_group=i64(group))


def _optional_arrays(arrays: MCArrays, plan: Plan, opts: SamplingOptions) -> MCArrays:
    """The correlated-composition loadings and the re-use money, where the plan has them."""
    return _reuse_money(_comp_correlation(arrays, plan, opts), plan, opts)


def build_spec(plan: Plan, opts: SamplingOptions, targets: list[Target] | None = None) -> Spec:
    """Pack a plan, its uncertainty and its targets into the kernel's arrays."""
    tree = plan.tree
    targets = list(targets or [])
    active = plan.active_nodes
    pos = np.full(tree.n_nodes, -1, dtype=np.int64)
    pos[active] = np.arange(active.size)  # active index of each tree node, -1 inactive
    _check_conservative(plan, active, pos)
    rows_used = sorted(set(int(k) for k in tree.node_tcrow[active] if k >= 0))
    tc_nom, tc_lo, tc_hi, pair_ptr, ext = _tc_tables(plan, opts, rows_used)
    node_row = i64([ext[int(k)] if k >= 0 else -1 for k in tree.node_tcrow[active]])
    comp_lo, comp_hi, warnings = _composition_bounds(plan, opts)
    mats = tree.materials
    other = mats.index("other") if "other" in mats else -1
    nonother = np.array([m != other for m in range(len(mats))])
    feed_spread = (
        (comp_hi > comp_lo)[:, nonother].any(axis=1) & (plan.accept_t_per_yr > 0)
    ).astype(np.int8)
    value, rec = _price_matrices(plan)
    sigma = np.where(value.any(axis=0), opts.price_sigma, 0.0)
    mode, scen_factor, scen_cum = _price_mode(opts, mats, sigma)
    ptr_t, idx_t, w_t = _target_csr(targets, active)
    total = tree.comp.sum(axis=1)
    arrays = MCArrays(
        comp_nom=f64(tree.comp),
        comp_lo=f64(comp_lo),
        comp_hi=f64(comp_hi),
        feed_total=f64(total if other >= 0 else np.maximum(total, 1.0)),
        feed_spread=feed_spread,
        other=int(other),
        tc_nom=f64(tc_nom),
        tc_lo=f64(tc_lo),
        tc_hi=f64(tc_hi),
        pair_ptr=i64(pair_ptr),
        pair_spread=_pair_spread(tree, active, node_row, (tc_lo, tc_hi), pair_ptr),
        dist=DISTRIBUTIONS[opts.distribution],
        pert_table=pert_quantile_table(),
        lhs_n=-1 if opts.sampling == "lhs" else 0,
        qmc=1 if opts.sampling.startswith("sobol") else 0,
        value=f64(value),
        rec=f64(rec),
        price_sigma=f64(sigma),
        price_mode=mode,
        scen_factor=f64(scen_factor),
        scen_cum=f64(scen_cum),
        accept=f64(plan.accept_t_per_yr),
        node_row=node_row,
        n_units=len(tree.units),
        t_mat=i64([mats.index(t.material) if t.material else -1 for t in targets]),
        t_cover=f64(
            np.array([t.feed_weight for t in targets]).reshape(len(targets), len(tree.feeds))
        ),
        node_tptr=i64(ptr_t),
        node_tidx=i64(idx_t),
        node_tw=f64(w_t),
        **_node_arrays(plan, active, pos),
    )
    arrays = _rotated(_optional_arrays(arrays, plan, opts), plan, opts, targets)
    return Spec(arrays, targets, warnings, ext)


def _rotated(
    arrays: MCArrays, plan: Plan, opts: SamplingOptions, targets: list[Target]
) -> MCArrays:
    """With ``sampling="sobol-lt"`` the arrays with their linear transformation (qmc_lt)."""
    if opts.sampling != "sobol-lt":
        return arrays
    from plantopt.uncertainty.qmc_lt import with_rotation

    return with_rotation(plan, arrays, targets)
