"""The fast pass over an IIS 6 metabase's keys: one regular expression that matches each key whole.

It recognises keys whose ``Location`` is their first attribute, as IIS writes them, with any
content (comments, CDATA, ``<Custom>`` children) except an element of the key's own name, and
hands over to the exact scanner (:func:`metaclone.iis6.indexing.index_keys`) for anything else.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from itertools import compress, count, islice
from operator import attrgetter

from metaclone.iis6.keys import KeyTable
from metaclone.lazy import lazy_pattern
from metaclone.lossless import markup
from metaclone.lossless.values import decode_attribute_value


def key_body(name_group: int) -> str:
    """What follows a key's name and Location, up to the end of the key.

    ``name_group`` is the group holding the key's name.  First: text only, then the end tag
    (no "<" can occur inside an attribute value, so this runs over the rest of the start tag).
    Else the attributes quote by quote (to find "/>"), then child markup up to the first end
    tag of the key's own name; a child of that name stops the match.
    """
    name = f"\\{name_group}"
    return (
        rf"(?:[^<]*+</{name}\s*>"
        + "|"
        + markup.TAG_ATTRIBUTES
        + rf"(?:/>|>(?:[^<]++|<{markup.COMMENT}|<{markup.CDATA}|<{markup.PI}"
        rf"|<(?![/!?]|{name}[\s/>])[^<]*+|</(?!{name}\s*>)[^<]*+)*+"
        rf"</{name}\s*>))"
    )


LOCATION = r"\s+Location\s*=\s*(?:\"([^\"]*+)\"|'([^']*+)')"

# One match per item at the top level of <MBProperty>.  Opaque markup is matched whole, so that
# nothing inside a comment, CDATA section or processing instruction is taken for a key.  Server
# keys come first so that the group that closes last (``lastindex``) tells the kind of item
# without reading any text: see the _SITE_KEY... constants.
_KEY = lazy_pattern(
    lambda: re.compile(
        rf"<(?:{markup.OPAQUE}"
        r"|(IIsWebServer|IIsFtpServer)"
        + LOCATION
        + key_body(1)
        + r"|([^\s/>!?][^\s/>]*+)(?:"
        + LOCATION
        + ")?"
        + key_body(4)
        + r"|())",
        re.S,
    )
)
_SITE_KEY_DOUBLE, _SITE_KEY_SINGLE = 2, 3
_KEY_DOUBLE, _KEY_SINGLE = 5, 6
_NO_LOCATION = 4  # a key whose first attribute is not Location, or an element that is no key
_OTHER = 7  # a "<" that starts none of the above
_KIND = attrgetter("lastindex")
_CHUNK = 4096

_NEEDS_DECODING = ("&", "\t", "\n", "\r")


def scan_keys(text: str, start: int, end: int, exact_scan: Callable[[], KeyTable]) -> KeyTable:
    """Index the keys in ``text[start:end]`` (the content of ``<MBProperty>``) by the fast
    pass; ``exact_scan`` gives the index when the fast pass cannot read the content (see
    :func:`metaclone.iis6.indexing.index_keys`).
    """
    starts = array("q")
    ends = array("q")
    kinds: list[int] = []
    raw: list[str] = []
    matches = _KEY.finditer(text, start, end)
    # Matches are read in chunks, column by column, and dropped young: hundreds of thousands
    # of live match objects would make every garbage collection that follows slow.
    while chunk := list(islice(matches, _CHUNK)):
        chunk_kinds = list(map(_KIND, chunk))
        if chunk_kinds.count(_OTHER) or chunk_kinds.count(_NO_LOCATION):
            # Also export files with inherited properties: they are small.
            return exact_scan()
        if chunk_kinds.count(None):  # comments and the like between keys
            chunk = list(compress(chunk, chunk_kinds))
            chunk_kinds = list(filter(None, chunk_kinds))
        starts.extend(map(re.Match.start, chunk))
        ends.extend(map(re.Match.end, chunk))
        # The group that closed last holds the Location.
        raw.extend(map(re.Match.group, chunk, chunk_kinds))
        kinds.extend(chunk_kinds)
    if kinds.count(_SITE_KEY_SINGLE):
        sites = [i for i, k in enumerate(kinds) if k in (_SITE_KEY_DOUBLE, _SITE_KEY_SINGLE)]
    else:
        sites = list(compress(count(), map(_SITE_KEY_DOUBLE.__eq__, kinds)))
    return KeyTable(text, starts, ends, _decoded(raw), site_positions=sites)


def _decoded(raw: list[str]) -> list[str]:
    if any(c in "\0".join(raw) for c in _NEEDS_DECODING):
        return [decode_attribute_value(r) for r in raw]
    return raw
