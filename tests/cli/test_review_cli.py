"""``metaclone diff`` and ``metaclone check`` on many files, through main(argv)."""

from __future__ import annotations

import json
import os
import re
import shutil
import weakref
from pathlib import Path

import pytest

import metaclone
from metaclone.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, EXIT_USAGE, main
from tests.conftest import FIXTURES, ROOT

REVIEW = FIXTURES / "review"
IIS7_BEFORE = REVIEW / "applicationHost.before.config"
IIS7_AFTER = REVIEW / "applicationHost.after.config"
IIS6_BEFORE = REVIEW / "MetaBase.before.xml"
IIS6_AFTER = REVIEW / "MetaBase.after.xml"
SSLCERT_BEFORE = REVIEW / "sslcert.before.txt"
SSLCERT_AFTER = REVIEW / "sslcert.after.txt"


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# -- diff ---------------------------------------------------------------------------------------


def test_diff_text_is_a_changelog(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "diff", IIS7_BEFORE, IIS7_AFTER)
    assert status == EXIT_PROBLEMS
    assert err == ""
    changes = metaclone.diff_documents(metaclone.load(IIS7_BEFORE), metaclone.load(IIS7_AFTER))
    assert out.splitlines() == [
        f"{IIS7_BEFORE} -> {IIS7_AFTER}: {len(changes)} change(s)",
        *(f"  {c.message}" for c in changes),
    ]
    assert "  site 2 'Shop': binding added https/10.0.0.5:443:" in out.splitlines()


def test_diff_without_changes_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "diff", IIS6_BEFORE, REVIEW / "MetaBase.reformatted.xml")
    assert status == EXIT_OK
    assert out == f"{IIS6_BEFORE} -> {REVIEW / 'MetaBase.reformatted.xml'}: no changes\n"


@pytest.mark.parametrize("option", [["--json"], ["--format", "json"]])
def test_diff_json(capsys: pytest.CaptureFixture[str], option: list[str]) -> None:
    status, out, _ = run(capsys, "diff", IIS6_BEFORE, IIS6_AFTER, *option)
    assert status == EXIT_PROBLEMS
    data = json.loads(out)
    assert set(data) == {"old", "new", "format", "changes"}
    assert (data["old"], data["new"], data["format"]) == (
        str(IIS6_BEFORE),
        str(IIS6_AFTER),
        "iis6-metabase",
    )
    fields = {"kind", "site_id", "site_name", "what", "old", "new", "old_line", "new_line"}
    assert all(set(change) == fields for change in data["changes"])
    renamed = next(c for c in data["changes"] if c["kind"] == "site-renamed")
    assert renamed == {
        "kind": "site-renamed",
        "site_id": 98004751,
        "site_name": "Contributions",
        "what": "",
        "old": "Contrib",
        "new": "Contributions",
        "old_line": renamed["old_line"],
        "new_line": renamed["new_line"],
    }
    assert isinstance(renamed["old_line"], int)


def test_diff_with_sslcert_captures(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "diff", IIS7_BEFORE, IIS7_AFTER, "--sslcert", SSLCERT_BEFORE, SSLCERT_AFTER
    )
    assert status == EXIT_PROBLEMS
    lines = out.splitlines()
    assert (
        "  site 2 'Shop': HTTP.sys entry added ipport=10.0.0.5:443 "
        "(5226dc6c54559761cd471b86eb51c096252c90f2 (MY))"
    ) in lines
    assert "  HTTP.sys entry removed ipport=10.0.0.7:443 (" in out


def test_diff_of_captures_alone_counts(capsys: pytest.CaptureFixture[str]) -> None:
    # The files are the same; only HTTP.sys changed.
    status, out, _ = run(
        capsys, "diff", IIS7_AFTER, IIS7_AFTER, "--sslcert", SSLCERT_BEFORE, SSLCERT_AFTER
    )
    assert status == EXIT_PROBLEMS
    assert "3 change(s)" in out.splitlines()[0]
    status, out, _ = run(
        capsys, "diff", IIS7_AFTER, IIS7_AFTER, "--sslcert", SSLCERT_AFTER, SSLCERT_AFTER
    )
    assert status == EXIT_OK


def test_diff_formats_must_match(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "diff", IIS7_BEFORE, IIS6_BEFORE)
    assert status == EXIT_REFUSED
    assert out == ""
    assert err.startswith(f"metaclone: error: {IIS7_BEFORE}: cannot compare")
    assert "Traceback" not in err


