"""Where a build writes: a folder beside the index, swapped into its place in one step when complete.

A build killed part way leaves its folder behind (nothing can remove it then), so the next build removes
what earlier builds left; a lock on the index's parent folder keeps it from removing the folder of a build
still running.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from matrixqa.index.vectorcache import Progress

# What a build names its folders, after ".<index folder's name>-": tempfile.mkdtemp's eight characters for the
# new index, "old-<nanoseconds>" for the previous one on its way out.
LEFTOVER = re.compile(r"[a-z0-9_]{8}|old-[0-9]+")


@contextmanager
def staging_folder(index_dir: Path, progress: Progress) -> Iterator[Path]:
    """A new, empty folder beside index_dir for a build to write into, removed if the build fails. Until it is
    swapped in (swap_in), other builds beside index_dir wait."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir.parent, progress):
        remove_leftovers(index_dir, progress)
        staging = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}-", dir=index_dir.parent))
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise


@contextmanager
def _build_lock(folder: Path, progress: Progress) -> Iterator[None]:
    handle = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress(f"another build is writing in {folder}: waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # which releases the lock


def remove_leftovers(index_dir: Path, progress: Progress) -> None:
    """Remove the folders beside index_dir that builds killed part way left there."""
    prefix = f".{index_dir.name}-"
    for path in sorted(index_dir.parent.iterdir()):
        if path.name.startswith(prefix) and LEFTOVER.fullmatch(path.name[len(prefix) :]) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
            progress(f"removed {path}, left by a build that did not finish")


def swap_in(staging: Path, index_dir: Path) -> None:
    """Replace index_dir by staging so that a reader sees the old index or the new one, never half.

    On Linux the two folders trade places in one step, so there is no moment without an index, even
    if the build is killed. Elsewhere the old folder is renamed aside and the new one into place.
    """
    staging.chmod(0o755)  # mkdtemp made it private
    if index_dir.exists() and _exchange(staging, index_dir):
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the previous index
    elif index_dir.exists():
        retired = index_dir.with_name(f".{index_dir.name}-old-{time.time_ns()}")
        index_dir.rename(retired)
        staging.rename(index_dir)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(index_dir)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2  # <linux/fs.h>


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with renameat2(RENAME_EXCHANGE); False where the system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError, TypeError):  # not Linux, or a C library without renameat2
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # a file system or kernel without it
        return False
    raise OSError(code, os.strerror(code), str(second))
