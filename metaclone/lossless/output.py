"""Every file metaclone writes goes through here.

A destination must be a regular file or not exist; a symbolic link is followed, so the file it
points to is replaced (in that file's folder) and the link stays a link.  Data is written to a
temporary file beside the destination, named ``.NAME.metaclone-XXXXXXXX.tmp``, flushed to disk
and renamed over the destination: a crash leaves the old file or the new one, never a mix.  A
replaced file keeps its mode and, where the process may, its owner and group; a new file gets
``0666 & ~umask``.  Temporary files are removed on any failure, on Ctrl-C and on SIGTERM.

:func:`replace_in_place` is the transaction behind ``--in-place``: the new content and the
backup are written under temporary names first; then, holding an advisory lock on the file and
only if it still holds the bytes that were read, the backup and the file are renamed into place.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from metaclone.errors import FileChangedError, UnsafeTargetError, WriteError

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

#: How a temporary file's name starts and ends: ``.NAME.metaclone-`` + 8 hex digits + ``.tmp``.
TEMPORARY_INFIX = ".metaclone-"
TEMPORARY_SUFFIX = ".tmp"

#: How long to wait for another process's lock on the same file before refusing.
LOCK_TIMEOUT = 10.0

#: What a file is written from: its bytes, or its bytes in pieces (written as they come, so
#: that a large file need not be held whole).
Data = bytes | Iterable[bytes]

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def temporary_name(target: Path) -> Path:
    """A fresh temporary name beside ``target`` (the documented pattern)."""
    return target.with_name(
        f".{target.name}{TEMPORARY_INFIX}{os.urandom(4).hex()}{TEMPORARY_SUFFIX}"
    )


def resolve_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` replaces: symbolic links followed, checked to be safe.

    Raises :class:`UnsafeTargetError` when the destination exists and is not a regular file
    (a folder, device, FIFO or socket) or cannot be reached (a loop of links), and
    :class:`WriteError` when its folder is missing or not writable.
    """
    name = os.fspath(path)
    if name == "":
        raise UnsafeTargetError("no file name given", path=name)
    real = Path(os.path.realpath(name))
    try:
        info = real.stat()
    except FileNotFoundError:
        info = None
    except OSError as exc:  # a loop of links, a path through a file, ...
        raise UnsafeTargetError(f"cannot write here: {exc.strerror or exc}", path=name) from None
    if info is not None:
        for test, kind in _KINDS:
            if test(info.st_mode):
                raise UnsafeTargetError(
                    f"is {kind}, not a regular file; nothing written", path=name
                )
    folder = real.parent
    if not folder.is_dir():
        raise WriteError("no such folder", path=str(folder))
    if not os.access(folder, os.W_OK):
        raise WriteError("folder is not writable", path=str(folder))
    return real


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether ``a`` and ``b`` name the same file (through links or other spellings)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        real_a, real_b = os.path.realpath(a), os.path.realpath(b)
        return os.path.normcase(real_a) == os.path.normcase(real_b)


def write_atomic(path: str | os.PathLike[str], data: Data) -> Path:
    """Write ``data`` (bytes, or bytes in pieces) to ``path`` atomically; return the file
    actually written.

    An existing file keeps its mode and, where the process may, its owner and group.
    """
    target = resolve_target(path)
    with _named(path), _termination_raises(), _temporaries() as made:
        temp = _write_temporary(target, data, _stat_or_none(target), made)
        os.replace(temp, target)
        _sync_folder(target.parent)
    return target


def replace_in_place(
    path: str | os.PathLike[str],
    data: Data,
    *,
    expected: bytes | Fingerprint,
    backup: bool = True,
) -> Path | None:
    """Replace the file at ``path`` by ``data`` unless it no longer holds ``expected`` (its
    bytes, or their :class:`Fingerprint`).

    With ``backup``, ``PATH.bak`` receives the file as it was (with the file's mode and
    owner).  A failure at any point leaves the file and any existing backup as they were, and
    raises: :class:`FileChangedError` when the file changed since ``expected`` was read from it.
    Returns the backup's path, or None.
    """
    target = resolve_target(path)
    backup_path = f"{os.fspath(path)}.bak"
    backup_target = resolve_target(backup_path) if backup else None
    with _named(path), _termination_raises(), _temporaries() as made:
        like = _stat_or_none(target)
        if like is None:
            raise FileChangedError("is gone since it was read; nothing written", path=str(path))
        temps = [_write_temporary(target, data, like, made)]
        if backup_target is not None:
            with _named(backup_path):
                temps.append(_write_backup(target, backup_target, expected, like, made))
        with _locked(target):
            if not _holds(target, expected):
                raise FileChangedError(
                    "changed since it was read; nothing written", path=os.fspath(path)
                )
            _commit(temps, target, backup_target, made)
    _sync_folder(target.parent)
    if backup_target is not None and backup_target.parent != target.parent:
        _sync_folder(backup_target.parent)
    return Path(backup_path) if backup else None


