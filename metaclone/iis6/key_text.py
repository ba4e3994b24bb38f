"""What the key index reads of the text: a key's type, start tag, properties and line.

A table built on a loaded text reads that text; a table brought through an edit reads the
document as the edit left it, by windows around its keys while the document holds its text in
pieces (see :mod:`metaclone.lossless.pieces`), so that an edit and the reads after it never make
the whole text of a large file.
"""

from __future__ import annotations

import bisect
import functools
import re
from array import array

from metaclone.lazy import lazy_pattern
from metaclone.lossless import Attribute, Tag, TagKind, markup
from metaclone.lossless.columns import OffsetColumn
from metaclone.lossless.patches import PatchedText
from metaclone.lossless.shift import TextReader
from metaclone.lossless.tokens import parse_attributes

__all__ = ["TAG_REST", "KeyText"]

TAG_REST = re.compile(markup.TAG_REST)
_NAME = lazy_pattern(lambda: re.compile(r"[^\s/>!?][^\s/>]*"))


@functools.lru_cache(maxsize=16)
def _named_attributes(names: tuple[str, ...]) -> re.Pattern[str]:
    """Attributes called one of ``names`` in double quotes, in the groups of a tokenizer's
    attribute: leading white space, name, equals sign, value."""
    alternatives = "|".join(map(re.escape, names))
    return re.compile(rf'(\s+)({alternatives})(\s*=\s*)"([^"]*)"')


class KeyText:
    """The text of a key index, and what the index reads of each key in it."""

    _starts: array[int] | OffsetColumn
    _ends: array[int] | OffsetColumn
    _types: list[str] | None

    def __init__(self, text: str | TextReader) -> None:
        self._text = text if isinstance(text, str) else None
        self._reader = None if isinstance(text, str) else text
        # Line numbers are counted from the nearest offset already counted.
        self._line_offsets = [0]
        self._line_numbers = [1]

    @property
    def text(self) -> str:
        """The whole text the table was built on (made, if the document holds it in pieces)."""
        if self._text is not None:
            return self._text
        return "" if self._reader is None else self._reader.text

    def _let_go_of_text(self) -> None:
        self._text, self._reader = "", None

    def _readable(self) -> str | PatchedText:
        if self._text is not None:
            return self._text
        return "" if self._reader is None else self._reader.readable()

    def around(self, position: int) -> tuple[str, int]:
        """A text holding the key at ``position`` whole, and the offset where it starts."""
        readable = self._readable()
        if isinstance(readable, str):
            return readable, 0
        start = self._starts[position]
        return readable[start : self._ends[position]], start

    def key_type(self, position: int) -> str:
        if self._types is not None:
            return self._types[position]
        text, origin = self.around(position)
        found = _NAME.match(text, self._starts[position] + 1 - origin)
        if found is None:
            raise AssertionError(f"no key at offset {self._starts[position]}")
        return found.group()

    def start_tag(self, position: int) -> Tag:
        """The start tag of the key at ``position``, without making the key (or its line)."""
        start, key_type = self._starts[position], self.key_type(position)
        text, origin = self.around(position)
        rest = TAG_REST.match(text, start + 1 + len(key_type) - origin)
        if rest is None:
            raise AssertionError(f"<{key_type}> at offset {start} has no end")
        kind = TagKind.EMPTY if rest.group(1) else TagKind.START
        return Tag(kind, key_type, start, rest.end() + origin)

    def end_tag_start(self, position: int) -> int:
        """Where the end tag of the key at ``position`` starts (it has one)."""
        return self._readable().rfind("<", self._starts[position], self._ends[position])

    def properties(self, position: int, names: tuple[str, ...]) -> dict[str, Attribute]:
        """The properties ``names`` the key at ``position`` has, by name.

        Only a key whose text holds one of the names has its start tag read, and then only
        those properties, unless a value in single quotes makes every attribute be read: most
        keys of a large file hold none of the few properties a check or a listing asks for.
        """
        text, origin = self.around(position)
        start, end = self._starts[position] - origin, self._ends[position] - origin
        if all(text.find(name, start, end) < 0 for name in names):
            return {}
        tag = self.start_tag(position)
        if text.find("'", tag.start - origin, tag.end - origin) >= 0:
            return {a.name: a for a in parse_attributes(text, tag, origin) if a.name in names}
        found: dict[str, Attribute] = {}
        search, at, limit = _named_attributes(names).search, tag.start - origin, tag.end - origin
        while (match := search(text, at, limit)) is not None:
            # Every value is in double quotes: outside them when those before are paired.
            # Else the match began inside a value: what follows its name is searched again.
            at = match.end(2)
            if text.count('"', tag.start - origin, match.start()) % 2 == 0:
                at = match.end()
                found[match.group(2)] = Attribute(
                    name=match.group(2),
                    raw=match.group(4),
                    quote='"',
                    leading=match.group(1),
                    equals=match.group(3),
                    start=match.start() + origin,
                    value_start=match.start(4) + origin,
                    value_end=match.end(4) + origin,
                    end=match.end() + origin,
                )
        return found

    def line_at(self, offset: int) -> int:
        """The 1-based line of ``offset`` (lines counted at ``\\n``)."""
        index = bisect.bisect_right(self._line_offsets, offset) - 1
        known = self._line_offsets[index]
        line = self._line_numbers[index] + self._readable().count("\n", known, offset)
        if offset != known:
            self._line_offsets.insert(index + 1, offset)
            self._line_numbers.insert(index + 1, line)
        return line

    def key_starts_with(self, position: int, prefix: str) -> bool:
        """Whether the text of the key at ``position`` after its ``<`` starts with ``prefix``."""
        text, origin = self.around(position)
        return text.startswith(prefix, self._starts[position] + 1 - origin)
