"""``plantopt robust``: a plan that holds under uncertainty (sample-average approximation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def robust(
        path: Annotated[
            Path | None,
            typer.Argument(
                help="Instance folder (default: the packaged nl-2027 instance).", show_default=False
            ),
        ] = None,
        scenarios: Annotated[
            int, typer.Option(min=1, help="Training scenarios (samples 0..N-1 of evaluate).")
        ] = 20,
        seed: Annotated[int, typer.Option(help="Seed of the scenarios (evaluate's sampler).")] = 0,
        alpha: Annotated[
            float | None,
            typer.Option(
                help="Chance constraint: P(all enforced targets met) >= ALPHA over the "
                "scenarios (default: targets hard in every scenario)."
            ),
        ] = None,
        per_target: Annotated[
            bool, typer.Option(help="ALPHA per target instead of for all targets jointly.")
        ] = False,
        objective: Annotated[str, typer.Option(help="Expected npv or profit.")] = "npv",
        stage: Annotated[
            str,
            typer.Option(
                help="First stage: builds (intake and routing per scenario), contracts "
                "(builds and intake) or static (one plan for all scenarios)."
            ),
        ] = "builds",
        spread: Annotated[
            float, typer.Option(min=0, help="Relative spread of compositions, yields, tonnage.")
        ] = 0.0,
        price_sigma: Annotated[float, typer.Option(min=0, help="Sigma of the log price.")] = 0.0,
        correlated: Annotated[
            bool, typer.Option(help="Correlated log prices (docs/uncertainty.md).")
        ] = False,
        oos_samples: Annotated[
            int, typer.Option(min=0, help="Out-of-sample Monte Carlo samples (fresh seed).")
        ] = 2000,
        evpi: Annotated[bool, typer.Option(help="Solve the wait-and-see problem (EVPI).")] = True,
        time_limit: Annotated[
            float | None, typer.Option(min=0, help="Seconds per extensive-form solve.")
        ] = None,
        out: Annotated[
            Path | None, typer.Option(help="Write robust.json into this folder.")
        ] = None,
    ) -> None:
        """Choose the builds that maximise the expected NPV (or profit) over N scenarios drawn
        by evaluate's sampler, optionally with a chance constraint on the EU targets; report
        the robust plan beside the nominal one, VSS, EVPI and an out-of-sample Monte Carlo of
        both plans on a fresh seed (docs/uncertainty.md)."""
        from rich.console import Console

        from plantopt.uncertainty.correlation import default_price_correlation
        from plantopt.uncertainty.robust import robust as run_robust
        from plantopt.uncertainty.robust_ef import STAGES

        err = Console(stderr=True)
        if objective not in ("npv", "profit") or stage not in STAGES:
            err.print(
                f"error: --objective must be npv or profit and --stage one of "
                f"{', '.join(STAGES)} (got {objective!r}, {stage!r})"
            )
            raise typer.Exit(2)
        res = run_robust(
            path, scenarios, seed, alpha, objective, stage, per_target, spread,
            price_sigma, time_limit, oos_samples=oos_samples, evpi=evpi,
            price_correlation=default_price_correlation() if correlated else None,
        )  # fmt: skip
        print_summary(Console(highlight=False), res.summary)
        if out is not None:
            from plantopt.atomic import write_bytes_atomic

            out.mkdir(parents=True, exist_ok=True)
            text = json.dumps(res.summary, indent=1, default=str)
            write_bytes_atomic(out / "robust.json", text.encode())
            Console(highlight=False).print(f"written to {out}/robust.json")
        if not res.solved.ok:
            raise typer.Exit(1)


def _m(x: Any) -> str:
    return "-" if x is None else f"{x / 1e6:,.2f} M"


def print_summary(console: Any, s: dict[str, Any]) -> None:
    """Robust beside nominal: builds, expected objective, in and out of sample."""
    obj = s["settings"]["objective"]
    rob, nom = s["robust"], s.get("nominal", {})
    console.print(f"robust ({s['settings']['scenarios']} scenarios): {rob['status']}")
    if "builds" in rob:
        console.print(f"  builds: {', '.join(rob['builds']) or 'none'}")
        console.print(f"  expected {obj}: {_m(rob['expected_' + obj])}")
        console.print(f"  training P(all targets met): {rob['in_sample_all_targets_met']:.3f}")
    if "builds" in nom:
        console.print(f"nominal builds: {', '.join(nom['builds']) or 'none'}")
    console.print(f"EEV {_m(s.get('eev'))}  VSS {_m(s.get('vss'))}  EVPI {_m(s.get('evpi'))}")
    if "highest_alpha" in s:
        console.print(f"alpha not reachable: {s['highest_alpha']}")
    oos = s.get("out_of_sample", {})
    for name in ("robust", "nominal"):
        r = oos.get(name)
        if r and "all_targets_met" in r:
            console.print(
                f"out of sample, {name}: P(all targets met) {r['all_targets_met']:.3f}, "
                f"P(profit > 0) {r['profit_positive']:.3f}, NPV P5/P50/P95 "
                f"{_m(r['npv_p5_eur'])} / {_m(r['npv_p50_eur'])} / {_m(r['npv_p95_eur'])}"
            )
