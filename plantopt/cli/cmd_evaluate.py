"""``plantopt evaluate RESULT_DIR``: Monte Carlo evaluation of a solved plan.

Prints P5/P50/P95 of profit, recovery per material, target ratios and unit utilisation, and
the probability of positive profit, of meeting each target and of overloading each unit;
writes quantiles, probabilities, per-sample metrics (up to --per-sample-limit samples) and a
PNG of the distributions to --out, atomically. Exit code 2 for bad input (missing result
files, instance changed since the solve, malformed options).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import typer

from plantopt.atomic import FORCE_HELP
from plantopt.instance.errors import PlantoptError


def _parse_targets(items: list[str]) -> list[tuple[str, float]]:
    out = []
    for item in items:
        name, sep, value = item.partition("=")
        try:
            frac = float(value)
        except ValueError:
            frac = float("nan")
        if not sep or not name or not 0.0 <= frac <= 1.0:
            raise PlantoptError(
                f"--target {item!r}: expected MATERIAL=FRACTION with the "
                "fraction in [0, 1], e.g. --target Li=0.5"
            )
        out.append((name, frac))
    return out


def _short(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters (at least 20) with an ellipsis."""
    width = max(width, 20)
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _fmt(x: float) -> str:
    """People's numbers: 1.23 M, 45.6 k, 0.0123 (never e-notation)."""
    from plantopt.results.numfmt import fmt_amount

    return fmt_amount(x)


def _fmt_share(x: float) -> str:
    return "-" if x != x else f"{100 * x:.1f} %"


def print_targets(console: Any, mc: Any, nominal: dict[str, float]) -> None:
    """P(all targets met) first, then per target: required, plan, P5/P50/P95, P(met)."""
    from rich.table import Table

    from plantopt.uncertainty.report import target_rows

    rows = target_rows(mc, nominal)
    if not len(rows):
        console.print("no targets evaluated (no target year, --no-regulation, no --target)")
        return
    p_all = float(rows.iloc[0]["probability_met"])
    style = "green" if p_all >= 0.95 else "yellow" if p_all >= 0.5 else "red"
    console.print(
        f"[bold]P(all targets met) = [{style}]{100 * p_all:.1f} %[/][/] over "
        f"{len(rows) - 1} target(s)"
    )
    tab = Table(title="Targets", title_justify="left", show_edge=False, pad_edge=False)
    tab.add_column("target", overflow="fold", ratio=1)
    for col in ("required", "plan", "P5", "P50", "P(met)"):
        tab.add_column(col, justify="right", no_wrap=True)
    for r in rows.iloc[1:].itertuples():
        tab.add_row(
            re.sub(r"\s*>=\s*[0-9.]+$", "", r.target),
            _fmt_share(r.required_frac),
            _fmt_share(r.plan_frac),
            _fmt_share(r.p5),
            _fmt_share(r.p50),
            _fmt_share(r.probability_met),
        )
    console.print(tab)


