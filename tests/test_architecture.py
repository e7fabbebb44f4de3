"""The package structure: layers that only point down, no import cycles, heavy libraries only
where they are used (the command line's ``--help`` and ``validate`` stay light)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "plantopt"

# bottom to top; a module may import from its own layer or any layer below
LAYERS: list[set[str]] = [
    {"atomic", "instance", "data"},
    {"routetree"},
    {"model"},
    {"solver"},
    {"results"},
    {"regulation", "business"},
    {"api"},
    {"studies", "uncertainty", "batch", "report"},
    {"cli"},
]
LAYER_OF = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    rel = Path(*name.split("."))
    return (ROOT / rel).with_suffix(".py").exists() or (ROOT / rel / "__init__.py").exists()


def _imports(path: Path) -> set[str]:
    """Absolute plantopt modules imported anywhere in ``path`` (function-level included)."""
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import (use absolute plantopt imports)"
            if node.module and node.module.startswith("plantopt"):
                subs = {f"{node.module}.{a.name}" for a in node.names}
                found = {m for m in subs if _is_module(m)}
                out.update(found or {node.module})
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("plantopt"))
    return out


def _graph() -> dict[str, set[str]]:
    files = [p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts]
    return {_module_name(p): _imports(p) for p in files}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_subpackage_has_a_layer() -> None:
    tops = {_top(m) for m in _graph()} - {""}
    assert tops <= set(LAYER_OF), f"packages without a layer: {tops - set(LAYER_OF)}"


def test_imports_point_down() -> None:
    upward = []
    for module, imported in _graph().items():
        src = _top(module)
        if not src:
            continue  # plantopt/__init__.py: the lazy public face
        for target in imported:
            dst = _top(target)
            if dst and LAYER_OF[dst] > LAYER_OF[src]:
                upward.append(f"{module} -> {target}")
    assert not upward, "imports that point up a layer:\n" + "\n".join(sorted(upward))


def test_no_import_cycles() -> None:
    graph = _graph()
    known = set(graph)

    def resolve(target: str) -> str | None:
        while target and target not in known:
            target = target.rpartition(".")[0]
        return target or None

    edges = {m: {r for t in ts if (r := resolve(t)) and r != m} for m, ts in graph.items()}
    state: dict[str, int] = {}
    for start in edges:
        if state.get(start):
            continue
        stack = [(start, iter(sorted(edges[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(nxt) == 1:
                pytest.fail("import cycle: " + " -> ".join(path[path.index(nxt) :] + [nxt]))
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(sorted(edges.get(nxt, ())))))


HEAVY = ("numba", "pyomo", "dask", "plotly", "matplotlib", "mpi4py", "mpisppy")


@pytest.mark.parametrize(
    "argv", [["--help"], ["validate", str(ROOT / "instances" / "tiny")]], ids=["help", "validate"]
)
def test_light_commands_import_no_heavy_library(argv: list[str]) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['plantopt', *{argv!r}]\n"
        "from plantopt.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout[-500:]


# ---------------------------------------------------------------------------------------------
# Function length: no function over 60 lines outside numba kernels (issue 11).
MAX_FUNCTION_LINES = 60
JIT_NAMES = {"jit", "njit", "vectorize", "guvectorize", "cfunc", "stencil"}

# Current offenders owned by other engineers, as "path relative to plantopt/::qualified name".
# Split the function to <= 60 lines and remove its entry (a stale entry fails the test too).
ALLOWLIST: set[str] = set()


def _jit_name(node: ast.expr) -> bool:
    """True for ``njit``, ``numba.njit``, ``njit(...)`` and the like."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr in JIT_NAMES
    return isinstance(node, ast.Name) and node.id in JIT_NAMES


def _late_jitted(tree: ast.Module) -> set[str]:
    """Names compiled after their definition, as ``f = njit(cache=True)(f)`` or ``njit(f)``."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
            if _jit_name(node.func) or (
                isinstance(node.func, ast.Call) and _jit_name(node.func.func)
            ):
                out.add(node.args[0].id)
    return out


def _long_functions(path: Path) -> dict[str, int]:
    """``qualified name -> lines`` of every function in ``path`` over the limit, numba kernels
    (decorated with a numba jit, or compiled by ``njit(...)(f)`` in the module) excepted."""
    tree = ast.parse(path.read_text())
    late = _late_jitted(tree)
    out: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                lines = (child.end_lineno or child.lineno) - child.lineno + 1
                kernel = child.name in late or any(_jit_name(d) for d in child.decorator_list)
                if lines > MAX_FUNCTION_LINES and not kernel:
                    out[name] = lines
                visit(child, f"{name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")
            else:
                visit(child, prefix)

    visit(tree, "")
    return out


def test_functions_at_most_60_lines() -> None:
    found: dict[str, int] = {}
    for path in sorted(PKG.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(PKG).as_posix()
        found.update({f"{rel}::{q}": n for q, n in _long_functions(path).items()})
    over = sorted(f"{k} ({n} lines)" for k, n in found.items() if k not in ALLOWLIST)
    assert not over, f"functions over {MAX_FUNCTION_LINES} lines (split them):\n" + "\n".join(over)
    stale = sorted(ALLOWLIST - set(found))
    assert not stale, "ALLOWLIST entries no longer over the limit (remove them):\n" + "\n".join(
        stale
    )


def test_function_length_check_catches_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_FUNCTION_LINES))
    src = tmp_path / "m.py"
    src.write_text(
        f"def long():\n{body}\n\n\n@njit(cache=True)\ndef kernel():\n{body}\n\n\n"
        f"def late():\n{body}\n\n\nlate = njit(late)\n\n\ndef short():\n    return 1\n"
    )
    assert _long_functions(src) == {"long": MAX_FUNCTION_LINES + 1}
