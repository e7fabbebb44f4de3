"""Progressive hedging over MPI with mpi-sppy: the SAA of ``robust`` for larger N.

    mpiexec -n 4 python -m plantopt.uncertainty.robust_ph instances/nl-2027 \\
        --scenarios 200 --seed 1 --spread 0.05 --price-sigma 0.3 --out ph.json

Each rank creates only its own scenarios: scenario s is sample s of ``evaluate --seed``
(:func:`plantopt.uncertainty.robust_scenarios.draw_scenarios` with ``first=s``), emitted as
the Pyomo model of :func:`plantopt.build_model` on the scenario's instance and route tree
(the same row families as the extensive form; no second copy of the model). The
non-anticipative variables are the first-stage columns of :mod:`.robust_ef` (builds, and
accept with ``--stage contracts``), the first-stage cost their part of the objective,
p_s = 1/N. PH (Rockafellar and Wets 1991) iterates

    w_s <- w_s + rho (x_s - xbar),   x_s = argmax c_s x - w_s x - rho/2 |x - xbar|^2

(the proximal term is linear on binaries, ``linearize_binary_proximal_terms``) until the
mean |x_s - xbar| is below ``--convthresh`` or ``--iterations`` is reached; the plan is
xbar rounded on the build binaries. Without ``--alpha`` the targets are hard in every
scenario (``robust``'s extensive form without ``--alpha``). With ``--alpha`` the joint chance
constraint sum_s p_s z_s <= 1 - alpha is dualised (Lagrangian relaxation,
:mod:`.robust_ph_chance`): each scenario has its own indicator z_s, its target rows are the
``chance_target`` rows of the extensive form (same big-M) and its objective is
V_s - mu z_s; mu is searched and every PH plan is valued exactly on the training scenarios.
mpi4py and mpi-sppy are the ``mpi`` extra (``pip install plantopt[mpi]``, OpenMPI from the
system: docs/uncertainty.md).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from plantopt.instance.instance import Instance
from plantopt.uncertainty.robust_ef import first_stage_columns
from plantopt.uncertainty.spec import SamplingOptions


def scenario_name(s: int) -> str:
    return f"s{s}"


def scenario_creator(
    name: str,
    instance: Instance | None = None,
    seed: int = 0,
    options: dict[str, Any] | None = None,
    objective: str = "npv",
    stage: str = "builds",
    n_scenarios: int = 1,
    mu: float | None = None,
) -> Any:
    """The Pyomo model of scenario ``name`` with its root node attached (mpi-sppy).

    ``mu`` (the chance constraint's multiplier): the target rows get the scenario's
    indicator z_s (:func:`attach_chance`) and the objective becomes V_s - mu z_s."""
    from mpisppy.utils.sputils import attach_root_node

    from plantopt.model.pipeline import build_model, families_of
    from plantopt.uncertainty.robust_scenarios import draw_scenarios

    assert instance is not None
    s = int(name[1:])
    sc = draw_scenarios(instance, 1, seed, SamplingOptions(**(options or {})), first=s)[0]
    fams = families_of(sc.instance, sc.tree)
    model = build_model(sc.instance, objective, tree=sc.tree, families=fams)
    if mu is not None:
        attach_chance(model, fams, objective, stage, mu)
    first = first_stage_columns(fams.layout, stage)
    cols = [model.plantopt_columns[j] for j in first]
    cost = fams.objectives[objective][first]
    firstobj = sum(float(c) * v for c, v in zip(cost, cols) if c != 0.0)
    attach_root_node(model, firstobj, cols)
    model._mpisppy_probability = 1.0 / n_scenarios
    return model


def attach_chance(model: Any, fams: Any, objective: str, stage: str, mu: float) -> None:
    """Replace the scenario's target_ratio constraints by its chance_target rows (the rows
    of the one-scenario extensive form, :func:`plantopt.model.families.scenarios.chance_target`,
    over the model's columns and a binary ``ph_z``) and activate max V_s - mu z_s."""
    import pyomo.environ as pyo

    from plantopt.model.emit_pyomo import _relations, _Terms
    from plantopt.uncertainty.robust_ef import extensive_form

    one = extensive_form([fams], objective, stage, alpha=0.0, anticipative=True)
    rows = [f for _, f in one.rows if f.name == "chance_target" and f.n]
    model.ph_z = pyo.Var(domain=pyo.Binary, doc="1: the scenario may miss its targets")
    cols = [*model.plantopt_columns, model.ph_z]
    assert int(one.risk_cols["z"].ravel()[0]) == len(cols) - 1
    terms = _Terms({id(f): f.matrix(len(cols)) for f in rows}, cols)
    rels = [r for f in rows for r in _relations(terms.linear(f, None), f)]
    model.ph_chance_target = pyo.Constraint(range(len(rels)), rule=lambda b, i: rels[i])
    blocks = [model.period[k] for k in model.period] if fams.multi else [model]
    for blk in blocks:
        blk.target_ratio.deactivate()
    for name in ("recovery", "profit", "npv"):
        getattr(model, f"obj_{name}").deactivate()
    value = model.weighted_recovery if objective == "recovery" else getattr(model, objective)
    model.obj_ph = pyo.Objective(expr=value - mu * model.ph_z, sense=pyo.maximize)


def ph_options(iterations: int, rho: float, convthresh: float) -> dict[str, Any]:
    return {
        "asynchronousPH": False,
        "solver_name": "appsi_highs",
        "PHIterLimit": iterations,
        "defaultPHrho": rho,
        "convthresh": convthresh,
        "verbose": False,
        "display_timing": False,
        "display_progress": False,
        "iter0_solver_options": {"mip_rel_gap": 1e-6},
        "iterk_solver_options": {"mip_rel_gap": 1e-6},
        "linearize_binary_proximal_terms": True,
        "linearize_proximal_terms": True,
        "proximal_linearization_tolerance": 1e-2,
    }


def run_ph(
    instance: Instance,
    scenarios: int,
    seed: int,
    sampling: dict[str, Any],
    objective: str = "npv",
    stage: str = "builds",
    iterations: int = 50,
    rho: float | None = None,
    convthresh: float = 1e-4,
    mu: float | None = None,
) -> dict[str, Any]:
    """Run PH on every rank; returns (on every rank) xbar of the first stage and PH's figures.

    ``rho`` defaults to 10 % of the largest |first-stage cost| of scenario 0, a common
    cost-proportional choice (Watson and Woodruff 2011). ``mu``: PH of the Lagrangian
    relaxation of the chance constraint at that multiplier (:func:`attach_chance`)."""
    return ph_run(instance, scenarios, seed, sampling, objective, stage, iterations, rho,
                  convthresh, mu)[0]  # fmt: skip


def ph_run(
    instance: Instance,
    scenarios: int,
    seed: int,
    sampling: dict[str, Any],
    objective: str,
    stage: str,
    iterations: int,
    rho: float | None,
    convthresh: float,
    mu: float | None,
) -> tuple[dict[str, Any], Any, np.ndarray]:
    """:func:`run_ph`, the mpi-sppy PH object (its local scenario names) and the plan
    (xbar rounded on the integer columns, over ``first_stage_columns``)."""
    from mpisppy.opt.ph import PH

    from plantopt.model.pipeline import families_of

    fams0 = families_of(instance)
    first = first_stage_columns(fams0.layout, stage)
    if rho is None:
        rho = max(0.1 * float(np.abs(fams0.objectives[objective][first]).max(initial=0.0)), 1.0)
    names = [scenario_name(s) for s in range(scenarios)]
    kwargs = {
        "instance": instance,
        "seed": seed,
        "options": sampling,
        "objective": objective,
        "stage": stage,
        "n_scenarios": scenarios,
        "mu": mu,
    }
    ph = PH(ph_options(iterations, rho, convthresh), names, scenario_creator,
            scenario_creator_kwargs=kwargs)  # fmt: skip
    conv, eobj, bound = ph.ph_main()
    model = next(iter(ph.local_scenarios.values()))
    xbar = np.array(
        [float(model._mpisppy_model.xbars[k].value) for k in model._mpisppy_data.nonant_indices]
    )
    integ = fams0.layout.integrality()[first] > 0
    plan = np.where(integ, np.round(xbar), xbar)
    labels = [_label(fams0.layout, j) for j in first]
    res = {
        "scenarios": scenarios,
        "seed": seed,
        "iterations": int(ph._PHIter),
        "convergence": float(conv),
        "expected_objective": None if eobj is None else float(eobj),
        "bound": None if bound is None else float(bound),
        "rho": rho,
        "first_stage": {lab: float(v) for lab, v in zip(labels, plan)},
        "builds": [lab for lab, v, i in zip(labels, plan, integ) if i and v > 0.5],
    }
    return res, ph, plan


def _label(lay: Any, j: int) -> str:
    t, k = divmod(int(j), lay.block)
    suffix = f"@{t}" if lay.n_periods > 1 else ""
    if lay.build0 <= k < lay.run0:
        u, o = lay.options[k - lay.build0]
        return f"{u}={o}{suffix}"
    if k < lay.n_feeds:
        return f"accept:{lay.feeds[k]}{suffix}"
    return f"segment:{k - lay.segment0}{suffix}"


def main(argv: list[str] | None = None) -> None:
    """``python -m plantopt.uncertainty.robust_ph INSTANCE ...`` (under mpiexec)."""
    from mpi4py import MPI

    from plantopt.instance.loader import load_instance

    p = argparse.ArgumentParser(prog="python -m plantopt.uncertainty.robust_ph")
    p.add_argument("instance")
    p.add_argument("--scenarios", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--spread", type=float, default=0.0)
    p.add_argument("--price-sigma", type=float, default=0.0)
    p.add_argument("--objective", default="npv", choices=("npv", "profit"))
    p.add_argument("--stage", default="builds", choices=("builds", "contracts"))
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--rho", type=float, default=None)
    p.add_argument("--convthresh", type=float, default=1e-4)
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--alpha", type=float, default=None, help="P(all targets met) >= alpha")
    p.add_argument("--mu-steps", type=int, default=6, help="bisection steps of the multiplier")
    a = p.parse_args(argv)
    if a.alpha is not None and not 0.0 < a.alpha <= 1.0:
        p.error(f"--alpha must be in (0, 1], not {a.alpha}")
    sampling = {"comp_spread": a.spread, "tc_spread": a.spread, "price_sigma": a.price_sigma}
    inst = load_instance(a.instance)
    if a.alpha is None:
        res = run_ph(inst, a.scenarios, a.seed, sampling, a.objective, a.stage, a.iterations,
                     a.rho, a.convthresh)  # fmt: skip
    else:
        from plantopt.uncertainty.robust_ph_chance import run_ph_chance

        res = run_ph_chance(inst, a.scenarios, a.seed, sampling, a.alpha, a.objective, a.stage,
                            a.mu_steps, ph_run, iterations=a.iterations, rho=a.rho,
                            convthresh=a.convthresh)  # fmt: skip
    res["ranks"] = MPI.COMM_WORLD.Get_size()
    if MPI.COMM_WORLD.Get_rank() == 0:
        text = json.dumps(res, indent=1)
        if a.out is not None:
            from plantopt.atomic import write_bytes_atomic

            write_bytes_atomic(a.out, text.encode())
        print(text)


if __name__ == "__main__":
    main()
