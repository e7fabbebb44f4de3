"""The money ledger: every revenue and cost item of one period as one vector over its columns.

Each item is a one-row expression family in the local layout (EUR/yr); ``sign`` says how it
enters profit. The objective's profit, the economics and business-case tables and the Monte
Carlo all price these same items:

    revenue         = sum_{product nodes n} (sum_m coef[n,m] price[p,m] payable[p,m]) flow[n]
    gate_fees       = sum_f gate_fee_f accept[f]   (negative fee = purchase; includes the
                      eco-modulation adjustment of f's class)
    offtake_premium = sum_c premium_c take[c]
    variable_opex   = sum_{unit nodes n} opex_{u(n)} mass_n flow[n]
    fixed_opex      = sum_{u,j} fixed_{u,j} build[u,j] + sum_{u,j,k} dF_{u,j,k} segment[u,j,k]
    annual_capex    = sum_{u,j} capex_{u,j} (1 - s_u) CRF(r_b, L_{u,j}) build[u,j]
                      + sum_{u,j,k} dc_{u,j,k} (1 - s_u) CRF(r_b, L_{u,j}) segment[u,j,k]
                      (dc, dF: the capex and fixed-opex increments of a continuous option's
                      curve segment, families/capacity.py)
    route_costs     = sum_n cost_n mass_n flow[n]     (disposal fees, transport)
    co2_cost        = co2_price sum_{unit nodes n} co2_{u(n)} mass_n flow[n]
    collection_cost = sum_s c_s collect[s]   (marginal cost of the collection steps climbed)
    reuse_revenue   = sum_{product nodes n} v_p mass_n flow[n]  (re-use and second-life value)
    repurposing_cost = sum_{product nodes n} r_p mass_n flow[n]
    staff_cost      = shift_crews operator_cost crew      (families/capacity.crew_need)
    network instances add transport to route_costs and the site cost factors to the opex
    and capex items (families/network_terms.py)
    profit          = sum_items sign_item item
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from plantopt.instance.manifest import Manifest
from plantopt.model.families.capacity import segment_increments
from plantopt.model.families.collection import collection_cost
from plantopt.model.families.context import PeriodContext
from plantopt.model.families.levers import co2_per_flow
from plantopt.model.families.network_terms import network_money
from plantopt.model.families.reuse import reuse_money
from plantopt.model.family import Family, family
from plantopt.model.finance import Finance, capital_recovery_factor
from plantopt.model.periods import Period

# (item, sign in profit, what it is); the order of the economics table
ITEMS: tuple[tuple[str, int, str], ...] = (
    ("revenue", +1, "EUR/yr"),
    ("gate_fees", +1, "EUR/yr, positive when paid to the plant"),
    ("offtake_premium", +1, "EUR/yr, premiums of recycled-content contracts"),
    ("variable_opex", -1, "EUR/yr"),
    ("fixed_opex", -1, "EUR/yr"),
    ("annual_capex", -1, "EUR/yr, capital recovery factor times capex"),
    ("route_costs", -1, "EUR/yr"),
    ("co2_cost", -1, "EUR/yr, CO2 price times emissions"),
    ("collection_cost", -1, "EUR/yr, marginal cost of the collection steps climbed"),
    ("reuse_revenue", +1, "EUR/yr, items sold for re-use and second-life packs"),
    ("repurposing_cost", -1, "EUR/yr, grading, refurbishing and repurposing"),
    ("staff_cost", -1, "EUR/yr, shift crews x operator cost x operators per shift"),
)
SIGN = {name: sign for name, sign, _ in ITEMS}
# names of the items in the economics table
TABLE_LABEL = {
    "annual_capex": "annualised_capex",
    "route_costs": "disposal_and_route_costs",
    "offtake_premium": "offtake_premiums",
}


@dataclass(frozen=True)
class Ledger:
    """One period's money items (one-row expression families, local layout)."""

    items: dict[str, Family]
    has_contracts: bool = False

    def vector(self, name: str, n_cols: int) -> np.ndarray:
        """The item's coefficient of every local column (its triplets summed in order)."""
        f = self.items[name]
        return np.bincount(f.col, weights=f.val, minlength=n_cols)

    def sparse(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, coefficients) of the item's non-zero-pattern columns, ascending: the
        entries of :meth:`vector` where the item has triplets (its triplets of one column
        summed in order), without an array over every column."""
        f = self.items[name]
        if len(f.col) < 2 or bool((f.col[1:] > f.col[:-1]).all()):
            return f.col, f.val
        cols, inv = np.unique(f.col, return_inverse=True)
        return cols, np.bincount(inv, weights=f.val, minlength=len(cols))

    def weighted_sum(self, factor: dict[str, float], n_cols: int) -> np.ndarray:
        """sum_items factor[item] item over the local columns, item by item in ``factor``'s
        order: the numbers of the dense sum (every other column adds an exact zero)."""
        out = np.zeros(n_cols)
        for k, w in factor.items():
            cols, vals = self.sparse(k)
            at: slice | np.ndarray = cols
            if len(cols) and int(cols[-1]) - int(cols[0]) + 1 == len(cols):
                at = slice(int(cols[0]), int(cols[-1]) + 1)  # a run of columns
            if w == 1.0:  # 1 v is v, and a + (-1) v is a - v: no product array
                out[at] += vals
            elif w == -1.0:
                out[at] -= vals
            else:
                out[at] += w * vals
        return out

    def profit(self, n_cols: int) -> np.ndarray:
        """Profit per unit of each local column: sum_items sign item."""
        return self.weighted_sum({k: SIGN[k] for k in self.items}, n_cols)

    def npv_factors(self, fin: Finance, period: Period, end_yr: int) -> dict[str, float]:
        """phi_{item,t} of every operating item (:mod:`plantopt.model.finance`): what one
        EUR/yr of the item in period t is worth in the npv (escalation, tax, working
        capital); DF_t sign_item when the finance terms are plain. annual_capex has none (the
        npv counts the outlays themselves)."""
        return {
            k: fin.item_factor(k, SIGN[k], period.first_yr, period.last_yr, end_yr)
            for k in self.items
            if k != "annual_capex"
        }

    def npv(self, n_cols: int, fin: Finance, period: Period, end_yr: int) -> np.ndarray:
        """Period t's operating part of the npv per local column: sum_items phi_item item."""
        return self.weighted_sum(self.npv_factors(fin, period, end_yr), n_cols)

    def values(self, x_local: np.ndarray) -> dict[str, float]:
        """EUR/yr of every item at the local solution ``x_local``."""
        return {k: float(f.val @ x_local[f.col]) for k, f in self.items.items()}


