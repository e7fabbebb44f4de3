"""Child-process entry of a Dask task with a job time limit (``python -m``).

``python -m plantopt.batch._child JOB.pkl OUTCOME.pkl``: unpickle ``(job, solver_limit_s, hooks)``,
run :func:`plantopt.batch.worker.execute_job`, pickle the outcome atomically. The parent
kills this process when the job's wall-clock limit passes.
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

from plantopt.atomic import write_bytes_atomic
from plantopt.batch.worker import execute_job


def main(argv: list[str]) -> int:
    src, dst = Path(argv[0]), Path(argv[1])
    job, solver_limit_s, hooks = pickle.loads(src.read_bytes())
    outcome = execute_job(job, solver_limit_s, hooks)
    write_bytes_atomic(dst, pickle.dumps(outcome))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
