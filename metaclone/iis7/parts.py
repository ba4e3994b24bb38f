"""The parts of an IIS 7+ document (and appcmd XML) that a semantic comparison reads.

Each site's own element without what the site's values say (its settings), ``<location>``
blocks (by path relative to their site), customMetadata keys and application pools (see
:mod:`metaclone.model.parts`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import attrs

from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.lossless import Element, XmlDocument
from metaclone.model.parts import Node, Part, PartKind, node_of
from metaclone.model.rules import name_key
from metaclone.model.sites import Site


def apphost_parts(doc: AppHostDocument) -> Iterator[Part]:
    """Site settings, location blocks, customMetadata keys and pools, in that order."""
    yield from _settings_parts(doc)
    yield from _location_parts(doc)
    yield from _metadata_parts(doc)
    yield from _pool_parts(doc)


def application_context(doc: AppHostDocument) -> str:
    """What applications inherit from outside their site: the pool of those that name none."""
    return doc.default_application_pool or ""


def _settings_parts(doc: AppHostDocument) -> Iterator[Part]:
    xml = doc.xml
    for site in doc.sites:
        element = doc.site_element(site)
        yield Part(
            PartKind.SETTINGS,
            site,
            "",
            "",
            site.line or 0,
            _text(xml, element),
            functools.partial(_settings_node, xml, element),
        )


def _location_parts(doc: AppHostDocument) -> Iterator[Part]:
    xml = doc.xml
    by_name: dict[str, Site] = {}
    for site in doc.sites:
        by_name.setdefault(name_key(site.name), site)
    for location in doc.location_blocks:
        owner = by_name.get(name_key(location.site_name)) if location.site_name else None
        absolute = name_key(location.path.strip("/"))
        identity = absolute
        if owner is not None:
            _, _, rest = location.path.strip("/").partition("/")
            identity = name_key(rest)
        shown = location.path if location.path.strip("./") else f'"{location.path}" (global)'
        yield Part(
            PartKind.LOCATION,
            owner,
            identity,
            shown,
            xml.line_of(location.element.start),
            _text(xml, location.element),
            functools.partial(node_of, xml, location.element, skip=("path",)),
            absolute=absolute,
        )


def _metadata_parts(doc: AppHostDocument) -> Iterator[Part]:
    xml = doc.xml
    by_id: dict[int, Site] = {}
    for site in doc.sites:
        by_id.setdefault(site.id, site)
    for key in doc.metadata_keys:
        owner = by_id.get(key.site_id) if key.site_id is not None else None
        below = key.below_site
        identity = name_key(below if owner is not None and below is not None else key.path)
        line = xml.line_of(key.element.start)
        yield Part(
            PartKind.METADATA,
            owner,
            identity,
            key.path,
            line,
            "",
            functools.partial(Node, "key"),
            absolute=name_key(key.path),
        )


def _pool_parts(doc: AppHostDocument) -> Iterator[Part]:
    xml = doc.xml
    for element in doc.application_pool_elements:
        name = xml.get(element, "name") if element.name == "add" else None
        shown = name if name is not None else f"<{element.name}>"
        yield Part(
            PartKind.POOL,
            None,
            name_key(shown),
            shown,
            xml.line_of(element.start),
            _text(xml, element),
            functools.partial(node_of, xml, element),
        )


#: What a site's own values already say: its identity, state, bindings and applications.
_SITE_ATTRIBUTES = ("name", "id", "serverAutoStart")
_SITE_CHILDREN = frozenset({"bindings", "application"})


def _settings_node(xml: XmlDocument, element: Element) -> Node:
    """A ``<site>`` without what its site's values say: limits, logFile, ftpServer, hsts..."""
    node = node_of(xml, element, skip=_SITE_ATTRIBUTES)
    kept = tuple(
        _without_certificate(child) if child.name == "ftpServer" else child
        for child in node.children
        if child.name not in _SITE_CHILDREN
    )
    return attrs.evolve(node, children=kept)


# The FTP certificate, which the site's own certificate already says.
_FTP_CERTIFICATE = frozenset({"serverCertHash", "serverCertStoreName"})


def _without_certificate(node: Node, path: str = "ftpServer") -> Node:
    """``ftpServer`` without ``security/ssl``'s certificate attributes."""
    attributes = node.attributes
    if path == "ftpServer/security/ssl":
        attributes = tuple(a for a in attributes if a[0] not in _FTP_CERTIFICATE)
    children = tuple(_without_certificate(child, f"{path}/{child.name}") for child in node.children)
    return Node(node.name, attributes, children)


def _text(xml: XmlDocument, element: Element) -> str:
    return xml.slice(element.start, element.end)