def test_diff_with_an_unreadable_old_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    broken = tmp_path / "applicationHost.config"
    broken.write_text("<configuration>\n  <system.applicationHost>\n</configuration>\n")
    status, out, err = run(capsys, "diff", broken, IIS7_AFTER, IIS7_BEFORE)
    assert status == EXIT_REFUSED
    assert out == ""
    assert err.startswith(f"metaclone: error: {broken}:")
    status, _, err = run(capsys, "diff", tmp_path / "missing.config", IIS7_AFTER)
    assert status == EXIT_REFUSED
    assert "no such file" in err


def test_diff_with_an_unreadable_new_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "diff", IIS7_BEFORE, tmp_path / "missing.config")
    assert status == EXIT_REFUSED
    assert out == ""
    assert "missing.config: cannot read the file: no such file" in err


def test_diff_sslcert_goes_with_one_new_file(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "diff", IIS7_BEFORE, IIS7_AFTER, IIS7_AFTER, "--sslcert", SSLCERT_BEFORE,
        SSLCERT_AFTER,
    )  # fmt: skip
    assert status == EXIT_USAGE
    assert "one NEW file" in err


def test_diff_with_a_bad_capture_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "sslcert.txt"
    bad.write_text("    IP:port : 0.0.0.0:443\n    Application ID : {x}\n")
    status, out, err = run(capsys, "diff", IIS7_BEFORE, IIS7_AFTER, "--sslcert", bad, bad)
    assert status == EXIT_REFUSED
    assert out == ""
    assert str(bad) in err


# -- diff against a baseline ----------------------------------------------------------------


@pytest.fixture
def farm(tmp_path: Path) -> Path:
    """A baseline and three servers: one the same, one drifted, one unreadable."""
    shutil.copy(IIS7_BEFORE, tmp_path / "base.config")
    shutil.copy(REVIEW / "applicationHost.reformatted.config", tmp_path / "web1.config")
    shutil.copy(REVIEW / "applicationHost.iismanager.config", tmp_path / "web2.config")
    (tmp_path / "web3.config").write_text("<configuration><unclosed></configuration>")
    return tmp_path


def test_diff_many_files_against_a_baseline(capsys: pytest.CaptureFixture[str], farm: Path) -> None:
    base, web1, web2, web3 = (farm / f"{n}.config" for n in ("base", "web1", "web2", "web3"))
    status, out, err = run(capsys, "diff", base, web1, web2, web3)
    assert status == EXIT_PROBLEMS
    assert out.splitlines() == [
        f"{base} -> {web1}: no changes",
        f"{base} -> {web2}: 1 change(s)",
        "  site 2 'Shop': state changed: started -> stopped",
    ]
    assert err.startswith(f"metaclone: error: {web3}:1:")
    status, out, _ = run(capsys, "diff", base, web1, web1)
    assert status == EXIT_OK


def test_diff_many_files_json(capsys: pytest.CaptureFixture[str], farm: Path) -> None:
    base, web1, web2, web3 = (farm / f"{n}.config" for n in ("base", "web1", "web2", "web3"))
    status, out, _ = run(capsys, "diff", base, web1, web2, web3, "--json")
    assert status == EXIT_PROBLEMS
    data = json.loads(out)
    assert data["base"] == str(base)
    first, second, third = data["comparisons"]
    assert (first["new"], first["changes"]) == (str(web1), [])
    assert [c["kind"] for c in second["changes"]] == ["site-state-changed"]
    assert third["new"] == str(web3)
    assert third["error"]["line"] == 1
    assert "changes" not in third


def test_diff_when_no_file_can_be_compared(capsys: pytest.CaptureFixture[str], farm: Path) -> None:
    status, out, _ = run(
        capsys, "diff", farm / "base.config", farm / "web3.config", farm / "nothing.config"
    )
    assert status == EXIT_REFUSED
    assert out == ""


