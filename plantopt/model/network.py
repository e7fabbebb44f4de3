"""Network data (issue 15): sites, lanes and the per-stream transport coefficients.

Built once from an instance with ``sites.csv`` and its route tree (``None`` without sites).
Every number the network row families read is here, as arrays:

    lane l = (from site a, to site b, mode), haul h = (feed f, region r, site s, mode)
    km_l      = distances.csv row (a->b, else b->a), else (road) great circle x detour
    cost per real tonne of a stream on lane l:
        c_l = km_l rate_mode (1 + adr_mode [stream is ADR]) + handling_mode
              + [border applies to the feed] (notification_eur_per_t + lead_days x lead_cost)
    co2 per real tonne: km_l co2_kg_per_tkm / 1000
    a stream is ADR when its feed's reg_class starts with "battery:" and no unit of stage
    preprocessing or refining lies on its path (whole packs, modules, cells).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from plantopt.instance.errors import PlantoptError
from plantopt.instance.instance import Instance
from plantopt.instance.rows import cells, floats
from plantopt.routetree.tree import KIND_DISPOSAL, KIND_PRODUCT, KIND_UNIT, RouteTree

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


class NetworkTooLarge(PlantoptError):
    """The network model would exceed the manifest's max_network_columns."""


@dataclass(frozen=True)
class Lane:
    """One way of moving a tonne from ``origin`` (site or region) to site ``to``."""

    origin: str
    to: str
    mode: str
    km: float
    border: bool  # the two ends lie in different countries
    from_country: str
    to_country: str


@dataclass(frozen=True)
class Mode:
    cost_eur_per_tkm: float
    co2_kg_per_tkm: float
    handling_eur_per_t: float
    adr_frac: float


@dataclass(frozen=True)
class Border:
    notification_eur_per_t: float
    lead_time_days: float
    reg_classes: tuple[str, ...]


@dataclass(frozen=True)
class Delivery:
    """Where one product or disposal stream is delivered (deliveries.csv): lanes from every
    site to each of its locations that is not that site, and the sites that are locations."""

    lanes: tuple[Lane, ...]
    waste: tuple[bool, ...]  # per lane: border_crossings applies (waste_shipment)
    at_sites: frozenset[str]


