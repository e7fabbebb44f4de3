"""The network view of the HTML report (issue 15): a map drawn from the coordinates.

An inline SVG (no library, no tiles): longitude and latitude projected equirectangularly
(x = lon cos(mean lat), y = -lat) into the drawing box; lanes as lines whose width grows with
the square root of the real tonnes moved (hauls from regions grey, shipments between sites
blue, border crossings dashed), sites as circles whose area grows with their throughput,
regions as small squares. Shown when the result folder has ``sites`` and ``lanes`` tables.
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


def network_parts(tables: dict[str, pd.DataFrame]) -> list[str]:
    """The report's network section (none without ``sites`` and ``lanes``)."""
    sites, lanes = tables.get("sites"), tables.get("lanes")
    if sites is None or lanes is None or not len(sites):
        return []
    moved = lanes.groupby("kind")["t_per_yr"].sum().to_dict()
    return [
        "<h2>Network</h2>",
        "<p class='muted'>Sites (circles, area by throughput), collection regions (squares), "
        "hauls from regions (grey) and shipments between sites (blue), line width by real "
        "tonnes; dashed lines cross a border. "
        f"Hauled {moved.get('haul', 0.0):,.0f} t/yr, shipped {moved.get('ship', 0.0):,.0f} "
        "t/yr.</p>",
        network_svg(sites, lanes),
    ]


__all__ = ["network_parts", "network_svg"]
