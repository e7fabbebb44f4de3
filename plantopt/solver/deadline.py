"""One deadline for a whole command: load, route tree, build, solve and extraction.

``--time-limit T`` bounds the wall time of ``plantopt solve``, not only the solver: a
:class:`Deadline` is created when the command starts (backdated to the start of the process,
so imports count too) and travels in :class:`~plantopt.solver.types.SolveOptions`. Between
phases :meth:`Deadline.check` stops the command once the time is up
(:class:`TimeLimitReached`, exit 4: no solution within the time limit). The solver gets what
is left, minus a reserve for reading the solution back into tables and writing them:

    solver limit = T - elapsed - reserve,   reserve = 0.5 s + 0.25 * elapsed

(the phases before the solver — route tree, build, hand-off — scale with the model like the
extraction after it, so the elapsed time is the estimate of what extraction will need).

The command line also arms :meth:`Deadline.watchdog`: a ``SIGALRM`` at ``T + 0.3 s`` raises
:class:`TimeLimitReached` in the middle of a long phase (Python code between two checks), so
the wall time stays within ``T + 0.3 s`` plus the interpreter's exit even when a single phase
takes longer than the whole limit. Once the solver has returned, the watchdog moves to
``T + 1.5 s``, so a solution found within the limit survives a slow read-back. The Python
API uses the checks only (no signals).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from plantopt.instance.errors import PlantoptError

#: the solver leaves at least this much of the limit for extraction, writing and exit (s)
MIN_RESERVE_S = 0.5
#: ... plus this share of the time already spent before it
RESERVE_SHARE = 0.25
#: the watchdog fires this long after the deadline (s): the checks between phases come first
WATCHDOG_GRACE_S = 0.3
#: ... and this long once the solver has returned (extraction, diagnosis): a solution found
#: within the limit is not thrown away for a slow read-back
AFTER_SOLVE_GRACE_S = 1.5
AFTER_SOLVE_PHASES = ("extract", "diagnosis")


class TimeLimitReached(PlantoptError):
    """The command's time limit passed before a solution was found (exit 4)."""

    def __init__(self, phase: str, limit_s: float, elapsed_s: float) -> None:
        self.phase, self.limit_s, self.elapsed_s = phase, limit_s, elapsed_s
        super().__init__(
            f"no solution within the time limit of {limit_s:g} s: stopped "
            f"during {phase} after {elapsed_s:.1f} s"
        )


def process_started(young_s: float = 3.0) -> float:
    """``time.monotonic()`` at which this process started, if it started less than
    ``young_s`` ago (a command-line process: its start-up counts against the limit);
    otherwise now (a long-running process calling the command, e.g. a test)."""
    now = time.monotonic()
    age = _process_age_s()
    if age is None:
        return now
    return now - age if 0.0 <= age < young_s else now


def _process_age_s() -> float | None:
    """Seconds since this process started: from /proc on Linux (no psutil import, which
    costs ~40 ms of every command's start-up), else psutil; None when neither works."""
    try:
        with open("/proc/self/stat") as fh:
            after_name = fh.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime") as fh:
            uptime_s = float(fh.read().split()[0])
        # field 22 of /proc/self/stat (starttime, clock ticks after boot); after_name[0] is 3
        return uptime_s - int(after_name[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import psutil

        return time.time() - psutil.Process(os.getpid()).create_time()
    except Exception:  # no psutil, or no access to the process table
        return None


@dataclass(eq=False)  # compared and hashed by identity: SolveOptions stays hashable
class Deadline:
    """Seconds left of a time limit measured from ``started`` (``time.monotonic()``)."""

    limit_s: float | None
    started: float = field(default_factory=time.monotonic)
    phase: str = "start"
    _armed: bool = field(default=False, repr=False)

    @classmethod
    def start(cls, limit_s: float | None, from_process_start: bool = False) -> Deadline:
        """A deadline from now, or from the start of the process (command-line use)."""
        if limit_s is not None and not math.isfinite(limit_s):
            raise PlantoptError(f"time limit {limit_s!r}: expected a finite number of seconds")
        return cls(limit_s, process_started() if from_process_start else time.monotonic())

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def left(self) -> float | None:
        """Seconds left (may be negative); None without a limit."""
        return None if self.limit_s is None else self.limit_s - self.elapsed()

    def check(self, phase: str) -> None:
        """Raise :class:`TimeLimitReached` if the time is up; ``phase`` is what comes next."""
        left = self.left()
        if left is not None and left <= 0:
            assert self.limit_s is not None  # left() is None without a limit
            raise TimeLimitReached(phase, float(self.limit_s), self.elapsed())
        self.phase = phase

    def enter(self, phase: str) -> None:
        """Record the phase; after the solver, the watchdog waits AFTER_SOLVE_GRACE_S."""
        self.phase = phase
        left = self.left()
        if phase in AFTER_SOLVE_PHASES and self._armed and left is not None:
            signal.setitimer(signal.ITIMER_REAL, max(0.001, left + AFTER_SOLVE_GRACE_S))

    def solver_limit(self) -> float | None:
        """Seconds the solver may use now: what is left minus the extraction reserve."""
        left = self.left()
        if left is None:
            return None
        reserve = MIN_RESERVE_S + RESERVE_SHARE * self.elapsed()
        return max(0.0, left - reserve)

    def check_solver_time(self, phase: str = "solve") -> None:
        """Raise :class:`TimeLimitReached` when the solver would get no time at all
        (:meth:`solver_limit` is 0): HiGHS would still run its presolve, past the limit and
        out of the watchdog's reach (native code), to return no solution."""
        limit = self.solver_limit()
        if limit is not None and limit <= 0.0:
            assert self.limit_s is not None  # solver_limit() is None without a limit
            raise TimeLimitReached(phase, float(self.limit_s), self.elapsed())
        self.phase = phase

    @contextlib.contextmanager
    def watchdog(self, grace_s: float = WATCHDOG_GRACE_S) -> Iterator[None]:
        """Raise :class:`TimeLimitReached` from wherever the main thread is at limit + grace.

        A no-op without a limit, off the main thread, or where ``SIGALRM`` does not exist.
        """
        left, limit_s = self.left(), self.limit_s
        usable = (
            hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        )
        if left is None or limit_s is None or not usable:
            yield
            return

        def fire(signum: int, frame: object) -> None:
            raise TimeLimitReached(self.phase, float(limit_s), self.elapsed())

        previous = signal.signal(signal.SIGALRM, fire)
        signal.setitimer(signal.ITIMER_REAL, max(0.001, left + grace_s))
        self._armed = True
        try:
            yield
        finally:
            self._armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


__all__ = ["Deadline", "TimeLimitReached", "process_started"]
