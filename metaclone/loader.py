"""Reading a file: the well-formedness gate, then the document class its root element calls for.

A format's package is imported once a file of that format has been detected, so that reading
an IIS 7 file never loads the IIS 6 code, and the other way round.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from metaclone.document import ConfigDocument
from metaclone.errors import ParseError
from metaclone.lossless import XmlDocument
from metaclone.lossless.files import read_input

if TYPE_CHECKING:
    # Only comparisons read parts: a listing, a check or an edit never loads their module.
    from metaclone.model.parts import Part

METABASE_NAMESPACE_PREFIX = "urn:microsoft-catalog:XML_Metabase_V"

IIS6_METABASE = "iis6-metabase"
IIS7_APPLICATIONHOST = "iis7-applicationhost"
APPCMD_XML = "appcmd-xml"
GENERIC_XML = "xml"


def detect_format(xml: XmlDocument) -> str:
    """Which of the supported formats ``xml`` is, from its root element and first children."""
    root = xml.root
    if root.name == "appcmd":
        return APPCMD_XML
    if root.name != "configuration":
        return GENERIC_XML
    namespace = xml.get(root, "xmlns") or ""
    if namespace.startswith(METABASE_NAMESPACE_PREFIX):
        return IIS6_METABASE
    # Child names are read from their start tags, so that the end of a large
    # system.applicationHost or MBProperty is never searched for.
    for tag in xml.child_tags(root):
        if tag.name == "MBProperty":
            return IIS6_METABASE
        if tag.name == "system.applicationHost":
            return IIS7_APPLICATIONHOST
    return GENERIC_XML


def document_class(file_format: str) -> type[ConfigDocument]:
    """The document class of ``file_format`` (see :func:`detect_format`), its package imported."""
    if file_format == IIS6_METABASE:
        from metaclone.iis6.metabase import MetabaseDocument

        return MetabaseDocument
    if file_format == IIS7_APPLICATIONHOST:
        from metaclone.iis7.applicationhost import AppHostDocument

        return AppHostDocument
    if file_format == APPCMD_XML:
        from metaclone.iis7.applicationhost import AppcmdDocument

        return AppcmdDocument
    return ConfigDocument


_Document = TypeVar("_Document", bound=ConfigDocument)


@attrs.frozen
class PartReaders(Generic[_Document]):
    """How the parts of one format are read for a semantic comparison (``metaclone diff``)."""

    #: Everything besides the sites' own values, in file order (see :mod:`metaclone.model.parts`).
    parts: Callable[[_Document], Iterator[Part]]
    #: What the applications of every site inherit from outside it, as text.
    application_context: Callable[[_Document], str]
    #: The configuration section groups the file declares itself.
    declared_section_groups: Callable[[_Document], frozenset[str]]


def _no_section_groups(doc: ConfigDocument) -> frozenset[str]:
    return frozenset()


@functools.cache
def part_readers(file_format: str) -> PartReaders[Any] | None:
    """The part readers of ``file_format`` (None for other XML), its package imported."""
    if file_format == IIS6_METABASE:
        from metaclone.iis6 import parts as iis6_parts

        return PartReaders(
            iis6_parts.metabase_parts, iis6_parts.application_context, _no_section_groups
        )
    if file_format in (IIS7_APPLICATIONHOST, APPCMD_XML):
        from metaclone.iis7 import parts as iis7_parts
        from metaclone.iis7.applicationhost import AppHostDocument

        return PartReaders(
            iis7_parts.apphost_parts,
            iis7_parts.application_context,
            AppHostDocument.declared_section_groups,
        )
    return None


if TYPE_CHECKING:
    #: The part readers of each IIS format, by :attr:`ConfigDocument.format`; built on first use
    #: (it imports both formats): :func:`part_readers` gives one format's alone.
    PART_READERS: dict[str, PartReaders[Any]]


def __getattr__(name: str) -> Any:
    if name == "PART_READERS":
        readers = {f: part_readers(f) for f in (IIS6_METABASE, IIS7_APPLICATIONHOST, APPCMD_XML)}
        return {f: r for f, r in readers.items() if r is not None}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def loads(data: bytes, name: str = "<bytes>", *, exact: bool = False) -> ConfigDocument:
    """Read a document from ``data``; ``name`` is used in error messages.

    With ``exact=True`` the document reads everything the slow, exact way, without the fast
    paths that listing large files relies on (see :attr:`ConfigDocument.exact`).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"loads() takes bytes, not {type(data).__name__}; encode text first")
    raw = bytes(data)
    xml = XmlDocument.from_bytes(raw, name)
    return document_class(detect_format(xml))(xml, exact=exact)


def load(path: str | os.PathLike[str], *, exact: bool = False) -> ConfigDocument:
    """Read the document at ``path`` (``exact`` as in :func:`loads`)."""
    name, data = read_input(path, ParseError, "the file")
    return loads(data, name, exact=exact)
