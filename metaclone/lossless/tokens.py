"""Finding markup in the exact text of a well-formed document.

The scanner never copies or normalises text: every token is a pair of offsets into the document
string.  It relies on the document having passed the well-formedness gate, which is what makes
plain regular expressions sufficient (``<`` cannot occur inside an attribute value, comments and
CDATA sections are matched whole).  Tags are found lazily: finding the end of an element searches
only for tags of the same name, so skipping a large subtree runs at regular-expression speed.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterator

import attrs

from metaclone.lossless.markup import CDATA, COMMENT, NAME, OPAQUE, PI, TAG_REST, end_tag
from metaclone.lossless.values import decode_attribute_value

# Tag names and attributes are matched possessively (lossless.markup): a tag is read once,
# however long, with no backtracking state kept per attribute (a lazy loop over a 10 MB start
# tag takes gigabytes).
#
# One alternative per kind of markup.  Groups: 1 comment, 2 CDATA, 3 processing instruction
# (including the XML declaration), 4 DOCTYPE, 5 "/" of an end tag, 6 tag name, 7 "/" of an
# empty-element tag.
_MARKUP = re.compile(
    rf"<(?:({COMMENT})|({CDATA})|({PI})|(!DOCTYPE)|(/)?({NAME}){TAG_REST})",
    re.S,
)

_ATTRIBUTE = re.compile(r"(\s+)([^\s=/>]+)(\s*=\s*)(?:\"([^\"]*)\"|'([^']*)')")


class TagKind(enum.Enum):
    START = "start"
    EMPTY = "empty"
    END = "end"


class OtherKind(enum.Enum):
    COMMENT = "comment"
    CDATA = "cdata"
    PI = "pi"
    DOCTYPE = "doctype"


@attrs.frozen
class Markup:
    """A comment, CDATA section, processing instruction or DOCTYPE: opaque to the scanner."""

    kind: OtherKind
    start: int
    end: int


@attrs.frozen
class Tag:
    """A start tag, empty-element tag or end tag, as offsets into the document text."""

    kind: TagKind
    name: str
    start: int
    end: int


@attrs.frozen
class Attribute:
    """One attribute exactly as written.

    ``leading`` is the white space before the name, ``equals`` the ``=`` with its spacing (``" ="``
    in MetaBase's ``Location ="..."``), ``raw`` the text between the quotes.
    """

    name: str
    raw: str
    quote: str
    leading: str
    equals: str
    start: int
    value_start: int
    value_end: int
    end: int

    @property
    def name_start(self) -> int:
        return self.start + len(self.leading)

    @property
    def value(self) -> str:
        """The value as an XML parser reports it (references decoded, white space normalised)."""
        return decode_attribute_value(self.raw)


@attrs.frozen
class Element:
    """An element: its start tag and, unless it is an empty-element tag, its end tag."""

    start_tag: Tag
    end_tag: Tag | None

    @property
    def name(self) -> str:
        return self.start_tag.name

    @property
    def start(self) -> int:
        return self.start_tag.start

    @property
    def end(self) -> int:
        return (self.end_tag or self.start_tag).end

    @property
    def content_start(self) -> int:
        return self.start_tag.end

    @property
    def content_end(self) -> int:
        return self.end_tag.start if self.end_tag is not None else self.start_tag.end

    @property
    def is_empty_tag(self) -> bool:
        return self.end_tag is None


_OTHER_KINDS = (OtherKind.COMMENT, OtherKind.CDATA, OtherKind.PI, OtherKind.DOCTYPE)


def _token(match: re.Match[str]) -> Tag | Markup:
    name = match.group(6)
    if name is None:
        index = next(i for i in range(4) if match.group(i + 1) is not None)
        return Markup(_OTHER_KINDS[index], match.start(), match.end())
    if match.group(5):
        kind = TagKind.END
    elif match.group(7):
        kind = TagKind.EMPTY
    else:
        kind = TagKind.START
    return Tag(kind, name, match.start(), match.end())


def iter_markup(text: str, pos: int = 0, endpos: int | None = None) -> Iterator[Tag | Markup]:
    """Every tag and other markup from ``pos`` (which must be outside any markup) on."""
    end = len(text) if endpos is None else endpos
    for match in _MARKUP.finditer(text, pos, end):
        yield _token(match)


def next_tag(text: str, pos: int, endpos: int | None = None) -> Tag | None:
    """The first tag at or after ``pos``, skipping comments, CDATA and processing instructions."""
    end = len(text) if endpos is None else endpos
    while True:
        match = _MARKUP.search(text, pos, end)
        if match is None:
            return None
        token = _token(match)
        if isinstance(token, Tag):
            return token
        pos = match.end()


@functools.lru_cache(maxsize=512)
def _same_name(name: str) -> re.Pattern[str]:
    # Opaque markup first, so that a tag inside a comment or CDATA section is never counted.
    return re.compile(
        rf"<(?:{OPAQUE}|(/?)" + re.escape(name) + r"(?=[\s/>])" + TAG_REST + ")",
        re.S,
    )


def element_at(text: str, tag: Tag) -> Element:
    """The element that ``tag`` (a start or empty-element tag) opens."""
    if tag.kind is TagKind.EMPTY:
        return Element(tag, None)
    if tag.kind is not TagKind.START:
        raise ValueError(f"an end tag does not open an element: </{tag.name}> at {tag.start}")
    depth = 1
    for match in _same_name(tag.name).finditer(text, tag.end):
        closing, empty = match.group(1), match.group(2)
        if closing is None or empty:
            continue
        if closing:
            depth -= 1
            if depth == 0:
                return Element(tag, Tag(TagKind.END, tag.name, match.start(), match.end()))
        else:
            depth += 1
    raise ValueError(f"<{tag.name}> at offset {tag.start} is never closed")


def element_by_search(text: str, tag: Tag) -> Element:
    """:func:`element_at`, by plain string search where that is sure.

    The first ``</name>`` after the start tag closes the element when nothing between them
    opens another ``<name`` or is a comment, CDATA section or processing instruction.
    """
    if tag.kind is TagKind.START:
        name = tag.name
        close = text.find(f"</{name}", tag.end)
        if (
            close >= 0
            and text.find(f"<{name}", tag.end, close) < 0
            and text.find("<!", tag.end, close) < 0
            and text.find("<?", tag.end, close) < 0
        ):
            end = end_tag(name).match(text, close)
            if end is not None:
                return Element(tag, Tag(TagKind.END, name, close, end.end()))
    return element_at(text, tag)


def iter_child_tags(text: str, parent: Element) -> Iterator[Tag]:
    """The start tags of the child elements of ``parent``; see :func:`iter_children`.

    A child's end is searched for only when the next child is asked for.
    """
    pos, end = parent.content_start, parent.content_end
    while (tag := _next_child_tag(text, pos, end)) is not None:
        yield tag
        pos = element_at(text, tag).end


def iter_children(text: str, parent: Element) -> Iterator[Element]:
    """The child elements of ``parent``, in document order."""
    pos, end = parent.content_start, parent.content_end
    while (tag := _next_child_tag(text, pos, end)) is not None:
        child = element_at(text, tag)
        yield child
        pos = child.end


def _next_child_tag(text: str, pos: int, end: int) -> Tag | None:
    """The start tag of the next child at or after ``pos``; None after the last one."""
    tag = next_tag(text, pos, end)
    if tag is not None and tag.kind is TagKind.END:
        raise ValueError(f"unexpected </{tag.name}> at offset {tag.start}")
    return tag


# What may follow the last child of an element, and the document element: white space,
# comments and processing instructions.
_TRAILING_MISC = re.compile(rf"(?:\s++|<{COMMENT}|<{PI})*+")


def only_misc(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` holds only white space, comments and processing instructions:
    what may follow the document element."""
    trailing = _TRAILING_MISC.match(text, start, end)
    return trailing is not None and trailing.end() == end


def root_element(text: str) -> Element:
    """The document element."""
    tag = next_tag(text, 0)
    if tag is None:
        raise ValueError("no element in document")
    return last_element_at(text, tag, len(text)) or element_at(text, tag)


def last_element_at(text: str, tag: Tag, limit: int) -> Element | None:
    """The element ``tag`` opens, found from the back when it is the last element before
    ``limit`` (the end of its parent's content); None when that cannot be told so.

    Then its end tag is the last end tag of its name before ``limit``, with nothing but white
    space, comments and processing instructions after it: an end tag of that name inside a
    comment or processing instruction is followed by the rest of it, which is none of those.
    Another start tag of the name after ``tag`` (which might be a later sibling) makes this
    None, and the caller searches forward.  Two searches of the text, against a scan of every
    tag up to the end: for an element that holds most of a large file.
    """
    if tag.kind is not TagKind.START or text.find(f"<{tag.name}", tag.end, limit) >= 0:
        return None
    close = text.rfind(f"</{tag.name}", tag.end, limit)
    end = end_tag(tag.name).match(text, close, limit) if close >= 0 else None
    if end is None:
        return None
    if not only_misc(text, end.end(), limit):
        return None
    return Element(tag, Tag(TagKind.END, tag.name, close, end.end()))


def parse_attributes(text: str, tag: Tag, origin: int = 0) -> tuple[Attribute, ...]:
    """The attributes of a start or empty-element tag, in the order written.

    ``text`` may be a window of the document that starts at offset ``origin`` and holds the
    tag: the offsets of the tag and of the attributes are the document's.
    """
    return tuple(_attributes(text, tag, None, origin))


def find_attribute(text: str, tag: Tag, name: str, origin: int = 0) -> Attribute | None:
    """The attribute of ``tag`` called ``name``, made without making the others (``text``
    and ``origin`` as for :func:`parse_attributes`)."""
    return next(_attributes(text, tag, name, origin), None)


def _attributes(text: str, tag: Tag, wanted: str | None, origin: int) -> Iterator[Attribute]:
    """The attributes of ``tag`` in order; only those called ``wanted`` unless it is None."""
    if tag.kind is TagKind.END:
        return
    # The name is followed by white space or by "/" or ">" , so attributes start right after it.
    pos = tag.start - origin + 1 + len(tag.name)
    limit = tag.end - origin
    while (match := _ATTRIBUTE.match(text, pos, limit)) is not None:
        pos = match.end()
        if wanted is not None and match.group(2) != wanted:
            continue
        double, single = match.group(4), match.group(5)
        if double is not None:
            raw, quote, value_group = double, '"', 4
        else:
            raw, quote, value_group = single, "'", 5
        yield Attribute(
            name=match.group(2),
            raw=raw,
            quote=quote,
            leading=match.group(1),
            equals=match.group(3),
            start=match.start() + origin,
            value_start=match.start(value_group) + origin,
            value_end=match.end(value_group) + origin,
            end=pos + origin,
        )


def balanced(text: str, start: int, end: int) -> bool:
    """Whether as many elements end as start in ``text[start:end]``, counted by string search.

    For well-formed markup without comments, CDATA sections or processing instructions, in a
    range that closes no element opened before it (it lies inside one parent's content).  Then
    a tag found right after the range is a child of that parent whenever this holds.  Counting
    tags by "<", "</" and "/>" is exact when every ">" ends a tag, which equal numbers of "<"
    and ">" ensure (a ">" may stand unescaped in text and attribute values; then this says
    False).
    """
    tags = text.count("<", start, end)
    if text.count(">", start, end) != tags:
        return False
    ends = text.count("</", start, end)
    return tags - ends - text.count("/>", start, end) == ends
