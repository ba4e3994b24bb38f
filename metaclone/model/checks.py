"""The checks every format makes of its sites: ids, names and bindings that clash."""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import and_, attrgetter, itemgetter

from metaclone.messages import listing
from metaclone.model.bindings import information_endpoint_key
from metaclone.model.build import grouped, paused_garbage_collection
from metaclone.model.rules import name_keys
from metaclone.model.site_rules import SiteRules
from metaclone.model.sites import ADDRESS_PROTOCOLS, Binding, Finding, Severity, Site

_CHUNK = 4096
_ID = attrgetter("id")
_KIND = attrgetter("kind")
_NAME = attrgetter("name")
_AUTO_START = attrgetter("auto_start")
_BINDINGS = attrgetter("bindings")
_PROTOCOL = attrgetter("protocol")
_INFORMATION = attrgetter("binding_information")


def common_checks(sites: Sequence[Site], rules: SiteRules) -> list[Finding]:
    """Sites sharing an id, sites sharing a name, and started sites sharing a binding, in
    that order."""
    with paused_garbage_collection():
        return [
            *_duplicate_ids(sites, rules),
            *_duplicate_names(sites, rules),
            *_duplicate_bindings(sites),
        ]


def _duplicate_ids(sites: Sequence[Site], rules: SiteRules) -> Iterator[Finding]:
    ids: list[Hashable] = list(map(_ID, sites))
    if rules.separate_ftp_ids and not _all_different(ids):
        ids = list(zip(map(_KIND, sites), ids, strict=True))
    for group in _shared(ids, sites):
        lines = listing(str(s.line) for s in group)
        kind = f"{group[0].kind.value} " if rules.separate_ftp_ids else ""
        for site in group[1:]:
            yield Finding(
                Severity.ERROR,
                "duplicate-site-id",
                f"{len(group)} {kind}sites have id {site.id} (lines {lines})",
                site_id=site.id,
                line=site.line,
            )


def _duplicate_names(sites: Sequence[Site], rules: SiteRules) -> Iterator[Finding]:
    named = list(compress(sites, map(_NAME, sites)))
    names: list[Hashable] = list(name_keys(list(map(_NAME, named))))
    if rules.separate_ftp_ids and not _all_different(names):
        names = list(zip(map(_KIND, named), names, strict=True))
    severity = Severity.ERROR if rules.unique_names else Severity.WARNING
    for group in _shared(names, named):
        ids = listing(str(s.id) for s in group)
        for site in group[1:]:
            yield Finding(
                severity,
                "duplicate-site-name",
                f"sites {ids} are all named {site.name!r} (names compare case-insensitively): "
                "select them by id",
                site_id=site.id,
                line=site.line,
            )


def _shared(keys: list[Hashable], sites: Sequence[Site]) -> Iterable[tuple[Site, ...]]:
    """The groups of two ``sites`` or more with equal ``keys`` (one key per site), each in
    file order, ordered by their first site.  Only the sites whose key is repeated are
    grouped: in a large file, nearly none."""
    if _all_different(keys):
        return ()
    uses = Counter(keys)
    return grouped(
        (key, site) for key, site in zip(keys, sites, strict=True) if uses[key] > 1
    ).values()


def _all_different(keys: list[Hashable]) -> bool:
    return len(set(keys)) == len(keys)


def _duplicate_bindings(sites: Sequence[Site]) -> Iterator[Finding]:
    # net.tcp, net.pipe and the like share their listener (port sharing): only HTTP.sys and
    # FTP bindings refuse a second site.
    started = list(compress(sites, map(_AUTO_START, sites)))
    every = SiteBindings(started)
    bindings = every.bindings
    seen: dict[Hashable, Site] = {}
    address, hashes = endpoint_hashes(
        list(map(_PROTOCOL, bindings)), list(map(_INFORMATION, bindings))
    )
    for index in shared_endpoints(address, hashes):
        site, binding = started[every.owner(index)], bindings[index]
        key = information_endpoint_key(binding.protocol, binding.binding_information)
        first = seen.setdefault(key, site)
        if first is site:
            continue
        yield Finding(
            Severity.ERROR,
            "duplicate-binding",
            f"sites {first.id} {first.name!r} and {site.id} {site.name!r} both start "
            f"with {binding.summary}: the second cannot start",
            site_id=site.id,
            line=site.line,
        )


def shared_endpoints(address: bytearray, hashes: array[int]) -> list[int]:
    """The indexes, ascending, of the bindings of an address protocol (``address``) whose
    hash (``hashes``, see :func:`endpoint_hashes`) another one's is: every binding that is one
    endpoint with another is among them."""
    ordered = sorted(compress(hashes, address))
    shared = set(compress(ordered, map(int.__eq__, ordered, islice(ordered, 1, None))))
    del ordered
    return list(compress(count(), map(and_, address, map(shared.__contains__, hashes))))


def endpoint_hashes(protocols: list[str], informations: list[str]) -> tuple[bytearray, array[int]]:
    """Whether each binding has an address protocol, and the hash of its protocol, host name
    text and address text.

    Two bindings that are one endpoint have the same protocol, host name text (compared in
    upper case, which equal name keys have) and address text (in lower case, "*" left out,
    as "*" and "" are one address): the full key is read only for those whose hash another
    binding's has, most being a single site's.  A hash shared by chance only makes a binding
    be read in full.  Hashes are small to hold: a large file has a hundred thousand bindings
    or more, read column by column, a chunk at a time.
    """
    address = bytearray()
    hashes = array("q")
    for start in range(0, len(protocols), _CHUNK):
        written = protocols[start : start + _CHUNK]
        lowered = {protocol: protocol.lower() for protocol in set(written)}
        chunk_protocols = list(map(lowered.__getitem__, written))
        parts = list(map(str.rpartition, informations[start : start + _CHUNK], repeat(":")))
        hosts = map(str.upper, map(str.strip, map(itemgetter(2), parts)))
        heads = map(str.rpartition, map(itemgetter(0), parts), repeat(":"))
        ips = map(
            str.replace,
            map(str.lower, map(str.strip, map(itemgetter(0), heads))),
            repeat("*"),
            repeat(""),
        )
        address.extend(map(ADDRESS_PROTOCOLS.__contains__, chunk_protocols))
        hashes.extend(map(hash, zip(chunk_protocols, hosts, ips, strict=True)))
    return address, hashes


class SiteBindings:
    """Every binding of some sites, in order, and which of the sites each belongs to."""

    def __init__(self, sites: Sequence[Site]) -> None:
        per_site = list(map(_BINDINGS, sites))
        self.bindings: list[Binding] = list(chain.from_iterable(per_site))
        self._ends = list(accumulate(map(len, per_site)))

    def owner(self, index: int) -> int:
        """The index among the sites of the site of ``self.bindings[index]``."""
        return bisect_right(self._ends, index)
