"""Reading a file: the well-formedness gate, then the document class its root element calls for."""

from __future__ import annotations

import os

from metaclone.document import ConfigDocument
from metaclone.errors import ParseError
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.iis7.applicationhost import AppcmdDocument, AppHostDocument
from metaclone.lossless import XmlDocument
from metaclone.lossless.files import read_input

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


_DOCUMENT_CLASSES: dict[str, type[ConfigDocument]] = {
    IIS6_METABASE: MetabaseDocument,
    IIS7_APPLICATIONHOST: AppHostDocument,
    APPCMD_XML: AppcmdDocument,
}


def loads(data: bytes, name: str = "<bytes>", *, exact: bool = False) -> ConfigDocument:
    """Read a document from ``data``; ``name`` is used in error messages.

    With ``exact=True`` the document reads everything the slow, exact way, without the fast
    paths that listing large files relies on (see :attr:`ConfigDocument.exact`).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"loads() takes bytes, not {type(data).__name__}; encode text first")
    raw = bytes(data)
    xml = XmlDocument.from_bytes(raw, name)
    document_class = _DOCUMENT_CLASSES.get(detect_format(xml), ConfigDocument)
    if not exact:
        return document_class(xml)
    return document_class(xml, exact=True)


def load(path: str | os.PathLike[str], *, exact: bool = False) -> ConfigDocument:
    """Read the document at ``path`` (``exact`` as in :func:`loads`)."""
    name, data = read_input(path, ParseError, "the file")
    return loads(data, name, exact=exact)
