"""Selecting a site by id, name or value: the indexed lookups choose as the full scans do."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import metaclone
from metaclone.errors import MetacloneError
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.model.lookup import SiteKey, select_site, site_identity, site_path_pattern
from metaclone.model.sites import Site, SiteKind
from tests.conftest import fixture_files

IIS6_FILES = fixture_files("iis6/*.xml")
IIS7_FILES = [p for p in fixture_files("iis7/*") if p.suffix in (".xml", ".config")]


def _outcome(choose: Callable[[], object]) -> object:
    """What a lookup gives: the value, or the kind of error it raises."""
    try:
        return choose()
    except MetacloneError as error:
        return type(error).__name__


def _keys(sites: tuple[Site, ...]) -> list[SiteKey]:
    keys: list[SiteKey] = ["No Such Site", 987654, "987654", " 1 ", "ftp/1", "ftp/99", "\u00b2"]
    for site in sites:
        keys += [site.id, str(site.id), site.name, site.name.upper(), f"  {site.name} ", site]
        keys.append(f"ftp/{site.id}")
    return keys


def _scanned(sites: tuple[Site, ...], key: SiteKey, *, separate_ftp_ids: bool) -> object:
    """The site ``key`` selects, found by going through every site."""
    if isinstance(key, Site):
        # The very site, even in a broken file where two sites share an id.
        same = [
            s
            for s in sites
            if (s.id, s.line) == (key.id, key.line) and (s.kind is key.kind or not separate_ftp_ids)
        ]
        if len(same) == 1:
            return same[0]
    return select_site(
        sites, key, site_identity, path="", format="", separate_ftp_ids=separate_ftp_ids
    )


@pytest.mark.parametrize(
    ("path", "separate_ftp_ids"),
    [(p, True) for p in IIS6_FILES] + [(p, False) for p in IIS7_FILES],
    ids=lambda p: p.name if isinstance(p, Path) else "",
)
def test_sites_are_chosen_as_by_going_through_every_site(
    path: Path, separate_ftp_ids: bool
) -> None:
    """IIS 6 numbers FTP sites apart ("ftp/1" is FTP site 1); IIS 7 numbers all sites together."""
    doc = metaclone.load(path)
    sites = doc.sites
    for key in _keys(sites):
        chosen = _outcome(partial(doc.site, key))
        assert chosen == _outcome(partial(_scanned, sites, key, separate_ftp_ids=separate_ftp_ids))
        assert chosen == _outcome(partial(metaclone.load(path).site, key)), key  # a fresh index
    for site in sites:
        assert doc.site(site) == site


@pytest.mark.parametrize("path", IIS6_FILES + IIS7_FILES, ids=lambda p: p.name)
def test_repeated_lookups_give_the_same_applications(path: Path) -> None:
    """Past the first lookups, the keys of an IIS 6 site are found by groups, not by search."""
    doc = metaclone.load(path)

    def selectable(site: Site) -> bool:
        return _outcome(lambda: doc.site(site)) == site

    # Sites that share an id in a broken file cannot be selected: left out.
    first = [doc.applications(s) for s in doc.sites if selectable(s)]
    for _ in range(3):
        assert [doc.applications(s) for s in doc.sites if selectable(s)] == first


@pytest.mark.parametrize("path", IIS6_FILES, ids=lambda p: p.name)
def test_keys_under_a_path_are_the_same_found_by_groups(path: Path) -> None:
    searched = metaclone.load(path)
    grouped = metaclone.load(path)
    assert isinstance(searched, MetabaseDocument)
    assert isinstance(grouped, MetabaseDocument)
    locations = sorted({key.location for key in searched.keys})
    for _ in range(2):  # the second time round, past the first lookups, by groups
        for location in locations:
            assert grouped.keys_under(location) == searched.keys_under(location), location
            assert grouped.keys_under(location.upper() + "/") == searched.keys_under(location)
            searched = metaclone.load(path)  # a fresh index: searches every path
            assert isinstance(searched, MetabaseDocument)


# -- site paths --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "path", "found"),
    [
        ({}, "/LM/W3SVC/7", ("W3SVC", "7")),
        ({}, "/lm/MSFTPSVC/021", ("MSFTPSVC", "021")),
        ({}, "LM/W3SVC/7", None),
        ({}, "/LM/W3SVC/x", None),
        ({"kinds": (SiteKind.WEB,)}, "/LM/MSFTPSVC/21", None),
        ({"canonical_id": True}, "/LM/W3SVC/07", None),
        ({"canonical_id": True}, "/LM/W3SVC/70", ("W3SVC", "70")),
        ({"optional_slash": True}, "LM/W3SVC/7", ("W3SVC", "7")),
        ({"optional_slash": True}, "/LM/W3SVC/7", ("W3SVC", "7")),
    ],
)
def test_site_path_pattern_reads_the_service_and_the_id(
    options: dict[str, Any], path: str, found: tuple[str, str] | None
) -> None:
    match = re.fullmatch(site_path_pattern(**options), path, re.IGNORECASE)
    assert (match.group("service", "id") if match else None) == found
    if match:
        assert match.groups() == found  # the groups are also 1 and 2


def test_iis7_metadata_keys_tell_their_site_and_what_is_below_it() -> None:
    doc = metaclone.loads(
        b'<configuration><system.applicationHost><sites><site name="A" id="7" /></sites>'
        b'<customMetadata><key path="LM/W3SVC/7" /><key path="/lm/w3svc/7/ROOT/app" />'
        b'<key path="LM/W3SVC/07" /><key path="LM/W3SVC/INFO" /></customMetadata>'
        b"</system.applicationHost></configuration>"
    )
    assert isinstance(doc, AppHostDocument)
    keys = doc.metadata_keys
    assert [k.site_id for k in keys] == [7, 7, None, None]
    assert [k.below_site for k in keys] == ["", "/ROOT/app", None, None]
    assert [k.is_site_root for k in keys] == [True, False, False, False]
    assert [k.moved(12) for k in keys] == [
        "LM/W3SVC/12",
        "/lm/w3svc/12/ROOT/app",
        "LM/W3SVC/07",
        "LM/W3SVC/INFO",
    ]
