"""Messages a user can act on: help with examples, no-ops said as such, names that say what
was looked for."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, build_parser, main
from tests.conftest import FIXTURES

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"
EXPRESS = FIXTURES / "iis7" / "iisexpress_applicationhost.config"
APPCMD = FIXTURES / "iis7" / "appcmd_sites.xml"
#: Per format: a started site and a stopped one.
STATES = {IIS6: ("Shop", "Partners"), IIS7: ("Shop", "Shop Old"), APPCMD: ("shop-api", "shop-web")}


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def _commands(
    parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every command and subcommand, as the words that name it."""
    found: list[tuple[str, ...]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*words, name))
                found.extend(_commands(sub, (*words, name)))
    return found


def test_bare_metaclone_prints_the_help(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys)
    assert status == EXIT_USAGE
    assert out == ""
    assert err.startswith("usage: metaclone")
    for command in ("sites", "clone", "placeholder", "check"):
        assert f"    {command}" in err
    assert "examples:\n  metaclone " in err


@pytest.mark.parametrize("words", _commands(build_parser()), ids=" ".join)
def test_every_help_ends_with_examples(
    capsys: pytest.CaptureFixture[str], words: tuple[str, ...]
) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args([*words, "--help"])
    lines = capsys.readouterr().out.rstrip("\n").splitlines()
    start = lines.index("examples:")
    examples = lines[start + 1 :]
    assert 2 <= len(examples) <= 3
    for example in examples:
        assert example.startswith("  ")
        assert f"metaclone {' '.join(words)} " in example


@pytest.mark.parametrize("path", list(STATES), ids=lambda p: p.name)
def test_start_or_stop_in_the_state_it_is_in_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    started, stopped = STATES[path]
    for command, site, state in (("start", started, "started"), ("stop", stopped, "stopped")):
        out_file = tmp_path / "out"
        status, out, err = run(capsys, command, path, "--site", site, "-o", out_file)
        assert status == EXIT_OK, err
        assert out == ""
        assert f"{site!r} is already marked {state}; nothing written" in err
        assert not out_file.exists()
        status, out, err = run(capsys, command, path, "--site", site)
        assert out == ""


@pytest.mark.parametrize("path", [IIS6, IIS7, EXPRESS, APPCMD], ids=lambda p: p.name)
def test_digits_that_are_no_id_or_name(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    status, _, err = run(capsys, "stop", path, "--site", "99")
    assert status == EXIT_REFUSED
    assert "no site with id or name 99 in this" in err
    with pytest.raises(metaclone.SiteNotFoundError, match="id or name 99"):
        metaclone.load(path).site("99")


@pytest.mark.parametrize("path", [IIS6, IIS7, EXPRESS, APPCMD], ids=lambda p: p.name)
def test_clone_without_a_name_is_named_a_copy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path
) -> None:
    source = tmp_path / path.name
    shutil.copy(path, source)
    name = next(s.name for s in metaclone.load(source).sites if s.name)
    for expected in (f"{name} (copy)", f"{name} (copy 2)"):
        status, _, err = run(capsys, "clone", source, "--site", name, "--in-place", "--no-backup")
        assert status == EXIT_OK, err
        assert "as site" in err
        assert expected in [s.name for s in metaclone.load(source).sites]
