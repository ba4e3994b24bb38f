"""Which sites may share an HTTP.sys entry with a few others, told from the text.

A certificate plan names every other site bound to an entry it changes.  Reading every site of
a large file to learn that costs far more than the plan itself, so for the entries of SNI
bindings (``hostnameport=host:port``, one host name each) the sites are first narrowed down by
a search of the text: a site's own binding can only map to such an entry if the site's text
holds that host name, in any case, or a character reference that could spell it.  The few
sites found are then read and resolved exactly, as before.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterable, Sequence

from metaclone.httpsys import Endpoint, EndpointKind, endpoint_for
from metaclone.iis7.index import SiteElement
from metaclone.model.sites import Binding


def _hosts(endpoints: Iterable[Endpoint]) -> list[str] | None:
    """The host names of ``endpoints``; None unless every one is an SNI entry whose name is
    ASCII (the case-insensitive search then finds every spelling of it)."""
    hosts = []
    for endpoint in endpoints:
        if endpoint.kind is not EndpointKind.HOSTNAMEPORT:
            return None
        host = endpoint.value.rpartition(":")[0]
        if not host or not host.isascii():
            return None
        hosts.append(host)
    return hosts


def sharing_candidates(
    text: str,
    sites: Sequence[SiteElement],
    endpoints: Collection[Endpoint],
    inherited: Iterable[Binding],
) -> list[SiteElement] | None:
    """The sites, in file order, that may have an https binding on one of ``endpoints``: every
    site that does is among them.  None when the text cannot tell (an entry other than SNI,
    or bindings every site without its own inherits, ``inherited``, on one of them): then any
    site may.
    """
    hosts = _hosts(endpoints)
    if hosts is None or any(endpoint_for(b) in endpoints for b in inherited):
        return None
    if not hosts or not sites:
        return []
    ordered = sorted(sites, key=lambda site: site.start)
    starts = [site.start for site in ordered]
    # A site's binding spells the host name as written or through references (&#x41;).
    needle = re.compile("|".join(map(re.escape, hosts)) + "|&", re.IGNORECASE)
    found: dict[int, SiteElement] = {}
    at, end = ordered[0].start, max(site.end for site in ordered)
    while (match := needle.search(text, at, end)) is not None:
        position = bisect.bisect_right(starts, match.start()) - 1
        if position < 0 or match.start() >= ordered[position].end:
            at = match.start() + 1
            continue
        found[position] = ordered[position]
        # One match is enough for a site: go on from its end.
        at = max(match.start() + 1, ordered[position].end)
    return [found[position] for position in sorted(found)]
