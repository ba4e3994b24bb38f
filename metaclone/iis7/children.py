"""The children of an element, by name."""

from __future__ import annotations

from collections.abc import Iterable

from metaclone.lossless import Element, XmlDocument


def elements_named(xml: XmlDocument, parent: Element, name: str) -> Iterable[Element]:
    """The ``<name>`` children of ``parent``, in file order."""
    return (c for c in xml.children(parent) if c.name == name)
