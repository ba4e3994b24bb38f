"""The JSON text ``sites --json`` writes of an IIS 6 metabase straight from the one pass over the
text (:meth:`ConfigDocument.listed_json`) is, site by site, ``json.dumps(site.to_json())`` of
the exact reader's sites, however the values are written; an error is that of the sites; and
what the one pass does not write falls back to the sites."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.errors import MetacloneError
from metaclone.iis6.metabase import MetabaseDocument
from tests.iis6.server_keys import (
    BINDINGS,
    FLAGS,
    HASHES,
    STORES,
    THREE_SITES,
    ServerKeyValues,
    metabases,
)

_COMMENTS = [
    "Shop",
    "",
    "a &amp; b",
    "tab\there",
    "line&#xA;end",
    "caf\u00e9 &#x263A;",
    "q&quot;uote",
    "back\\slash",
    "\U0001f600",
]
#: Bindings the JSON writes as well: ports not numbers or not ASCII, quotes, IPv6.
_BINDINGS = [
    *BINDINGS,
    ":080:zero",
    ":x:noport",
    "[::1]:443:v6",
    "noport",
    "a:b",
    ":80:caf\u00e9",
    ":80:&quot;q",
    ":80:back\\",
    ": 81 : spaced ",
    ":99999999999999999999999:big",
    ":\u0663:arabic",
]
_VALUES = ServerKeyValues(_COMMENTS, FLAGS, _BINDINGS, HASHES, [*STORES, "caf\u00e9"])


_SERVICES = [
    "",
    '\t\tSSLCertHash="' + "cd" * 20 + '"\r\n',
    '\t\tSSLCertHash="' + "cd" * 20 + '"\r\n\t\tSSLStoreName="Hosting"\r\n',
]


def _listed(data: bytes) -> list[str] | tuple[type, str] | None:
    try:
        listed = metaclone.loads(data, "MetaBase.xml").listed_json()
    except MetacloneError as error:
        return (type(error), str(error))
    if listed is None:
        return None
    texts = [item for item in listed.texts if isinstance(item, str)]
    assert [json.loads(text)["id"] for text in texts] == list(listed.ids)
    return texts


def _exact(data: bytes) -> list[str] | tuple[type, str]:
    try:
        doc = metaclone.loads(data, "MetaBase.xml", exact=True)
        return [json.dumps(doc.with_settings(site).to_json()) for site in doc.sites]
    except MetacloneError as error:
        return (type(error), str(error))


@settings(max_examples=300, deadline=None)
@given(data=metabases(_VALUES, _SERVICES))
def test_the_listed_json_is_that_of_the_exact_reader(data: bytes) -> None:
    assert _listed(data) == _exact(data)


def test_every_site_is_written_from_the_one_pass() -> None:
    listed = _listed(THREE_SITES)
    assert listed == _exact(THREE_SITES)
    assert isinstance(listed, list)
    assert [json.loads(text)["waiting_for_certificate"] for text in listed] == [False, False, True]


def _run(path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["sites", "--json", *args, str(path)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize("args", [(), ("--applications",)])
def test_the_command_prints_what_the_sites_give(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    path = tmp_path / "MetaBase.xml"
    path.write_bytes(THREE_SITES)
    fast = _run(path, capsys, *args)
    with mock.patch.object(MetabaseDocument, "listed_json", return_value=None):
        general = _run(path, capsys, *args)
    assert fast == general
    assert fast[0] == EXIT_OK


def test_an_error_in_a_late_site_leaves_nothing_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "MetaBase.xml"
    path.write_bytes(THREE_SITES.replace(b'"FALSE"', b'"maybe"'))
    status, out, err = _run(path, capsys)
    assert (status, out) == (EXIT_REFUSED, "")
    assert "MetaBase.xml:15:20: ServerAutoStart: 'maybe' is not a BOOL value" in err
    with mock.patch.object(MetabaseDocument, "listed_json", return_value=None):
        assert _run(path, capsys) == (status, out, err)


def test_the_applications_are_listed_with_the_sites() -> None:
    doc = metaclone.loads(THREE_SITES, "MetaBase.xml")
    without = doc.listed_json()
    assert without is not None
    assert without.applications is None
    listed = doc.listed_json(applications=True)
    assert listed is not None
    assert listed.applications is not None
    expected = [json.dumps([a.to_json() for a in doc.applications(s)]) for s in doc.sites]
    assert list(listed.applications) == expected


def test_an_indexed_file_is_listed_from_the_sites() -> None:
    doc = metaclone.loads(THREE_SITES, "MetaBase.xml")
    doc.site(8)  # indexes the keys
    assert doc.listed_json() is None


def test_a_port_past_the_digits_python_may_read_is_left_to_the_sites() -> None:
    long_port = b":" + b"9" * 641 + b":big"
    data = THREE_SITES.replace(b":443:", long_port, 1)
    assert metaclone.loads(data, "MetaBase.xml").listed_json() is None
    shorter = THREE_SITES.replace(b":443:", b":" + b"9" * 640 + b":big", 1)
    assert _listed(shorter) == _exact(shorter)
