"""``plantopt robust``: a plan that holds under uncertainty (sample-average approximation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

Path_ = Annotated[
    Path | None,
    typer.Argument(
        help="Instance folder (default: the packaged nl-2027 instance).", show_default=False
    ),
]
Scenarios = Annotated[
    int, typer.Option(min=1, help="Training scenarios (samples 0..N-1 of evaluate).")
]
Seed = Annotated[int, typer.Option(help="Seed of the scenarios (evaluate's sampler).")]
Alpha = Annotated[
    float | None,
    typer.Option(
        help="Chance constraint: P(all enforced targets met) >= ALPHA over the "
        "scenarios (default: targets hard in every scenario)."
    ),
]
PerTarget = Annotated[
    bool, typer.Option(help="ALPHA per target instead of for all targets jointly.")
]
Objective = Annotated[str, typer.Option(help="Expected npv or profit.")]
Chance = Annotated[
    str,
    typer.Option(
        help="exact: scenario indicators with big-M; cvar: the conservative, binary-free "
        "CVaR approximation of the chance constraint."
    ),
]
CvarBeta = Annotated[
    float | None,
    typer.Option(
        min=0,
        max=0.999,
        help="Add CVaR at this level of the scenario objective (the mean of its worst "
        "1 - BETA share) to the objective.",
    ),
]
CvarWeight = Annotated[
    float,
    typer.Option(
        min=0, max=1, help="Weight of the CVaR term: (1 - W) E + W CVaR (1: maximise CVaR)."
    ),
]
RecourseSamples = Annotated[
    int,
    typer.Option(
        min=0,
        help="Out-of-sample draws in which the second stage is re-optimised with the first "
        "stage fixed (builds, contracts).",
    ),
]
Stage = Annotated[
    str,
    typer.Option(
        help="First stage: builds (intake and routing per scenario), contracts "
        "(builds and intake) or static (one plan for all scenarios)."
    ),
]
Spread = Annotated[
    float, typer.Option(min=0, help="Relative spread of compositions, yields, tonnage.")
]
PriceSigma = Annotated[float, typer.Option(min=0, help="Sigma of the log price.")]
Correlated = Annotated[
    bool,
    typer.Option(help="Correlated log prices and compositions (docs/uncertainty.md)."),
]
OosSamples = Annotated[
    int, typer.Option(min=0, help="Out-of-sample Monte Carlo samples (fresh seed).")
]
Evpi = Annotated[bool, typer.Option(help="Solve the wait-and-see problem (EVPI).")]
TimeLimit = Annotated[float | None, typer.Option(min=0, help="Seconds per extensive-form solve.")]
Out = Annotated[Path | None, typer.Option(help="Write robust.json into this folder.")]


CHANCES = ("exact", "cvar")


def register(app: typer.Typer) -> None:
    app.command()(robust)


def robust(
    path: Path_ = None,
    scenarios: Scenarios = 20,
    seed: Seed = 0,
    alpha: Alpha = None,
    per_target: PerTarget = False,
    objective: Objective = "npv",
    stage: Stage = "builds",
    chance: Chance = "exact",
    cvar_beta: CvarBeta = None,
    cvar_weight: CvarWeight = 1.0,
    spread: Spread = 0.0,
    price_sigma: PriceSigma = 0.0,
    correlated: Correlated = False,
    oos_samples: OosSamples = 2000,
    recourse_samples: RecourseSamples = 0,
    evpi: Evpi = True,
    time_limit: TimeLimit = None,
    out: Out = None,
) -> None:
    """Choose the builds that maximise the expected NPV (or profit) over N scenarios drawn
    by evaluate's sampler, optionally with a chance constraint on the EU targets; report
    the robust plan beside the nominal one, VSS, EVPI and an out-of-sample Monte Carlo of
    both plans on a fresh seed (docs/uncertainty.md)."""
    from rich.console import Console

    from plantopt.uncertainty.correlation import (
        default_composition_correlation,
        default_price_correlation,
    )
    from plantopt.uncertainty.robust import robust as run_robust
    from plantopt.uncertainty.robust_ef import STAGES, Risk

    if objective not in ("npv", "profit") or stage not in STAGES or chance not in CHANCES:
        Console(stderr=True).print(
            f"error: --objective must be npv or profit, --stage one of {', '.join(STAGES)} "
            f"and --chance exact or cvar (got {objective!r}, {stage!r}, {chance!r})"
        )
        raise typer.Exit(2)
    res = run_robust(
        path, scenarios, seed, alpha, objective, stage, per_target, spread,
        price_sigma, time_limit, oos_samples=oos_samples, evpi=evpi,
        risk=Risk(chance, cvar_beta, cvar_weight), recourse_samples=recourse_samples,
        price_correlation=default_price_correlation() if correlated else None,
        composition_correlation=default_composition_correlation() if correlated else None,
    )  # fmt: skip
    print_summary(Console(highlight=False), res.summary)
    if out is not None:
        _write_summary(out, res.summary)
    if not res.solved.ok:
        raise typer.Exit(1)


def _write_summary(out: Path, summary: dict[str, Any]) -> None:
    """``out/robust.json``, written atomically (the folder made if missing)."""
    from rich.console import Console

    from plantopt.atomic import write_bytes_atomic

    out.mkdir(parents=True, exist_ok=True)
    text = json.dumps(summary, indent=1, default=str)
    write_bytes_atomic(out / "robust.json", text.encode())
    Console(highlight=False).print(f"written to {out}/robust.json")


def _m(x: Any) -> str:
    return "-" if x is None else f"{x / 1e6:,.2f} M"


def print_summary(console: Any, s: dict[str, Any]) -> None:
    """Robust beside nominal: builds, expected objective, in and out of sample."""
    obj = s["settings"]["objective"]
    rob, nom = s["robust"], s.get("nominal", {})
    console.print(f"robust ({s['settings']['scenarios']} scenarios): {rob['status']}")
    if s.get("npv_rate_basis"):
        console.print(f"  every NPV at {s['npv_rate_basis']}")
    if "builds" in rob:
        console.print(f"  builds: {', '.join(rob['builds']) or 'none'}")
        console.print(f"  expected {obj}: {_m(rob['expected_' + obj])}")
        for k in [k for k in rob if k.startswith("cvar_")]:
            console.print(f"  {k.replace('_', ' ', 2)}: {_m(rob[k])}")
        console.print(f"  training P(all targets met): {rob['in_sample_all_targets_met']:.3f}")
    if "builds" in nom:
        console.print(f"nominal builds: {', '.join(nom['builds']) or 'none'}")
    console.print(f"EEV {_m(s.get('eev'))}  VSS {_m(s.get('vss'))}  EVPI {_m(s.get('evpi'))}")
    if "highest_alpha" in s:
        print_ceiling(console, s["settings"]["alpha"], s["highest_alpha"])
    oos = s.get("out_of_sample", {})
    for name in ("robust", "nominal"):
        r = oos.get(name)
        if r and "all_targets_met" in r:
            console.print(
                f"out of sample, {name}: P(all targets met) {r['all_targets_met']:.3f}, "
                f"P(profit > 0) {r['profit_positive']:.3f}, NPV ({s.get('npv_rate_basis') or '-'}) "
                "P5/P50/P95 "
                f"{_m(r['npv_p5_eur'])} / {_m(r['npv_p50_eur'])} / {_m(r['npv_p95_eur'])}"
            )
    rec = s.get("recourse", {})
    for name in ("robust", "nominal"):
        r = rec.get(name)
        if r and "all_targets_met" in r:
            console.print(
                f"with recourse ({rec['samples']} draws), {name}: P(all targets met) "
                f"{r['all_targets_met']:.3f} (of them met with no covered intake "
                f"{r['vacuous_share_of_met']:.3f}), mean {obj} {_m(r[obj + '_mean_eur'])} "
                f"(targets cost {_m(r['compliance_cost_eur'])}), P5/P50/P95 "
                f"{_m(r[obj + '_p5_eur'])} / {_m(r[obj + '_p50_eur'])} / {_m(r[obj + '_p95_eur'])}"
            )


def print_ceiling(console: Any, alpha: float, best: dict[str, Any]) -> None:
    """'alpha not reachable': the highest reachable alpha (all scenarios' extensive form),
    the per-scenario bound and the targets that block, with their shortfalls."""
    top = best.get("alpha_max")
    per = best.get("per_scenario", {})
    reach = "unknown" if top is None else f"{top:.3f}"
    ub = per.get("alpha_upper_bound")
    console.print(
        f"alpha {alpha} not reachable: the highest reachable alpha is {reach} (no scenario "
        f"alone reaches more than {'-' if ub is None else f'{ub:.3f}'}: "
        f"{len(per.get('scenarios_blocked', []))} of the training scenarios have no plan "
        "that meets their targets)"
    )
    for lab, share in per.get("blocking_share", {}).items():
        console.print(f"  blocked by {lab} in {share:.1%} of the scenarios")
    alone = per.get("alone_shortfall_t_per_yr", {})
    for sc, why in per.get("shortfall_t_per_yr", {}).items():
        text = why if isinstance(why, str) else ", ".join(
            f"{k} short by {v:,.2f} t/yr"
            + (" (even alone)" if alone.get(sc, {}).get(k, 0.0) > 1e-6 else " (with the others)")
            for k, v in why.items()
        )  # fmt: skip
        console.print(f"  scenario {sc}: {text}")