@dataclass(frozen=True)
class NetworkData:
    sites: tuple[str, ...]
    site_country: dict[str, str]
    capex_factor: dict[str, float]
    opex_factor: dict[str, float]
    grid_co2: dict[str, float]
    land: dict[str, float | None]
    staff: dict[str, float | None]
    existing: dict[tuple[str, str], float]  # (site, unit) -> t/yr
    allow_build: dict[tuple[str, str], bool]
    min_load: dict[tuple[str, str], float]  # (site, unit) -> fraction where site_units sets it
    region_supply: dict[tuple[str, str], float]  # (feed, region) -> t/yr
    site_lanes: tuple[Lane, ...]  # site -> site
    region_lanes: dict[str, tuple[Lane, ...]]  # region -> every site
    modes: dict[str, Mode]
    borders: dict[tuple[str, str], Border]
    feed_reg_class: dict[str, str]
    lead_cost_eur_per_t_day: float
    max_lead_days: float | None
    max_columns: int
    coords: dict[str, tuple[float, float]]  # site and region id -> (lat, lon)
    adr: np.ndarray  # (N,) bool: the stream leaving node n is ADR dangerous goods
    feed_adr: dict[str, bool]  # the feed as collected (battery feeds)
    deliveries: dict[tuple[int, str], Delivery] = field(default_factory=dict)
    # (kind code, product id or disposal label) -> where it is delivered (deliveries.csv)
    site_cmax: dict[tuple[str, str], float] = field(default_factory=dict)
    # (site, unit) -> largest capacity in service in this period (model/data.py)

    def lane_cost(self, lane: Lane, adr: bool, feed: str, waste: bool = True) -> float | None:
        """EUR per real tonne of one stream on a lane; None when the lane is not offered to
        the feed (lead time above the manifest's limit). ``waste`` false: no border rule."""
        m = self.modes[lane.mode]
        rate = m.cost_eur_per_tkm * (1.0 + (m.adr_frac if adr else 0.0))
        cost = lane.km * rate + m.handling_eur_per_t
        b = (
            self.borders.get((lane.from_country, lane.to_country))
            if lane.border and waste
            else None
        )
        if b is not None and _applies(b.reg_classes, self.feed_reg_class.get(feed, "")):
            if self.max_lead_days is not None and b.lead_time_days > self.max_lead_days:
                return None
            cost += b.notification_eur_per_t + b.lead_time_days * self.lead_cost_eur_per_t_day
        return cost

    def lane_co2(self, lane: Lane) -> float:
        """t CO2 per real tonne on the lane."""
        return lane.km * self.modes[lane.mode].co2_kg_per_tkm / 1000.0

    def delivery(
        self, key: tuple[int, str], site: str, adr: bool, feed: str
    ) -> tuple[float, float, Lane | None] | None:
        """(EUR, t CO2 per real tonne, lane) of delivering stream ``key`` arising at ``site``:
        the cheapest lane to one of its locations (ties: less CO2), 0 at a location that is
        the site or for a stream without deliveries rows; None when no lane is offered."""
        d = self.deliveries.get(key)
        if d is None or site in d.at_sites:
            return 0.0, 0.0, None
        best: tuple[float, float, Lane | None] | None = None
        for ln, waste in zip(d.lanes, d.waste):
            if ln.origin != site:
                continue
            c = self.lane_cost(ln, adr, feed, waste)
            if c is not None and (best is None or (c, self.lane_co2(ln)) < best[:2]):
                best = (c, self.lane_co2(ln), ln)
        return best


def _applies(classes: tuple[str, ...], reg_class: str) -> bool:
    for c in classes:
        if c == "*" or c == reg_class or (c.endswith("*") and reg_class.startswith(c[:-1])):
            return True
    return False


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of radius :data:`EARTH_RADIUS_KM`."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def stream_adr(instance: Instance, tree: RouteTree) -> np.ndarray:
    """(N,) bool: the stream leaving node n (unit nodes) is ADR dangerous goods."""
    udf, feeds = instance["units"], instance["feeds"]
    stage = dict(cells(udf, "unit_id", "stage"))
    reg = dict(cells(feeds, "feed_id", "reg_class"))
    battery = [str(reg.get(f, "")).startswith("battery:") for f in tree.feeds]
    whole = [stage[u] == "dismantling" for u in tree.units]
    out = [False] * tree.n_nodes  # plain lists: one Python step per node, no NumPy scalars
    parent, feed, target = (
        a.tolist() for a in (tree.node_parent, tree.node_feed, tree.node_target)
    )
    for n in np.flatnonzero(tree.node_kind == KIND_UNIT).tolist():  # parents before children
        p = parent[n]
        up = battery[feed[n]] if p < 0 else out[p]
        out[n] = bool(up and whole[target[n]])
    return np.array(out, dtype=bool)


_PLACE = ("country", "lat_deg", "lon_deg")  # the columns of a site, region or location


def _rows(instance: Instance, name: str) -> pd.DataFrame:
    df = instance.tables.get(name)
    return df if df is not None else pd.DataFrame()


def _modes(instance: Instance) -> dict[str, Mode]:
    df = _rows(instance, "transport_modes")
    if not len(df):
        return {"road": Mode(0.0, 0.0, 0.0, 0.0)}
    cols = ("mode", "cost_eur_per_tkm", "co2_kg_per_tkm", "handling_eur_per_t")
    return {
        mode: Mode(float(cost), float(co2), float(handling), float(adr))
        for mode, cost, co2, handling, adr in cells(df, *cols, "adr_surcharge_frac")
    }


