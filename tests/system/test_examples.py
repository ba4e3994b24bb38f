"""The scripts in examples/ run and do what they say."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import metaclone
from tests.conftest import FIXTURES, ROOT

EXAMPLES = ROOT / "examples"


def run_example(name: str, *args: str | Path) -> str:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *map(str, args)],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    return result.stdout


def test_every_example_is_tested() -> None:
    tested = {"list_sites.py", "clone_site.py", "placeholder.py", "convert_site.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_list_sites(tmp_path: Path) -> None:
    out = run_example("list_sites.py", FIXTURES / "iis6" / "MetaBase.xml")
    assert "iis6-metabase" in out
    assert "1962875481  Shop [started]" in out
    assert "waiting for a certificate" in out


def test_clone_site(tmp_path: Path) -> None:
    source = tmp_path / "applicationHost.config"
    shutil.copy(FIXTURES / "iis7" / "applicationHost.config", source)
    out = run_example("clone_site.py", source, "Shop", "Shop (staging)")
    assert "cloned as 21 'Shop (staging)'" in out
    clone = metaclone.load(tmp_path / "applicationHost.config.new").site("Shop (staging)")
    assert not clone.auto_start
    assert source.read_bytes() == (FIXTURES / "iis7" / "applicationHost.config").read_bytes()


def test_placeholder_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "MetaBase.xml"
    shutil.copy(FIXTURES / "iis6" / "MetaBase.xml", source)
    new = "cd" * 20
    out = run_example("placeholder.py", source, "Shop", new)
    assert "begin:" in out
    assert "finish:" in out
    begun = metaclone.load(tmp_path / "MetaBase.xml.begin")
    assert begun.site("Shop (placeholder)").auto_start
    assert not begun.site("Shop").auto_start
    finished = metaclone.load(tmp_path / "MetaBase.xml.finish")
    assert finished.site("Shop").certificate == metaclone.CertificateRef(new, "MY")
    assert finished.site("Shop").auto_start
    assert "Shop (placeholder)" not in [s.name for s in finished.sites]


@pytest.mark.parametrize("name", ["list_sites.py", "clone_site.py", "placeholder.py"])
def test_without_arguments_an_example_prints_its_usage(name: str) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 2
    assert result.stderr.startswith("usage: python ")
    assert "Traceback" not in result.stderr


def test_placeholder_example_says_why_it_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "MetaBase.xml"
    shutil.copy(FIXTURES / "iis6" / "MetaBase.xml", source)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "placeholder.py"), str(source), "Partners", "cd" * 20],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 1
    assert "refused:" in result.stderr
    assert "nothing to keep up" in result.stderr
    assert "Traceback" not in result.stderr


def test_convert_site(tmp_path: Path) -> None:
    target = tmp_path / "applicationHost.config"
    shutil.copy(FIXTURES / "convert" / "target_4space_lf.config", target)
    out = run_example(
        "convert_site.py", FIXTURES / "convert" / "MetaBase_convert.xml", "Store", target
    )
    assert "IIS 6 site 2 'Store' is site 31 'Store'" in out
    assert "warning: /LM/W3SVC/2/Filters/Rewriter: FilterPath is not carried" in out
    assert metaclone.load(tmp_path / "applicationHost.config.new").site("Store").id == 31
    plan = (tmp_path / "applicationHost.config.new.cmd").read_text()
    assert "certhash=9a3f5c7e1b2d4f6a8c0e9a3f5c7e1b2d4f6a8c0e" in plan
