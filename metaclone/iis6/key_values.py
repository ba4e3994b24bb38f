"""A few properties of every key at once: one search of the text per group of names.

A check or a listing of every site reads two to four properties of hundreds of thousands of
keys.  Reading them key by key (:meth:`~metaclone.iis6.keys.KeyTable.properties`) costs a
regular-expression call or more per key; here each name is searched for in the whole text, in
C, and only the places found are looked at.

A place counts when it is a property of the start tag of the key it lies in, as
:meth:`~metaclone.iis6.keys.KeyTable.properties` reads it: :func:`key_values` gives exactly the
properties that method gives, for every key.  Places inside another value, inside a key's
content or inside a longer name are passed over; when such a place runs over a real property
(``Description="AppRoot=" AppRoot="/LM/W3SVC/1/ROOT"``), the search starts again right after
its beginning, so that the real one is still found.
"""

from __future__ import annotations

import heapq
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from itertools import compress, groupby, islice, repeat
from operator import attrgetter, methodcaller
from typing import NamedTuple

from metaclone.iis6.keys import KeyTable
from metaclone.lazy import lazy_pattern
from metaclone.lossless.values import decode_attribute_value

_CHUNK = 4096
_PREVIOUS = (-1).__add__
#: From a key's "<" to the name of one of its properties: the key's name and the attributes
#: before it, their values in double quotes (which may hold ">" and "'"), then white space.
_BEFORE_PROPERTY = lazy_pattern(lambda: re.compile(r"""<[^>'"]*+(?:"[^"]*+"[^>'"]*+)*+(?<=\s)"""))
_NEEDS_DECODING = ("&", "\t", "\n", "\r")
_GROUPS = methodcaller("groups")


class KeyValue(NamedTuple):
    """A property of a key: the key's position, the name, the decoded value, and where the
    name and the value start."""

    position: int
    name: str
    value: str
    name_start: int
    value_start: int


#: Whether each of the decoded ``values`` of the keys at ``positions`` is to be read.
Keep = Callable[[list[int], list[str]], Iterable[bool]]


def key_values(
    table: KeyTable,
    names: Iterable[str],
    raw: Collection[str] | None = None,
    keep: Keep | None = None,
) -> Iterator[KeyValue]:
    """Every property called one of ``names`` that a key of ``table`` has, in file order;
    only those whose value is written as one of ``raw`` (between the quotes), when given,
    and those ``keep`` keeps, when given: a place ``keep`` leaves out is not looked at any
    further (whether it is a property of a key at all), so that the properties it keeps, a
    few out of many, are all that is checked.  ``keep`` is given a chunk of places at a time,
    with the key each lies after, and must judge each place by its key and value alone."""
    if raw is not None and not raw:
        return iter(())
    wanted = tuple(sorted(set(names)))
    searches = [_search(table, p, _Keeping(keep, wanted)) for p in _patterns(wanted, raw)]
    if len(searches) == 1:
        return searches[0]
    return heapq.merge(*searches, key=attrgetter("name_start"))


def raw_values(table: KeyTable, name: str) -> list[str] | None:
    """What every place that reads like property ``name`` holds between its quotes: every
    value of the property is among them.  None when one of them holds ``name`` itself: it
    may run over a real property, whose value is then not among them (see the module
    documentation)."""
    # One of the two value groups matched; findall gives "" for the other.
    pattern = _patterns((name,), None)[0]
    values = [double + single for _, double, single in pattern.findall(table.text)]
    return None if name in "\0".join(values) else values


class KeyValueReader:
    """The properties ``names`` of the keys of ``table``, read from one search as a reader
    asks for the keys in file order (the applications of every site): only the values of
    the keys not yet asked for are held, a chunk at a time."""

    def __init__(self, table: KeyTable, names: tuple[str, ...]) -> None:
        # One search per pattern, each in file order, read side by side.
        patterns = _patterns(tuple(sorted(set(names))), None)
        self._searches = [_ColumnCursor(_chunks(table, pattern)) for pattern in patterns]
        self._next_position = 0

    def values(self, position: int) -> dict[str, str] | None:
        """The decoded values of the key at ``position``, by name; None when a key after it
        was asked for already (its values are gone: read them from the key)."""
        return self.values_of((position,)).get(position)

    def values_of(self, positions: Sequence[int]) -> dict[int, dict[str, str]]:
        """:meth:`values` of each of ``positions`` (ascending), by position; a position the
        reader has passed already is left out."""
        wanted = [position for position in positions if position >= self._next_position]
        found: dict[int, dict[str, str]] = {position: {} for position in wanted}
        if wanted:
            self._next_position = wanted[-1] + 1
            for search in self._searches:
                search.read(wanted, found)
        return found


