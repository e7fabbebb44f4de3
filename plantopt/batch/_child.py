"""Child-process entry of Dask tasks with a job time limit (``python -m``).

``python -m plantopt.batch._child --serve``: import plantopt once, then run job after job
from length-prefixed pickle frames on stdin, answering with outcome frames
(:mod:`plantopt.batch.job_process`). The parent kills this process when a job's wall-clock
limit passes.
"""

from __future__ import annotations

import sys

from plantopt.batch.job_process import protocol_streams, serve


def main(argv: list[str]) -> int:
    if argv != ["--serve"]:
        print("usage: python -m plantopt.batch._child --serve", file=sys.stderr)
        return 2
    return serve(*protocol_streams())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
