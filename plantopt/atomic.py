"""Atomic writes: a file or folder appears whole, or the previous one stays.

Files: written to a temporary sibling (same file system) and renamed into place with
``os.replace``.

Folders (result folders, generated instances), :func:`atomic_folder`:

1. ``recover_output(X)`` first: when X is absent but ``.X.old-*`` exists (an earlier run was
   killed between the two renames of step 4b), the newest old folder is renamed back to X;
   temporary folders ``.X.tmp-<pid>-*`` / ``.X.old-<pid>-*`` of processes that are no longer
   running are removed.
2. X must be absent, an empty folder, or a folder plantopt wrote (it holds the marker file
   :data:`MARKER`); anything else raises :class:`OutputFolderError` (exit 2) unless ``force``.
   plantopt never replaces a folder it did not write.
3. The new content is written to ``.X.tmp-<pid>-<random>``; the marker is written last.
4. Only then is the old X moved out of the way: (a) on Linux with one ``renameat2(...,
   RENAME_EXCHANGE)`` call, so X always names a complete folder, old or new; (b) elsewhere
   (or on file systems without the flag) X is renamed to ``.X.old-<pid>-*`` and the new folder
   to X. A kill between those two renames leaves X absent for an instant; step 1 of the next
   run puts the old result back.
5. The old content is removed.

Permissions follow the umask (``mkstemp``/``mkdtemp`` alone would give 0600/0700).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from plantopt.instance.errors import PlantoptError

#: File inside every folder plantopt writes; a folder without it is never replaced.
MARKER = ".plantopt-output"
#: A temporary folder without an owner process id older than this is stale (s).
STALE_AFTER_S = 3600.0


FORCE_HELP = (
    "Replace the output folder even if plantopt did not write it (it has no "
    f"{MARKER} file). Without it such a folder is an error (exit 2)."
)


class OutputFolderError(PlantoptError):
    """The output path exists and is not a folder plantopt wrote (bad input, exit 2)."""


def _checkpoint(name: str) -> None:
    """Named points of the folder swap; tests replace this to simulate a kill there."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_file(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` when the block ends.

    If the block raises, the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (flushed to disk before the rename)."""
    with atomic_file(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    return Path(path)


# ----------------------------------------------------------------------------- folders


def safe_slug(name: str, max_len: int = 80) -> str:
    """A file-name-safe slug of ``name``: letters, digits, ``.``, ``_``, ``-`` only.

    Path separators, ``..``, spaces and every other character become ``-``; leading dots and
    dashes are dropped (no hidden or option-like names); empty results give ``instance``.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", str(name))
    slug = re.sub(r"\.{2,}", "-", slug)
    slug = re.sub(r"-{2,}", "-", slug).lstrip(".-")[:max_len].rstrip(".-")
    return slug or "instance"


def default_output_dir(name: str, suffix: str) -> Path:
    """``results/<slug of name>-<slug of suffix>``: never outside ``results/``."""
    return Path("results") / f"{safe_slug(name, 60)}-{safe_slug(suffix, 40)}"


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _temp_siblings(out: Path, kind: str) -> list[Path]:
    """``.X.<kind>-*`` folders beside ``out``, newest first."""
    prefix = f".{out.name}.{kind}-"
    try:
        found = [
            p
            for p in out.parent.iterdir()
            if p.name.startswith(prefix) and p.is_dir() and not p.is_symlink()
        ]
    except OSError:
        return []
    return sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)


def _is_stale(path: Path, kind: str, out: Path) -> bool:
    """A temporary folder whose owner process is gone (pid in its name)."""
    rest = path.name[len(f".{out.name}.{kind}-") :]
    head = rest.split("-", 1)[0]
    if head.isdigit():
        return not _pid_alive(int(head))
    return time.time() - path.stat().st_mtime > STALE_AFTER_S


def recover_output(path: str | Path) -> None:
    """Undo what killed runs left beside ``path`` (see the module docstring, step 1).

    Only folders of processes no longer running are touched: a concurrent plantopt writing
    the same path keeps its temporary folders.
    """
    out = Path(path)
    if not out.parent.is_dir():
        return
    if not os.path.lexists(out):  # killed between the two renames: put the old one back
        for old in _temp_siblings(out, "old"):
            if _is_stale(old, "old", out):
                os.rename(old, out)
                break
    for kind in ("tmp", "old"):
        for p in _temp_siblings(out, kind):
            if _is_stale(p, kind, out) and (kind == "tmp" or os.path.lexists(out)):
                shutil.rmtree(p, ignore_errors=True)


def check_output_folder(path: str | Path, force: bool = False) -> None:
    """Raise :class:`OutputFolderError` unless plantopt may write (or replace) ``path``."""
    out = Path(path)
    if out.is_symlink() or (os.path.lexists(out) and not out.is_dir()):
        raise OutputFolderError(f"{out} exists and is not a folder; choose another output path")
    if force or not out.is_dir() or (out / MARKER).is_file():
        return
    if any(out.iterdir()):
        raise OutputFolderError(
            f"{out} exists and was not written by plantopt (no {MARKER} file in it); "
            "plantopt will not replace it: choose another output folder, or pass --force "
            "to replace it"
        )


def _marker_text() -> str:
    return (
        json.dumps(
            {
                "written_by": "plantopt",
                "pid": os.getpid(),
                "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
        )
        + "\n"
    )


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_EXCHANGE = {"ok": sys.platform.startswith("linux")}


def _exchange(a: Path, b: Path) -> bool:
    """Swap ``a`` and ``b`` atomically (Linux ``renameat2``); False when unsupported."""
    if not _EXCHANGE["ok"]:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        _EXCHANGE["ok"] = False
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False  # this file system or kernel cannot exchange: two renames instead
    raise OSError(err, os.strerror(err), str(b))


def _swap_in(tmp: Path, out: Path) -> None:
    """Put the complete folder ``tmp`` at ``out`` (module docstring, steps 4 and 5)."""
    if not os.path.lexists(out):
        os.rename(tmp, out)
        _checkpoint("swapped")
        return
    if _exchange(tmp, out):
        _checkpoint("swapped")
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old content
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-{os.getpid()}-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    _checkpoint("between_renames")
    os.rename(tmp, out)
    _checkpoint("swapped")
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_folder(path: str | Path, force: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; swap it in place of ``path`` at the end.

    If the block raises, the temporary folder is removed and ``path`` is untouched. Raises
    :class:`OutputFolderError` before writing anything when ``path`` is not plantopt's to
    replace (see :func:`check_output_folder`).
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_output(out)
    check_output_folder(out, force)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-{os.getpid()}-", dir=out.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        _checkpoint("created")
        yield tmp
        _checkpoint("written")
        (tmp / MARKER).write_text(_marker_text())
        _checkpoint("complete")
        check_output_folder(out, force)  # nobody put a foreign folder there meanwhile
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
