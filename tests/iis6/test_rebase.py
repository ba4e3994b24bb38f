"""The key index an edit brings up to date equals the index of a fresh load of the edited bytes.

A clone, rename, delete, stop/start or certificate change of a metabase keeps the key index
(the keys that did not change, moved; the stretches that did, read again) and the line numbers
it knows; every reader must then see exactly what reading the new bytes from scratch gives.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone.errors import MetacloneError, SiteNameError
from metaclone.iis6.key_paths import PathIndex
from metaclone.iis6.keys import FTP, WEB, ServerKeyEntry
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.lossless import gate
from metaclone.model.sites import Site
from tests.conftest import FIXTURES
from tests.iis6.test_metabase_properties import PROFILE, Generated, load, metabases
from tests.lossless.test_pieces import assert_pieces_are_the_text, read_in_pieces

OPERATIONS = ("clone", "rename", "delete", "stop", "start", "certificate")


def _plain(entries: tuple[ServerKeyEntry, ...]) -> list[tuple[object, ...]]:
    return [(e.service, e.id, e.segment, e.position) for e in entries]


def _assert_same_as_fresh(doc: MetabaseDocument, offsets: list[int]) -> None:
    # Before anything (the index following the edit) makes the whole new text.
    pieces = read_in_pieces(doc, offsets)
    # Taken before to_bytes(), which drops an index still waiting to follow an edit.
    kept = doc._index()
    fresh = metaclone.loads(doc.to_bytes(), doc.path)
    assert_pieces_are_the_text(doc, pieces)
    assert isinstance(fresh, MetabaseDocument)
    built = fresh._index()
    assert doc._index() is kept
    assert kept.text is doc.xml.text
    assert len(kept) == len(built)
    assert [kept.start(p) for p in range(len(kept))] == [built.start(p) for p in range(len(built))]
    assert kept.locations == built.locations
    assert [(e.id, e.segment, e.position) for e in kept.site_entries] == [
        (e.id, e.segment, e.position) for e in built.site_entries
    ]
    untouched = metaclone.loads(doc.to_bytes(), doc.path)
    assert isinstance(untouched, MetabaseDocument)
    for site_id in {site.id for site in fresh.sites} | {0, 1, 10**6}:
        # By one search of the paths (nothing listed yet) and from the listing.
        listed = _plain(built.site_entries_by_id.get(site_id, ()))
        assert _plain(untouched._index().site_entries_with_id(site_id)) == listed
        assert _plain(kept.site_entries_with_id(site_id)) == listed
    for service in (FTP, WEB):
        assert kept.used_ids(service) == built.used_ids(service)
    # The lookups by path (from the groups by site a clone makes and the edits carry) are
    # those one search of the fresh paths answers.
    for location in {*built.locations, *(f"/LM/W3SVC/{site.id}" for site in fresh.sites)}:
        for asked in (location, location.upper()):
            assert kept.count(asked) == PathIndex(list(built.locations)).count(asked)
            assert kept.first(asked) == PathIndex(list(built.locations)).first(asked)
            searched = PathIndex(list(built.locations)).positions_under(asked)
            assert kept.positions_under(asked) == searched
    # The ServerComment names (carried when a clone or rename counted them before the edit).
    assert kept.names == built.names
    assert doc.keys == fresh.keys
    assert doc.sites == fresh.sites
    for site in fresh.sites:
        assert doc.site(site) == site
        assert doc.keys_under(f"/LM/W3SVC/{site.id}") == fresh.keys_under(f"/LM/W3SVC/{site.id}")
    text = doc.xml.text
    for offset in offsets:
        position = min(offset, len(text))
        assert doc.xml.line_and_column(position) == gate.line_and_column(text, position)


def _edit(
    doc: MetabaseDocument,
    operation: str,
    data: st.DataObject,
    step: int,
    sites: tuple[Site, ...],
) -> None:
    # A site of the last listing, selected by its id: listing the sites again would read the
    # whole index between the edits.
    listed = data.draw(st.sampled_from(sites))
    site: Site | int = listed.id if data.draw(st.booleans()) else listed
    if operation == "clone":
        doc.clone_site(site, new_name=f"Copy {step}")
    elif operation == "rename":
        doc.rename_site(site, data.draw(st.sampled_from(["Site 1", "Renamed", f"R {step}"])))
    elif operation == "delete":
        doc.delete_site(site)
    elif operation in ("stop", "start"):
        doc.set_auto_start(site, operation == "start")
    else:
        doc.set_certificate(site, "ab" * 20)


@PROFILE
@given(metabases(), st.data())
def test_an_index_kept_through_edits_equals_a_fresh_one(
    generated: Generated, data: st.DataObject
) -> None:
    doc = load(generated.data)
    offsets = data.draw(st.lists(st.integers(0, len(generated.data) * 2), max_size=6))
    # After each edit, or only after the last: an index brought through several edits that
    # nothing read in between (but the edits themselves) must still equal a fresh one.
    each = data.draw(st.booleans())
    sites = doc.sites
    for step in range(data.draw(st.integers(1, 5))):
        if not sites:
            break
        if data.draw(st.booleans()):
            _ = [key.line for key in doc.keys]  # line numbers known before the edit
        try:
            _edit(doc, data.draw(st.sampled_from(OPERATIONS)), data, step, sites)
        except MetacloneError:
            continue  # refused: the document is as it was
        if each:
            _assert_same_as_fresh(doc, offsets)
            sites = doc.sites
    _assert_same_as_fresh(doc, offsets)


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "iis6").glob("*.xml")))
def test_fixture_edits_keep_an_index_equal_to_a_fresh_one(name: str) -> None:
    doc = metaclone.load(FIXTURES / "iis6" / name)
    assert isinstance(doc, MetabaseDocument)
    for step, site in enumerate(doc.sites[:3]):
        try:
            doc.clone_site(site, new_name=f"Fixture copy {step}")
            _assert_same_as_fresh(doc, [0, 100, 10_000])
            doc.set_auto_start(site, not site.auto_start)
            _assert_same_as_fresh(doc, [0, 100, 10_000])
            doc.rename_site(site, f"Fixture renamed {step}")
            _assert_same_as_fresh(doc, [0, 100, 10_000])
        except MetacloneError:
            continue


def test_names_given_and_freed_by_earlier_edits_are_seen_by_the_next() -> None:
    """The names a kept index counts follow each edit: a clone's name is taken for the next
    clone (in any case), a renamed site's old name is free again."""
    doc = metaclone.load(FIXTURES / "iis6" / "MetaBase.xml")
    assert isinstance(doc, MetabaseDocument)
    source = doc.sites[0]
    doc.clone_site(source, new_name="Kopie ü")
    with pytest.raises(SiteNameError, match="already named 'Kopie ü'"):
        doc.clone_site(source, new_name="KOPIE Ü")
    doc.rename_site("Kopie ü", "Renamed copy")
    doc.clone_site(source, new_name="kopie ü")  # free again
    with pytest.raises(SiteNameError, match="already named 'Renamed copy'"):
        doc.rename_site(source, "renamed COPY")
    fresh = metaclone.loads(doc.to_bytes(), doc.path)
    assert isinstance(fresh, MetabaseDocument)
    assert doc._index().names == fresh._index().names
