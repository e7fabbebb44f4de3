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


def register(app: typer.Typer) -> None:
    @app.command()
    def evaluate(
        result_dir: Annotated[Path, typer.Argument(help="Result folder of `plantopt solve`.")],
        samples: Annotated[
            int, typer.Option(help="Number of samples.", min=1, max=2**31 - 1)
        ] = 10_000,
        seed: Annotated[int, typer.Option(help="Master seed (reproducible results).", min=0)] = 0,
        spread: Annotated[
            float,
            typer.Option(
                help="Default relative half-width for compositions and transfer coefficients "
                "without a range in the data (0.1 = nominal -/+ 10 %).",
                min=0.0,
            ),
        ] = 0.0,
        comp_spread: Annotated[
            float | None, typer.Option(help="As --spread, for compositions only.", min=0.0)
        ] = None,
        tc_spread: Annotated[
            float | None, typer.Option(help="As --spread, for transfer coefficients only.", min=0.0)
        ] = None,
        distribution: Annotated[
            str,
            typer.Option(
                help="pert (Beta-PERT on low/nominal/high, inverse-CDF table), pert-exact (the "
                "same, drawn as a ratio of gammas; slower) or triangular."
            ),
        ] = "pert",
        sampling: Annotated[
            str,
            typer.Option(
                help="random, lhs (Latin hypercube over the samples) or sobol "
                "(scrambled Sobol' points): tighter quantiles for the same count."
            ),
        ] = "random",
        ranges: Annotated[
            bool, typer.Option(help="Use the low/high ranges of the instance data.")
        ] = True,
        price_sigma: Annotated[
            float,
            typer.Option(
                help="Sigma of the log price factor per material (log-normal, median = "
                "nominal price).",
                min=0.0,
            ),
        ] = 0.0,
        price_scenarios: Annotated[
            Path | None,
            typer.Option(
                help="CSV with columns scenario, material, price_factor [, weight]; each sample "
                "draws one scenario (replaces --price-sigma)."
            ),
        ] = None,
        target: Annotated[
            list[str] | None,
            typer.Option(
                help="Extra material-recovery target MATERIAL=FRACTION over all feeds (repeatable)."
            ),
        ] = None,
        target_year: Annotated[
            int | None,
            typer.Option(help="Year of the regulatory targets in force (default: the instance's)."),
        ] = None,
        regulation: Annotated[
            bool, typer.Option(help="Evaluate the regulatory targets in force.")
        ] = True,
        threads: Annotated[int | None, typer.Option(help="Kernel threads.", min=1)] = None,
        engine: Annotated[str, typer.Option(help="numba or numpy (the twin).")] = "numba",
        instance: Annotated[
            Path | None,
            typer.Option(help="Instance folder (default: the one recorded in summary.json)."),
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Output folder (default: RESULT_DIR-evaluate).")
        ] = None,
        force: Annotated[bool, typer.Option(help=FORCE_HELP)] = False,
        per_sample_limit: Annotated[
            int, typer.Option(help="Write per-sample metrics only up to this many samples.", min=0)
        ] = 100_000,
        plot: Annotated[bool, typer.Option(help="Write distributions.png.")] = True,
        period: Annotated[
            str | None,
            typer.Option(
                help="Period of a multi-period result (default: every period, each written to "
                "OUT/<period>/)."
            ),
        ] = None,
    ) -> None:
        """Monte Carlo: how likely is a solved plan to stay profitable and compliant?"""
        import pandas as pd
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
        from rich.table import Table

        from plantopt.results.warnings import monte_carlo_warnings
        from plantopt.uncertainty import (
            SamplingOptions,
            kernels_mc,
            load_plan,
            material_recovery_target,
            nominal_metrics,
            regulation_targets,
            run_monte_carlo,
        )
        from plantopt.uncertainty.report import (
            headline_metrics,
            is_share,
            metric_label,
            write_outputs,
        )

        console = Console(highlight=False)
        if engine not in ("numba", "numpy"):
            raise PlantoptError(f"--engine must be numba or numpy, not {engine!r}")
        if engine == "numba" and not kernels_mc.HAVE_NUMBA:
            console.print("note: numba is not available; using the NumPy twin")
            engine = "numpy"
        if threads is not None and engine == "numba":
            import numba

            # numba.config sets its options through globals() at import, out of mypy's sight
            n_max: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]
            numba.set_num_threads(min(threads, n_max))
        scen = None
        if price_scenarios is not None:
            if not price_scenarios.is_file():
                raise PlantoptError(f"--price-scenarios: no file {price_scenarios}")
            scen = pd.read_csv(price_scenarios)
        opts = SamplingOptions(
            comp_spread=spread if comp_spread is None else comp_spread,
            tc_spread=spread if tc_spread is None else tc_spread,
            use_ranges=ranges,
            price_sigma=price_sigma,
            price_scenarios=scen,
            distribution=distribution,
            sampling=sampling,
        )
        from plantopt.results.folder import read_tables
        from plantopt.uncertainty.plan import result_periods

        found: list[str | None] = list(result_periods(read_tables(result_dir))) or [None]
        periods: list[str | None] = [period] if period else found
        base_dir = out or result_dir.with_name(result_dir.name + "-evaluate")
        for pid in periods:  # a multi-period plan: each period as a plan of its own
            plan = load_plan(result_dir, instance, pid)
            if pid is not None:
                console.rule(f"period {pid}")
            targets = regulation_targets(plan, target_year) if regulation else []
            targets += [
                material_recovery_target(plan, m, f) for m, f in _parse_targets(target or [])
            ]

            with Progress(
                TextColumn("evaluating"),
                BarColumn(),
                TextColumn("{task.completed:,}/{task.total:,} samples"),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            ) as bar:
                task = bar.add_task("mc", total=samples)

                def advance(done: int, total: int, task: Any = task, bar: Any = bar) -> None:
                    bar.update(task, completed=done)

                mc = run_monte_carlo(
                    plan,
                    samples,
                    seed,
                    opts,
                    targets,
                    use_numba=engine == "numba",
                    progress=advance,
                )
            nominal = nominal_metrics(plan, targets)
            s = mc.summary
            s["warnings"] = list(s["warnings"]) + monte_carlo_warnings(mc.quantiles, nominal)
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
            print_targets(console, mc, nominal)
            q = mc.quantiles.set_index("metric")
            cur = s["plan"].get("currency", "EUR")
            tab = Table(
                title="Distribution per metric",
                title_justify="left",
                show_edge=False,
                pad_edge=False,
            )
            for col in ("metric", "plan", "P5", "P50", "P95"):
                tab.add_column(col, justify="left" if col == "metric" else "right", no_wrap=True)
            for m in headline_metrics(mc):
                f = _fmt_share if is_share(m) else _fmt
                tab.add_row(
                    _short(metric_label(m, cur), console.width - 48),
                    f(nominal.get(m, float("nan"))),
                    f(q.at[m, "p5"]),
                    f(q.at[m, "p50"]),
                    f(q.at[m, "p95"]),
                )
            console.print(tab)
            ptab = Table(
                title="Other probabilities", title_justify="left", show_edge=False, pad_edge=False
            )
            ptab.add_column("event", no_wrap=True)
            ptab.add_column("probability", justify="right", no_wrap=True)
            for event, p in mc.probabilities.items():
                if event.startswith("target_met:") or event == "all_targets_met":
                    continue
                ptab.add_row(_short(metric_label(event, cur), console.width - 20), _fmt_share(p))
            console.print(ptab)
            if s["mass_balance_max_rel_error"] > 1e-6:
                console.print(
                    f"[red]mass balance error up to "
                    f"{s['mass_balance_max_rel_error']:.2e}[/] (plan conservation "
                    f"error {plan.conservation_error:.2e})"
                )
            target_dir = base_dir / pid if pid is not None and not (period and out) else base_dir
            write_outputs(
                mc, target_dir, nominal, per_sample_limit=per_sample_limit, plot=plot, force=force
            )
            console.print(f"written to {target_dir}/")
