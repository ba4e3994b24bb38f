"""The JSON Schemas shipped in the package, and the check that holds every JSON output to them."""

from __future__ import annotations

import io
import json

import jsonschema
import pytest

from metaclone import schemas
from metaclone.cli import EXIT_OK, Console, main
from tests.conftest import FIXTURES
from tests.json_contract import validate, validator


@pytest.mark.parametrize("name", sorted(schemas.SCHEMAS))
def test_each_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = schemas.schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"urn:metaclone:schema:{name}"
    validator(name)  # check_schema raises on a broken schema


def test_an_unknown_schema_name_is_refused() -> None:
    with pytest.raises(KeyError, match="no schema named 'nope'"):
        schemas.schema("nope")


def test_a_document_that_breaks_its_schema_is_caught() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate("sites", {"format": "iis6-metabase", "path": "x", "sites": [{"id": "one"}]})
    with pytest.raises(jsonschema.ValidationError):
        validate("check", {"format": "nginx", "path": "x", "ok": True, "findings": []})


def test_json_printed_without_a_schema_fails_the_suite() -> None:
    console = Console(io.StringIO(), io.StringIO())
    with pytest.raises(AssertionError, match="JSON printed without a schema"):
        console.out('{"format": "iis6-metabase"}\n')


def test_json_printed_through_console_json_is_validated() -> None:
    console = Console(io.StringIO(), io.StringIO())
    with pytest.raises(jsonschema.ValidationError):
        console.json("check", '{"ok": "yes"}')


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["sites", str(FIXTURES / "iis6" / "MetaBase.xml"), "--json"], "sites"),
        (
            [
                "sites",
                str(FIXTURES / "iis7" / "applicationHost.config"),
                "--json",
                "--applications",
            ],
            "sites",
        ),
        (
            ["cert", "show", str(FIXTURES / "iis7" / "applicationHost.config"), "--json"],
            "cert-show",
        ),
        (["check", str(FIXTURES / "iis7" / "appcmd_sites.xml"), "--json"], "check"),
        (
            [
                "cert",
                "audit",
                str(FIXTURES / "iis7" / "applicationHost.config"),
                "--sslcert",
                str(FIXTURES / "netsh" / "sslcert_audit_server_crlf.txt"),
                "--json",
            ],
            "cert-audit",
        ),
        (["cert", "audit", str(FIXTURES / "iis6" / "MetaBase.xml"), "--json"], "cert-audit"),
    ],
)
def test_command_output_follows_its_schema(argv: list[str], name: str) -> None:
    out = io.StringIO()
    assert main(argv, stdout=out, stderr=io.StringIO()) in (EXIT_OK, 1)
    validate(name, json.loads(out.getvalue()))