def _item(name: str, col: np.ndarray, val: np.ndarray) -> Family:
    doc = {n: d for n, _, d in ITEMS}[name]
    keep = val != 0
    return family(name, [None], np.zeros(int(keep.sum()), np.int32), col[keep], val[keep], doc=doc)


def _crew_cost(manifest: Manifest) -> float:
    """EUR/yr per operator per shift: shift_crews x operator_cost_eur_per_yr."""
    crews = manifest.shift_crews or 0
    return float(crews) * float(manifest.operator_cost_eur_per_yr or 0.0)


def ledger(ctx: PeriodContext) -> Ledger:
    d, lay, mass, tree = ctx.data, ctx.layout, ctx.mass, ctx.data.tree
    nodes, rev = d.node_revenue.node, d.node_revenue.coef
    gate = np.array([d.gate_fee[f] for f in d.feeds], dtype=float)
    contracts = ctx.regulation.contracts if ctx.regulation is not None else ()
    premium = np.array([c.premium_eur_per_t for c in contracts], dtype=float)
    unit_nodes = np.flatnonzero(tree.node_kind == 0)
    opex = np.array([d.unit_opex[u] for u in tree.units], dtype=float)
    var_opex = opex[tree.node_target[unit_nodes]] * mass[unit_nodes] if len(opex) else np.zeros(0)
    opts = [d.options[k] for k in lay.options]
    build = lay.build0 + np.arange(len(opts))
    r_nodes, r_cost = d.node_route_cost.node, d.node_route_cost.coef
    c_nodes, per = co2_per_flow(ctx)
    reuse = reuse_money(ctx)
    seg, seg_fixed = segment_increments(ctx, "fixed_opex_eur_per_yr")
    _, seg_capex = segment_increments(ctx, "capex_eur")
    seg_ann = seg_capex * np.array(
        [
            (1.0 - d.options[(u, j)].subsidy_frac)
            * capital_recovery_factor(d.discount_rate, d.options[(u, j)].lifetime_yr)
            for u, j, _ in lay.segments
        ],
        dtype=float,
    )
    items = {
        "revenue": _item("revenue", lay.flow0 + nodes, rev),
        "gate_fees": _item("gate_fees", np.arange(len(gate)), gate),
        "offtake_premium": _item("offtake_premium", lay.take0 + np.arange(len(premium)), premium),
        "variable_opex": _item("variable_opex", lay.flow0 + unit_nodes, var_opex),
        "fixed_opex": _item(
            "fixed_opex",
            np.concatenate([build, seg]),
            np.concatenate(
                [np.array([o.fixed_opex_eur_per_yr for o in opts], dtype=float), seg_fixed]
            ),
        ),
        "annual_capex": _item(
            "annual_capex",
            np.concatenate([build, seg]),
            np.concatenate(
                [np.array([o.annualised_capex_eur_per_yr for o in opts], dtype=float), seg_ann]
            ),
        ),
        "route_costs": _item("route_costs", lay.flow0 + r_nodes, r_cost),
        "co2_cost": _item("co2_cost", lay.flow0 + c_nodes, d.co2_price_eur_per_t * per),
        "collection_cost": _item("collection_cost", *collection_cost(ctx)),
        "reuse_revenue": _item("reuse_revenue", *reuse["reuse_revenue"]),
        "repurposing_cost": _item("repurposing_cost", *reuse["repurposing_cost"]),
        "staff_cost": _item(
            "staff_cost",
            lay.crew0 + np.arange(len(lay.crew)),
            np.full(len(lay.crew), _crew_cost(d.manifest)),
        ),
    }
    for name, (col, val) in network_money(ctx).items():  # sites.csv (network_terms.py)
        f = items[name]
        items[name] = _item(name, np.concatenate([f.col, col]), np.concatenate([f.val, val]))
    return Ledger(items, has_contracts=len(contracts) > 0)


__all__ = ["ITEMS", "Ledger", "SIGN", "TABLE_LABEL", "ledger"]
