"""``common_checks`` against the plain reading it replaced (Hypothesis).

The check groups ids and names only when some repeat, and reads the full endpoint of a
binding only when the hash of its protocol, host name and address texts is another
binding's, a chunk of bindings at a time.  The reference here groups every site and compares
the endpoint of every binding, as the check once did: the findings must be the same, in the
same order, for bindings that are one endpoint written in different ways and for chunks of
any size.
"""

from __future__ import annotations

from collections.abc import Hashable
from unittest import mock

from hypothesis import given
from hypothesis import strategies as st

from metaclone.messages import listing
from metaclone.model import checks
from metaclone.model.bindings import endpoint_key
from metaclone.model.build import grouped
from metaclone.model.rules import name_key
from metaclone.model.site_rules import IIS6_RULES, IIS7_RULES, SiteRules
from metaclone.model.sites import ADDRESS_PROTOCOLS, Binding, Severity, Site, SiteKind

# One endpoint written several ways ("*" and empty, case, leading zeros, white space, ports
# that are no number), listeners that port sharing lets sites share, and names that differ
# only in case (Windows's comparison keeps "ß" apart from "SS").
_BINDINGS = [
    "http/*:80:",
    "http/:80:",
    "HTTP/:080:",
    "http/*:80:Shop",
    "http/ *:80:SHOP ",
    "https/10.0.0.1:443:",
    "https/10.0.0.1:443:shop",
    "https/10.0.0.2:443:",
    "ftp/*:21:",
    "http/:abc:x",
    "http/:xyz:x",
    "http/[::1]:80:",
    "http/[FE80::1]:80:",
    "http/ [fe80::1] :80:",
    "http/[::1]:80:straße",
    "http/[::1]:80:STRASSE",
    "net.tcp/808:*",
    "net.tcp/808:* ",
    "net.pipe/*",
]
_NAMES = ["Shop", "SHOP", "shop ", "Straße", "STRASSE", "Blog", ""]


@st.composite
def _sites(draw: st.DrawFn) -> list[Site]:
    entries = st.tuples(
        st.integers(1, 5),
        st.sampled_from(_NAMES),
        st.booleans(),
        st.lists(st.sampled_from(_BINDINGS), max_size=4),
        st.sampled_from(list(SiteKind)),
    )
    return [
        Site(ident, name, started, tuple(map(Binding.parse, bindings)), kind=kind, line=line)
        for line, (ident, name, started, bindings, kind) in enumerate(
            draw(st.lists(entries, max_size=12)), start=1
        )
    ]


def _reference(
    sites: list[Site], rules: SiteRules
) -> list[tuple[str, Severity, str, int, int | None]]:
    found: list[tuple[str, Severity, str, int, int | None]] = []
    by_id: dict[Hashable, tuple[Site, ...]] = grouped(
        (((s.kind, s.id) if rules.separate_ftp_ids else s.id), s) for s in sites
    )
    for group in by_id.values():
        kind = f"{group[0].kind.value} " if rules.separate_ftp_ids else ""
        lines = listing(str(s.line) for s in group)
        message = f"{len(group)} {kind}sites have id {group[0].id} (lines {lines})"
        found += [("duplicate-site-id", Severity.ERROR, message, s.id, s.line) for s in group[1:]]
    by_name: dict[Hashable, tuple[Site, ...]] = grouped(
        (((s.kind, name_key(s.name)) if rules.separate_ftp_ids else name_key(s.name)), s)
        for s in sites
        if s.name
    )
    severity = Severity.ERROR if rules.unique_names else Severity.WARNING
    for group in by_name.values():
        ids = listing(str(s.id) for s in group)
        found += [
            (
                "duplicate-site-name",
                severity,
                f"sites {ids} are all named {s.name!r} (names compare case-insensitively): "
                "select them by id",
                s.id,
                s.line,
            )
            for s in group[1:]
        ]
    seen: dict[Hashable, Site] = {}
    for site in sites:
        for binding in site.bindings if site.auto_start else ():
            if binding.protocol.lower() not in ADDRESS_PROTOCOLS:
                continue
            first = seen.setdefault(endpoint_key(binding), site)
            if first is not site:
                message = (
                    f"sites {first.id} {first.name!r} and {site.id} {site.name!r} both start "
                    f"with {binding.summary}: the second cannot start"
                )
                found.append(("duplicate-binding", Severity.ERROR, message, site.id, site.line))
    return found


@given(_sites(), st.sampled_from([IIS6_RULES, IIS7_RULES]), st.integers(1, 5))
def test_common_checks_find_what_comparing_every_site_finds(
    sites: list[Site], rules: SiteRules, chunk: int
) -> None:
    with mock.patch.object(checks, "_CHUNK", chunk):
        found = checks.common_checks(sites, rules)
    actual = [(f.code, f.severity, f.message, f.site_id, f.line) for f in found]
    assert actual == _reference(sites, rules)


def test_a_hash_shared_by_chance_finds_nothing() -> None:
    """Two endpoints whose texts hash alike are still told apart by their full keys."""
    sites = [
        Site(1, "a", True, (Binding.parse("http/*:80:a"),)),
        Site(2, "b", True, (Binding.parse("http/*:81:b"),)),
        Site(3, "c", True, (Binding.parse("http/*:80:a"),)),
    ]
    with mock.patch.object(checks, "hash", mock.Mock(return_value=0), create=True):
        found = checks.common_checks(sites, IIS7_RULES)
    assert [(f.code, f.site_id) for f in found] == [("duplicate-binding", 3)]
