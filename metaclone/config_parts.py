"""What a configuration holds besides its sites' own values, as values that compare by meaning.

A semantic comparison of two files needs, beside the sites, the parts that configure them or
stand beside them: IIS 7 ``<location>`` blocks, customMetadata keys and application pools;
IIS 6 keys below a site and application pool keys.  Each is read into a :class:`Part` holding a
:class:`Node`: an element reduced to its name, its attributes sorted by name (decoded) and its
child elements, so that white space, attribute order and comments never make two parts differ.

:func:`differences` names what differs between two nodes: for location blocks the configuration
sections (``system.webServer/security/access``), for pools and keys the attributes and child
elements.
"""

from __future__ import annotations

import enum
import functools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator

import attrs

from metaclone.apphost import AppHostDocument
from metaclone.base import ConfigDocument
from metaclone.lossless import Element, XmlDocument
from metaclone.metabase import MetabaseDocument, MetabaseKey
from metaclone.metabase_schema import PROPERTIES, format_flags, is_secure_blob, read_value
from metaclone.sites import Site, SiteKind

#: How much of a value or an element is shown in a message.
SHOWN_LENGTH = 160

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


@attrs.frozen
class Node:
    """An element as a value: name, attributes sorted by name (decoded), child elements."""

    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    children: tuple[Node, ...] = ()

    def attribute(self, name: str) -> str | None:
        return next((value for key, value in self.attributes if key == name), None)

    def render(self) -> str:
        """The element on one line, shortened to about :data:`SHOWN_LENGTH` characters."""
        return shorten(self._text())

    def _text(self) -> str:
        attributes = "".join(f' {name}="{shorten(value, 60)}"' for name, value in self.attributes)
        if not self.children:
            return f"<{self.name}{attributes} />"
        inner = "".join(child._text() for child in self.children)
        return f"<{self.name}{attributes}>{inner}</{self.name}>"


