"""Writing files so that nothing already there is ever lost: all of the new, or all of the old.

Every command that writes a file or a folder does it through `write_atomically` or
`new_folder`: each builds the new one beside the target under a temporary name, and
renames it into place only once all of it is on the disk.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["new_folder", "write_atomically"]


_UMASK = os.umask(0o022)
"""The process's umask, read once at import (setting it to read it is process-wide, so
not while other threads may be creating files)."""
os.umask(_UMASK)  # put back at once: reading it set it


def write_atomically(
    path: str | os.PathLike[str], data: bytes | str, *, exclusive: bool = False
) -> None:
    """Replace the file at `path` with `data` (text is written as UTF-8, line ends as given).

    Even `kill -9` or a power cut leaves the old file whole (and at most a hidden
    `.NAME.*.tmp` beside it).

    `exclusive`: only create it. A file that is at `path` already, or that appears there
    while this one is written, is never replaced (`FileExistsError`): the new file is
    put in place by a hard link, which fails if the name is taken.

    The file keeps its mode if it exists (if new, 0666 less the umask, as for any
    program's new file); a link is followed, so the file it leads to is replaced and the
    link kept. A device or pipe (`/dev/stdout`) is written straight to: it has nothing to lose.

    Raises:
        OSError: the file cannot be written (it or its folder is read-only or missing, the
            disk is full); the old file is unchanged and no temporary file is left.
        UnicodeEncodeError: `data` holds a lone surrogate; nothing was written.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode: int | None = os.lstat(path).st_mode if exclusive else os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if exclusive and mode is not None:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), os.fspath(path))
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with open(path, "wb") as stream:
            stream.write(payload)
        return
    target = os.path.realpath(path)
    if mode is not None and not os.access(target, os.W_OK):
        # Writing in place would be refused; replacing the file must be too.
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
    folder, name = os.path.split(target)
    fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        try:
            # mkstemp makes the file 0600; a new file gets what open() would give it.
            os.fchmod(fd, stat.S_IMODE(mode) if mode is not None else 0o666 & ~_UMASK)
            _write_all(fd, payload)
        finally:
            os.close(fd)
        if exclusive:
            try:
                os.link(temporary, target)
            except FileExistsError:
                raise
            except OSError:  # no hard links here (FAT, some shares): create it, O_EXCL
                _create(target, payload)
            os.unlink(temporary)
        else:
            os.replace(temporary, target)
    except BaseException:  # Ctrl+C too: the temporary goes, the old file stays
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


@contextlib.contextmanager
def new_folder(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Build a new folder at `path`: the block fills the folder it is given, which appears
    at `path` only when the block completes, so an interrupted import can be tried again.

    `path` may be missing (its parents are made; the new folder is 0777 less the umask) or
    an empty folder (it is replaced, keeping its mode). Until the end the folder is a hidden
    `.NAME.*.part` beside `path`; if the block fails or is interrupted, that is removed
    and `path` is as it was. Write into it with `write_atomically`, so that every file
    is on the disk before the folder is renamed.

    Raises:
        OSError: the folder cannot be made, or `path` is no longer missing or empty when
            the block completes (`ENOTEMPTY`, `ENOTDIR`); nothing was left behind.
    """
    target = Path(os.path.abspath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent))
    try:
        yield temporary
        try:
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            os.chmod(temporary, 0o777 & ~_UMASK)  # mkdtemp's is 0700: as mkdir's would be
        _sync_folder(temporary)
        # rename(2) replaces an empty folder and refuses any other, so a folder that
        # filled up meanwhile is never overwritten.
        os.rename(temporary, target)
    except BaseException:  # Ctrl+C too: no half folder is left to block a second try
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    _sync_folder(target.parent)


def _create(path: str, payload: bytes) -> None:
    """Write a new file at `path`, failing if the name is taken (whole only once synced)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        _write_all(fd, payload)
    except BaseException:  # ours and half written: removed, so a second try can make it
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise
    finally:
        os.close(fd)


def _write_all(fd: int, payload: bytes) -> None:
    """Write all of `payload` to `fd` and put it on the disk."""
    view = memoryview(payload)
    while view:  # os.write may write less than asked (a signal, a pipe)
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def _sync_folder(folder: str | os.PathLike[str]) -> None:
    """Put a folder's new entries on the disk, so a rename survives a power cut."""
    # Some file systems cannot open or sync a folder; the file itself is synced already.
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
