"""The fast readers of IIS 7+ files against the exact ones, through the public parameter.

``metaclone.loads(data, exact=True)`` reads every site with the exact readers (no listing pass,
no tracked-elements shortcut): whatever the fast readers do, a document must give the same
sites, lookups, applications, findings and clone as its exact twin.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeGuard

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone import ConfigDocument
from metaclone.errors import MetacloneError
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.model.lookup import SiteKey
from tests.conftest import fixture_files
from tests.iis7.test_apphost_reading import (
    GAPS,
    LISTED_CHILDREN,
    QUICK_CHILDREN,
    SITE_TAGS,
    _listing_document,
)

IIS7_FIXTURES = fixture_files("iis7/*")


def _outcome(operation: Callable[..., object], *args: object, **kwargs: object) -> object:
    """What ``operation(*args, **kwargs)`` gives, or the class and message of its error."""
    try:
        return operation(*args, **kwargs)
    except MetacloneError as error:
        return (type(error), str(error))


def _are_sites(outcome: object) -> TypeGuard[tuple[metaclone.Site, ...]]:
    """Whether an :func:`_outcome` is a listing (an error's outcome is a tuple too)."""
    return isinstance(outcome, tuple) and all(isinstance(s, metaclone.Site) for s in outcome)


def _twins(data: bytes, name: str) -> tuple[ConfigDocument, ConfigDocument]:
    fast, exact = metaclone.loads(data, name), metaclone.loads(data, name, exact=True)
    assert not fast.exact
    assert exact.exact
    return fast, exact


def _assert_same_reading(data: bytes, name: str) -> None:
    fast, exact = _twins(data, name)
    assert type(fast) is type(exact)
    sites = _outcome(lambda: fast.sites)
    assert sites == _outcome(lambda: exact.sites)
    if not _are_sites(sites):
        return
    keys: list[SiteKey] = [s.id for s in sites] + [s.name for s in sites] + list(sites)
    keys += ["ftp/1", "0", "no such site"]
    for key in keys:
        assert _outcome(fast.site, key) == _outcome(exact.site, key)
        assert _outcome(fast.applications, key) == _outcome(exact.applications, key)
    assert _outcome(fast.check) == _outcome(exact.check)


def _assert_same_clone(data: bytes, name: str) -> None:
    fast, exact = _twins(data, name)
    sites = _outcome(lambda: fast.sites)
    if not _are_sites(sites) or not sites:
        return
    source = sites[0].id
    cloned = [_outcome(doc.clone_site, source, new_name="Exact twin") for doc in (fast, exact)]
    assert cloned[0] == cloned[1]
    assert fast.to_bytes() == exact.to_bytes()
    assert fast.notes == exact.notes


@pytest.mark.parametrize("path", IIS7_FIXTURES, ids=lambda p: p.name)
def test_every_iis7_fixture_reads_and_clones_the_same_exactly(path: Path) -> None:
    data = path.read_bytes()
    _assert_same_reading(data, path.name)
    _assert_same_clone(data, path.name)


def test_the_fixtures_include_both_dialects() -> None:
    formats = {metaclone.load(p).format for p in IIS7_FIXTURES}
    assert {"iis7-applicationhost", "appcmd-xml"} <= formats


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sites=st.lists(
        st.tuples(
            st.integers(0, len(SITE_TAGS) - 1),
            st.lists(st.sampled_from(QUICK_CHILDREN), max_size=6)
            | st.lists(st.sampled_from(LISTED_CHILDREN), max_size=5),
            st.integers(0, len(GAPS) - 1),
        ),
        min_size=1,
        max_size=4,
    ),
    gaps=st.lists(st.integers(0, len(GAPS) - 1), max_size=4),
)
def test_generated_listings_read_and_clone_the_same_exactly(
    sites: list[tuple[int, list[str], int]], gaps: list[int]
) -> None:
    data = _listing_document(sites, gaps).encode()
    assert isinstance(metaclone.loads(data), AppHostDocument)
    _assert_same_reading(data, "generated.config")
    _assert_same_clone(data, "generated.config")
