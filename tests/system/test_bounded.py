"""Bounded work on any input: pathological inputs are answered within fixed CPU and memory.

Each input of :mod:`tests.system.pathological` (2 MB, built to make a scanner backtrack or repeat
work) is read by the command line in a child process limited to 20 s of CPU time and 1 GB of
address space.  Linear code answers in about a second; the quadratic and cubic behaviour these
inputs were written against took minutes, or gigabytes.  The limit is on CPU time, not on the
clock, so a busy machine does not make the test fail; nothing here asserts a duration.

Whatever the input, the answer is an exit status of 0, 1 or 3, never 123, and the message is
short: a line of the input is quoted around the error, not whole.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT
from tests.system.pathological import INPUTS

SIZE = 2 * 1024 * 1024
CPU_SECONDS = 20
MEMORY_BYTES = 1024 * 1024 * 1024
#: More than any message needs: the longest quotes 120 characters of a line, twice.
MESSAGE_BYTES = 1500

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))


def _argv(command: str, path: Path) -> list[str]:
    if command == "sslcert":
        return ["sites", str(IIS7), "--sslcert", str(path)]
    if command == "cert":
        return ["cert", "set", str(IIS6), "--site", "Shop", "--cert", str(path), "--dry-run"]
    return [command, str(path)]


def run_limited(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """``metaclone argv`` in a child under the CPU and memory limits."""
    return subprocess.run(
        [sys.executable, "-m", "metaclone", *argv],
        capture_output=True,
        check=False,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        preexec_fn=_limits,
        # A backstop for a child that sleeps instead of computing; never reached otherwise.
        timeout=10 * CPU_SECONDS,
    )


def _verdict(completed: subprocess.CompletedProcess[bytes]) -> str:
    if completed.returncode == -signal.SIGXCPU:
        return f"used more than {CPU_SECONDS} s of CPU"
    if completed.returncode == -signal.SIGKILL:
        return "was killed (CPU hard limit)"
    return f"exited {completed.returncode}: {completed.stderr[-600:]!r}"


@pytest.mark.parametrize("name", list(INPUTS))
def test_pathological_input_is_answered_in_bounded_work(tmp_path: Path, name: str) -> None:
    command, suffix, make = INPUTS[name]
    path = tmp_path / f"input{suffix}"
    path.write_bytes(make(SIZE))
    completed = run_limited(_argv(command, path))
    assert completed.returncode in (0, 1, 3), _verdict(completed)
    assert b"Traceback" not in completed.stderr
    assert len(completed.stderr) < MESSAGE_BYTES, completed.stderr[:3000]
    assert b"XML_PARSE_HUGE" not in completed.stderr


# The longest start tag lxml accepts (about 10 MB): a scanner that keeps state per attribute
# needs gigabytes for it.
LARGEST_TAG = 9 * 1024 * 1024


@pytest.mark.parametrize(
    "name", ["root-attributes", "metabase-key-attributes", "apphost-binding-attributes"]
)
def test_largest_start_tag_is_read_within_the_memory_limit(tmp_path: Path, name: str) -> None:
    command, suffix, make = INPUTS[name]
    path = tmp_path / f"input{suffix}"
    path.write_bytes(make(LARGEST_TAG))
    completed = run_limited(_argv(command, path))
    assert completed.returncode in (0, 3), _verdict(completed)
    assert b"internal error" not in completed.stderr
