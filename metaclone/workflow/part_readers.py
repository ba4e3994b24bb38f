"""Reading the parts of a document (see :mod:`metaclone.model.parts`), format by format.

IIS 7 (and appcmd XML): each site's own element without what the site's values say (its
settings), ``<location>`` blocks (by path relative to their site), customMetadata keys and
application pools.  IIS 6: every key below a site (by path relative to the site, with values
naming the site's own path written as ``/LM/W3SVC/<id>``, so that a re-numbered site's keys
match) and application pool keys.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator

import attrs

from metaclone.document import ConfigDocument
from metaclone.iis6.metabase import MetabaseDocument, MetabaseKey
from metaclone.iis6.schema import PROPERTIES, format_flags, is_secure_blob, read_value
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.lossless import Element, XmlDocument
from metaclone.model.parts import Node, Part, PartKind, SiteMark, mark, node_of
from metaclone.model.sites import Site, SiteKind

#: Section groups of IIS and ASP.NET: a location block's elements are compared below these, so
#: that a change names its section.  A file's own ``<configSections>`` adds to them.
SECTION_GROUPS = frozenset(
    {
        "system.applicationHost",
        "system.webServer",
        "system.webServer/security",
        "system.webServer/security/authentication",
        "system.webServer/rewrite",
        "system.ftpServer",
        "system.ftpServer/security",
        "system.web",
        "system.net",
        "system.serviceModel",
    }
)


def parts_of(doc: ConfigDocument) -> tuple[Part, ...]:
    """The parts of ``doc`` (none for a document that is neither IIS 6 nor IIS 7)."""
    if isinstance(doc, AppHostDocument):
        return _numbered(_apphost_parts(doc))
    if isinstance(doc, MetabaseDocument):
        return _numbered(_metabase_parts(doc))
    return ()


def section_groups(doc: ConfigDocument) -> frozenset[str]:
    """:data:`SECTION_GROUPS` and the section groups ``doc`` declares."""
    if not isinstance(doc, AppHostDocument):
        return SECTION_GROUPS
    return SECTION_GROUPS | doc.declared_section_groups()


def application_context(doc: ConfigDocument) -> str:
    """What the applications of every site inherit from outside it, as text.

    Two files with the same context in which a site is written alike (its ``<site>`` element,
    or its IIS 6 keys) give that site the same applications: the pool of applications that name
    none (IIS 7), the keys above the sites whose AppPoolId they inherit (IIS 6; for an export
    its whole text).
    """
    if isinstance(doc, AppHostDocument):
        return doc.default_application_pool or ""
    if isinstance(doc, MetabaseDocument):
        if doc.is_export:
            # An export's applications may inherit from its IIsInheritedProperties; exports are
            # small, so every site's applications are read.
            return doc.xml.text
        keys = (doc.key(location) for location in ("/LM", "/LM/W3SVC", "/LM/MSFTPSVC"))
        return "\0".join(doc.xml.slice(key.start, key.end) if key else "" for key in keys)
    return ""


def _numbered(parts: Iterable[Part]) -> tuple[Part, ...]:
    """``parts`` with a repeated identity told apart by its occurrence (``#2``, ``#3``...)."""
    seen: Counter[tuple[PartKind, SiteMark | None, str]] = Counter()
    result: list[Part] = []
    for part in parts:
        key = (part.kind, mark(part.site) if part.site else None, part.identity)
        seen[key] += 1
        repeated = seen[key] > 1
        result.append(
            attrs.evolve(part, identity=f"{part.identity}#{seen[key]}") if repeated else part
        )
    return tuple(result)


def _apphost_parts(doc: AppHostDocument) -> Iterator[Part]:
    xml = doc.xml
    by_name: dict[str, Site] = {}
    by_id: dict[int, Site] = {}
    for site in doc.sites:
        by_name.setdefault(site.name.casefold(), site)
        by_id.setdefault(site.id, site)
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
    for location in doc.location_blocks:
        owner = by_name.get(location.site_name.casefold()) if location.site_name else None
        absolute = location.path.strip("/").casefold()
        identity = absolute
        if owner is not None:
            _, _, rest = location.path.strip("/").partition("/")
            identity = rest.casefold()
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
    for key in doc.metadata_keys:
        owner = by_id.get(key.site_id) if key.site_id is not None else None
        match = _SITE_METADATA.fullmatch(key.path)
        identity = ((match.group(1) or "") if owner is not None and match else key.path).casefold()
        line = xml.line_of(key.element.start)
        yield Part(
            PartKind.METADATA,
            owner,
            identity,
            key.path,
            line,
            "",
            functools.partial(Node, "key"),
            absolute=key.path.casefold(),
        )
    for element in doc.application_pool_elements:
        name = xml.get(element, "name") if element.name == "add" else None
        shown = name if name is not None else f"<{element.name}>"
        yield Part(
            PartKind.POOL,
            None,
            shown.casefold(),
            shown,
            xml.line_of(element.start),
            _text(xml, element),
            functools.partial(node_of, xml, element),
        )


_SITE_METADATA = re.compile(r"/?LM/W3SVC/[0-9]+(/.*)?", re.IGNORECASE | re.S)

# IIS 6 properties that the site's own values or its applications already report.
_SITE_VALUES = frozenset(
    {
        "ServerComment",
        "ServerAutoStart",
        "ServerBindings",
        "SecureBindings",
        "SSLCertHash",
        "SSLStoreName",
    }
)
_APPLICATION_VALUES = frozenset({"AppPoolId", "AppRoot"})
_DIRECTORY_TYPES = frozenset({"IIsWebVirtualDir", "IIsFtpVirtualDir"})
_SERVER_TYPES = frozenset({"IIsWebServer", "IIsFtpServer"})
_POOL_TYPE = "IIsApplicationPool"
_POOLS_TYPE = "IIsApplicationPools"


def _keys_by_site(doc: MetabaseDocument) -> Iterator[tuple[Site, tuple[MetabaseKey, ...]]]:
    """Each site with its keys, found in one pass over the keys where the ids allow it."""
    keys = doc.keys
    sites = doc.sites
    roots = {f"/lm/{_SERVICES[site.kind]}/{site.id}": site for site in sites}
    grouped: dict[str, list[MetabaseKey]] = defaultdict(list)
    if len(roots) == len(sites):
        for key in keys:
            found = _SITE_ROOT.match(key.location)
            if found is not None and found.group(0).lower() in roots:
                grouped[found.group(0).lower()].append(key)
    for root, site in roots.items():
        # A site whose keys were not found by its id as written (a repeated id, digits written
        # another way) is looked up on its own.
        yield site, tuple(grouped[root]) if grouped.get(root) else doc.site_keys(site)


_SERVICES = {SiteKind.WEB: "w3svc", SiteKind.FTP: "msftpsvc"}
_SITE_ROOT = re.compile(r"/LM/(?:W3SVC|MSFTPSVC)/[0-9]+(?=/|$)", re.IGNORECASE)


def _metabase_parts(doc: MetabaseDocument) -> Iterator[Part]:
    for site, keys in _keys_by_site(doc):
        if not keys:
            continue
        first = _SITE_ROOT.match(keys[0].location)
        root = first.group(0) if first is not None else keys[0].location
        rewrite = _without_own_path(root)
        for key in keys:
            relative = key.location[len(root) :] or "/"
            skipped = set(_APPLICATION_VALUES)
            if key.key_type in _SERVER_TYPES and relative == "/":
                skipped |= _SITE_VALUES
            if key.key_type in _DIRECTORY_TYPES:
                skipped.add("Path")
            yield Part(
                PartKind.KEY,
                site,
                relative.casefold(),
                key.location,
                key.line,
                rewrite(doc.xml.slice(key.start, key.end)),
                functools.partial(_key_node, doc, key, frozenset(skipped), rewrite),
                listed_elsewhere=key.key_type in _DIRECTORY_TYPES,
            )
    for key in doc.keys:
        if key.key_type == _POOL_TYPE:
            name = key.location.rstrip("/").rsplit("/", 1)[-1]
        elif key.key_type == _POOLS_TYPE:
            name = f"<{_POOLS_TYPE}>"
        else:
            continue
        yield Part(
            PartKind.POOL,
            None,
            name.casefold(),
            name,
            key.line,
            doc.xml.slice(key.start, key.end),
            functools.partial(_key_node, doc, key, frozenset(), str),
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


# A site's path inside a value: /LM/W3SVC/<id> followed by "/" or anything but a digit.
_SITE_PATH_IN_VALUE = re.compile(r"(/LM/(?:W3SVC|MSFTPSVC)/)[0-9]+(?![0-9])", re.IGNORECASE)


def _without_own_path(root: str) -> Callable[[str], str]:
    """A function writing ``root`` (a site's path) as ``/LM/W3SVC/<id>`` wherever it occurs.

    A value naming the site's own path (AppRoot, a redirect) names it whatever the site's id.
    """
    folded = root.casefold()

    def marked(match: re.Match[str]) -> str:
        whole = match.group(0)
        return match.group(1) + "<id>" if whole.casefold() == folded else whole

    def rewrite(text: str) -> str:
        return _SITE_PATH_IN_VALUE.sub(marked, text)

    return rewrite


def _key_node(
    doc: MetabaseDocument,
    key: MetabaseKey,
    skipped: frozenset[str],
    rewrite: Callable[[str], str],
) -> Node:
    """A key as a node: its properties, and its ``<Custom>`` properties by name, as values."""
    values = [
        (name, rewrite(_property_text(name, attribute.raw)))
        for name, attribute in doc.properties(key).items()
        if name not in skipped
    ]
    xml = doc.xml
    for child in xml.children(key.element):
        custom = {a.name: a for a in xml.attributes(child)}
        name = custom["Name"].value if "Name" in custom else child.name
        value = custom.get("Value")
        shown = _property_text(name, value.raw) if value is not None else ""
        kind = custom["Type"].value if "Type" in custom else ""
        values.append((f"Custom {name}", rewrite(f"{shown} ({kind})" if kind else shown)))
    return Node(key.key_type, tuple(sorted(values)))


def _property_text(name: str, raw: str) -> str:
    """A property's value in one canonical text, so that layout never makes two values differ.

    Flags compare by their bits (``AccessRead | AccessScript`` is ``AccessScript | AccessRead``),
    MULTISZ values by their entries; encrypted values as written.
    """
    if is_secure_blob(raw):
        return raw
    try:
        value = read_value(name, raw)
    except ValueError:
        return raw
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return format_flags(name, value) if name in PROPERTIES else str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, list):
        return " ; ".join(value)
    return str(value)
