"""The network view of the HTML report (issue 15): a map drawn from the coordinates, a
Sankey by site next to it, and the compliance per site.

An inline SVG (no library, no tiles): longitude and latitude projected equirectangularly
(x = lon cos(mean lat), y = -lat) into the drawing box; lanes as lines whose width grows with
the square root of the real tonnes moved (hauls from regions grey, shipments between sites
blue, border crossings dashed), sites as circles whose area grows with their throughput,
regions as small squares. Shown when the result folder has ``sites`` and ``lanes`` tables.

The Sankey by site (plotly) has one node per collection region, per site and per kind of
sink (products, disposal, losses): links are the hauls region -> site and the shipments
site -> site (real t/yr, summed over feeds and modes, from ``lanes``) and what each site
finishes (products, disposal and losses of ``site_mass_balance``, summed over materials).
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable

import pandas as pd

W, H, PAD = 640.0, 520.0, 36.0


def _projector(lat: list[float], lon: list[float]) -> Callable[[float, float], tuple[float, float]]:
    k = math.cos(math.radians(sum(lat) / len(lat)))
    xs, ys = [o * k for o in lon], lat
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    scale = min((W - 2 * PAD) / max(x1 - x0, 1e-6), (H - 2 * PAD) / max(y1 - y0, 1e-6))

    def proj(la: float, lo: float) -> tuple[float, float]:
        return PAD + (lo * k - x0) * scale, H - PAD - (la - y0) * scale

    return proj


def network_svg(sites: pd.DataFrame, lanes: pd.DataFrame) -> str:
    """The map as an SVG string."""
    lat = list(sites["lat_deg"]) + list(lanes["from_lat_deg"]) + list(lanes["to_lat_deg"])
    lon = list(sites["lon_deg"]) + list(lanes["from_lon_deg"]) + list(lanes["to_lon_deg"])
    proj = _projector([float(x) for x in lat], [float(x) for x in lon])
    top = max(float(lanes["t_per_yr"].max()) if len(lanes) else 1.0, 1e-9)
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{W:.0f}' height='{H:.0f}' "
           f"viewBox='0 0 {W:.0f} {H:.0f}' role='img' aria-label='network map'>"]  # fmt: skip
    for r in lanes.itertuples():
        (x1, y1), (x2, y2) = proj(r.from_lat_deg, r.from_lon_deg), proj(r.to_lat_deg, r.to_lon_deg)
        width = 1.0 + 9.0 * math.sqrt(float(r.t_per_yr) / top)
        colour = "#999999" if r.kind == "haul" else "#1f6f8b"
        dash = " stroke-dasharray='6 3'" if bool(r.crosses_border) else ""
        tip = f"{r.kind} {r.from_id} -> {r.to_id} ({r.mode}): {float(r.t_per_yr):,.0f} t/yr"
        out.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
                   f"stroke='{colour}' stroke-width='{width:.1f}' stroke-opacity='0.7'{dash}>"
                   f"<title>{html.escape(tip)}</title></line>")  # fmt: skip
    regions = lanes[lanes["kind"] == "haul"].drop_duplicates("from_id")
    for r in regions.itertuples():
        x, y = proj(r.from_lat_deg, r.from_lon_deg)
        out.append(f"<rect x='{x - 3:.1f}' y='{y - 3:.1f}' width='6' height='6' fill='#666'>"
                   f"<title>{html.escape(str(r.from_id))}</title></rect>")  # fmt: skip
    big = max(float(sites["throughput_t_per_yr"].max()), 1e-9)
    for r in sites.itertuples():
        x, y = proj(r.lat_deg, r.lon_deg)
        rad = 4.0 + 16.0 * math.sqrt(max(float(r.throughput_t_per_yr), 0.0) / big)
        fill = "#e07b39" if r.throughput_t_per_yr > 0 else "#ffffff"
        label = f"{r.site_id} ({r.country}): {float(r.throughput_t_per_yr):,.0f} t/yr"
        out.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{rad:.1f}' fill='{fill}' "
                   f"stroke='#333'><title>{html.escape(label)}</title></circle>"
                   f"<text x='{x + rad + 2:.1f}' y='{y + 4:.1f}' font-size='11'>"
                   f"{html.escape(str(r.site_id))}</text>")  # fmt: skip
    out.append("</svg>")
    return "".join(out)


SINKS = (("products_t_per_yr", "products"), ("disposal_t_per_yr", "disposal"),
         ("losses_t_per_yr", "losses"))  # fmt: skip
COLOURS = {"region": "#666666", "site": "#e07b39", "sink": "#55a868"}


def sankey_links(lanes: pd.DataFrame, balance: pd.DataFrame | None) -> pd.DataFrame:
    """Links (source, target, kind of source, t/yr) of the Sankey by site: hauls, shipments
    and each site's products, disposal and losses; node names ``region: R``, ``site: A``
    (deliveries of products to their buyers are in the map and ``lanes``, not repeated)."""
    lanes = lanes[lanes["kind"].isin(("haul", "ship"))]
    moved = lanes.assign(
        source=[
            ("region: " if k == "haul" else "site: ") + str(a)
            for k, a in zip(lanes["kind"], lanes["from_id"])
        ],  # fmt: skip
        target=["site: " + str(b) for b in lanes["to_id"]],
        source_kind=["region" if k == "haul" else "site" for k in lanes["kind"]],
    )
    parts = [moved.groupby(["source", "target", "source_kind"], as_index=False)["t_per_yr"].sum()]
    if balance is not None and len(balance):
        done = balance.groupby("site_id")[[c for c, _ in SINKS]].sum()
        for col, name in SINKS:
            parts.append(pd.DataFrame({"source": ["site: " + str(s) for s in done.index],
                                       "target": name, "source_kind": "site",
                                       "t_per_yr": done[col].to_numpy()}))  # fmt: skip
    links = pd.concat(parts, ignore_index=True)
    return links[links["t_per_yr"] > 1e-6].reset_index(drop=True)


def network_sankey(lanes: pd.DataFrame, balance: pd.DataFrame | None) -> object:
    """The plotly figure of the Sankey by site (node labels give t/yr through the node)."""
    import plotly.graph_objects as go

    links = sankey_links(lanes, balance)
    names = list(dict.fromkeys([*links["source"], *links["target"]]))
    index = {n: i for i, n in enumerate(names)}
    out_t = links.groupby("source")["t_per_yr"].sum()
    in_t = links.groupby("target")["t_per_yr"].sum()
    through = {n: max(float(out_t.get(n, 0.0)), float(in_t.get(n, 0.0))) for n in names}
    kind = [n.split(":")[0] if ":" in n else "sink" for n in names]
    fig = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",.1f", valuesuffix=" t/yr",
        node={"label": [f"{n} ({through[n]:,.0f} t/yr)" for n in names], "pad": 14,
              "thickness": 16, "color": [COLOURS[k] for k in kind]},
        link={"source": [index[n] for n in links["source"]],
              "target": [index[n] for n in links["target"]],
              "value": links["t_per_yr"].tolist(),
              "color": ["rgba(31,111,139,0.35)" if k == "site" else "rgba(150,150,150,0.35)"
                        for k in links["source_kind"]]},
    ))  # fmt: skip
    fig.update_layout(title={"text": "Flows by site (real t/yr)"}, height=520,
                      margin={"l": 20, "r": 20, "t": 50, "b": 20}, font={"size": 12})  # fmt: skip
    return fig


def _sankey_div(lanes: pd.DataFrame, balance: pd.DataFrame | None) -> str:
    fig = network_sankey(lanes, balance)
    return fig.to_html(  # type: ignore[attr-defined]
        full_html=False, include_plotlyjs=False, div_id="network-sankey",
        config={"displaylogo": False, "responsive": True},
    )  # fmt: skip


def compliance_by_site_rows(comp: pd.DataFrame | None) -> pd.DataFrame | None:
    """The rows of ``compliance_by_site`` the report shows (scope, site, target, figures)."""
    if comp is None or not len(comp):
        return None
    keep = ["scope", "site_id", "target", "required_frac", "achieved_frac", "status",
            "operator_achieved_frac", "numerator_t_per_yr", "denominator_t_per_yr"]  # fmt: skip
    return comp[[c for c in keep if c in comp.columns]]


def network_parts(
    tables: dict[str, pd.DataFrame], table_html: Callable[[pd.DataFrame], str] | None = None
) -> list[str]:
    """The report's network section (none without ``sites`` and ``lanes``): the map and the
    Sankey by site side by side, then (with ``table_html``) the compliance per site."""
    sites, lanes = tables.get("sites"), tables.get("lanes")
    if sites is None or lanes is None or not len(sites):
        return []
    moved = lanes.groupby("kind")["t_per_yr"].sum().to_dict()
    balance = tables.get("site_mass_balance")
    view = [f"<div class='grid'><div>{network_svg(sites, lanes)}</div>",
            f"<div>{_sankey_div(lanes, balance)}</div></div>"]  # fmt: skip
    return [
        "<h2>Network</h2>",
        "<p class='muted'>Sites (circles, area by throughput), collection regions (squares), "
        "hauls from regions (grey) and shipments between sites (blue), line width by real "
        "tonnes; dashed lines cross a border. "
        f"Hauled {moved.get('haul', 0.0):,.0f} t/yr, shipped {moved.get('ship', 0.0):,.0f} "
        "t/yr.</p>",
        *view,
        *_compliance_parts(tables.get("compliance_by_site"), table_html),
    ]


def _compliance_parts(
    comp: pd.DataFrame | None, table_html: Callable[[pd.DataFrame], str] | None
) -> list[str]:
    shown = compliance_by_site_rows(comp)
    if shown is None or table_html is None:
        return []
    return [
        "<h3>Compliance per site</h3>",
        "<p class='muted'>What each site finishes of the covered feeds (feeds and streams in "
        "less streams shipped on); a chain adds up the sites a feed's streams are shipped "
        "between. Informative: the targets are enforced once for the operator's network "
        "(the compliance table above), as the law asks per recycling process.</p>",
        table_html(shown),
    ]


__all__ = ["network_parts", "network_sankey", "network_svg", "sankey_links"]
