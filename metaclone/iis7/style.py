"""Writing new IIS 7 markup in the style of the file around it.

New elements copy the quote character, the ``" />"`` spelling of empty tags, the line end and
the indentation of their neighbours, so that the diff of an edit shows only the edit.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from metaclone.lossless import Editor, Element, XmlDocument, encode_attribute_value
from metaclone.lossless.tokens import TagKind


@attrs.frozen
class MarkupStyle:
    """How a file writes elements: quote character, empty-tag ending, indentation unit."""

    quote: str = '"'
    empty_end: str = " />"
    indent_unit: str = "    "

    def empty_element(self, name: str, attributes: Sequence[tuple[str, str]]) -> str:
        """``<name a="1" />`` in this style (values encoded for the quote character)."""
        q = self.quote
        written = "".join(
            f" {key}={q}{encode_attribute_value(value, q)}{q}" for key, value in attributes
        )
        return f"<{name}{written}{self.empty_end}"


def style_of(xml: XmlDocument, sample: Element | None, parent: Element | None) -> MarkupStyle:
    """The style of ``sample`` (an empty element such as ``<binding ... />``) and ``parent``."""
    quote, empty_end = '"', " />"
    if sample is not None:
        found = xml.attributes(sample)
        if found:
            quote = found[0].quote
        tag = sample.start_tag
        if tag.kind is TagKind.EMPTY:
            empty_end = " />" if xml.text[tag.end - 3 : tag.end] == " />" else "/>"
    return MarkupStyle(quote, empty_end, indent_unit(xml, parent))


def indent_unit(xml: XmlDocument, parent: Element | None) -> str:
    """One level of indentation: a child's indentation beyond its parent's."""
    if parent is not None:
        outer = xml.indentation_before(parent.start)
        for child in xml.children(parent):
            inner = xml.indentation_before(child.start)
            if inner.startswith(outer) and len(inner) > len(outer):
                return inner[len(outer) :]
            break
        if outer.startswith("\t"):
            return "\t"
    return "    "


def child_indentation(xml: XmlDocument, parent: Element, unit: str) -> str:
    """The indentation of ``parent``'s children: an existing child's, else one level deeper."""
    for child in xml.children(parent):
        inner = xml.indentation_before(child.start)
        if inner:
            return inner
    return xml.indentation_before(parent.start) + unit


def nested_elements(
    chain: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    indent: str,
    style: MarkupStyle,
    newline: str,
) -> str:
    """A chain of nested elements, each the only child of the one before.

    The first line carries no indentation (the caller places it); inner lines are indented one
    level per depth from ``indent``; the last element is empty (``<ssl ... />``).
    """
    name, attributes = chain[0]
    if len(chain) == 1:
        return style.empty_element(name, attributes)
    q = style.quote
    opening = "".join(
        f" {key}={q}{encode_attribute_value(value, q)}{q}" for key, value in attributes
    )
    inner_indent = indent + style.indent_unit
    inner = nested_elements(chain[1:], inner_indent, style, newline)
    return f"<{name}{opening}>{newline}{inner_indent}{inner}{newline}{indent}</{name}>"


def append_child(
    editor: Editor, parent: Element, markup: str, child_indent: str, newline: str
) -> None:
    """Insert ``markup`` (its later lines already indented) as the last child of ``parent``."""
    xml = editor.document
    text = xml.text
    parent_indent = xml.indentation_before(parent.start)
    if parent.end_tag is None:
        tag = parent.start_tag
        opening = text[tag.start : tag.end - 2].rstrip(" \t\r\n") + ">"
        editor.replace(
            tag.start,
            tag.end,
            f"{opening}{newline}{child_indent}{markup}{newline}{parent_indent}</{parent.name}>",
        )
        return
    end = parent.end_tag.start
    line_start = xml.line_start(end)
    if text[line_start:end].strip(" \t") == "" and line_start > parent.content_start:
        editor.insert(line_start, f"{child_indent}{markup}{newline}")
    else:
        editor.insert(end, f"{newline}{child_indent}{markup}{newline}{parent_indent}")
