"""Run jobs on a local process pool or a Dask cluster, with a hard per-job time limit.

Local pool: ``workers`` long-lived processes (forkserver start method on Linux, so a fresh
worker forks from a process that has already imported plantopt). Each takes one job at a
time, writes its result folder and record to the store itself and reports back. The parent
enforces the wall-clock limit per job at process level: when a job runs longer than
``job_time_limit_s`` its worker is killed (SIGKILL) and replaced, and the job is recorded as
``job_timeout`` (HiGHS presolve does not always honour its own time limit). A worker that
dies (killed from outside, or crashing in native code) costs only the job it was running,
recorded as ``crashed``; every finished job is already on disk. A worker that saved its job
and died (or was killed at its limit) before it could report it keeps the record it saved:
the parent reads it back instead of writing ``crashed`` or ``job_timeout`` over it.

Dask: the same jobs are submitted to ``Client(scheduler)``; the client writes the outcomes
to the store (workers need not share its file system). With a job time limit each task runs
its job in a persistent child process of its Dask worker thread (``python -m
plantopt.batch._child --serve``: imports once, solves many), killed and replaced when a job
passes the limit (:mod:`plantopt.batch.job_process`); without one the job runs in the Dask
worker process.

With a job time limit and no ``time_limit`` of the job's own, HiGHS gets 80 % of the job
limit as its time limit, so that a slow solve can still return its best solution before
the process is killed.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
import uuid
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from plantopt.batch.job_process import run_job_in_process
from plantopt.batch.scenarios import Job
from plantopt.batch.store import Store
from plantopt.batch.worker import (
    CRASHED,
    JOB_TIMEOUT,
    Outcome,
    base_record,
    dies_after_save,
    execute_job,
    hooks_from_env,
    warm_up,
)
from plantopt.instance.errors import PlantoptError

SOLVER_SHARE_OF_JOB_LIMIT = 0.8
Record = dict[str, Any]


def solver_limit_for(job_time_limit_s: float | None) -> float | None:
    return None if job_time_limit_s is None else SOLVER_SHARE_OF_JOB_LIMIT * job_time_limit_s


def _failed_record(
    job: Job, status: str, error: str, started: float, rss_mib: float | None = None
) -> Record:
    rec = base_record(job)
    rec.update(
        status=status,
        error=error,
        started_at=started,
        finished_at=time.time(),
        wall_s=time.time() - started,
        peak_rss_mib=rss_mib,
        pid=None,
    )
    return rec


def _worker_main(conn: Any, store: Store, solver_limit_s: float | None) -> None:
    """Loop of a local worker process: receive a job, solve, save, report."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    warm_up()  # before "ready": the job clock starts only when a job is assigned
    try:
        conn.send(("ready", os.getpid()))
        while True:
            msg = conn.recv()
            if msg is None:
                return
            job, hooks = msg
            outcome = execute_job(job, solver_limit_s, hooks)
            record = store.save(outcome)  # on disk before the parent hears of it
            if dies_after_save(job.job_id, hooks):
                os.kill(os.getpid(), signal.SIGKILL)
            conn.send(("done", record))
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the parent is gone; everything finished is already saved


class _Worker:
    def __init__(self, ctx: Any, store: Store, solver_limit_s: float | None) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_worker_main, args=(child, store, solver_limit_s), daemon=True
        )
        self.proc.start()
        child.close()
        self.ready = False
        self.job: Job | None = None
        self.started = 0.0

    def assign(self, job: Job, hooks: dict[str, str]) -> None:
        self.job, self.started = job, time.monotonic()
        self.conn.send((job, hooks))

    def rss_mib(self) -> float | None:
        try:
            import psutil

            return psutil.Process(self.proc.pid).memory_info().rss / 2**20
        except Exception:
            return None

    def stop(self, kill: bool = False) -> None:
        if kill or self.job is not None:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                self.proc.kill()
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


def _context() -> Any:
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(["plantopt.api", "plantopt.batch.worker"])
        return ctx
    return mp.get_context("spawn")