def _detours(instance: Instance) -> dict[str, float]:
    df = _rows(instance, "transport_modes")
    default = float(instance.manifest.detour_factor)
    out = {"road": default}
    for mode, factor in cells(df, "mode", "detour_factor"):
        out[mode] = default if pd.isna(factor) else float(factor)
    return out


@dataclass(frozen=True)
class _Distances:
    """What every lane of one instance reads: distances.csv by (from, to, mode), the detour
    factor per mode and the manifest's max_transport_km (read once per network)."""

    km: dict[tuple[str, str, str], float]
    detour: dict[str, float]
    limit: float | None

    @staticmethod
    def of(instance: Instance) -> _Distances:
        cols = ("from_id", "to_id", "mode", "distance_km")
        km = {(a, b, m): float(d) for a, b, m, d in cells(_rows(instance, "distances"), *cols)}
        return _Distances(km, _detours(instance), instance.manifest.max_transport_km)


def _lanes(
    dist: _Distances,
    ends: dict[str, tuple[str, float, float]],
    pairs: list[tuple[str, str]],
    modes: dict[str, Mode],
    symmetric: bool,
) -> list[Lane]:
    table, detour, limit = dist.km, dist.detour, dist.limit
    out = []
    for a, b in pairs:
        (ca, la, oa), (cb, lb, ob) = ends[a], ends[b]
        for mode in modes:
            km = table.get((a, b, mode))
            if km is None and symmetric:
                km = table.get((b, a, mode))
            if km is None and mode == "road":
                km = great_circle_km(la, oa, lb, ob) * detour["road"]
            if km is None or (limit is not None and km > float(limit)):
                continue
            out.append(Lane(a, b, mode, float(km), ca != cb, ca, cb))
    return out


def build_network(instance: Instance, tree: RouteTree) -> NetworkData | None:
    """The network data of an instance with sites (None without)."""
    sdf = _rows(instance, "sites")
    if not len(sdf):
        return None
    sites = tuple(sdf["site_id"].tolist())
    ends = {s: (c, float(la), float(lo)) for s, c, la, lo in cells(sdf, "site_id", *_PLACE)}
    rdf = _rows(instance, "regions")
    regions = {r: (c, float(la), float(lo)) for r, c, la, lo in cells(rdf, "region_id", *_PLACE)}
    modes, dist, feeds = _modes(instance), _Distances.of(instance), instance["feeds"]
    site_pairs = [(a, b) for a in sites for b in sites if a != b]
    both = {**ends, **regions}
    supply = _region_supply(instance)
    places = _delivery_places(instance, ends)
    used_regions = sorted({r for (_, r), t in supply.items() if t > 0})
    region_lanes = {
        r: tuple(_lanes(dist, both, [(r, s) for s in sites], modes, False)) for r in used_regions
    }
    return NetworkData(
        sites=sites,
        site_country={s: ends[s][0] for s in sites},
        capex_factor=dict(zip(sites, floats(sdf, "capex_factor"))),
        opex_factor=dict(zip(sites, floats(sdf, "opex_factor"))),
        grid_co2=dict(zip(sites, floats(sdf, "grid_co2_t_per_mwh"))),
        land=_optional(sites, sdf["land_available_m2"]),
        staff=_optional(sites, sdf["staff_available_fte"]),
        **_site_units(instance),
        region_supply=supply,
        site_lanes=tuple(_lanes(dist, ends, site_pairs, modes, True)),
        region_lanes=region_lanes,
        modes=modes,
        borders=_borders(instance),
        feed_reg_class=dict(cells(feeds, "feed_id", "reg_class")),
        lead_cost_eur_per_t_day=float(instance.manifest.lead_time_cost_eur_per_t_day),
        max_lead_days=instance.manifest.max_lead_time_days,
        max_columns=int(instance.manifest.max_network_columns),
        coords={k: (v[1], v[2]) for k, v in {**both, **places}.items()},
        adr=stream_adr(instance, tree),
        feed_adr={
            f: str(c).startswith("battery:") for f, c in cells(feeds, "feed_id", "reg_class")
        },
        deliveries=_deliveries(instance, dist, ends, places, modes),
    )


