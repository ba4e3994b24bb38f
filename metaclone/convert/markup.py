"""The IIS 7 side of ``metaclone convert``: new markup in the target file's style, and the
server-level values a new location block is compared with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from metaclone.convert.mapping import (
    IDENTITY_TYPES,
    IIS7_DEFAULTS,
    Collection,
    ElementPath,
    SettingKey,
    Settings,
    SettingValue,
)
from metaclone.convert.source import SourcePool, SourceSite
from metaclone.convert.values import time_span
from metaclone.iis7.index import LocationEntry
from metaclone.iis7.style import MarkupStyle
from metaclone.lossless import Element, XmlDocument
from metaclone.model.sites import Application


@attrs.frozen
class Node:
    """An element to write: name, attributes in order, children."""

    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    children: tuple[Node, ...] = ()


def render(node: Node, indent: str, style: MarkupStyle, newline: str) -> str:
    """``node`` as text; the first line carries no indentation (the caller places it), later
    lines are indented one level per depth from ``indent``."""
    if not node.children:
        return style.empty_element(node.name, node.attributes)
    opening = style.empty_element(node.name, node.attributes)[: -len(style.empty_end)] + ">"
    inner = indent + style.indent_unit
    lines = [opening]
    lines.extend(inner + render(child, inner, style, newline) for child in node.children)
    lines.append(f"{indent}</{node.name}>")
    return newline.join(lines)


def settings_tree(settings: Settings) -> tuple[Node, ...]:
    """Settings as nested elements: one element per path, attributes in the settings' order;
    a collection becomes ``<clear />`` and an ``<add>`` per entry."""
    order: list[ElementPath] = []
    attributes: dict[ElementPath, list[tuple[str, str]]] = {}
    collections: dict[ElementPath, Collection] = {}
    for (path, attribute), value in settings.items():
        for depth in range(1, len(path) + 1):
            if path[:depth] not in attributes:
                order.append(path[:depth])
                attributes[path[:depth]] = []
        if isinstance(value, Collection):
            collections[path] = value
        else:
            attributes[path].append((attribute, value))
    return _nodes((), order, attributes, collections)


def _nodes(
    parent: ElementPath,
    order: Sequence[ElementPath],
    attributes: Mapping[ElementPath, list[tuple[str, str]]],
    collections: Mapping[ElementPath, Collection],
) -> tuple[Node, ...]:
    nodes: list[Node] = []
    for path in order:
        if len(path) != len(parent) + 1 or path[: len(parent)] != parent:
            continue
        children = _nodes(path, order, attributes, collections)
        collection = collections.get(path)
        if collection is not None:
            children = (
                Node("clear"),
                *(Node("add", entry) for entry in collection.entries),
                *children,
            )
        nodes.append(Node(path[-1], tuple(attributes[path]), children))
    return tuple(nodes)


# -- sites and pools -------------------------------------------------------------------------


def application_node(app: Application) -> Node:
    """An ``<application>`` with its virtual directories."""
    attributes = [("path", app.path)]
    if app.application_pool is not None:
        attributes.append(("applicationPool", app.application_pool))
    return Node(
        "application",
        tuple(attributes),
        tuple(
            Node("virtualDirectory", (("path", d.path), ("physicalPath", d.physical_path)))
            for d in app.virtual_directories
        ),
    )


def ftp_server_node(source: SourceSite) -> Node:
    """An FTP site's ``<ftpServer>``: whether it starts (IIS 7 FTP starts as
    ``ftpServer/@serverAutoStart`` says, not as the site's own ``serverAutoStart``), SSL
    allowed (IIS 6 FTP had none; IIS 7 requires it unless told otherwise), the certificate if
    any, anonymous and basic logons."""
    assert source.ftp_authentication is not None
    anonymous, basic = source.ftp_authentication
    ssl: list[tuple[str, str]] = []
    certificate = source.site.certificate
    if certificate is not None:
        ssl += [
            ("serverCertHash", certificate.thumbprint),
            ("serverCertStoreName", certificate.store),
        ]
    ssl += [("controlChannelPolicy", "SslAllow"), ("dataChannelPolicy", "SslAllow")]
    authentication = Node(
        "authentication",
        children=(
            Node("anonymousAuthentication", (("enabled", _bool(anonymous)),)),
            Node("basicAuthentication", (("enabled", _bool(basic)),)),
        ),
    )
    security = Node("security", children=(Node("ssl", tuple(ssl)), authentication))
    started = (("serverAutoStart", _bool(source.site.auto_start)),)
    return Node("ftpServer", started, children=(security,))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def pool_node(pool: SourcePool, pipeline: str, runtime: str) -> Node:
    """A new ``<add>`` application pool (see :mod:`metaclone.convert.mapping`)."""
    identity = IDENTITY_TYPES.get(pool.identity_type, "NetworkService")
    process = [("identityType", identity)]
    if identity == "SpecificUser" and pool.user_name:
        process.append(("userName", pool.user_name))
    process.append(("idleTimeout", time_span(pool.idle_minutes)))
    attributes = [
        ("name", pool.name),
        ("managedRuntimeVersion", runtime),
        ("managedPipelineMode", pipeline),
    ]
    if not pool.auto_start:
        attributes.append(("autoStart", "false"))
    for element, attribute, value in pool.settings:
        if not element:
            attributes.append((attribute, value))
    settings: Settings = {(("processModel",), key): value for key, value in process}
    settings[(("recycling", "periodicRestart"), "time")] = time_span(pool.restart_minutes)
    for element, attribute, value in pool.settings:
        if element:
            settings[(element, attribute)] = value
    return Node("add", tuple(attributes), settings_tree(settings))


# -- the target's server-level values ---------------------------------------------------------


def server_defaults(
    xml: XmlDocument, locations: Iterable[LocationEntry], keys: Iterable[SettingKey]
) -> dict[SettingKey, SettingValue]:
    """What each setting is for every site of the file unless a site sets its own: the
    sections directly under ``<configuration>`` and in ``<location path="">`` (or ``"."``)
    blocks, later ones winning; the IIS 7 schema default where the file says nothing.

    ``locations`` are the file's location blocks (the document's index has them)."""
    root = xml.root
    sections: dict[str, Element] = {}
    wanted = {key[0][0] for key in IIS7_DEFAULTS}
    for tag in xml.child_tags(root):
        if tag.name in wanted and tag.name not in sections:
            sections[tag.name] = xml.element_at(tag)
            if len(sections) == len(wanted):
                break
    scopes: list[tuple[Element, dict[str, Element]]] = [(root, sections)]
    for entry in locations:
        if entry.path.strip() in ("", "."):
            inside = {c.name: c for c in reversed(list(xml.children(entry.element)))}
            scopes.append((entry.element, inside))
    result: dict[SettingKey, SettingValue] = {}
    for key in keys:
        value = IIS7_DEFAULTS[key]
        for _, top in scopes:
            value = _read(xml, top.get(key[0][0]), key, value)
        result[key] = value
    return result


def _read(
    xml: XmlDocument, section: Element | None, key: SettingKey, current: SettingValue
) -> SettingValue:
    """The value of setting ``key`` in ``section`` (the element its path starts with), else
    ``current``."""
    path, attribute = key
    element: Element | None = section
    for name in path[1:]:
        element = xml.child(element, name) if element is not None else None
    if element is None:
        return current
    if attribute:
        found = xml.get(element, attribute)
        return found if found is not None else current
    entries = list(current.entries) if isinstance(current, Collection) else []
    for item in xml.children(element):
        if item.name == "clear":
            entries = []
            continue
        written = tuple((a.name, a.value) for a in xml.attributes(item))
        if item.name == "add":
            entries.append(written)
        elif item.name == "remove":
            entries = [e for e in entries if not _matches(e, written)]
    return Collection(tuple(entries))


def _matches(entry: tuple[tuple[str, str], ...], removal: tuple[tuple[str, str], ...]) -> bool:
    """Whether a ``<remove>`` with attributes ``removal`` removes ``entry`` (by its keys)."""
    values = {name: value.casefold() for name, value in entry}
    return all(values.get(name) == value.casefold() for name, value in removal)