def test_diff_many_files_sarif_names_each_file(
    capsys: pytest.CaptureFixture[str], farm: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(farm)
    status, out, _ = run(
        capsys, "diff", "base.config", "web1.config", "web2.config", "web3.config",
        "--format", "sarif",
    )  # fmt: skip
    assert status == EXIT_PROBLEMS
    results = json.loads(out)["runs"][0]["results"]
    located = [
        (r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
        for r in results
    ]
    assert located == [("site-state-changed", "web2.config"), ("unreadable-file", "web3.config")]


# -- check on many files and folders --------------------------------------------------------


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A repository of server configs, with files that are not IIS files beside them."""
    (tmp_path / "web1").mkdir()
    (tmp_path / "web2" / "inetsrv").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    shutil.copy(FIXTURES / "iis7" / "applicationHost.config", tmp_path / "web1")
    shutil.copy(REVIEW / "MetaBase.before.xml", tmp_path / "web2" / "inetsrv" / "MetaBase.xml")
    shutil.copy(FIXTURES / "iis7" / "appcmd_sites.xml", tmp_path / "web2" / "sites.xml")
    (tmp_path / "web1" / "web.config").write_text("<configuration><appSettings /></configuration>")
    (tmp_path / "web1" / "notes.xml").write_text("not xml at all")
    (tmp_path / "web1" / "readme.txt").write_text("<configuration>")
    shutil.copy(FIXTURES / "iis7" / "applicationHost.config", tmp_path / ".git" / "x.config")
    return tmp_path


def test_check_a_folder_finds_iis_files_recursively(
    capsys: pytest.CaptureFixture[str], repository: Path
) -> None:
    status, out, err = run(capsys, "check", repository)
    assert status == EXIT_PROBLEMS
    assert err == ""
    summaries = [line for line in out.splitlines() if re.search(r": \d+ problem\(s\)", line)]
    assert summaries == [
        # Folder by folder, a folder's own files before its subfolders', in name order.
        f"{repository / 'web1' / 'applicationHost.config'}: 2 problem(s), 3 finding(s)",
        f"{repository / 'web2' / 'sites.xml'}: 0 problem(s), 0 finding(s)",
        f"{repository / 'web2' / 'inetsrv' / 'MetaBase.xml'}: 0 problem(s), 0 finding(s)",
    ]
    assert out.splitlines()[-1] == "checked 3 file(s): 1 with problems, 0 unreadable"


def test_check_reports_a_broken_iis_file_in_a_folder_and_goes_on(
    capsys: pytest.CaptureFixture[str], repository: Path
) -> None:
    broken = repository / "web3" / "applicationHost.config"
    broken.parent.mkdir()
    broken.write_text("<configuration>\n<system.applicationHost>\n")
    status, out, err = run(capsys, "check", repository, "--json")
    assert status == EXIT_PROBLEMS
    data = json.loads(out)
    assert data["ok"] is False
    paths = [entry["path"] for entry in data["files"]]
    assert paths[-1] == str(broken)
    assert data["files"][-1]["error"]["line"] == 3
    assert err.startswith(f"metaclone: error: {broken}:3:")


def test_check_a_named_file_that_does_not_load_is_an_error(
    capsys: pytest.CaptureFixture[str], repository: Path
) -> None:
    named = repository / "web1" / "web.config"
    good = repository / "web2" / "sites.xml"
    status, out, err = run(capsys, "check", named, good)
    assert status == EXIT_PROBLEMS
    assert "is not the root of an IIS 6 metabase" in err
    assert f"{good}: 0 problem(s), 0 finding(s)" in out
    assert out.splitlines()[-1] == "checked 1 file(s): 0 with problems, 1 unreadable"


def test_check_exits_3_when_nothing_can_be_read(
    capsys: pytest.CaptureFixture[str], repository: Path, tmp_path: Path
) -> None:
    status, out, err = run(capsys, "check", repository / "web1" / "notes.xml")
    assert status == EXIT_REFUSED
    assert out == ""
    assert err.startswith(f"metaclone: error: {repository / 'web1' / 'notes.xml'}:1:")
    empty = tmp_path / "empty"
    empty.mkdir()
    status, out, err = run(capsys, "check", empty)
    assert status == EXIT_REFUSED
    assert err == f"metaclone: error: no IIS configuration file found in {empty}\n"


def test_check_clean_files_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    # (MetaBase.after.xml moves /checkout to CheckoutPool, a pool it does not define.)
    status, out, _ = run(capsys, "check", IIS6_BEFORE, IIS7_BEFORE)
    assert status == EXIT_OK
    assert out.splitlines()[-1] == "checked 2 file(s): 0 with problems, 0 unreadable"


def test_check_one_file_keeps_its_json_shape(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", IIS6_BEFORE, "--format", "json")
    assert status == EXIT_OK
    assert json.loads(out) == {
        "format": "iis6-metabase",
        "path": str(IIS6_BEFORE),
        "ok": True,
        "findings": [],
    }


def test_check_sslcert_goes_with_one_file(
    capsys: pytest.CaptureFixture[str], repository: Path
) -> None:
    status, _, err = run(capsys, "check", repository, "--sslcert", SSLCERT_AFTER)
    assert status == EXIT_USAGE
    assert "one FILE" in err
    status, out, _ = run(
        capsys, "check", FIXTURES / "iis7" / "applicationHost.config", "--sslcert", SSLCERT_AFTER
    )
    assert status == EXIT_PROBLEMS
    assert "[missing-certificate]" in out


def test_check_github_output_for_many_files(
    capsys: pytest.CaptureFixture[str], repository: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repository)
    (repository / "web2" / "MetaBase.xml").write_text("<configuration>")
    status, out, err = run(capsys, "check", ".", "--format", "github")
    assert status == EXIT_PROBLEMS
    assert err == ""
    lines = out.splitlines()
    assert any(line.startswith("::error file=web2/MetaBase.xml,line=1,") for line in lines)
    assert any(
        line.startswith("::warning file=web1/applicationHost.config,line=222,") for line in lines
    )


# -- pre-commit -----------------------------------------------------------------------------


def test_pre_commit_hook_runs_check_on_iis_files() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert "- id: metaclone-check" in text
    assert re.search(r"^\s+entry: metaclone check$", text, re.M)
    assert re.search(r"^\s+language: python$", text, re.M)
    found = re.search(r"^\s+files: '(.+)'$", text, re.M)
    assert found is not None
    files = re.compile(found.group(1))
    for name in (
        "applicationHost.config",
        "servers/web1/applicationhost.config",
        "iis6/MetaBase.xml",
        "exports/appcmd_sites.xml",
        "appcmd/site-shop.xml",
    ):
        assert files.search(name), name
    for name in ("web.config", "pom.xml", "docs/metabase.xml.md", "app.config"):
        assert not files.search(name), name


# -- the documentation shows real output ---------------------------------------------------


#: Where commands are shown with their output: the review guide, and the pages of
#: the documentation made from it.
SHOWN_IN = [
    (ROOT / "docs" / "review.md", "# Review and audit", None),
    (ROOT / "docs" / "commands" / "diff.md", "# diff", None),
    (ROOT / "docs" / "commands" / "check.md", "# check", None),
]


def readme_sessions() -> list[tuple[str, str]]:
    """Each ``$ metaclone ...`` command shown in :data:`SHOWN_IN`, with its output."""
    sessions: list[tuple[str, str]] = []
    for path, first, last in SHOWN_IN:
        text = path.read_text()
        section = text[text.index(first) : text.index(last) if last else None]
        for block in re.findall(r"```\n(.*?)```", section, re.S):
            for chunk in re.split(r"^(?=\$ )", block, flags=re.M):
                if chunk.startswith("$ metaclone "):
                    command, _, output = chunk.partition("\n")
                    shown = command[len("$ metaclone ") :]
                    sessions.append((shown, output.rstrip("\n") + "\n"))
    assert len(sessions) >= 6
    return sessions


@pytest.mark.parametrize(
    ("command", "expected"),
    readme_sessions(),
    ids=[f"{n}: {c}" for n, (c, _) in enumerate(readme_sessions())],
)
def test_readme_shows_real_output(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: str,
    expected: str,
) -> None:
    argv = command.split()
    monkeypatch.chdir(REVIEW if (REVIEW / argv[1]).exists() else ROOT)
    main(argv)
    out, _ = capsys.readouterr()
    assert out.replace("\\\\", "\\") == expected.replace("\\\\", "\\")


# -- one file's document is freed before the next is read ----------------------------------------


@pytest.mark.parametrize("command", ["check", "diff"])
def test_each_files_document_is_freed_before_the_next_is_read(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
) -> None:
    """The command line pauses the cyclic collector, and an IIS 6 document holds reference
    cycles: without a collection between files, every file read would stay in memory."""
    from metaclone.workflow import review

    files = []
    for n in range(3):
        files.append(tmp_path / f"m{n}.xml")
        shutil.copy(IIS6_AFTER, files[-1])
    alive: list[weakref.ref[object]] = []
    load_iis = review.load_iis

    def watched(path: str | os.PathLike[str]) -> metaclone.ConfigDocument:
        # Of the documents read before, only diff's base may still be alive.
        kept = [ref for ref in alive if ref() is not None]
        assert len(kept) <= (1 if command == "diff" else 0), (path, kept)
        doc = load_iis(path)
        alive.append(weakref.ref(doc))
        return doc

    monkeypatch.setattr(review, "load_iis", watched)
    status, _, err = run(capsys, command, *files)
    assert status in (EXIT_OK, EXIT_PROBLEMS), err
    assert len(alive) == 3
