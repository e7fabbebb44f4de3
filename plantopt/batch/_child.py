"""Child-process entry of a Dask task with a job time limit (``python -m``).

``python -m plantopt.batch._child JOB.pkl OUTCOME.pkl``: unpickle ``(job, solver_limit_s, hooks)``,
run :func:`plantopt.batch.worker.execute_job`, pickle the outcome atomically. The parent
kills this process when the job's wall-clock limit passes.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

from plantopt.batch.worker import execute_job


def main(argv: list[str]) -> int:
    src, dst = Path(argv[0]), Path(argv[1])
    job, solver_limit_s, hooks = pickle.loads(src.read_bytes())
    outcome = execute_job(job, solver_limit_s, hooks)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes(pickle.dumps(outcome))
    os.replace(tmp, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
