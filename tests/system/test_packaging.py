"""The version is written once, and what the build ships is what the code reads."""

from __future__ import annotations

import importlib.metadata
import io
import re

import pytest

import metaclone
from metaclone.__about__ import __version__
from metaclone.cli import EXIT_OK, main
from tests.conftest import ROOT


def test_the_version_has_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert metaclone.__version__ == __version__
    assert importlib.metadata.version("metaclone") == __version__
    assert main(["--version"], stdout=io.StringIO(), stderr=io.StringIO()) == EXIT_OK
    assert capsys.readouterr().out.strip() == f"metaclone {__version__}"
    assert re.search(r"^version\s*=", (ROOT / "pyproject.toml").read_text(), re.MULTILINE) is None


def test_the_changelog_names_this_version() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    released = re.findall(r"^## \[([^\]]+)\]", changelog, re.MULTILINE)
    assert released, "CHANGELOG.md has no version headings"
    assert released[0] in ("Unreleased", __version__.removesuffix(".dev0"))


def test_the_readme_example_shows_real_output(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## One example", 1)[1].split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    argv = command.removeprefix("$ metaclone ").split()
    assert main(argv, stdout=(out := io.StringIO()), stderr=io.StringIO()) == EXIT_OK
    assert out.getvalue().splitlines() == shown


def test_the_readme_links_to_pages_that_exist() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    assert "docs/index.md" in targets
    missing = [t for t in targets if not (ROOT / t).exists()]
    assert missing == []