class _ColumnCursor:
    """Where a reader stands in the chunks of one search."""

    def __init__(self, chunks: Iterator[_Columns]) -> None:
        self._chunks = chunks
        self._columns: _Columns | None = _Columns([], [], [], [], [])
        self._at = 0

    def read(self, wanted: list[int], found: dict[int, dict[str, str]]) -> None:
        """Put the values of the keys at ``wanted`` (ascending, each in ``found``) in
        ``found``, passing over those of the keys before them."""
        first, last = wanted[0], wanted[-1]
        columns, at = self._columns, self._at
        while columns is not None:
            positions = columns.positions
            at = bisect_left(positions, first, at)
            end = bisect_right(positions, last, at)
            names, values = columns.names, columns.values
            for hit in range(at, end):
                into = found.get(positions[hit])
                if into is not None:
                    into[names[hit]] = values[hit]
            at = end
            if end < len(positions):
                break
            columns, at = next(self._chunks, None), 0
        self._columns, self._at = columns, at


def _patterns(names: tuple[str, ...], raw: Collection[str] | None) -> list[re.Pattern[str]]:
    """One pattern per first letter of ``names``, each starting with the letters its names
    share: a pattern that starts with literal text is searched for quickly (in C).  Groups:
    the name, the value in double quotes, the value in single quotes."""
    if raw is None:
        double, single = '[^"]*', "[^']*"
    else:
        double = _alternatives(value for value in sorted(raw) if '"' not in value)
        single = _alternatives(value for value in sorted(raw) if "'" not in value)
    patterns = []
    for _, group in groupby(names, lambda name: name[:1]):
        same = list(group)
        prefix = _common_prefix(same)
        rests = "|".join(re.escape(name[len(prefix) :]) for name in same)
        patterns.append(
            re.compile(rf"({re.escape(prefix)}(?:{rests}))\s*=\s*(?:\"({double})\"|'({single})')")
        )
    return patterns


def _alternatives(values: Iterable[str]) -> str:
    """A pattern that matches exactly ``values`` (none: nothing)."""
    escaped = [re.escape(value) for value in values]
    return "|".join(escaped) if escaped else "(?!)"


def _common_prefix(names: list[str]) -> str:
    first, last = min(names), max(names)
    length = 0
    while length < len(first) and first[length] == last[length]:
        length += 1
    return first[:length]


class _Columns(NamedTuple):
    """The properties a chunk of matches found, column by column (see :class:`KeyValue`)."""

    positions: list[int]
    names: list[str]
    values: list[str]
    name_starts: list[int]
    value_starts: list[int]


def _search(table: KeyTable, pattern: re.Pattern[str], keep: _Keeping | None) -> Iterator[KeyValue]:
    """What ``pattern`` finds that is a property of a key (and ``keep`` keeps), in file
    order."""
    for columns in _chunks(table, pattern, keep):
        found: Iterable[KeyValue] = map(tuple.__new__, repeat(KeyValue), zip(*columns, strict=True))
        if keep is not None and keep.keep is not None:
            # Again for the places a chunk kept whole (see _kept): judged alike, as properties.
            found = compress(found, keep.keep(columns.positions, columns.values))
        yield from found


def _chunks(
    table: KeyTable, pattern: re.Pattern[str], keep: _Keeping | None = None
) -> Iterator[_Columns]:
    """What ``pattern`` finds that is a property of a key (and ``keep`` keeps), in file
    order, a chunk at a time.

    Matches are read in chunks, column by column (see :func:`_plain_chunk`); a chunk with an
    odd place in it is read match by match.
    """
    text = table.text
    matches = pattern.finditer(text)
    while chunk := list(islice(matches, _CHUNK)):
        if keep is not None and keep.keep is not None:
            chunk = _kept(table, chunk, keep.keep, keep.names)
            if not chunk:
                continue
        plain = _plain_chunk(table, chunk)
        if plain is not None:
            yield plain
            continue
        hits: list[KeyValue] = []
        for match in chunk:
            hit = _hit(table, match)
            if hit is not None:
                hits.append(hit)
                continue
            # Passed over: a place that starts inside it is searched for again.
            again = pattern.search(text, match.start() + 1)
            if again is not None and again.start() < match.end():
                matches = pattern.finditer(text, again.start())
                break
        if hits:
            yield _Columns(*map(list, zip(*hits, strict=True)))


