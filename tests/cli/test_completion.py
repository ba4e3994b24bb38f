"""Shell completion: the scripts `metaclone completion` prints, and the answers a shell gets."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from metaclone.cli import EXIT_OK, EXIT_USAGE, main
from tests.conftest import ROOT


def _script(shell: str) -> str:
    out = io.StringIO()
    assert main(["completion", shell], stdout=out, stderr=io.StringIO()) == EXIT_OK
    return out.getvalue()


def test_bash_script_registers_a_completion_for_metaclone() -> None:
    script = _script("bash")
    assert re.search(r"^\s*complete .*-F _python_argcomplete metaclone$", script, re.MULTILINE)


def test_zsh_script_is_a_compdef() -> None:
    assert _script("zsh").startswith("#compdef metaclone")


def test_powershell_script_registers_a_native_completer() -> None:
    script = _script("powershell")
    assert "Register-ArgumentCompleter -Native -CommandName metaclone" in script


def test_unknown_shell_is_a_usage_error() -> None:
    err = io.StringIO()
    assert main(["completion", "fish-and-chips"], stdout=io.StringIO(), stderr=err) == EXIT_USAGE


def _complete(tmp_path: Path, line: str) -> list[str]:
    """What the shell integration would offer for ``line``, from a fresh process."""
    answer = tmp_path / "completions.txt"
    env = {
        **os.environ,
        "_ARGCOMPLETE": "1",
        "COMP_LINE": line,
        "COMP_POINT": str(len(line)),
        "_ARGCOMPLETE_STDOUT_FILENAME": str(answer),
        "_ARGCOMPLETE_IFS": "\n",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "metaclone"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return sorted(answer.read_text().split())


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("metaclone cer", ["cert"]),
        ("metaclone cert s", ["set", "show", "swap"]),
        ("metaclone placeholder ", ["--help", "-h", "begin", "finish"]),
        ("metaclone completion p", ["powershell"]),
        ("metaclone sites x.config --js", ["--json"]),
    ],
)
def test_a_shell_gets_the_commands_and_options(
    tmp_path: Path, line: str, expected: list[str]
) -> None:
    assert _complete(tmp_path, line) == expected
