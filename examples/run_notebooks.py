"""Execute the example notebooks (time-bounded) and render each to ``docs/examples/*.html``.

    .venv/bin/python examples/run_notebooks.py [--timeout-s 900] [NOTEBOOK ...]

Each notebook runs in a fresh kernel of this Python (ipykernel) through nbclient; a cell
that raises, or a notebook that runs longer than ``--cell-timeout-s`` per cell or
``--timeout-s`` in all, fails the run (exit 1). ``.ci/run`` calls this after the tests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(path: Path, out_dir: Path, cell_timeout_s: int, deadline: float) -> float:
    """Execute ``path`` and write its HTML; return the seconds it took."""
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    nb = nbformat.read(path, as_version=4)
    left = max(1, int(deadline - time.monotonic()))
    t0 = time.monotonic()
    NotebookClient(
        nb,
        timeout=min(cell_timeout_s, left),
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    seconds = time.monotonic() - t0
    if time.monotonic() > deadline:
        raise TimeoutError(f"{path.name}: the notebooks ran past the time limit")
    html, _ = HTMLExporter().from_notebook_node(nb)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"{path.stem}.html").write_text(html)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--timeout-s", type=float, default=900.0)
    parser.add_argument("--cell-timeout-s", type=int, default=600)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "examples")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "examples").glob("*.ipynb"))
    deadline = time.monotonic() + args.timeout_s
    for path in paths:
        try:
            seconds = run(path, args.out, args.cell_timeout_s, deadline)
        except Exception as exc:  # a failing cell: name the notebook and stop
            print(f"FAILED {path.name}: {type(exc).__name__}: {str(exc)[-2000:]}", file=sys.stderr)
            return 1
        print(f"ok {path.name} in {seconds:.0f} s -> {args.out / (path.stem + '.html')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
