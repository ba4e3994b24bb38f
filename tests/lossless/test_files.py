"""What metaclone does to the file system: write targets, links, modes, failures and races.

Everything a user meets goes through ``main(argv)``; what only a separate process can show (a
file size limit, a signal, a second metaclone at the same time) runs ``python -m metaclone``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.errors import FileChangedError, UnsafeTargetError, WriteError
from metaclone.lossless import output
from tests.conftest import FIXTURES, ROOT

IIS7 = FIXTURES / "iis7" / "applicationHost.config"
IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
THUMB = "ab" * 20

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root")


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def stopped(source: Path) -> bytes:
    """What ``stop --site Shop`` makes of ``source``, by the library."""
    doc = metaclone.load(source)
    doc.set_auto_start("Shop", False)
    return doc.to_bytes()


def temporaries(*folders: Path) -> list[Path]:
    return sorted(p for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp"))


def is_temporary_of(path: Path, target: str) -> bool:
    """Whether ``path`` is named as documented: ``.TARGET.metaclone-XXXXXXXX.tmp``."""
    prefix = f".{target}.metaclone-"
    middle = path.name[len(prefix) : -len(".tmp")]
    return path.name.startswith(prefix) and path.name.endswith(".tmp") and len(middle) == 8


@pytest.fixture
def config(tmp_path: Path) -> Path:
    target = tmp_path / "applicationHost.config"
    shutil.copy(IIS7, target)
    return target


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


# -- symbolic links ----------------------------------------------------------------------------


def test_output_through_a_link_replaces_the_file_it_points_to(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    real = tmp_path / "elsewhere" / "out.config"
    real.parent.mkdir()
    real.write_bytes(b"previous")
    link = tmp_path / "out.config"
    link.symlink_to(real)
    status, _, _ = run(capsys, "stop", config, "--site", "Shop", "-o", link)
    assert status == EXIT_OK
    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    assert real.read_bytes() == stopped(config)
    # The temporary file was made beside the real file, and is gone.
    assert temporaries(tmp_path, real.parent) == []


def test_output_through_a_dangling_link_creates_its_target(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    link = tmp_path / "out.config"
    link.symlink_to("not-yet.config")
    status, _, _ = run(capsys, "stop", config, "--site", "Shop", "-o", link)
    assert status == EXIT_OK
    assert link.is_symlink()
    assert (tmp_path / "not-yet.config").read_bytes() == stopped(config)


def test_in_place_through_a_chain_of_links(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    original = config.read_bytes()
    other = tmp_path / "links"
    other.mkdir()
    middle = other / "middle.config"
    middle.symlink_to(config)
    first = tmp_path / "first.config"
    first.symlink_to(middle)
    status, _, err = run(capsys, "stop", first, "--site", "Shop", "--in-place")
    assert status == EXIT_OK, err
    assert first.is_symlink()
    assert middle.is_symlink()
    assert config.read_bytes() == stopped_bytes(original)
    assert Path(f"{first}.bak").read_bytes() == original
    assert temporaries(tmp_path, other) == []


def stopped_bytes(data: bytes) -> bytes:
    doc = metaclone.loads(data)
    doc.set_auto_start("Shop", False)
    return doc.to_bytes()


def test_library_save_follows_a_link(config: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.config"
    link.symlink_to(config)
    doc = metaclone.load(IIS6)
    doc.save(link)
    assert link.is_symlink()
    assert config.read_bytes() == IIS6.read_bytes()


# -- destinations that are not regular files ---------------------------------------------------


def _folder(path: Path) -> None:
    path.mkdir()


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _socket(path: Path) -> None:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()


def _device(path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can make a device node")
    os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # like /dev/null


def _loop(path: Path) -> None:
    path.symlink_to(path.name + ".other")
    path.with_name(path.name + ".other").symlink_to(path.name)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_folder, "is a folder"),
        (_fifo, "is a FIFO"),
        (_socket, "is a socket"),
        (_device, "is a character device"),
        (_loop, "cannot write here: Too many levels of symbolic links"),
    ],
    ids=["folder", "fifo", "socket", "device", "link-loop"],
)
@pytest.mark.parametrize("option", ["-o", "--plan"])
def test_a_destination_that_is_not_a_regular_file_is_refused(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    config: Path,
    *,
    make: Callable[[Path], None],
    words: str,
    option: str,
) -> None:
    # A short name: a socket's path must fit in 108 bytes.
    target = tmp_path / "t"
    make(target)
    kind = stat.S_IFMT(os.lstat(target).st_mode)
    before = config.read_bytes()
    argv: list[str | Path] = ["cert", "set", config, "--site", "Shop", "--thumbprint", THUMB]
    argv += [option, target] if option == "-o" else [option, target, "-o", tmp_path / "o.cfg"]
    status, out, err = run(capsys, *argv)
    assert status == EXIT_REFUSED
    assert out == ""
    assert f"metaclone: error: {target}: {words}" in err
    assert stat.S_IFMT(os.lstat(target).st_mode) == kind
    assert config.read_bytes() == before
    assert not (tmp_path / "o.cfg").exists()
    assert temporaries(tmp_path) == []


def test_in_place_on_a_fifo_backup_is_refused(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    before = config.read_bytes()
    os.mkfifo(f"{config}.bak")
    status, _, err = run(capsys, "stop", config, "--site", "Shop", "--in-place")
    assert status == EXIT_REFUSED
    assert f"{config}.bak: is a FIFO" in err
    assert config.read_bytes() == before


def test_library_save_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(UnsafeTargetError, match="folder") as caught:
        metaclone.load(IIS6).save(tmp_path)
    assert caught.value.path == str(tmp_path)
    assert isinstance(caught.value, OSError)  # callers catching OSError keep working


# -- the output is the input -------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["same", "link", "dotted", "hard-link"])
def test_output_onto_the_input_is_refused_with_a_hint(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path, spelling: str
) -> None:
    if spelling == "same":
        target = config
    elif spelling == "link":
        target = tmp_path / "link.config"
        target.symlink_to(config)
    elif spelling == "dotted":
        (tmp_path / "sub").mkdir()
        target = tmp_path / "sub" / ".." / "." / config.name
    else:
        target = tmp_path / "hard.config"
        os.link(config, target)
    before = config.read_bytes()
    status, _, err = run(capsys, "stop", config, "--site", "Shop", "-o", target)
    assert status == EXIT_REFUSED
    assert "is the input file" in err
    assert "--in-place" in err
    assert config.read_bytes() == before
    assert temporaries(tmp_path) == []


def test_plan_onto_the_input_is_refused(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    before = config.read_bytes()
    argv: list[str | Path] = ["cert", "set", config, "--site", "Shop", "--thumbprint", THUMB]
    argv += ["--plan", config]
    status, _, err = run(capsys, *argv, "-o", tmp_path / "out.config")
    assert status == EXIT_REFUSED
    assert "give the plan a file of its own" in err
    assert config.read_bytes() == before
    assert not (tmp_path / "out.config").exists()


# -- modes and owners ---------------------------------------------------------------------------


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_new_files_get_0666_less_the_umask(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path, mask: int
) -> None:
    out, plan = tmp_path / "new.config", tmp_path / "plan.ps1"
    argv: list[str | Path] = ["cert", "set", config, "--site", "Shop", "--thumbprint", THUMB]
    argv += ["--plan", plan]
    with umask(mask):
        status, _, err = run(capsys, *argv, "-o", out)
    assert status == EXIT_OK, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE(plan.stat().st_mode) == 0o666 & ~mask


def test_in_place_keeps_the_mode_and_the_backup_gets_it(
    capsys: pytest.CaptureFixture[str], config: Path
) -> None:
    config.chmod(0o604)
    Path(f"{config}.bak").write_bytes(b"older backup")
    Path(f"{config}.bak").chmod(0o600)
    with umask(0o077):
        status, _, _ = run(capsys, "stop", config, "--site", "Shop", "--in-place")
    assert status == EXIT_OK
    assert stat.S_IMODE(config.stat().st_mode) == 0o604
    assert stat.S_IMODE(Path(f"{config}.bak").stat().st_mode) == 0o604


def test_output_over_an_existing_file_keeps_its_mode(
    capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out.config"
    out.write_bytes(b"old")
    out.chmod(0o640)
    assert run(capsys, "stop", config, "--site", "Shop", "-o", out)[0] == EXIT_OK
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_bytes() == stopped(config)


@needs_root
def test_in_place_keeps_owner_and_group(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    os.chown(config, 4321, 8765)
    status, _, _ = run(capsys, "stop", config, "--site", "Shop", "--in-place")
    assert status == EXIT_OK
    for path in (config, Path(f"{config}.bak")):
        info = path.stat()
        assert (info.st_uid, info.st_gid) == (4321, 8765)


# -- errors name the path ----------------------------------------------------------------------


def test_missing_folder_is_named(capsys: pytest.CaptureFixture[str], config: Path) -> None:
    target = config.parent / "missing" / "out.config"
    status, _, err = run(capsys, "stop", config, "--site", "Shop", "-o", target)
    assert status == EXIT_REFUSED
    assert f"{target.parent}: no such folder" in err


def test_a_failed_rename_names_the_target_and_cleans_up(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    target = tmp_path / "out.config"
    with pytest.raises(WriteError) as caught:
        metaclone.load(config).save(target)
    assert caught.value.path == str(target)
    assert str(caught.value).startswith(f"{target}: cannot write: No space left on device")
    assert temporaries(tmp_path) == []


# -- a child process: file size limit, signals, a second metaclone ------------------------------


def metaclone_process(*argv: str | Path, limit: int | None = None) -> subprocess.Popen[str]:
    """``python -m metaclone ARGV`` with this checkout, optionally with RLIMIT_FSIZE."""

    def limited() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.Popen(
        [sys.executable, "-m", "metaclone", *map(str, argv)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        preexec_fn=limited,  # noqa: PLW1509 - only setrlimit, before exec
    )


def big_config(folder: Path, megabytes: int = 3) -> Path:
    """The IIS 7 fixture grown past ``megabytes`` MB by a comment: a large, valid config."""
    data = IIS7.read_bytes()
    filler = b"<!-- " + b"padding line of an old hand-edited config\r\n" * (megabytes * 24_000)
    at = data.index(b"<configuration>") + len(b"<configuration>")
    path = folder / "applicationHost.config"
    path.write_bytes(data[:at] + b"\r\n" + filler + b"-->" + data[at:])
    return path


@pytest.mark.parametrize("where", ["new-file", "backup"])
def test_a_full_disk_leaves_the_file_and_the_old_backup_alone(tmp_path: Path, where: str) -> None:
    config = big_config(tmp_path, 1)
    original = config.read_bytes()
    backup = Path(f"{config}.bak")
    backup.write_bytes(b"the backup from last week")
    argv: list[str | Path]
    if where == "new-file":
        # Renaming a site to a longer name makes the new file larger than the limit.
        argv = ["rename", config, "--site", "Shop", "--name", "Shop" * 20, "--in-place"]
        limit = len(original) + 10
    else:
        # Deleting a site makes the new file fit; the backup (the old file) does not.
        argv = ["delete", config, "--site", "Shop", "--in-place"]
        limit = len(original) - 10
    process = metaclone_process(*argv, limit=limit)
    _, err = process.communicate(timeout=60)
    assert process.returncode == EXIT_REFUSED, err
    named = config if where == "new-file" else f"{config}.bak"
    assert f"metaclone: error: {named}: cannot write: File too large; nothing written" in err
    assert config.read_bytes() == original
    assert backup.read_bytes() == b"the backup from last week"
    assert temporaries(tmp_path) == []


@contextlib.contextmanager
def holding_lock(path: Path) -> Iterator[None]:
    """Hold the advisory lock metaclone takes before replacing ``path``."""
    with open(path, "rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.01)


def test_two_concurrent_in_place_runs_lose_no_update(tmp_path: Path) -> None:
    config = tmp_path / "applicationHost.config"
    shutil.copy(IIS7, config)
    original = config.read_bytes()
    with holding_lock(config):
        # Both read the file and write their temporary files, then wait for the lock.
        first = metaclone_process("stop", config, "--site", "Shop", "--in-place")
        second = metaclone_process(
            "rename", config, "--site", "Intranet", "--name", "Extranet", "--in-place"
        )
        wait_for(lambda: len(temporaries(tmp_path)) == 4, "both have written their files")
    results = [first.communicate(timeout=60), second.communicate(timeout=60)]
    codes = sorted([first.returncode, second.returncode])
    assert codes == [EXIT_OK, EXIT_REFUSED], results
    loser_err = results[0][1] if first.returncode == EXIT_REFUSED else results[1][1]
    assert f"{config}: changed since it was read; nothing written" in loser_err
    # The file holds exactly the winner's edit of the original, and the backup the original.
    stop = stopped_bytes(original)
    doc = metaclone.loads(original)
    doc.rename_site("Intranet", "Extranet")
    assert config.read_bytes() in (stop, doc.to_bytes())
    assert (config.read_bytes() == stop) == (first.returncode == EXIT_OK)
    assert Path(f"{config}.bak").read_bytes() == original
    assert temporaries(tmp_path) == []


def test_a_file_changed_after_reading_is_not_replaced(
    config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = config.read_bytes()
    real_locked = output._locked

    @contextlib.contextmanager
    def someone_writes_first(target: Path) -> Iterator[None]:
        config.write_bytes(original.replace(b"Shop", b"Shoq"))
        with real_locked(target):
            yield

    monkeypatch.setattr(output, "_locked", someone_writes_first)
    with pytest.raises(FileChangedError):
        output.replace_in_place(config, b"<new/>", expected=original)
    assert config.read_bytes() == original.replace(b"Shop", b"Shoq")
    assert not Path(f"{config}.bak").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_the_write_removes_the_temporary_files(
    tmp_path: Path, sig: signal.Signals
) -> None:
    config = big_config(tmp_path)
    original = config.read_bytes()
    backup = Path(f"{config}.bak")
    backup.write_bytes(b"older backup")
    with holding_lock(config):
        process = metaclone_process("stop", config, "--site", "Shop", "--in-place")
        wait_for(lambda: len(temporaries(tmp_path)) == 2, "the new file and backup are written")
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    if sig == signal.SIGTERM:
        assert process.returncode == -signal.SIGTERM, err
    else:
        assert process.returncode == 130, err
        assert "interrupted; nothing was written" in err
    assert temporaries(tmp_path) == []
    assert config.read_bytes() == original
    assert backup.read_bytes() == b"older backup"


def test_sigkill_during_the_write_leaves_the_original(tmp_path: Path) -> None:
    config = big_config(tmp_path)
    original = config.read_bytes()
    with holding_lock(config):
        process = metaclone_process("stop", config, "--site", "Shop", "--in-place")
        wait_for(lambda: len(temporaries(tmp_path)) == 2, "the new file and backup are written")
        process.kill()
        process.communicate(timeout=60)
    assert config.read_bytes() == original
    assert not Path(f"{config}.bak").exists()
    # A hard kill cannot clean up: what stays has the documented name, never the target's.
    left = temporaries(tmp_path)
    assert len(left) == 2
    assert any(is_temporary_of(p, config.name) for p in left)
    assert any(is_temporary_of(p, f"{config.name}.bak") for p in left)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_signal_while_writing_leaves_old_or_new(tmp_path: Path, sig: signal.Signals) -> None:
    config = big_config(tmp_path)
    original = config.read_bytes()
    process = metaclone_process("stop", config, "--site", "Shop", "--in-place")
    # The moment the first temporary file appears: the new file is being written.
    wait_for(lambda: bool(temporaries(tmp_path)) or process.poll() is not None, "it writes")
    process.send_signal(sig)
    process.communicate(timeout=60)
    assert config.read_bytes() in (original, stopped_bytes(original))
    backup = Path(f"{config}.bak")
    assert not backup.exists() or backup.read_bytes() == original
    if sig == signal.SIGTERM:
        assert temporaries(tmp_path) == []
    else:
        names = (config.name, backup.name)
        assert all(any(is_temporary_of(p, n) for n in names) for p in temporaries(tmp_path))


# -- the transaction, through the library ------------------------------------------------------


def test_replace_in_place_writes_the_file_and_the_backup(config: Path) -> None:
    original = config.read_bytes()
    backup = output.replace_in_place(config, b"<new/>", expected=original)
    assert backup == Path(f"{config}.bak")
    assert config.read_bytes() == b"<new/>"
    assert backup.read_bytes() == original
    assert temporaries(config.parent) == []


@pytest.mark.parametrize(
    "change",
    [
        lambda data: data[:-1] + b"X",  # same size, last byte
        lambda data: data[:1] + b"X" + data[2:],  # same size, second byte
        lambda data: data + b"\n",
        lambda data: data[:-1],
    ],
    ids=["last-byte", "second-byte", "longer", "shorter"],
)
def test_any_change_on_disk_is_seen(config: Path, change: Callable[[bytes], bytes]) -> None:
    original = config.read_bytes()
    config.write_bytes(change(original))
    with pytest.raises(FileChangedError, match="changed since it was read"):
        output.replace_in_place(config, b"<new/>", expected=original)
    assert config.read_bytes() == change(original)
    assert not Path(f"{config}.bak").exists()
    assert temporaries(config.parent) == []
    # Compared a chunk at a time: across chunk boundaries as well.
    assert not output._holds(config, original, chunk=7)
    assert output._holds(config, change(original), chunk=7)


def test_a_file_gone_since_reading_is_refused(config: Path) -> None:
    original = config.read_bytes()
    config.unlink()
    with pytest.raises(FileChangedError, match="gone"):
        output.replace_in_place(config, b"<new/>", expected=original)
    assert list(config.parent.iterdir()) == []


@pytest.mark.parametrize("links", [True, False], ids=["hard-links", "no-hard-links"])
@pytest.mark.parametrize("old_backup", [True, False], ids=["old-backup", "no-backup-yet"])
def test_a_failing_final_rename_puts_the_old_backup_back(
    config: Path, monkeypatch: pytest.MonkeyPatch, *, links: bool, old_backup: bool
) -> None:
    original = config.read_bytes()
    backup = Path(f"{config}.bak")
    if old_backup:
        backup.write_bytes(b"last week")
    real_replace = os.replace

    def replace(src: str | Path, dst: str | Path) -> None:
        if Path(dst) == config:
            raise PermissionError(1, "Operation not permitted")
        real_replace(src, dst)

    def no_link(src: object, dst: object) -> None:
        raise OSError(95, "Operation not supported")

    monkeypatch.setattr(os, "replace", replace)
    if not links:
        monkeypatch.setattr(os, "link", no_link)
    with pytest.raises(WriteError, match="Operation not permitted") as caught:
        output.replace_in_place(config, b"<new/>", expected=original)
    assert caught.value.path == str(config)
    assert config.read_bytes() == original
    if old_backup:
        assert backup.read_bytes() == b"last week"
    else:
        assert not backup.exists()
    assert temporaries(config.parent) == []