def run_local(
    jobs: list[Job],
    store: Store,
    workers: int,
    job_time_limit_s: float | None,
    on_record: Callable[[Record], None],
) -> None:
    """Run jobs on ``workers`` local processes; call ``on_record`` as each one ends."""
    if not jobs:
        return
    ctx = _context()
    solver_limit = solver_limit_for(job_time_limit_s)
    root = store
    pending = deque(jobs)
    hooks = hooks_from_env()
    pool = [_Worker(ctx, root, solver_limit) for _ in range(max(1, min(workers, len(jobs))))]
    try:
        while pending or any(w.job is not None for w in pool):
            for w in pool:
                if w.ready and w.job is None and pending:
                    w.assign(pending.popleft(), hooks)
            timeout = 0.5
            busy = [w for w in pool if w.job is not None]
            if job_time_limit_s is not None and busy:
                left = min(w.started + job_time_limit_s - time.monotonic() for w in busy)
                timeout = min(timeout, max(left, 0.0) + 0.01)
            wait([w.conn for w in pool] + [w.proc.sentinel for w in pool], timeout)
            for i, w in enumerate(pool):
                pool[i] = _poll_worker(
                    w, ctx, root, solver_limit, job_time_limit_s, store, on_record
                )
    finally:
        for w in pool:
            w.stop(kill=w.job is not None)


def _poll_worker(
    w: _Worker,
    ctx: Any,
    root: Store,
    solver_limit: float | None,
    job_time_limit_s: float | None,
    store: Store,
    on_record: Callable[[Record], None],
) -> _Worker:
    """Handle one worker's messages, death or overrun; return it or its replacement."""
    msg = None
    if w.conn.poll():
        try:
            msg = w.conn.recv()
        except (EOFError, OSError):
            msg = None
    if msg is not None:
        kind, payload = msg
        if kind == "ready":
            w.ready = True
        elif kind == "done":
            w.job = None
            on_record(payload)
        return w
    if not w.proc.is_alive():
        if w.job is None:
            if not w.ready:
                raise RuntimeError(f"a batch worker failed to start (exit code {w.proc.exitcode})")
        else:
            code = w.proc.exitcode
            why = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
            rec = _failed_record(
                w.job,
                CRASHED,
                f"worker process died ({why})",
                time.time() - (time.monotonic() - w.started),
            )
            on_record(_saved_or_written(w, store, rec))
        w.job = None
        w.stop(kill=True)
        return _Worker(ctx, root, solver_limit)
    if (
        w.job is not None
        and job_time_limit_s is not None
        and time.monotonic() - w.started > job_time_limit_s
    ):
        rss = w.rss_mib()
        rec = _failed_record(
            w.job,
            JOB_TIMEOUT,
            f"killed after the job wall-clock limit of {job_time_limit_s:g} s",
            time.time() - (time.monotonic() - w.started),
            rss,
        )
        w.stop(kill=True)
        on_record(_saved_or_written(w, store, rec))
        return _Worker(ctx, root, solver_limit)
    return w


def _saved_or_written(w: _Worker, store: Store, failed: Record) -> Record:
    """The record this worker saved for its job if it saved one before it died or was
    killed (it does so before it reports), else ``failed``, written to the store."""
    assert w.job is not None
    saved = store.read_record(w.job.job_id)
    since = failed["started_at"] - 1.0  # this assignment's start, wall clock, with slack
    if (
        saved is not None
        and saved.get("pid") == w.proc.pid
        and float(saved.get("started_at") or 0.0) >= since
    ):
        return saved
    store.write_record(failed)
    return failed


def dask_job(
    job: Job,
    job_time_limit_s: float | None,
    solver_limit_s: float | None,
    hooks: dict[str, str] | None = None,
) -> Outcome:
    """A Dask task: the job in this process, or in a persistent child killed at the limit."""
    if job_time_limit_s is None:
        return execute_job(job, solver_limit_s, hooks)
    started = time.time()
    kind, value = run_job_in_process((job, solver_limit_s, hooks), job_time_limit_s)
    if kind == "done":
        return value
    if kind == "timeout":
        return Outcome(
            _failed_record(
                job,
                JOB_TIMEOUT,
                f"killed after the job wall-clock limit of {job_time_limit_s:g} s",
                started,
            )
        )
    return Outcome(_failed_record(job, CRASHED, f"job process died (exit code {value})", started))


def run_dask(
    jobs: list[Job],
    store: Store,
    scheduler: str,
    job_time_limit_s: float | None,
    on_record: Callable[[Record], None],
) -> None:
    """Run jobs on the Dask cluster at ``scheduler``; the client writes the store."""
    from distributed import Client, as_completed

    if not jobs:
        return
    solver_limit = solver_limit_for(job_time_limit_s)
    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise PlantoptError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        tag = uuid.uuid4().hex[:8]
        hooks = hooks_from_env()
        futures = {
            client.submit(
                dask_job,
                job,
                job_time_limit_s,
                solver_limit,
                hooks,
                pure=False,
                key=f"plantopt-{job.job_id}-{tag}",
            ): job
            for job in jobs
        }
        started = time.time()
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # KilledWorker, lost connection, ...
                outcome = Outcome(
                    _failed_record(job, CRASHED, f"{type(exc).__name__}: {exc}", started)
                )
            on_record(store.save(outcome))
