"""The children of an element and the attributes of a tag, read by regular expression.

These readers look at the text only (no tokenizer pass), for the few elements an operation
needs in a file of tens of thousands of sites; comments, CDATA sections and processing
instructions are skipped whole, so nothing inside them is taken for markup.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from typing import NamedTuple

from metaclone.lazy import lazy_pattern
from metaclone.lossless import Element, Tag, TagKind, XmlDocument
from metaclone.lossless.markup import ATTRIBUTE_TEXT, NAME, OPAQUE
from metaclone.lossless.tokens import element_by_search
from metaclone.lossless.values import decode_attribute_value


def elements_named(xml: XmlDocument, parent: Element, name: str) -> Iterable[Element]:
    """The ``<name>`` children of ``parent``, in file order."""
    return (c for c in xml.children(parent) if c.name == name)


# Attributes as (name, double-quoted raw, single-quoted raw): a light read for the many elements
# whose attributes are only looked at, never edited.
_ATTRIBUTE = lazy_pattern(lambda: re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"))


# The same for attribute text without an apostrophe, where every value is double-quoted: its
# findall gives (name, raw) pairs that dict() takes as they are.
_DOUBLE_QUOTED_ATTRIBUTE = re.compile(r'([^\s=/>]+)\s*=\s*"([^"]*)"')


# Characters that make a raw value differ from its decoded value.
_DECODED_DIFFERS = re.compile(r"[&\t\n\r]")


def raw_attributes(text: str, tag: Tag) -> dict[str, str]:
    """The attributes of ``tag`` as written (undecoded), by name."""
    return attributes_of(text[tag.start + 1 + len(tag.name) : tag.end])


def attribute_values(text: str, tag: Tag) -> dict[str, str]:
    """The attributes of ``tag``, decoded, by name."""
    return {name: decode_attribute_value(raw) for name, raw in raw_attributes(text, tag).items()}


def decoded_attributes(attribute_text: str) -> dict[str, str]:
    """The attributes in ``attribute_text``, decoded, by name."""
    if "'" in attribute_text:
        return {
            name: decode_attribute_value(double or single)
            for name, double, single in _ATTRIBUTE.findall(attribute_text)
        }
    pairs = _DOUBLE_QUOTED_ATTRIBUTE.findall(attribute_text)
    if _DECODED_DIFFERS.search(attribute_text) is None:
        return dict(pairs)
    return {name: decode_attribute_value(raw) for name, raw in pairs}


@functools.lru_cache(maxsize=16)
def _named_markup(name: str, parent: str | None = None) -> re.Pattern[str]:
    # Opaque markup first, so that a tag inside a comment or CDATA section is never counted.
    # Groups: 1 "/" of an end tag ("" for a start tag), 2 the name when it is ``name`` (None for
    # ``parent``), 3 attribute text, 4 "/" of an empty tag.
    names = f"({re.escape(name)})" + ("" if parent is None else f"|{re.escape(parent)}")
    return re.compile(
        rf"<(?:{OPAQUE}|(/?)(?:{names})(?=[\s/>])({ATTRIBUTE_TEXT})(/?)>)",
        re.S,
    )


def children_named(text: str, parent: Element, name: str) -> list[tuple[Element, str]]:
    """The ``<name>`` children of ``parent`` with their attribute text, in one regex pass.

    Only tags called ``name`` are looked at, so this is meant for elements the IIS schema allows
    at one level only (``site`` under ``sites``, ``location`` under ``configuration``, ``key``
    under ``customMetadata``): it runs at regular-expression speed however large the rest is.
    """
    found: list[tuple[Element, str]] = []
    for start, content_start, content_end, end, attribute_text in child_spans(text, parent, name):
        found.append(
            (element_of_span(name, start, content_start, content_end, end), attribute_text)
        )
    return found


def element_of_span(
    name: str, start: int, content_start: int, content_end: int, end: int
) -> Element:
    """The element ``name`` at these offsets (an empty-element tag ends where its content does)."""
    if content_end == end:
        return Element(Tag(TagKind.EMPTY, name, start, end), None)
    return Element(
        Tag(TagKind.START, name, start, content_start), Tag(TagKind.END, name, content_end, end)
    )


#: Where a child element is: start, content start, content end, end, and its attribute text.
ChildSpan = tuple[int, int, int, int, str]


def child_spans(text: str, parent: Element, name: str) -> list[ChildSpan]:
    """:func:`children_named` as offsets: start, content start, content end, end, attributes.

    An empty-element tag has its content start, content end and end at the tag's end.
    """
    spans, _ = _spans(_named_markup(name), text, parent.content_start, parent.content_end)
    return spans


def child_spans_to_end(text: str, parent: Tag, name: str) -> tuple[list[ChildSpan], Element]:
    """:func:`child_spans` of the element that the start tag ``parent`` opens, and that element,
    in one pass: its end is found on the way (the text being well-formed, an element ends at
    the first end tag of its name that closes no element of that name inside it)."""
    if name == parent.name:
        raise ValueError(f"<{name}> children of <{parent.name}> cannot be told from its end")
    spans, ends = _spans(_named_markup(name, parent.name), text, parent.end, len(text))
    if ends is None:
        raise ValueError(f"<{parent.name}> at offset {parent.start} is never closed")
    content_end, end = ends
    return spans, Element(parent, Tag(TagKind.END, parent.name, content_end, end))


def _spans(
    markup: re.Pattern[str], text: str, start: int, end: int
) -> tuple[list[ChildSpan], tuple[int, int] | None]:
    """The spans of the children that ``markup`` (:func:`_named_markup`) finds in
    ``text[start:end]``, and where the end tag of their parent is (None when it is not there)."""
    found: list[ChildSpan] = []
    depth = 0
    parents = 0
    child_start = content_start = 0
    attribute_text = ""
    for match in markup.finditer(text, start, end):
        # One call for the groups and one for the span: this runs for every child of a parent
        # that holds tens of thousands.
        closing, child, attributes, empty = match.group(1, 2, 3, 4)
        if closing is None:
            continue
        if child is None:
            # The parent's name: an element of that name inside it, or its own end tag.
            parents = _nested(parents, closing, empty)
            if parents < 0:
                return found, match.span()
        elif closing:
            depth -= 1
            if depth == 0:
                found.append((child_start, content_start, *match.span(), attribute_text))
        elif empty:
            if depth == 0:
                tag_start, tag_end = match.span()
                found.append((tag_start, tag_end, tag_end, tag_end, attributes))
        else:
            if depth == 0:
                child_start, content_start = match.span()
                attribute_text = attributes
            depth += 1
    return found, None


def _nested(depth: int, closing: str, empty: str) -> int:
    """``depth`` after a tag of :func:`_named_markup`: an end tag (``closing``), an empty-element
    tag (``empty``) or a start tag."""
    if closing:
        return depth - 1
    return depth if empty else depth + 1


def attributes_of(attribute_text: str) -> dict[str, str]:
    """The attributes in ``attribute_text`` as written (undecoded), by name."""
    if "'" in attribute_text:
        return {
            name: double or single for name, double, single in _ATTRIBUTE.findall(attribute_text)
        }
    return dict(_DOUBLE_QUOTED_ATTRIBUTE.findall(attribute_text))


class Child(NamedTuple):
    """A child element with its attribute text (see :func:`decoded_attributes`) and, when it
    was asked for, its own children.  (A tuple: a site check makes several per site.)"""

    element: Element
    attribute_text: str
    children: tuple[Child, ...] = ()

    @property
    def name(self) -> str:
        return self.element.name


# Each child's start tag (groups: name, attribute text, "/" of an empty tag); an end tag
# (group end) at the level of the children is no child; opaque markup is passed over.
_CHILD = lazy_pattern(
    lambda: re.compile(
        rf"<(?:{OPAQUE}|/(?P<end>{NAME})\s*>|(?P<name>{NAME})(?P<attributes>{ATTRIBUTE_TEXT})"
        r"(?P<empty>/?)>)",
        re.S,
    )
)


def children_with_attributes(
    text: str, parent: Element, nested: Collection[str] = ()
) -> list[Child]:
    """The children of ``parent`` in file order, with their attribute text; those named in
    ``nested`` with their own children too.

    One search per child, and one string search for the end of a child with content: the
    readers of :mod:`metaclone.iis7.checks`, which look at every site of a large file.
    """
    found: list[Child] = []
    if parent.is_empty_tag:
        return found
    position, end = parent.content_start, parent.content_end
    search = _CHILD.search
    while (match := search(text, position, end)) is not None:
        name = match.group("name")
        if name is None:
            if match.group("end") is not None:
                raise ValueError(f"unexpected </{match.group('end')}> at offset {match.start()}")
            position = match.end()
            continue
        if match.group("empty"):
            element = Element(Tag(TagKind.EMPTY, name, match.start(), match.end()), None)
        else:
            tag = Tag(TagKind.START, name, match.start(), match.end())
            element = element_by_search(text, tag)
        inner = tuple(children_with_attributes(text, element)) if name in nested else ()
        found.append(Child(element, match.group("attributes"), inner))
        position = element.end
    return found
