"""A persistent, killable job process for Dask tasks with a job time limit.

A Dask worker may be a daemonic process (no ``multiprocessing`` children), so the job runs in
a plain subprocess, ``python -m plantopt.batch._child --serve``, that imports plantopt once
and then solves job after job: the task sends ``(job, solver_limit_s, hooks)`` as one
length-prefixed pickle frame on the child's stdin and reads the outcome frame from its
stdout (the child moves its own prints to stderr first). If no outcome arrives within the
job's wall-clock limit the child is killed (SIGKILL) and the next job starts a new one; the
job is recorded as ``job_timeout``. A child that dies costs only its job (``crashed``).

One child per thread of the Dask worker process (``threading.local``), so tasks running
concurrently in one worker never share a child.
"""

from __future__ import annotations

import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from typing import IO, Any

HEADER = struct.Struct(">Q")  # frame length, bytes


def write_frame(stream: IO[bytes], obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)) + data)
    stream.flush()


def read_frame(stream: IO[bytes]) -> Any:
    """One frame; EOFError when the other side is gone."""
    head = _read_exact(stream, HEADER.size)
    return pickle.loads(_read_exact(stream, HEADER.unpack(head)[0]))


def _read_exact(stream: IO[bytes], n: int) -> bytes:
    chunks, left = [], n
    while left:
        b = stream.read(left)
        if not b:
            raise EOFError("job process closed its pipe")
        chunks.append(b)
        left -= len(b)
    return b"".join(chunks)


class JobProcess:
    """One ``_child --serve`` subprocess."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "plantopt.batch._child", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def run(self, payload: tuple, time_limit_s: float | None) -> tuple[str, Any]:
        """("done", outcome), ("timeout", None) or ("crashed", exit code)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        try:
            write_frame(self.proc.stdin, payload)
        except (BrokenPipeError, OSError):
            return "crashed", self.proc.poll()
        deadline = None if time_limit_s is None else time.monotonic() + time_limit_s
        fd = self.proc.stdout.fileno()
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                try:
                    return "done", read_frame(self.proc.stdout)
                except EOFError:
                    self.proc.wait()
                    return "crashed", self.proc.returncode
            if deadline is not None and time.monotonic() >= deadline:
                self.kill()
                return "timeout", None

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None


_LOCAL = threading.local()


def run_job_in_process(payload: tuple, time_limit_s: float | None) -> tuple[str, Any]:
    """Run ``payload`` in this thread's persistent job process (started on first use)."""
    proc: JobProcess | None = getattr(_LOCAL, "proc", None)
    if proc is None or not proc.alive:
        proc = _LOCAL.proc = JobProcess()
    kind, value = proc.run(payload, time_limit_s)
    if kind != "done":
        _LOCAL.proc = None  # killed or dead: the next job gets a fresh process
    return kind, value


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> int:
    """Child loop: read a job frame, run it, write the outcome frame, until stdin closes."""
    from plantopt.batch.worker import execute_job, warm_up

    warm_up()  # imports and freezes once (the first job paid these imports lazily before)
    while True:
        try:
            job, solver_limit_s, hooks = read_frame(stdin)
        except EOFError:
            return 0
        write_frame(stdout, execute_job(job, solver_limit_s, hooks))


def protocol_streams() -> tuple[IO[bytes], IO[bytes]]:
    """Binary stdin, and a private copy of stdout; fd 1 then points at stderr.

    HiGHS and libraries print to fd 1; moving them to stderr keeps the frames clean.
    """
    out_fd = os.dup(1)
    os.dup2(2, 1)
    return sys.stdin.buffer, os.fdopen(out_fd, "wb")