def _write_backup(
    target: Path,
    backup: Path,
    expected: bytes | Fingerprint,
    like: os.stat_result,
    made: list[Path],
) -> Path:
    """The backup's temporary file: ``expected``, or a copy of ``target`` checked against its
    fingerprint (a file that changed meanwhile is refused)."""
    if isinstance(expected, bytes):
        return _write_temporary(backup, expected, like, made)
    import hashlib  # noqa: PLC0415 - only --in-place hashes: loading OpenSSL costs milliseconds

    found = hashlib.sha256()
    temp = _write_temporary(backup, _hashed(_read_pieces(target), found), like, made)
    if Fingerprint(temp.stat().st_size, found.digest()) != expected:
        raise FileChangedError("changed since it was read; nothing written", path=str(target))
    return temp


@attrs.frozen
class Fingerprint:
    """The size and SHA-256 of a file's bytes: what ``--in-place`` keeps of the input to see
    whether the file changed meanwhile, instead of a copy of it."""

    size: int
    digest: bytes

    @classmethod
    def of(cls, data: Data) -> Fingerprint:
        import hashlib  # noqa: PLC0415 - as in _backup_temporary: only some writes hash

        found = hashlib.sha256()
        size = sum(
            len(piece) for piece in _hashed([data] if isinstance(data, bytes) else data, found)
        )
        return cls(size, found.digest())


def _hashed(pieces: Iterable[bytes], found: Any) -> Iterator[bytes]:
    """``pieces``, each added to the hash ``found`` as it passes."""
    for piece in pieces:
        found.update(piece)
        yield piece


def _read_pieces(target: Path, chunk: int = 1 << 20) -> Iterator[bytes]:
    with open(target, "rb") as handle:
        while piece := handle.read(chunk):
            yield piece


def _commit(temps: list[Path], target: Path, backup: Path | None, made: list[Path]) -> None:
    """Rename the backup then the file into place; put the old backup back if the file fails."""
    if backup is None:
        with _signals_deferred():
            os.replace(temps[0], target)
        return
    had_backup = backup.exists()
    restore = _restore_point(backup, made) if had_backup else None
    with _signals_deferred():
        os.replace(temps[1], backup)
        try:
            os.replace(temps[0], target)
        except BaseException:
            if restore is not None:
                os.replace(restore, backup)
            else:
                _remove(backup)
            raise


def _restore_point(backup: Path, made: list[Path]) -> Path:
    """A second name for an existing backup, to put it back if the final rename fails.

    A hard link costs nothing; where the file system has none, a copy.
    """
    name = temporary_name(backup)
    made.append(name)
    try:
        os.link(backup, name)
    except OSError:
        import shutil  # noqa: PLC0415 - rarely needed, and every command imports this module

        shutil.copy2(backup, name)
    return name


def _holds(target: Path, expected: bytes | Fingerprint, chunk: int = 1 << 20) -> bool:
    """Whether the file at ``target`` holds exactly ``expected`` (read a chunk at a time)."""
    if isinstance(expected, Fingerprint):
        if os.stat(target).st_size != expected.size:
            return False
        return Fingerprint.of(_read_pieces(target, chunk)) == expected
    view = memoryview(expected)
    with open(target, "rb") as handle:
        if os.fstat(handle.fileno()).st_size != len(expected):
            return False
        for start in range(0, len(view), chunk):
            if handle.read(chunk) != view[start : start + chunk]:
                return False
        return handle.read(1) == b""