def _delivery_places(
    instance: Instance, ends: dict[str, tuple[str, float, float]]
) -> dict[str, tuple[str, float, float]]:
    """(country, lat, lon) of every deliveries.csv location that is not a site."""
    df = _rows(instance, "deliveries")
    out: dict[str, tuple[str, float, float]] = {}
    for loc, country, lat, lon in cells(df, "location_id", *_PLACE):
        if loc not in ends:
            out[loc] = (str(country), float(lat), float(lon))
    return out


def _deliveries(
    instance: Instance,
    dist: _Distances,
    ends: dict[str, tuple[str, float, float]],
    places: dict[str, tuple[str, float, float]],
    modes: dict[str, Mode],
) -> dict[tuple[int, str], Delivery]:
    """deliveries.csv by (kind code, id): lanes from every site to each location (sites'
    coordinates for a location that is a site; site-site distances rows hold both ways)."""
    df = _rows(instance, "deliveries")
    out: dict[tuple[int, str], Delivery] = {}
    if not len(df):
        return out
    kind = {"product": KIND_PRODUCT, "disposal": KIND_DISPOSAL}
    places = {**ends, **places}
    for (k, i), rows in df.groupby(["to_kind", "to_id"], sort=False):
        lanes: list[Lane] = []
        waste: list[bool] = []
        for loc, shipment in cells(rows, "location_id", "waste_shipment"):
            pairs = [(s, loc) for s in ends if s != loc]
            new = _lanes(dist, places, pairs, modes, True)
            lanes += new
            waste += [bool(shipment)] * len(new)
        at = frozenset(x for x in rows["location_id"] if x in ends)
        out[(kind[str(k)], str(i))] = Delivery(tuple(lanes), tuple(waste), at)
    return out


def _region_supply(instance: Instance) -> dict[tuple[str, str], float]:
    """(feed, region) -> t/yr; scaled by available_f / sum_r q_fr when a period's
    availability (feed_periods.csv) differs from the regions' sum (each region keeps its
    share of the feed)."""
    rs = _rows(instance, "region_supply")
    if not len(rs):
        return {}
    cols = ("feed_id", "region_id", "available_t_per_yr")
    supply = {(f, r): float(q) for f, r, q in cells(rs, *cols)}
    total: dict[str, float] = {}
    for (f, _), q in supply.items():
        total[f] = total.get(f, 0.0) + q
    avail = dict(cells(instance["feeds"], "feed_id", "available_t_per_yr"))
    for (f, r), q in supply.items():
        a, t = float(avail.get(f, total[f])), total[f]
        if t > 0 and not math.isclose(a, t, rel_tol=1e-6, abs_tol=1e-6):
            supply[(f, r)] = q * a / t
    return supply


def _optional(sites: tuple[str, ...], values: pd.Series) -> dict[str, float | None]:
    return {s: (None if pd.isna(v) else float(v)) for s, v in zip(sites, values)}


def site_capacity(
    net: NetworkData,
    units: list[str],
    options: dict,
    unit_options: dict[str, list[str]],
    in_service: Callable[[str, dict[str, float]], float],
) -> tuple[dict[str, float], dict[str, float], NetworkData]:
    """(X_u, Cmax_u, the network with site_cmax) of one period: Cmax_su = X_su + [u may be
    built at s] in_service(u, {j: K_uj max_modules_uj}) (the largest capacity the builds in
    service in the period add, periods.max_capacity; the largest option with one period),
    X_u = sum_s X_su, Cmax_u = sum_s Cmax_su: the aggregate capacity_limit row stays valid
    (it is the sum of the site rows)."""
    cmax: dict[tuple[str, str], float] = {}
    existing, largest = {}, {}
    for u in units:
        k = in_service(u, {j: options[(u, j)].max_capacity_t_per_yr for j in unit_options[u]})
        for s in net.sites:
            x = net.existing.get((s, u), 0.0)
            cmax[(s, u)] = x + (k if net.allow_build.get((s, u), True) else 0.0)
        existing[u] = float(sum(net.existing.get((s, u), 0.0) for s in net.sites))
        largest[u] = float(sum(cmax[(s, u)] for s in net.sites))
    return existing, largest, replace(net, site_cmax=cmax)


