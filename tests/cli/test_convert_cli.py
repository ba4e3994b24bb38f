"""``metaclone convert`` through main(argv): output, exit codes, and what is (not) written."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pytest

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED, EXIT_USAGE, main
from tests.conftest import FIXTURES, ROOT
from tests.convert.test_convert import LF, METABASE, inserted

NETSH = FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def into(tmp_path: Path) -> Path:
    copy = tmp_path / "applicationHost.config"
    shutil.copyfile(LF, copy)
    return copy


def test_output_file(capsys: pytest.CaptureFixture[str], into: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "new.config"
    status, out, err = run(
        capsys, "convert", METABASE, "--site", "Store", "--into", into, "-o", out_file
    )
    assert status == EXIT_OK
    assert out == ""
    assert "converted IIS 6 site 2 'Store' into site 31 'Store' (started)" in err
    assert "added application pool(s) StorePool, StoreAdmin" in err
    assert "warning: /LM/W3SVC/2/Filters/Rewriter: FilterPath is not carried" in err
    assert "netsh http add sslcert ipport=10.0.0.8:443" in err
    assert into.read_bytes() == LF.read_bytes()
    added = inserted(LF.read_bytes(), out_file.read_bytes())
    assert any('<site name="Store" id="31"' in line for line in added)
    assert metaclone.load(out_file).site("Store").id == 31


def test_stdout_is_the_new_applicationhost(capsys: pytest.CaptureFixture[str], into: Path) -> None:
    status, out, _ = run(capsys, "convert", METABASE, "--site", "Clean", "--into", into)
    assert status == EXIT_OK
    assert '<site name="Clean" id="40" serverAutoStart="true">' in out
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>')


def test_diff_and_dry_run_write_nothing(capsys: pytest.CaptureFixture[str], into: Path) -> None:
    status, out, _ = run(capsys, "convert", METABASE, "--site", "Clean", "--into", into, "--diff")
    assert status == EXIT_OK
    assert out.startswith(f"--- {into}\n+++ {into}\n")
    assert '+            <site name="Clean" id="40" serverAutoStart="true">' in out
    assert not [line for line in out.splitlines() if line.startswith("-") and line[:3] != "---"]
    status, out, err = run(
        capsys, "convert", METABASE, "--site", "Clean", "--into", into, "--dry-run"
    )
    assert status == EXIT_OK
    assert out == ""
    assert "would be changed; nothing written" in err
    assert into.read_bytes() == LF.read_bytes()


def test_in_place_keeps_a_backup(capsys: pytest.CaptureFixture[str], into: Path) -> None:
    status, _, err = run(
        capsys, "convert", METABASE, "--site", "Clean", "--into", into, "--in-place"
    )
    assert status == EXIT_OK
    assert f"updated {into}" in err
    assert Path(f"{into}.bak").read_bytes() == LF.read_bytes()
    assert metaclone.load(into).site("Clean").id == 40


def test_several_sites_options_and_plan_file(
    capsys: pytest.CaptureFixture[str], into: Path, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.json"
    status, _, err = run(
        capsys,
        "convert",
        METABASE,
        "--site",
        "Store",
        "--site",
        "ftp/7",
        "--into",
        into,
        "--pipeline",
        "integrated",
        "--runtime",
        "",
        "--sslcert",
        NETSH,
        "--plan",
        plan,
        "--in-place",
        "--no-backup",
    )
    assert status == EXIT_OK, err
    assert "into site 7 'Secure FTP' (stopped)" in err
    data = json.loads(plan.read_text())
    actions = {change["endpoint"]: change["action"] for change in data["changes"]}
    # netsh already holds 0.0.0.0:443: an update; 10.0.0.8:443 is new.
    assert actions == {"ipport=0.0.0.0:443": "update", "ipport=10.0.0.8:443": "add"}
    text = into.read_text()
    assert 'managedRuntimeVersion="" managedPipelineMode="Integrated"' in text
    assert 'serverCertHash="2b7e151628aed2a6abf7158809cf4f3c762e7160"' in text
    assert not Path(f"{into}.bak").exists()


def test_strict_refusal_lists_the_notes_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], into: Path, tmp_path: Path
) -> None:
    out_file = tmp_path / "new.config"
    status, out, err = run(
        capsys, "convert", METABASE, "--site", "Store", "--into", into, "--strict", "-o", out_file
    )
    assert status == EXIT_REFUSED
    assert out == ""
    assert err.count("metaclone: not carried: ") == 13
    assert "error: " in err
    assert "--strict: 13 properties would not be carried" in err
    assert not out_file.exists()
    status, _, _ = run(
        capsys, "convert", METABASE, "--site", "Clean", "--into", into, "--strict", "-o", out_file
    )
    assert status == EXIT_OK
    assert out_file.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["convert", LF, "--site", "Store", "--into", LF], "comes from an IIS 6 metabase"),
        (
            [
                "convert",
                METABASE,
                "--site",
                "Store",
                "--into",
                FIXTURES / "iis7" / "appcmd_sites.xml",
            ],
            "this is appcmd-xml",
        ),
        (["convert", METABASE, "--site", "Store", "--into", METABASE], "this is iis6-metabase"),
        (["convert", METABASE, "--site", "Nowhere", "--into", LF], "no site named 'Nowhere'"),
        (
            ["convert", METABASE, "--site", "Shop: EU", "--into", LF],
            "give the new site a name with --name",
        ),
        (
            ["convert", METABASE, "--site", "Store", "--into", LF, "--name", "Intranet"],
            "already used",
        ),
        (
            ["convert", METABASE, "--site", "Store", "--into", LF, "--id", "30"],
            "site id 30 is already used",
        ),
        (
            ["convert", METABASE, "--site", "Store", "--site", "Clean", "--into", LF, "--id", "50"],
            "one site",
        ),
        (["convert", FIXTURES / "missing.xml", "--site", "1", "--into", LF], "missing.xml"),
        (
            ["convert", FIXTURES / "iis6" / "MetaBase.xml", "--site", "1", "--into", LF],
            "already used by site id 1",
        ),
    ],
)
def test_refusals_exit_3_and_write_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str | Path], message: str
) -> None:
    out_file = tmp_path / "new.config"
    status, out, err = run(capsys, *argv, "-o", out_file)
    assert status == EXIT_REFUSED
    assert message in err
    assert "Traceback" not in err
    assert out == ""
    assert not out_file.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["convert", METABASE, "--site", "Store"],
        ["convert", METABASE, "--into", LF],
        ["convert", METABASE, "--site", "Store", "--into", LF, "--pipeline", "fast"],
        ["convert", METABASE, "--site", "Store", "--into", LF, "--runtime", "v3.5"],
        ["convert", METABASE, "--site", "Store", "--into", LF, "--id", "x"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str | Path]) -> None:
    status, out, err = run(capsys, *argv)
    assert status == EXIT_USAGE
    assert "usage:" in err
    assert out == ""


def test_readme_shows_real_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = (ROOT / "docs" / "commands" / "convert.md").read_text(encoding="utf-8")
    section = page.split("# convert: move a site from IIS 6", 1)[1]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    command, *shown = block.splitlines()
    shutil.copyfile(METABASE, tmp_path / "MetaBase.xml")
    shutil.copyfile(LF, tmp_path / "applicationHost.config")
    monkeypatch.chdir(tmp_path)
    status, out, err = run(capsys, *shlex.split(command.removeprefix("$ metaclone ")))
    assert status == EXIT_OK
    assert out == ""
    assert err.splitlines() == shown
    assert (
        "netsh http add sslcert ipport=10.0.0.8:443 certhash=9a3f5c7e"
        in (tmp_path / "store.cmd").read_text()
    )
    # The diff excerpt is made of lines of the real diff, in order.
    excerpt = section.split("```diff\n", 1)[1].split("```", 1)[0].splitlines()
    argv = ["convert", "MetaBase.xml", "--site", "Store", "--into", "applicationHost.config"]
    status, out, _ = run(capsys, *argv, "--diff")
    assert status == EXIT_OK
    real = out.splitlines()
    position = 0
    for line in excerpt:
        if line != "...":
            position = real.index(line, position) + 1
