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
xbar rounded on the build binaries. The chance constraint couples scenarios, so it is not
decomposed here: PH solves the SAA with the targets hard in every scenario (``robust``'s
extensive form without ``--alpha``). mpi4py and mpi-sppy are the ``mpi`` extra
(``pip install plantopt[mpi]``, OpenMPI from the system: docs/uncertainty.md).
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
) -> Any:
    """The Pyomo model of scenario ``name`` with its root node attached (mpi-sppy)."""
    from mpisppy.utils.sputils import attach_root_node

    from plantopt.model.pipeline import build_model, families_of
    from plantopt.uncertainty.robust_scenarios import draw_scenarios

    assert instance is not None
    s = int(name[1:])
    sc = draw_scenarios(instance, 1, seed, SamplingOptions(**(options or {})), first=s)[0]
    fams = families_of(sc.instance, sc.tree)
    model = build_model(sc.instance, objective, tree=sc.tree, families=fams)
    first = first_stage_columns(fams.layout, stage)
    cols = [model.plantopt_columns[j] for j in first]
    cost = fams.objectives[objective][first]
    firstobj = sum(float(c) * v for c, v in zip(cost, cols) if c != 0.0)
    attach_root_node(model, firstobj, cols)
    model._mpisppy_probability = 1.0 / n_scenarios
    return model


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
) -> dict[str, Any]:
    """Run PH on every rank; returns (on every rank) xbar of the first stage and PH's figures.

    ``rho`` defaults to 10 % of the largest |first-stage cost| of scenario 0, a common
    cost-proportional choice (Watson and Woodruff 2011)."""
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
    return {
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


def _label(lay: Any, j: int) -> str:
    t, k = divmod(int(j), lay.block)
    suffix = f"@{t}" if lay.n_periods > 1 else ""
    if lay.build0 <= k < lay.run0:
        u, o = lay.options[k - lay.build0]
        return f"{u}={o}{suffix}"
    return f"accept:{lay.feeds[k]}{suffix}"


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
    a = p.parse_args(argv)
    sampling = {"comp_spread": a.spread, "tc_spread": a.spread, "price_sigma": a.price_sigma}
    res = run_ph(load_instance(a.instance), a.scenarios, a.seed, sampling, a.objective,
                 a.stage, a.iterations, a.rho, a.convthresh)  # fmt: skip
    res["ranks"] = MPI.COMM_WORLD.Get_size()
    if MPI.COMM_WORLD.Get_rank() == 0:
        text = json.dumps(res, indent=1)
        if a.out is not None:
            from plantopt.atomic import write_bytes_atomic

            write_bytes_atomic(a.out, text.encode())
        print(text)


if __name__ == "__main__":
    main()
