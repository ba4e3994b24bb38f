"""``<applicationDefaults>`` and ``<virtualDirectoryDefaults>`` IIS does not read as a site's.

IIS reads a site's defaults only as direct children of ``<site>`` (and a directory's also of
``<application>``).  One nested in another element of the site, or an element whose name only
starts like theirs, is not the site's: the sites read whole must leave such a site to the exact
walk, or read it as the exact walk does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import metaclone
from metaclone.cli import main
from metaclone.iis7 import clean_shapes

SITE = (
    '<site name="s" id="1"><application path="/"><virtualDirectory path="/"'
    ' physicalPath="C:\\s" /></application>{other}<bindings><binding protocol="http"'
    ' bindingInformation="*:80:s" /></bindings></site>'
)
NESTED = (
    '<limits><applicationDefaults applicationPool="Nested" />'
    '<virtualDirectoryDefaults userName="nested" /></limits>'
)
NOT_THE_SITES = [
    NESTED,
    '<logFile><virtualDirectoryDefaults userName="nested" /></logFile>',
    '<hsts><unknownChild><applicationDefaults applicationPool="Nested" /></unknownChild></hsts>',
    '<applicationDefaults-x applicationPool="Longer" />',
    '<virtualDirectoryDefaults.x userName="longer" />',
]


def _text(other: str) -> str:
    return (
        '<configuration><system.applicationHost><applicationPools><add name="P" />'
        f"</applicationPools><sites>{SITE.format(other=other)}</sites>"
        "</system.applicationHost></configuration>"
    )


def _applications(other: str, *, exact: bool = False) -> list[dict[str, object]]:
    doc = metaclone.loads(_text(other).encode(), "nested.config", exact=exact)
    return [application.to_json() for application in doc.applications(1)]


def _site_span(text: str) -> tuple[int, int]:
    return text.index("<site "), text.index("</sites>")


@pytest.mark.parametrize("other", NOT_THE_SITES)
def test_defaults_that_are_not_the_sites_are_not_inherited(other: str) -> None:
    applications = _applications(other)
    assert applications == _applications(other, exact=True)
    assert applications[0]["application_pool"] is None
    assert applications[0]["inherited"] == []
    assert applications[0]["virtual_directories"] == [
        {
            "path": "/",
            "physical_path": "C:\\s",
            "user_name": "",
            "logon_method": "ClearText",
            "allow_sub_dir_config": True,
            "password_set": False,
            "inherited": [],
        }
    ]
    doc = metaclone.loads(_text(other).encode(), "nested.config")
    listed = doc.listed_applications()
    assert listed is not None
    assert [(a.application_pool, a.inherited) for a in next(listed)] == [(None, ())]


def test_a_nested_default_leaves_the_site_to_the_exact_walk() -> None:
    text = _text(NESTED)
    start, end = _site_span(text)
    assert clean_shapes.clean_applications(text, start, end) is None
    assert clean_shapes.listed_applications(text, start, end) is None


def test_a_longer_name_is_not_read_as_the_sites_defaults() -> None:
    text = _text('<applicationDefaults-x applicationPool="Longer" />')
    start, end = _site_span(text)
    read = clean_shapes.clean_applications(text, start, end)
    assert read is not None
    assert read.application_defaults is None
    assert clean_shapes.listed_applications(text, start, end) == (
        [("/", "", "", [("/", "C:\\s")])],
        None,
    )


def test_the_sites_own_defaults_are_still_read_whole() -> None:
    own = '<applicationDefaults applicationPool="P" /><virtualDirectoryDefaults userName="u" />'
    text = _text(own)
    start, end = _site_span(text)
    read = clean_shapes.clean_applications(text, start, end)
    assert read is not None
    assert read.application_defaults == {"applicationPool": "P"}
    assert read.directory_defaults == {"userName": "u"}
    assert _applications(own) == _applications(own, exact=True)


def test_the_command_line_shows_no_nested_pool(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "nested.config"
    path.write_text(_text(NESTED), encoding="utf-8")
    assert main(["sites", str(path), "--applications"]) == 0
    out = capsys.readouterr().out
    assert "app /  pool: -  / = C:\\s" in out
    assert "Nested" not in out
    assert main(["sites", str(path), "--json", "--applications"]) == 0
    (site,) = json.loads(capsys.readouterr().out)["sites"]
    assert site["applications"] == _applications(NESTED, exact=True)
    assert main(["check", str(path)]) == 0
    assert "0 problem(s), 0 finding(s)" in capsys.readouterr().out