def _stat_or_none(target: Path) -> os.stat_result | None:
    try:
        return target.stat()
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def _temporaries() -> Iterator[list[Path]]:
    """A list to put temporary names in before they are created; all are removed at the end.

    A name is listed before its file exists, so that a signal arriving at any moment (a
    Python handler runs between two bytecodes) cannot leave a file behind unlisted.
    """
    made: list[Path] = []
    try:
        yield made
    finally:
        for temp in made:
            _remove(temp)


def _write_temporary(
    target: Path, data: Data, like: os.stat_result | None, made: list[Path]
) -> Path:
    """``data`` in a new temporary file beside ``target``, on disk, with ``like``'s mode."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = temporary_name(target)
        made.append(temp)
        try:
            # 0o666: the kernel applies the umask, as for any new file.
            fd = os.open(temp, flags | getattr(os, "O_NOFOLLOW", 0), 0o666)
            break
        except FileExistsError:
            made.remove(temp)  # someone else's file
    if like is not None:
        _copy_ownership(fd, temp, like)
    with os.fdopen(fd, "wb") as handle:
        if isinstance(data, bytes):
            handle.write(data)
        else:
            for piece in data:
                handle.write(piece)
        handle.flush()
        os.fsync(handle.fileno())
    return temp


def _copy_ownership(fd: int, temp: Path, like: os.stat_result) -> None:
    """Give the temporary file ``like``'s owner and group (where allowed) and mode."""
    if sys.platform != "win32":
        if (like.st_uid, like.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.fchown(fd, like.st_uid, like.st_gid)
            except PermissionError:
                # A user may still give the file a group they belong to.
                with contextlib.suppress(PermissionError):
                    os.fchown(fd, -1, like.st_gid)
        # After chown, which clears set-id bits.
        os.fchmod(fd, stat.S_IMODE(like.st_mode))
    else:
        os.chmod(temp, stat.S_IMODE(like.st_mode))


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a rename to disk (POSIX; best effort)."""
    if sys.platform == "win32":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _named(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn a bare OSError into a WriteError that names the destination."""
    try:
        yield
    except WriteError:
        raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise WriteError(f"cannot write: {reason}; nothing written", path=os.fspath(path)) from exc


class _Terminated(BaseException):
    """SIGTERM arrived while a file was being written."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise _Terminated


@contextlib.contextmanager
def _termination_raises() -> Iterator[None]:
    """Let SIGTERM unwind (removing temporary files), then end the process by it as before.

    Only when SIGTERM has its default action and this is the main thread: a program that
    handles SIGTERM itself keeps its handler.
    """
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL
    ):
        yield
        return
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    except _Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        raise
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back between the renames of a transaction (POSIX)."""
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


if sys.platform == "win32":

    @contextlib.contextmanager
    def _locked(target: Path) -> Iterator[None]:
        """Hold the lock other metaclone processes take before replacing ``target``.

        Windows locks are mandatory and would stop readers of the file itself, so the lock is
        on a file beside it, which stays for the next run.
        """
        deadline = time.monotonic() + LOCK_TIMEOUT
        lock_path = target.with_name(f".{target.name}{TEMPORARY_INFIX}lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            while True:
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    break
                except OSError:
                    _wait_or_refuse(deadline, target)
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        finally:
            os.close(fd)

else:

    @contextlib.contextmanager
    def _locked(target: Path) -> Iterator[None]:
        """Hold the advisory lock (flock) other metaclone processes take on ``target``."""
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fd = os.open(target, os.O_RDONLY)
            except FileNotFoundError:
                raise FileChangedError(
                    "is gone since it was read; nothing written", path=str(target)
                ) from None
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    _wait_or_refuse(deadline, target)
                    continue
                # A process that renamed a new file over the path meanwhile held the lock of
                # the old one: lock the file that is there now.
                if _same_inode(os.fstat(fd), _stat_or_none(target)):
                    yield
                    return
            finally:
                os.close(fd)


def _same_inode(a: os.stat_result, b: os.stat_result | None) -> bool:
    return b is not None and (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _wait_or_refuse(deadline: float, target: Path) -> None:
    if time.monotonic() > deadline:
        raise FileChangedError(
            f"is locked by another process for more than {LOCK_TIMEOUT:.0f} s; nothing written",
            path=str(target),
        )
    time.sleep(0.05)
