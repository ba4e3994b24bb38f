"""The elements at the ``<sites>`` level of an applicationHost file, between its sites: the
collection defaults (``<siteDefaults>``, ``<applicationDefaults>``,
``<virtualDirectoryDefaults>``) that every site inherits from.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from metaclone.iis7.children import attributes_of, child_spans, element_of_span
from metaclone.lossless import Element, Tag, TagKind, XmlDocument
from metaclone.lossless.values import decode_attribute_value

__all__ = [
    "application_defaults_in",
    "last_sites_level_element",
    "sites_application_defaults",
    "sites_level_elements",
]

if TYPE_CHECKING:

    class Placed(Protocol):
        """Where a site's element starts and ends, as the index holds it
        (:class:`~metaclone.iis7.index.SiteElement`)."""

        @property
        def start(self) -> int: ...

        @property
        def end(self) -> int: ...


def sites_application_defaults(
    xml: XmlDocument, sites_element: Element, sites: Sequence[Placed]
) -> tuple[str | None, str | None]:
    """``<sites><applicationDefaults>``'s applicationPool and enabledProtocols: for each, the
    last one set between the sites."""
    return application_defaults_in(xml.text, sites_element, sites)


def application_defaults_in(
    text: str, sites_element: Element, sites: Sequence[Placed]
) -> tuple[str | None, str | None]:
    """:func:`sites_application_defaults` of ``text``."""
    found: list[str | None] = [None, None]
    for _, values in sites_level_elements(text, sites_element, sites, "applicationDefaults"):
        for position, name in enumerate(("applicationPool", "enabledProtocols")):
            raw = values.get(name)
            if raw is not None:
                found[position] = decode_attribute_value(raw)
    return found[0], found[1]


def sites_level_elements(
    text: str, sites_element: Element, sites: Sequence[Placed], name: str
) -> list[tuple[Element, dict[str, str]]]:
    """The ``<name>`` children of ``<sites>`` standing between its sites, with their raw
    attributes, in file order (``siteDefaults``, ``applicationDefaults``, ...).

    Only the gaps between sites that mention ``<name`` are read, so a large file costs one
    string search; a site's own ``applicationDefaults`` is never taken.
    """
    return _elements_in_gaps(text, sites_element, sites, [entry.start for entry in sites], name)


def last_sites_level_element(
    text: str, sites_element: Element, sites: Sequence[Placed], name: str
) -> tuple[Element, dict[str, str]] | None:
    """The last of :func:`sites_level_elements`, found from the end of ``<sites>``.

    IIS writes ``<siteDefaults>`` after the sites, so this reads the text after the last
    site only, however large the file; where the last mention is anywhere else (inside a
    site or a comment) every gap is read.
    """
    content_start, content_end = sites_element.content_start, sites_element.content_end
    needle = f"<{name}"
    found = text.rfind(needle, content_start, content_end)
    if found < 0:
        return None
    starts = [entry.start for entry in sites]
    gap = bisect.bisect_right(starts, found)
    if gap == len(sites) and (gap == 0 or found >= sites[gap - 1].end):
        start = sites[gap - 1].end if gap else content_start
        spans = _spans_between(text, start, content_end, name)
        if spans and spans[-1][0] == found:
            span = spans[-1]
            return element_of_span(name, *span[:4]), attributes_of(span[4])
    every = _elements_in_gaps(text, sites_element, sites, starts, name)
    return every[-1] if every else None


def _elements_in_gaps(
    text: str,
    sites_element: Element,
    sites: Sequence[Placed],
    starts: list[int],
    name: str,
) -> list[tuple[Element, dict[str, str]]]:
    """:func:`sites_level_elements`, given where the sites start (``starts``)."""
    content_start, content_end = sites_element.content_start, sites_element.content_end
    needle = f"<{name}"
    gaps: list[int] = []
    found = text.find(needle, content_start, content_end)
    while found >= 0:
        gap = bisect.bisect_right(starts, found)
        if (gap == 0 or found >= sites[gap - 1].end) and (not gaps or gaps[-1] != gap):
            gaps.append(gap)
        found = text.find(needle, found + 1, content_end)
    elements: list[tuple[Element, dict[str, str]]] = []
    for gap in gaps:
        start = sites[gap - 1].end if gap else content_start
        end = sites[gap].start if gap < len(sites) else content_end
        for span in _spans_between(text, start, end, name):
            elements.append((element_of_span(name, *span[:4]), attributes_of(span[4])))
    return elements


def _spans_between(
    text: str, start: int, end: int, name: str
) -> list[tuple[int, int, int, int, str]]:
    """:func:`child_spans` of the elements ``name`` at the top level of ``text[start:end]``."""
    holder = Element(Tag(TagKind.START, "", start, start), Tag(TagKind.END, "", end, end))
    return child_spans(text, holder, name)
