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

import attrs

from metaclone.httpsys import Endpoint, EndpointKind, endpoint_for
from metaclone.iis7.index import SiteElement
from metaclone.iis7.site_columns import SiteColumns
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
    if isinstance(sites, SiteColumns):
        # The offsets alone: an entry is made only for each site found.
        all_starts, all_ends = list(sites.starts), list(sites.ends)
    else:
        all_starts, all_ends = [site.start for site in sites], [site.end for site in sites]
    order = sorted(range(len(all_starts)), key=all_starts.__getitem__)
    starts = [all_starts[number] for number in order]
    ends = [all_ends[number] for number in order]
    # A site's binding spells the name as written or through references (&#x41;).
    needle = NeedleSearch(needles)
    found: set[int] = set()
    at, end = starts[0], max(ends)
    while (hit := needle.first(text, at, end)) >= 0:
        position = bisect.bisect_right(starts, hit) - 1
        if position < 0 or hit >= ends[position]:
            at = hit + 1
            continue
        found.add(position)
        # One match is enough for a site: go on from its end.
        at = max(hit + 1, ends[position])
    return [sites[order[position]] for position in sorted(found)]


class NeedleSearch:
    """The host names or addresses of ``needles`` (ASCII) in any case, or ``&``, found in a
    text.  A stretch of ASCII text is searched lower-cased with ``str.find``: in ASCII,
    matching regardless of case is comparing lower cases, and lower-casing keeps every
    offset.  Any other stretch (where ``re``'s case folding also pairs, say, the Kelvin sign
    with ``k``) goes through the case-insensitive expression, which is many times slower.

    The last stretch read is kept: a port's digits are found in most https sites, one search
    after another in the same stretch."""

    def __init__(self, needles: Sequence[str]) -> None:
        self._folded = [needle.lower() for needle in needles]
        self._pattern = re.compile("|".join(map(re.escape, needles)) + "|&", re.IGNORECASE)
        self._longest = max(map(len, needles), default=1)
        self._last: _Stretch | None = None

    def first(self, text: str | PatchedText, start: int, end: int) -> int:
        """Where the first of them starts in ``text[start:end]`` (-1: nowhere).  Windows grow
        from 4 KiB to :data:`WINDOW`, so that a hit close by costs little; a search on from
        within the last window reads it again, and its next windows go on growing."""
        low, size = start, min(1 << 12, WINDOW)
        last = self._last
        if last is not None and last.text is text and last.end == end and last.low <= low:
            # Searched on from a hit: the windows go on growing.
            size = min(last.size << 1, WINDOW)
        while low < end:
            last = self._last
            if last is not None and last.holds(text, low, end):
                stretch = last
            else:
                high = min(end, low + size)
                # The window reaches longest - 1 past ``high``: a match that starts before it.
                window = text[low : min(high + self._longest - 1, end)]
                lowered = window.lower() if window.isascii() else None
                stretch = _Stretch(text, low, high, end, size, window, lowered)
                self._last = stretch
            hit = self._in(stretch, low - stretch.low)
            if 0 <= hit < stretch.high - stretch.low:
                return stretch.low + hit
            low, size = stretch.high, min(stretch.size << 1, WINDOW)
        return -1

    def _in(self, stretch: _Stretch, at: int) -> int:
        """The first hit in ``stretch`` from its offset ``at`` (-1: none)."""
        if stretch.lowered is None:
            match = self._pattern.search(stretch.window, at)
            return -1 if match is None else match.start()
        lowered, first, limit = stretch.lowered, -1, len(stretch.lowered)
        # Each search stops where an earlier one found a match: a window may be large.
        for needle in self._folded:
            hit = lowered.find(needle, at, limit + len(needle) - 1)
            if hit >= 0:
                first = limit = hit
        reference = stretch.window.find("&", at, limit)
        return first if reference < 0 else reference


@attrs.frozen
class _Stretch:
    """A window of ``text``: ``window`` is ``text[low:]`` up to ``high`` and the longest
    needle's length past it (not past ``end``), searched for hits from ``low`` to ``high``;
    ``lowered`` is the window lower-cased when it is ASCII."""

    text: str | PatchedText
    low: int
    high: int
    end: int
    size: int
    window: str
    lowered: str | None

    def holds(self, text: str | PatchedText, at: int, end: int) -> bool:
        """Whether a search of ``text`` from ``at`` to ``end`` may read this window."""
        return self.text is text and self.end == end and self.low <= at < self.high


#: The largest stretch of the text searched at a time.
WINDOW = 1 << 20
