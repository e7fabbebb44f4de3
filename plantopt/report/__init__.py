"""Reports of a result folder: a self-contained HTML page and static figures.

    from plantopt.report import make_report
    html_path, figures = make_report("results/tiny-recovery")

See :mod:`plantopt.report.html` for the page and :mod:`plantopt.report.figures` for the
PNG/SVG export.
"""

from __future__ import annotations

from pathlib import Path

from plantopt.report.data import ResultData, material_edges, read_result, sankey_views


def make_report(
    result_dir: str | Path,
    out: str | Path | None = None,
    figures_dir: str | Path | None = None,
    static: bool = True,
    monte_carlo_dir: str | Path | None = None,
    pareto_dir: str | Path | None = None,
) -> tuple[Path, list[Path]]:
    """Write ``report.html`` (default: inside the result folder) and, with ``static``, the
    PNG/SVG figures (default: ``<out stem>_figures/`` next to the page).

    Monte Carlo and Pareto tables come from the given folders, else from the companion
    folders ``RESULT_DIR-evaluate/`` and ``<instance>-pareto/`` next to the result."""
    from plantopt.report.figures import export_figures
    from plantopt.report.html import build_html, write_atomic

    data = read_result(result_dir, monte_carlo_dir, pareto_dir)
    out_path = Path(out) if out is not None else Path(result_dir) / "report.html"
    views = sankey_views(data)
    name = str((data.summary.get("instance") or {}).get("name") or data.folder.name)
    figures: list[Path] = []
    if static:
        fig_dir = (
            Path(figures_dir)
            if figures_dir is not None
            else out_path.with_name(out_path.stem + "_figures")
        )
        figures = export_figures(data, views, fig_dir, name)
    rel = [
        str(p.relative_to(out_path.parent)) if p.is_relative_to(out_path.parent) else str(p)
        for p in figures
    ]
    write_atomic(out_path, build_html(data, views, rel))
    return out_path, figures


__all__ = ["ResultData", "make_report", "material_edges", "read_result", "sankey_views"]