def shorten(text: str, limit: int = SHOWN_LENGTH) -> str:
    """``text`` on one line, cut in the middle when longer than ``limit``."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    half = (limit - 1) // 2
    return f"{flat[:half]}…{flat[-half:]}"


def node_of(xml: XmlDocument, element: Element, *, skip: Iterable[str] = ()) -> Node:
    """``element`` as a :class:`Node`; attributes named in ``skip`` are left out."""
    skipped = frozenset(skip)
    attributes = sorted((a.name, a.value) for a in xml.attributes(element) if a.name not in skipped)
    children = tuple(node_of(xml, child) for child in xml.children(element))
    return Node(element.name, tuple(attributes), children)


@attrs.frozen
class Difference:
    """What differs between two nodes: where (a section, attribute or element path) and how.

    ``old`` is None for something added, ``new`` for something removed.
    """

    where: str
    old: str | None
    new: str | None


def _keyed(children: Iterable[Node]) -> dict[tuple[str, str, int], Node]:
    """Children by name, identifying attribute (``name``, ``path``, ...) and occurrence."""
    seen: Counter[tuple[str, str]] = Counter()
    keyed: dict[tuple[str, str, int], Node] = {}
    for child in children:
        ident = next(
            (child.attribute(n) for n in ("name", "path", "id", "value") if child.attribute(n)),
            None,
        )
        pair = (child.name, (ident or "").casefold())
        keyed[(*pair, seen[pair])] = child
        seen[pair] += 1
    return keyed


def _label(path: str, key: tuple[str, str, int], node: Node) -> str:
    ident = next(
        (node.attribute(n) for n in ("name", "path", "id", "value") if node.attribute(n)), None
    )
    shown = f"{key[0]}[{ident}]" if key[1] and ident else key[0]
    return f"{path}/{shown}" if path else shown


def _aligned(
    old: tuple[Node, ...], new: tuple[Node, ...]
) -> Iterator[tuple[tuple[str, str, int], Node | None, Node | None]]:
    old_keyed, new_keyed = _keyed(old), _keyed(new)
    for key, node in old_keyed.items():
        yield key, node, new_keyed.get(key)
    for key, node in new_keyed.items():
        if key not in old_keyed:
            yield key, None, node


def differences(
    old: Node, new: Node, *, groups: frozenset[str] | None = None, path: str = ""
) -> list[Difference]:
    """What differs from ``old`` to ``new`` (both the same kind of element).

    With ``groups`` (section group paths) the children are configuration sections: groups are
    compared child by child and each differing section is named whole.  Without, each differing
    attribute is named (``processModel/@userName``), and each child added or removed.
    """
    found: list[Difference] = []
    old_attributes, new_attributes = dict(old.attributes), dict(new.attributes)
    for name in sorted(old_attributes.keys() | new_attributes.keys()):
        before, after = old_attributes.get(name), new_attributes.get(name)
        if before != after:
            where = f"{path}/@{name}" if path else name
            found.append(Difference(where, _shown(before), _shown(after)))
    for key, before_node, after_node in _aligned(old.children, new.children):
        if before_node == after_node:
            continue
        node = before_node or after_node
        assert node is not None
        if groups is not None:
            where = f"{path}/{key[0]}" if path else key[0]
            is_group = where in groups
        else:
            where = _label(path, key, node)
            is_group = True
        if before_node is None or after_node is None or not is_group:
            found.append(
                Difference(
                    where,
                    before_node.render() if before_node else None,
                    after_node.render() if after_node else None,
                )
            )
        else:
            found.extend(differences(before_node, after_node, groups=groups, path=where))
    return found


def sections(node: Node, groups: frozenset[str], path: str = "") -> list[str]:
    """The configuration sections in ``node`` (a location block), as paths."""
    found: list[str] = []
    for child in node.children:
        where = f"{path}/{child.name}" if path else child.name
        if where in groups:
            found.extend(sections(child, groups, where))
        else:
            found.append(where)
    return list(dict.fromkeys(found))


def _shown(value: str | None) -> str | None:
    return None if value is None else shorten(value)


# -- the parts of a document ------------------------------------------------------------------


class PartKind(enum.Enum):
    """What a part is; the values are used in change kinds (``location-added``, ...)."""

    SETTINGS = "site-settings"
    LOCATION = "location"
    KEY = "key"
    METADATA = "metadata-key"
    POOL = "pool"


@attrs.frozen
class Part:
    """Something a file configures besides a site's own values.

    ``site`` is the site it belongs to (None: it stands beside the sites); ``identity`` is what
    matches it with its counterpart in another file, relative to its site so that a renamed or
    re-numbered site's parts still match; ``path`` is how it is shown.  ``listed_elsewhere`` is
    set for parts whose coming and going the site's applications already tell (IIS 6 virtual
    directory keys).
    """

    kind: PartKind
    site: Site | None
    identity: str
    path: str
    line: int
    #: The element as written (with what the site's id changes left out): parts written alike
    #: are alike, and their nodes are never built.
    text: str
    build: Callable[[], Node] = attrs.field(eq=False, repr=False)
    listed_elsewhere: bool = False

    @functools.cached_property
    def node(self) -> Node:
        return self.build()


#: What tells a site from the others of its file, cheaper to hash than the Site itself.
SiteMark = tuple[str, int, int | None]


def mark(site: Site) -> SiteMark:
    return (site.kind.value, site.id, site.line)


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
    none (IIS 7), the keys above the sites whose AppPoolId they inherit (IIS 6).
    """
    if isinstance(doc, AppHostDocument):
        return doc.default_application_pool or ""
    if isinstance(doc, MetabaseDocument):
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
        if owner is not None:
            _, _, rest = location.path.strip("/").partition("/")
            identity = rest.casefold()
        else:
            identity = location.path.strip("/").casefold()
        shown = location.path if location.path.strip("./") else f'"{location.path}" (global)'
        yield Part(
            PartKind.LOCATION,
            owner,
            identity,
            shown,
            xml.line_of(location.element.start),
            _text(xml, location.element),
            functools.partial(node_of, xml, location.element, skip=("path",)),
        )
    for key in doc.metadata_keys:
        owner = by_id.get(key.site_id) if key.site_id is not None else None
        match = _SITE_METADATA.fullmatch(key.path)
        identity = ((match.group(1) or "") if owner is not None and match else key.path).casefold()
        line = xml.line_of(key.element.start)
        yield Part(
            PartKind.METADATA, owner, identity, key.path, line, "", functools.partial(Node, "key")
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
