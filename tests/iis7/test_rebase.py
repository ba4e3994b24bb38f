"""The index an edit brings up to date equals the index of a fresh load of the edited bytes.

A clone, rename, delete, stop/start or certificate change keeps the document's index (sites,
location blocks, customMetadata keys, their groupings) and the line numbers it knows, moved
by the edit; every reader must then see exactly what reading the new bytes from scratch gives.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.errors import MetacloneError
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.iis7.index import LocationEntry, MetadataKey, SiteIndex
from metaclone.lossless import gate
from metaclone.lossless.tokens import next_tag
from metaclone.model.sites import Site
from tests.conftest import FIXTURES
from tests.iis7.test_apphost_properties import documents
from tests.lossless.test_pieces import assert_pieces_are_the_text, read_in_pieces

OPERATIONS = (
    "clone",
    "clone-pools",
    "clone-id",
    "rename",
    "delete",
    "stop",
    "start",
    "certificate",
    "bindings",
)


def _index_of(doc: AppHostDocument, *, lookups: bool) -> SiteIndex:
    index = doc._index()
    if lookups:
        # Computed on request: computed before the edit here, so that they are carried.
        _ = (index.locations, index.metadata_keys, index.sites_by_id, index.sites_by_name)
        _ = (index.orphan_locations(), index.highest_id, index.metadata_ids)
    return index


def _assert_same_as_fresh(doc: AppHostDocument, offsets: list[int]) -> None:
    # Before anything (the index following the edit) makes the whole new text.
    pieces = read_in_pieces(doc, offsets)
    # Taken before to_bytes(), which drops an index still waiting to follow an edit.
    kept = doc._index()
    fresh = metaclone.loads(doc.to_bytes(), doc.path)
    assert_pieces_are_the_text(doc, pieces)
    assert isinstance(fresh, AppHostDocument)
    built = fresh._index()
    assert doc._index() is kept
    assert attrs.evolve(kept, version=0) == attrs.evolve(built, version=0)
    assert kept.text is doc.xml.text
    assert kept.locations == built.locations
    assert kept.metadata_keys == built.metadata_keys
    assert [k.element for k in kept.metadata_keys] == [k.element for k in built.metadata_keys]
    assert [loc.element for loc in kept.locations] == [loc.element for loc in built.locations]
    assert kept.sites_by_id == built.sites_by_id
    assert kept.sites_by_name == built.sites_by_name
    assert kept.orphan_locations() == built.orphan_locations()
    _assert_same_references(kept, built)
    assert doc.new_site_identity("A new name", None) == fresh.new_site_identity("A new name", None)
    assert doc.sites == fresh.sites
    assert doc.location_blocks == fresh.location_blocks
    for site in fresh.sites:
        assert doc.site(site.name) == site
    text = doc.xml.text
    for offset in offsets:
        position = min(offset, len(text))
        assert doc.xml.line_and_column(position) == gate.line_and_column(text, position)


def _with_orphans(text: str, count: int) -> str:
    """``text`` with ``count`` location blocks of a site no site has: a clone or rename to
    its name is refused, and the blocks are reported after each clone."""
    blocks = "".join(
        f'    <location path="{path}"><system.webServer /></location>\n'
        for path in ["Gone/app", "gone"][:count]
    )
    return text.replace("</configuration>", blocks + "</configuration>")


def _assert_same_references(kept: SiteIndex, built: SiteIndex) -> None:
    """The lookups of the references, the groupings and the highest id in use agree."""
    assert kept.highest_id == built.highest_id
    assert kept.metadata_ids == built.metadata_ids
    assert dict(kept._key_groups) == dict(built._key_groups)
    assert dict(kept._locations_by_site) == dict(built._locations_by_site)
    for site in built.sites:
        assert kept.keys_of(site.id) == built.keys_of(site.id)
        assert kept.locations_of(site.name) == built.locations_of(site.name)
    for loc in built.locations:
        if loc.site_name is not None:
            assert kept.locations_of(loc.site_name) == built.locations_of(loc.site_name)
    for key in built.metadata_keys:
        if key.site_id is not None:
            assert kept.keys_of(key.site_id) == built.keys_of(key.site_id)


def _edit(
    doc: AppHostDocument,
    operation: str,
    data: st.DataObject,
    step: int,
    sites: Sequence[Site] | None = None,
) -> Site | None:
    """Apply ``operation`` to one of ``sites`` (default: the document's); the site a clone,
    rename, stop or start returns (None for the others and for a rename, stop or start that
    writes nothing)."""
    if sites is None:
        sites = doc.sites
    if not sites:
        return None
    site = data.draw(st.sampled_from(sites))
    if operation == "clone":
        return doc.clone_site(site.id, new_name=f"Copy {step}", auto_start=data.draw(st.booleans()))
    if operation == "clone-pools":
        return doc.clone_site(site.id, new_name=f"Pooled {step}", clone_app_pools=True)
    if operation == "clone-id":
        # An id chosen among those in use and just past them: refused or taken as asked.
        wanted = data.draw(st.integers(1, doc._index().highest_id + 2))
        return doc.clone_site(site.id, wanted, new_name=f"Numbered {step}")
    if operation == "bindings":
        port = data.draw(st.integers(1, 3))
        doc.set_bindings(site.id, [f"http/*:{8000 + port}:b{step}.example"])
        return None  # its site is read from the whole new text
    if operation == "rename":
        name = data.draw(st.sampled_from(["Shop", "Renamed", f"R {step}", "GONE"]))
        renamed = doc.rename_site(site.id, name)
        return renamed if name != site.name else None  # None: nothing was written
    if operation in ("stop", "start"):
        wanted = operation == "start"
        started = doc.set_auto_start(site.id, wanted)
        return started if site.auto_start != wanted else None  # None: nothing was written
    if operation == "delete":
        doc.delete_site(site.id)
    else:
        doc.set_certificate(site.id, "ab" * 20)
    return None


def _assert_read_from_its_own_text(doc: AppHostDocument, returned: Site) -> None:
    """A clone, rename, stop or start returns its site without making the whole new text, and
    that site (line included) is the one a fresh load of the new bytes reads."""
    # A checkpoint holds the patches of the last commit until the whole new text is made.
    assert doc.xml.checkpoint().pending
    fresh = metaclone.loads(b"".join(doc.chunks()), doc.path)
    assert returned == fresh.site(str(returned.id))
    assert returned.line == fresh.site(str(returned.id)).line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_an_index_kept_through_edits_equals_a_fresh_one(
    generated: tuple[str, list[tuple[int, str]]], data: st.DataObject
) -> None:
    text = _with_orphans(generated[0], data.draw(st.integers(0, 2)))
    doc = metaclone.loads(text.encode(), "gen.config")
    assert isinstance(doc, AppHostDocument)
    offsets = data.draw(st.lists(st.integers(0, len(text) * 2), max_size=6))
    for step in range(data.draw(st.integers(1, 5))):
        _index_of(doc, lookups=data.draw(st.booleans()))
        for offset in offsets:
            doc.xml.line_and_column(min(offset, len(doc.xml.text)))
        try:
            returned = _edit(doc, data.draw(st.sampled_from(OPERATIONS)), data, step)
        except MetacloneError:
            continue  # refused: the document is as it was
        if returned is not None:
            _assert_read_from_its_own_text(doc, returned)
        _assert_same_as_fresh(doc, offsets)


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (FIXTURES / "iis7").iterdir() if p.suffix in (".config", ".xml")),
)
def test_fixture_edits_keep_an_index_equal_to_a_fresh_one(name: str) -> None:
    doc = metaclone.load(FIXTURES / "iis7" / name)
    assert isinstance(doc, AppHostDocument)
    for step, site in enumerate(doc.sites[:3]):
        _index_of(doc, lookups=True)
        try:
            copy = doc.clone_site(site.id, new_name=f"Fixture copy {step}")
            _assert_read_from_its_own_text(doc, copy)
            _assert_same_as_fresh(doc, [0, 100, 10_000])
            started = doc.set_auto_start(site.id, not site.auto_start)
            _assert_read_from_its_own_text(doc, started)
            _assert_same_as_fresh(doc, [0, 100, 10_000])
            renamed = doc.rename_site(site.id, f"Fixture renamed {step}")
            _assert_read_from_its_own_text(doc, renamed)
            _assert_same_as_fresh(doc, [0, 100, 10_000])
        except MetacloneError:
            continue


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (FIXTURES / "iis7").iterdir() if p.suffix == ".config"),
)
def test_location_and_key_elements_are_those_the_document_parses(name: str) -> None:
    doc = metaclone.load(FIXTURES / "iis7" / name)
    assert isinstance(doc, AppHostDocument)
    index = doc._index()
    entries: list[LocationEntry | MetadataKey] = [*index.locations, *index.metadata_keys]
    for entry in entries:
        tag = next_tag(doc.xml.text, entry.start)
        assert tag is not None
        parsed = doc.xml.element_at(tag)
        assert entry.element == parsed
        assert (entry.start, entry.end) == (parsed.start, parsed.end)
    if name == "applicationHost.config":  # the fixture shaped like a full capture has both
        assert index.locations
        assert index.metadata_keys


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data())
def test_an_index_kept_through_edits_read_only_at_the_end_equals_a_fresh_one(
    generated: tuple[str, list[tuple[int, str]]], data: st.DataObject
) -> None:
    """Successive edits with nothing read between them but what each edit reads: the groups
    and entries each edit moves are moved again by the next."""
    text = _with_orphans(generated[0], data.draw(st.integers(0, 2)))
    doc = metaclone.loads(text.encode(), "gen.config")
    assert isinstance(doc, AppHostDocument)
    _index_of(doc, lookups=data.draw(st.booleans()))
    # Drawn from the sites before the edits: listing the sites between edits reads them.
    sites = doc.sites
    for step in range(data.draw(st.integers(2, 6))):
        try:
            _edit(doc, data.draw(st.sampled_from(OPERATIONS)), data, step, sites)
        except MetacloneError:
            continue  # refused: the document is as it was
    _assert_same_as_fresh(doc, [0, len(text) // 2])


def _numbered(ids: Sequence[int], stale: Sequence[int]) -> bytes:
    """A file with a site of each of ``ids`` (a key and a location block each) and keys of
    the deleted sites ``stale``."""
    keys = "".join(f'<key path="LM/W3SVC/{i}"></key>\n' for i in [*ids, *stale])
    sites = "".join(
        f'<site name="S{i}" id="{i}"><bindings><binding protocol="http" '
        f'bindingInformation="*:80:s{i}" /></bindings></site>\n'
        for i in ids
    )
    locations = "".join(f'<location path="S{i}/app"></location>\n' for i in ids)
    return (
        "<configuration>\n<system.applicationHost>\n"
        f"<customMetadata>\n{keys}</customMetadata>\n<sites>\n{sites}</sites>\n"
        f"</system.applicationHost>\n{locations}</configuration>\n"
    ).encode()


@pytest.mark.parametrize(("stale", "highest"), [((), 2), ((9,), 9), ((7, 5), 7)], ids=str)
def test_the_highest_id_follows_deleting_its_last_user(
    stale: tuple[int, ...], highest: int
) -> None:
    """Deleting the site of the highest id lowers it to the next id in use (a key a deleted
    site left behind counts); a clone after it takes the one past it."""
    doc = metaclone.loads(_numbered([1, 2, 3], stale), "ids.config")
    assert isinstance(doc, AppHostDocument)
    assert doc._index().highest_id == max((3, *stale))
    doc.delete_site(3)
    assert doc._index().highest_id == highest
    copy = doc.clone_site(1, new_name="Next")
    assert copy.id == highest + 1
    assert doc._index().highest_id == highest + 1
    doc.delete_site(copy.id)
    fresh = metaclone.loads(doc.to_bytes(), "ids.config")
    assert isinstance(fresh, AppHostDocument)
    assert doc._index().highest_id == fresh._index().highest_id == highest
    assert doc.new_site_identity("Later", None) == fresh.new_site_identity("Later", None)
