"""The lookups by path a kept key index answers from its groups by site equal those one search
of every path answers, in the text a fresh load reads.

The groups are made once and follow each edit by what it touched; a clone, rename, delete or
stop/start of a metabase, with reads between the edits or none, must leave every lookup (a path's
keys, its first key, the keys below it, the sites with an id, the ids used) exactly as a search
of the new text finds it, in files whose paths are odd too: one path on two keys, an id with
leading zeros, keys of a site away from it, paths of fewer than three segments, any case.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.errors import MetacloneError
from metaclone.iis6.key_paths import PathIndex, SitePaths, ids_in, joined_paths, site_prefix
from metaclone.iis6.keys import FTP, WEB, KeyTable, ServerKeyEntry
from metaclone.iis6.metabase import MetabaseDocument
from tests.iis6.test_metabase_properties import PROFILE

EDITS = settings(PROFILE, max_examples=150)

SITE_PATHS = ["/LM/W3SVC/1", "/lm/w3svc/2", "/LM/W3SVC/01", "/LM/MSFTPSVC/1", "/LM/W3SVC/7"]
BELOW = ["", "/ROOT", "/root", "/ROOT/app", "/Filters", "/"]
ODD_PATHS = [
    "/LM",
    "/LM/W3SVC",
    "/LM/W3SVC/AppPools",
    "/LM/W3SVC/AppPools/Pool",
    "/LM/W3SVC/1/ROOT/Away",
    "/LM/W3SVC/2",
    "/lm//x/y",
    "/LM/W3SVC/1/ROOT/ΣΑΣ",
    "/LM/W3SVC/İ",
    "relative/a/b/c",
]
TYPES = {"W3SVC": "IIsWebServer", "MSFTPSVC": "IIsFtpServer"}


def _key(key_type: str, location: str, name: str | None) -> str:
    comment = f'\n\t\tServerComment="{name}"' if name is not None else ""
    return f'\t<{key_type}\tLocation ="{location}"{comment}\n\t>\n\t</{key_type}>\n'


@st.composite
def odd_metabases(draw: st.DrawFn) -> bytes:
    """Sites whose keys are mostly together, with odd paths drawn in between."""
    keys = [_key("IIsComputer", "/LM", None)]
    sites = draw(st.lists(st.sampled_from(SITE_PATHS), min_size=1, max_size=4, unique=True))
    for number, site in enumerate(sites):
        service = site.split("/")[2].upper()
        keys.append(_key(TYPES[service], site, f"Site {number}"))
        for below in draw(st.lists(st.sampled_from(BELOW[1:]), max_size=3)):
            keys.append(_key("IIsWebVirtualDir", site + below, None))
    for odd in draw(st.lists(st.sampled_from(ODD_PATHS), max_size=4)):
        at = draw(st.integers(1, len(keys)))
        key_type = draw(st.sampled_from(["IIsConfigObject", "IIsWebServer"]))
        keys.insert(at, _key(key_type, odd, None))
    text = '<?xml version ="1.0"?>\n<configuration>\n<MBProperty>\n' + "".join(keys)
    return (text + "</MBProperty>\n</configuration>\n").encode()


def _plain(entries: tuple[ServerKeyEntry, ...]) -> list[tuple[object, ...]]:
    return [(e.service, e.id, e.segment, e.position) for e in entries]


def _searched(table: KeyTable) -> PathIndex:
    """Lookups of a fresh index, which search every path (none was made before)."""
    return PathIndex(list(table.locations))


def _assert_lookups_as_fresh(doc: MetabaseDocument) -> None:
    kept = doc._index()
    fresh = metaclone.loads(doc.to_bytes(), doc.path)
    assert isinstance(fresh, MetabaseDocument)
    built = fresh._index()
    assert kept.locations == built.locations
    wanted = {"", "/", "/LM", "/lm/w3svc", "/LM/W3SVC/AppPools", "/LM/W3SVC/3", "/LM/W3SVC/1/"}
    for location in {*kept.locations, *built.locations}:
        wanted |= {location, location.upper(), location.lower(), location + "/"}
        wanted.add(site_prefix(location.lower()) or "")
    for location in sorted(wanted):
        assert kept.count(location) == _searched(built).count(location), location
        assert kept.first(location) == _searched(built).first(location), location
        assert kept.positions_under(location) == _searched(built).positions_under(location)
    ids = {entry.id for entry in built.site_entries} | {0, 1, 7, 10**6}
    for site_id in ids:
        listed = _plain(built.site_entries_by_id.get(site_id, ()))
        assert _plain(kept.site_entries_with_id(site_id)) == listed, site_id
    joined = joined_paths(built.locations)
    for service in (WEB, FTP):
        assert set(kept.used_ids(service)) == set(ids_in(joined, service.name))
        assert kept.paths.id_counts[service.name] == ids_in(joined, service.name)


@EDITS
@given(odd_metabases(), st.data())
def test_lookups_by_path_after_edits_are_those_of_a_fresh_load(
    data: bytes, draw: st.DataObject
) -> None:
    doc = metaclone.loads(data, "odd.xml")
    assert isinstance(doc, MetabaseDocument)
    assert doc._index().from_fast_pass
    if draw.draw(st.booleans(), label="grouped before the edits"):
        doc._index().paths.group()
    each = draw.draw(st.booleans(), label="lookups after each edit")
    sites = doc.sites
    for step in range(draw.draw(st.integers(1, 6), label="edits")):
        site = draw.draw(st.sampled_from(sites)).id
        operation = draw.draw(st.sampled_from(["clone", "rename", "delete", "stop", "start"]))
        try:
            if operation == "clone":
                doc.clone_site(site, new_name=f"Copy {step}")
            elif operation == "rename":
                doc.rename_site(site, f"Renamed {step}")
            elif operation == "delete":
                doc.delete_site(site)
            else:
                doc.set_auto_start(site, operation == "start")
        except MetacloneError:
            continue  # refused: the document is as it was
        if each:
            _assert_lookups_as_fresh(doc)
    _assert_lookups_as_fresh(doc)


@given(st.lists(st.sampled_from([p + b for p in SITE_PATHS for b in BELOW] + ODD_PATHS)))
def test_groups_made_at_once_are_the_site_prefixes_of_the_paths(locations: list[str]) -> None:
    """The runs one search finds group every path by its first three segments, as
    :func:`site_prefix` reads them one by one; a prefix may come back after others."""
    sites = SitePaths.of(joined_paths(locations), len(locations))
    expected: dict[str, list[int]] = {}
    for position, location in enumerate(locations):
        prefix = site_prefix(location.lower())
        if prefix is not None:
            expected.setdefault(prefix, []).append(position)
    for prefix, positions in expected.items():
        assert list(sites.positions(prefix)) == positions
    assert list(sites.positions("/lm/w3svc/3")) == []
    for name in ("W3SVC", "MSFTPSVC"):
        counts = ids_in(joined_paths(locations), name)
        assert sites.id_counts(name) == counts == Counter(counts)