class _Keeping(NamedTuple):
    """What :func:`key_values` keeps (None: every property) of the ``names`` it looks for."""

    keep: Keep | None
    names: tuple[str, ...]


def _kept(
    table: KeyTable, chunk: list[re.Match[str]], keep: Keep, names: tuple[str, ...]
) -> list[re.Match[str]]:
    """The places of ``chunk`` that ``keep`` keeps, judged by the key each lies after and its
    decoded value; all of them when a value holds one of the ``names`` looked for, as a place
    passed over may then run over a real property (see the module documentation): a real
    property follows white space, which a place holds only around its "=" and in its
    value."""
    raws = list(map(re.Match.group, chunk, repeat(2)))
    if raws.count(None):  # values in single quotes: rare
        raws = [
            double if double is not None else single for _, double, single in map(_GROUPS, chunk)
        ]
    joined = "\0".join(raws)
    starts = table.starts
    name_starts = list(map(re.Match.start, chunk))
    first = bisect_right(starts, name_starts[0]) - 1
    if first < 0 or any(name in joined for name in names):
        return chunk
    spanned = starts[first : bisect_right(starts, name_starts[-1], first)].tolist()
    positions = list(
        map(first.__add__, map(_PREVIOUS, map(bisect_right, repeat(spanned), name_starts)))
    )
    values = raws
    if any(c in joined for c in _NEEDS_DECODING):
        values = list(map(decode_attribute_value, raws))
    return list(compress(chunk, keep(positions, values)))


def _plain_chunk(table: KeyTable, chunk: list[re.Match[str]]) -> _Columns | None:
    """The properties ``chunk`` found, when every match is plainly one: in a value written in
    double quotes, after the white space that follows the start of the key it lies in and
    the attributes before it, all in double quotes (:data:`_BEFORE_PROPERTY`).  None when one
    is not: each is then looked at on its own."""
    text, starts = table.text, table.starts
    name_starts = list(map(re.Match.start, chunk))
    # A name never starts where a key does.  The keys are looked for among those the chunk
    # spans, copied to a list (bisecting the array makes a number at each step).
    first = bisect_right(starts, name_starts[0]) - 1
    if first < 0:
        return None
    spanned = starts[first : bisect_right(starts, name_starts[-1], first)].tolist()
    positions = list(
        map(first.__add__, map(_PREVIOUS, map(bisect_right, repeat(spanned), name_starts)))
    )
    key_starts = map(starts.__getitem__, positions)
    raws = list(map(re.Match.group, chunk, repeat(2)))
    before = map(_BEFORE_PROPERTY.fullmatch, repeat(text), key_starts, name_starts)
    if raws.count(None) or not all(before):
        return None
    names = list(map(re.Match.group, chunk, repeat(1)))
    value_starts = list(map(re.Match.start, chunk, repeat(2)))
    values: list[str] = raws
    if any(c in "\0".join(raws) for c in _NEEDS_DECODING):
        values = list(map(decode_attribute_value, raws))
    return _Columns(positions, names, values, name_starts, value_starts)


def _hit(table: KeyTable, match: re.Match[str]) -> KeyValue | None:
    """The property ``match`` found, when it is one of the start tag of the key it lies in."""
    text = table.text
    name_start = match.start()
    if name_start == 0 or not text[name_start - 1].isspace():
        return None  # inside a longer name, or right after a quote
    position = bisect_right(table.starts, name_start - 1) - 1
    if position < 0:
        return None
    start = table.starts[position]
    name = match.group(1)
    double = match.group(2) is not None
    if (
        text.find(">", start, name_start) < 0
        and text.find("'", start, name_start) < 0
        and text.count('"', start, name_start) % 2 == 0
    ):
        # Still in the start tag, and outside the values before it (their quotes pair up).
        raw = match.group(2) if double else match.group(3)
        value_start = match.start(2 if double else 3)
        return KeyValue(position, name, decode_attribute_value(raw), name_start, value_start)
    exact = table.properties(position, (name,)).get(name)
    if exact is None or exact.start + len(exact.leading) != name_start:
        return None
    return KeyValue(position, name, exact.value, name_start, exact.value_start)