def _site_units(instance: Instance) -> dict[str, dict]:
    su = _rows(instance, "site_units")
    existing: dict[tuple[str, str], float] = {}
    allow: dict[tuple[str, str], bool] = {}
    min_load: dict[tuple[str, str], float] = {}
    cols = ("site_id", "unit_id", "existing_capacity_t_per_yr", "allow_build", "min_load_frac")
    for s, u, x, build, load in cells(su, *cols):
        existing[(s, u)] = float(x)
        allow[(s, u)] = bool(build)
        if pd.notna(load):
            min_load[(s, u)] = float(load)
    return {"existing": existing, "allow_build": allow, "min_load": min_load}


def _borders(instance: Instance) -> dict[tuple[str, str], Border]:
    df = _rows(instance, "border_crossings")
    out = {}
    cols = ("from_country", "to_country", "notification_eur_per_t", "lead_time_days")
    for a, b, fee, days, reg in cells(df, *cols, "reg_classes"):
        classes = tuple(c.strip() for c in str(reg).split(";") if c.strip())
        out[(a, b)] = Border(float(fee), float(days), classes)
    return out


__all__ = [
    "EARTH_RADIUS_KM",
    "Delivery",
    "Lane",
    "NetworkData",
    "NetworkTooLarge",
    "site_capacity",
    "build_network",
    "great_circle_km",
    "stream_adr",
]


@dataclass(frozen=True)
class Footprint:
    """Emission and water coefficients (material_credits.csv, unit_footprint.csv, manifest)."""

    electricity_mwh_per_t: dict[str, float]  # per unit
    water_m3_per_t: dict[str, float]  # per unit
    avoided_co2_t_per_t: dict[str, float]  # per material recovered
    grid_co2_t_per_mwh: float  # one-site instances (sites carry their own)
    net_co2_cap_t_per_yr: float | None


def build_footprint(instance: Instance) -> Footprint | None:
    """The footprint of an instance with sites, footprint tables, a grid factor or a net CO2
    cap; None otherwise (then no emission expression is made)."""
    m = instance.manifest
    credits, foot = _rows(instance, "material_credits"), _rows(instance, "unit_footprint")
    if not (
        len(_rows(instance, "sites"))
        or len(credits)
        or len(foot)
        or m.grid_co2_t_per_mwh is not None
        or m.net_co2_cap_t_per_yr is not None
    ):
        return None
    udf = instance["units"]
    ids = udf["unit_id"].tolist()
    elec = dict(zip(ids, floats(udf, "energy_mwh_per_t")))
    water = {u: 0.0 for u in ids}
    for u, e, w in cells(foot, "unit_id", "electricity_mwh_per_t", "water_m3_per_t"):
        if not pd.isna(e):
            elec[u] = float(e)
        water[u] = float(w)
    return Footprint(
        electricity_mwh_per_t=elec,
        water_m3_per_t=water,
        avoided_co2_t_per_t=(
            dict(
                zip(
                    credits["material"].tolist(),
                    floats(credits, "avoided_co2_t_per_t"),
                )
            )
            if len(credits)
            else {}
        ),
        grid_co2_t_per_mwh=float(m.grid_co2_t_per_mwh or 0.0),
        net_co2_cap_t_per_yr=m.net_co2_cap_t_per_yr,
    )
