"""The names a metabase's ServerComment values give: what tells, without reading the sites
one by one, that a name is free (every site's name is among them)."""

from __future__ import annotations

import bisect
import re
from array import array

from metaclone.lazy import lazy_pattern
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.rules import name_key

__all__ = ["NameCounts", "server_comment_keys"]

# Every ServerComment value in the text, quotes included.  Only the name is consumed, so that
# no value hides another ServerComment that follows it.
_ANY_SERVER_COMMENT = lazy_pattern(
    lambda: re.compile(r"ServerComment(?=\s*=\s*(\"[^\"]*\"|'[^']*'))")
)
_NEEDS_DECODING = ("&", "\t", "\n", "\r")


def server_comment_keys(text: str, start: int = 0, end: int | None = None) -> list[str]:
    """The :func:`~metaclone.model.rules.name_key` of every ServerComment value in
    ``text[start:end]``, in order."""
    found = _ANY_SERVER_COMMENT.findall(text, start, len(text) if end is None else end)
    values = [quoted[1:-1] for quoted in found]
    joined = "\0".join(values)
    if any(c in joined for c in _NEEDS_DECODING):
        joined = "\0".join(map(decode_attribute_value, values))
    # No value holds a NUL; name_key reads character by character, so the joined values
    # split into the keys of each.
    return name_key(joined).split("\0") if values else []


class NameCounts:
    """Name keys with their repeats, kept as their sorted hashes (a few bytes a site, in a
    document that stays loaded through many edits).  A name whose hash is absent is no
    name of the set; two names that share a hash only make a free name look taken to this
    first check, which the reader of the sites then answers exactly."""

    __slots__ = ("_hashes",)

    def __init__(self, keys: list[str]) -> None:
        self._hashes = array("q", sorted(map(hash, keys)))

    def __contains__(self, key: object) -> bool:
        hashes, wanted = self._hashes, hash(key)
        at = bisect.bisect_left(hashes, wanted)
        return at < len(hashes) and hashes[at] == wanted

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NameCounts) and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # changed in place

    def __len__(self) -> int:
        return len(self._hashes)

    def change(self, gone: list[str], added: list[str]) -> None:
        """One occurrence less of each of ``gone``, one more of each of ``added``."""
        hashes = self._hashes
        for wanted in map(hash, gone):
            at = bisect.bisect_left(hashes, wanted)
            if at < len(hashes) and hashes[at] == wanted:
                del hashes[at]
        for wanted in map(hash, added):
            hashes.insert(bisect.bisect_left(hashes, wanted), wanted)
