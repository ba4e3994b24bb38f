"""Which sites may share an HTTP.sys entry with a few others, told from the text.

A certificate plan names every other site bound to an entry it changes.  Reading every site of
a large file to learn that costs far more than the plan itself, so the sites are first narrowed
down by a search of the text: a site's own binding can only map to the entry of an SNI binding
(``hostnameport=host:port``) or of an IPv4 address (``ipport=10.0.0.1:443``) if the site's text
holds that host name (in any case) or address, and to an entry of every address
(``ipport=0.0.0.0:443``) or of an IPv6 address only if it holds the port's digits, or else a
character reference that could spell them.  The sites found are then read and resolved.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection, Iterable, Sequence

from metaclone.httpsys import Endpoint, EndpointKind, endpoint_for
from metaclone.iis7.index import SiteElement
from metaclone.lossless.patches import PatchedText
from metaclone.model.sites import Binding


def _needles(endpoints: Iterable[Endpoint]) -> list[str] | None:
    """What the text of a binding on one of ``endpoints`` holds, unless written with character
    references: the host name of an SNI entry (in any case), the address of an IPv4 entry, the
    port's digits for an entry of every address (``0.0.0.0``, which ``*``, an empty address
    and other spellings map to) or of an IPv6 address (written in several forms): a port is
    ASCII digits, perhaps after zeros or spaces.  None when an entry names no such text: an
    entry of the central store, or a host name that is not ASCII."""
    needles = []
    for endpoint in endpoints:
        address, _, port = endpoint.value.rpartition(":")
        if endpoint.kind is EndpointKind.CCS or not address or not address.isascii():
            return None
        if endpoint.kind is EndpointKind.IPPORT and (
            address == "0.0.0.0" or address.startswith("[")
        ):
            needles.append(port)
            continue
        needles.append(address)
    return needles


def sharing_candidates(
    text: str | PatchedText,
    sites: Sequence[SiteElement],
    endpoints: Collection[Endpoint],
    inherited: Iterable[Binding],
) -> list[SiteElement] | None:
    """The sites, in file order, that may have an https binding on one of ``endpoints``: every
    site that does is among them.  None when the text cannot tell (an entry of the central
    store, a host name that is not ASCII, or bindings every site without its own inherits,
    ``inherited``, on one of them): then any site may.
    """
    needles = _needles(endpoints)
    if needles is None or any(endpoint_for(b) in endpoints for b in inherited):
        return None
    if not needles or not sites:
        return []
    ordered = sorted(sites, key=lambda site: site.start)
    starts = [site.start for site in ordered]
    # A site's binding spells the name as written or through references (&#x41;).
    needle = NeedleSearch(needles)
    found: dict[int, SiteElement] = {}
    at, end = ordered[0].start, max(site.end for site in ordered)
    while (hit := needle.first(text, at, end)) >= 0:
        position = bisect.bisect_right(starts, hit) - 1
        if position < 0 or hit >= ordered[position].end:
            at = hit + 1
            continue
        found[position] = ordered[position]
        # One match is enough for a site: go on from its end.
        at = max(hit + 1, ordered[position].end)
    return [found[position] for position in sorted(found)]


class NeedleSearch:
    """The host names or addresses of ``needles`` (ASCII) in any case, or ``&``, found in a
    text.  A stretch of ASCII text is searched lower-cased with ``str.find``: in ASCII,
    matching regardless of case is comparing lower cases, and lower-casing keeps every
    offset.  Any other stretch (where ``re``'s case folding also pairs, say, the Kelvin sign
    with ``k``) goes through the case-insensitive expression, which is many times slower."""

    def __init__(self, needles: Sequence[str]) -> None:
        self._folded = [needle.lower() for needle in needles]
        self._pattern = re.compile("|".join(map(re.escape, needles)) + "|&", re.IGNORECASE)
        self._longest = max(map(len, needles), default=1)

    def first(self, text: str | PatchedText, start: int, end: int) -> int:
        """Where the first of them starts in ``text[start:end]`` (-1: nowhere).  Windows grow
        from 4 KiB to :data:`WINDOW`, so that a hit close by costs little."""
        low, size = start, min(1 << 12, WINDOW)
        while low < end:
            high = min(end, low + size)
            # The window reaches longest - 1 past ``high``: a match that starts before it.
            hit = self._in(text[low : min(high + self._longest - 1, end)])
            if 0 <= hit < high - low:
                return low + hit
            low, size = high, min(size << 1, WINDOW)
        return -1

    def _in(self, window: str) -> int:
        if not window.isascii():
            match = self._pattern.search(window)
            return -1 if match is None else match.start()
        lowered = window.lower()
        hits = [hit for hit in (lowered.find(n) for n in self._folded) if hit >= 0]
        reference = window.find("&")
        if reference >= 0:
            hits.append(reference)
        return min(hits, default=-1)


#: The largest stretch of the text searched at a time.
WINDOW = 1 << 20