ResultDir = Annotated[Path, typer.Argument(help="Result folder of `plantopt solve`.")]
Samples = Annotated[int, typer.Option(help="Number of samples.", min=1, max=2**31 - 1)]
Seed = Annotated[int, typer.Option(help="Master seed (reproducible results).", min=0)]
Spread = Annotated[
    float,
    typer.Option(
        help="Default relative half-width for compositions and transfer coefficients "
        "without a range in the data (0.1 = nominal -/+ 10 %).",
        min=0.0,
    ),
]
CompSpread = Annotated[
    float | None, typer.Option(help="As --spread, for compositions only.", min=0.0)
]
TcSpread = Annotated[
    float | None, typer.Option(help="As --spread, for transfer coefficients only.", min=0.0)
]
Distribution = Annotated[
    str,
    typer.Option(
        help="pert (Beta-PERT on low/nominal/high, inverse-CDF table), pert-exact (the "
        "same, drawn as a ratio of gammas; slower) or triangular."
    ),
]
Sampling = Annotated[
    str,
    typer.Option(
        help="random, lhs (Latin hypercube over the samples), sobol (scrambled Sobol' "
        "points) or sobol-lt (the same points rotated onto the headline metrics' "
        "gradients: the tightest P5/P95 for the same count)."
    ),
]
Ranges = Annotated[bool, typer.Option(help="Use the low/high ranges of the instance data.")]
PriceSigma = Annotated[
    float,
    typer.Option(
        help="Sigma of the log price factor per material (log-normal, median = nominal price).",
        min=0.0,
    ),
]
Correlated = Annotated[
    bool,
    typer.Option(
        help="Correlated log prices (Au-Ag, Ni-Co, ...) and correlated compositions within "
        "a feed (cathode, precious and magnet metals), the tables of docs/uncertainty.md, "
        "instead of independent draws."
    ),
]
PriceScenarios = Annotated[
    Path | None,
    typer.Option(
        help="CSV with columns scenario, material, price_factor [, weight]; each sample "
        "draws one scenario (replaces --price-sigma)."
    ),
]
Target = Annotated[
    list[str] | None,
    typer.Option(
        help="Extra material-recovery target MATERIAL=FRACTION over all feeds (repeatable)."
    ),
]
TargetYear = Annotated[
    int | None,
    typer.Option(help="Year of the regulatory targets in force (default: the instance's)."),
]
Regulation = Annotated[bool, typer.Option(help="Evaluate the regulatory targets in force.")]
Threads = Annotated[int | None, typer.Option(help="Kernel threads.", min=1)]
Engine = Annotated[str, typer.Option(help="numba or numpy (the twin).")]
InstanceOpt = Annotated[
    Path | None,
    typer.Option(help="Instance folder (default: the one recorded in summary.json)."),
]
Out = Annotated[Path | None, typer.Option(help="Output folder (default: RESULT_DIR-evaluate).")]
Force = Annotated[bool, typer.Option(help=FORCE_HELP)]
PerSampleLimit = Annotated[
    int, typer.Option(help="Write per-sample metrics only up to this many samples.", min=0)
]
Plot = Annotated[bool, typer.Option(help="Write distributions.png.")]
PeriodOpt = Annotated[
    str | None,
    typer.Option(
        help="Period of a multi-period result (default: every period, each written to "
        "OUT/<period>/)."
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(evaluate)


def evaluate(
    result_dir: ResultDir,
    samples: Samples = 10_000,
    seed: Seed = 0,
    spread: Spread = 0.0,
    comp_spread: CompSpread = None,
    tc_spread: TcSpread = None,
    distribution: Distribution = "pert",
    sampling: Sampling = "random",
    ranges: Ranges = True,
    price_sigma: PriceSigma = 0.0,
    correlated: Correlated = False,
    price_scenarios: PriceScenarios = None,
    target: Target = None,
    target_year: TargetYear = None,
    regulation: Regulation = True,
    threads: Threads = None,
    engine: Engine = "numba",
    instance: InstanceOpt = None,
    out: Out = None,
    force: Force = False,
    per_sample_limit: PerSampleLimit = 100_000,
    plot: Plot = True,
    period: PeriodOpt = None,
) -> None:
    """Monte Carlo: how likely is a solved plan to stay profitable and compliant?"""
    from rich.console import Console

    from plantopt.results.folder import read_tables
    from plantopt.uncertainty.plan import result_periods

    args = dict(locals())
    console = Console(highlight=False)
    args["engine"] = _engine(console, engine, threads)
    opts = _sampling_options(args)
    found: list[str | None] = list(result_periods(read_tables(result_dir))) or [None]
    periods: list[str | None] = [period] if period else found
    base_dir = out or result_dir.with_name(result_dir.name + "-evaluate")
    for pid in periods:  # a multi-period plan: each period as a plan of its own
        if pid is not None:
            console.rule(f"period {pid}")
        target_dir = base_dir / pid if pid is not None and not (period and out) else base_dir
        _evaluate_period(console, args, opts, pid, target_dir)


def _engine(console: Any, engine: str, threads: int | None) -> str:
    """The Monte Carlo engine to use (numpy when numba is missing), its threads set."""
    from plantopt.uncertainty import kernels_mc

    if engine not in ("numba", "numpy"):
        raise PlantoptError(f"--engine must be numba or numpy, not {engine!r}")
    if engine == "numba" and not kernels_mc.HAVE_NUMBA:
        console.print("note: numba is not available; using the NumPy twin")
        return "numpy"
    if threads is not None and engine == "numba":
        import numba

        # numba.config sets its options through globals() at import, out of mypy's sight
        n_max: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
        numba.set_num_threads(min(threads, n_max))
    return engine


def _sampling_options(args: dict[str, Any]) -> Any:
    """:class:`SamplingOptions` from the command's options (spreads, prices, sampling)."""
    import pandas as pd

    from plantopt.uncertainty import SamplingOptions
    from plantopt.uncertainty.correlation import (
        default_composition_correlation,
        default_price_correlation,
    )

    scen = None
    path = args["price_scenarios"]
    if path is not None:
        if not path.is_file():
            raise PlantoptError(f"--price-scenarios: no file {path}")
        scen = pd.read_csv(path)
    spread = args["spread"]
    return SamplingOptions(
        comp_spread=spread if args["comp_spread"] is None else args["comp_spread"],
        tc_spread=spread if args["tc_spread"] is None else args["tc_spread"],
        use_ranges=args["ranges"],
        price_sigma=args["price_sigma"],
        price_scenarios=scen,
        distribution=args["distribution"],
        sampling=args["sampling"],
        price_correlation=default_price_correlation() if args["correlated"] else None,
        composition_correlation=default_composition_correlation() if args["correlated"] else None,
    )


def _evaluate_period(
    console: Any, args: dict[str, Any], opts: Any, pid: str | None, target_dir: Path
) -> None:
    """Sample one period's plan (or the single plan), print and write the results."""
    from plantopt.results.warnings import monte_carlo_warnings
    from plantopt.uncertainty import (
        load_plan,
        material_recovery_target,
        nominal_metrics,
        regulation_targets,
    )
    from plantopt.uncertainty.report import write_outputs

    plan = load_plan(args["result_dir"], args["instance"], pid)
    targets = regulation_targets(plan, args["target_year"]) if args["regulation"] else []
    targets += [
        material_recovery_target(plan, m, f) for m, f in _parse_targets(args["target"] or [])
    ]
    mc = _run(console, plan, targets, args, opts)
    nominal = nominal_metrics(plan, targets)
    s = mc.summary
    s["warnings"] = list(s["warnings"]) + monte_carlo_warnings(mc.quantiles, nominal)
    _print_run(console, mc, args["samples"], args["seed"])
    print_targets(console, mc, nominal)
    _print_distributions(console, mc, nominal)
    if s["mass_balance_max_rel_error"] > 1e-6:
        console.print(
            f"[red]mass balance error up to {s['mass_balance_max_rel_error']:.2e}[/] "
            f"(plan conservation error {plan.conservation_error:.2e})"
        )
    write_outputs(
        mc,
        target_dir,
        nominal,
        per_sample_limit=args["per_sample_limit"],
        plot=args["plot"],
        force=args["force"],
    )
    console.print(f"written to {target_dir}/")


def _run(console: Any, plan: Any, targets: list, args: dict[str, Any], opts: Any) -> Any:
    """The Monte Carlo run with a progress bar."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from plantopt.uncertainty import run_monte_carlo

    samples = args["samples"]
    with Progress(
        TextColumn("evaluating"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,} samples"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("mc", total=samples)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done)

        return run_monte_carlo(
            plan,
            samples,
            args["seed"],
            opts,
            targets,
            use_numba=args["engine"] == "numba",
            progress=advance,
        )


def _print_run(console: Any, mc: Any, samples: int, seed: int) -> None:
    """Samples, speed and what is uncertain; the warnings."""
    s = mc.summary
    unc = s["uncertain_entries"]
    console.print(
        f"{samples:,} samples (seed {seed}, {s['engine']}) in "
        f"{s['elapsed_s']:.2f} s = {s['samples_per_s']:,.0f} samples/s; "
        f"uncertain: {unc['composition']} composition, "
        f"{unc['transfer_coefficients']} transfer-coefficient, "
        f"{unc['prices']} price entries"
    )
    if not any(unc.values()):
        console.print(
            "[yellow]note[/]: nothing is uncertain (no ranges in the data and "
            "no --spread/--price-sigma): every sample equals the plan"
        )
    for w in s["warnings"]:
        console.print(f"[yellow]warning[/]: {w}")


def _print_distributions(console: Any, mc: Any, nominal: dict[str, float]) -> None:
    """P5/P50/P95 per headline metric, then the other probabilities."""
    from rich.table import Table

    from plantopt.uncertainty.report import headline_metrics, is_share, metric_label

    q = mc.quantiles.set_index("metric")
    cur = mc.summary["plan"].get("currency", "EUR")
    tab = Table(
        title="Distribution per metric", title_justify="left", show_edge=False, pad_edge=False
    )
    for col in ("metric", "plan", "P5", "P50", "P95"):
        tab.add_column(col, justify="left" if col == "metric" else "right", no_wrap=True)
    for m in headline_metrics(mc):
        f = _fmt_share if is_share(m) else _fmt
        tab.add_row(
            _short(metric_label(m, cur), console.width - 48),
            f(nominal.get(m, float("nan"))),
            *(f(q.at[m, p]) for p in ("p5", "p50", "p95")),
        )
    console.print(tab)
    ptab = Table(title="Other probabilities", title_justify="left", show_edge=False, pad_edge=False)
    ptab.add_column("event", no_wrap=True)
    ptab.add_column("probability", justify="right", no_wrap=True)
    for event, p in mc.probabilities.items():
        if event.startswith("target_met:") or event == "all_targets_met":
            continue
        ptab.add_row(_short(metric_label(event, cur), console.width - 20), _fmt_share(p))
    console.print(ptab)
