"""Finding the sites of an applicationHost.config or appcmd XML file, and what refers to them.

The index is built once per version of the document text and holds only offsets and the few
attribute values every operation needs (site ids and names, location paths, metadata key
paths).  Everything else is read on demand: in a file with tens of thousands of sites, listing
or cloning one site must not split the attributes of every element in the file.
"""

from __future__ import annotations

import functools
import re

import attrs

from metaclone.errors import ParseError
from metaclone.lossless import Element, Tag, TagKind, XmlDocument
from metaclone.lossless.values import decode_attribute_value

#: customMetadata key of a web site (``LM/W3SVC/<id>``) or of something below it.
_METADATA_SITE_KEY = re.compile(r"(/?LM/W3SVC/)([0-9]+)(/.*)?", re.IGNORECASE | re.S)

# Attributes as (name, double-quoted raw, single-quoted raw): a light read for the many elements
# whose attributes are only looked at, never edited.
_ATTRIBUTE = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")

# Markup inside a site: comments, CDATA and processing instructions are matched whole (and
# ignored); groups: 1 "/" of an end tag, 2 name, 3 attribute text, 4 "/" of an empty tag.
_MARKUP = re.compile(
    r"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>"
    r"|(/)?([^\s/>!?][^\s/>]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>)",
    re.S,
)

#: customMetadata property holding a site's (or application's) name: ServerComment.
SERVER_COMMENT_PROPERTY = "2102"


@attrs.frozen
class SiteEntry:
    """A ``<site>`` element with its id and name; ``wrapper`` is appcmd's ``<SITE>`` around it."""

    element: Element
    id: int
    name: str
    wrapper: Element | None = None

    @property
    def block(self) -> Element:
        """The element that stands for the site in the file: what a clone copies."""
        return self.wrapper or self.element


@attrs.frozen
class LocationEntry:
    """A ``<location>`` block directly under ``<configuration>``."""

    element: Element
    path: str

    @property
    def site_name(self) -> str | None:
        """The first path segment: the site the block configures (None for global blocks)."""
        first = self.path.strip("/").split("/", 1)[0]
        return None if first in ("", ".") else first

    def renamed(self, new_site_name: str) -> str:
        """The path with its first segment replaced by ``new_site_name``."""
        stripped = self.path.lstrip("/")
        lead = self.path[: len(self.path) - len(stripped)]
        _, slash, rest = stripped.partition("/")
        return f"{lead}{new_site_name}{slash}{rest}"


@attrs.frozen
class MetadataKey:
    """A ``<customMetadata><key path=...>`` element; ``site_id`` set for ``LM/W3SVC/<id>...``."""

    element: Element
    path: str
    site_id: int | None

    @property
    def is_site_root(self) -> bool:
        """True for the site's own key, ``LM/W3SVC/<id>`` (not one of its applications)."""
        match = _METADATA_SITE_KEY.fullmatch(self.path)
        return match is not None and not match.group(3)

    def moved(self, new_id: int) -> str:
        """The path with the site id replaced by ``new_id``."""
        match = _METADATA_SITE_KEY.fullmatch(self.path)
        if match is None:
            return self.path
        return f"{match.group(1)}{new_id}{match.group(3) or ''}"


@attrs.frozen
class SiteIndex:
    """Where the sites and their references are, for one version of the document text."""

    version: int
    sites_element: Element | None
    sites: tuple[SiteEntry, ...]
    locations: tuple[LocationEntry, ...] = ()
    metadata_element: Element | None = None
    metadata_keys: tuple[MetadataKey, ...] = ()
    pools_element: Element | None = None
    default_pool: str | None = None

    def locations_of(self, site_name: str) -> tuple[LocationEntry, ...]:
        """Location blocks whose first path segment is ``site_name`` (case-insensitively)."""
        wanted = site_name.casefold()
        return tuple(
            loc
            for loc in self.locations
            if loc.site_name is not None and loc.site_name.casefold() == wanted
        )

    def keys_of(self, site_id: int) -> tuple[MetadataKey, ...]:
        """customMetadata keys ``LM/W3SVC/<site_id>`` and below."""
        return tuple(k for k in self.metadata_keys if k.site_id == site_id)

    @property
    def metadata_ids(self) -> frozenset[int]:
        return frozenset(k.site_id for k in self.metadata_keys if k.site_id is not None)


def raw_attributes(text: str, tag: Tag) -> dict[str, str]:
    """The attributes of ``tag`` as written (undecoded), by name."""
    start = tag.start + 1 + len(tag.name)
    return {
        name: double or single for name, double, single in _ATTRIBUTE.findall(text, start, tag.end)
    }


def attribute_values(text: str, tag: Tag) -> dict[str, str]:
    """The attributes of ``tag``, decoded, by name."""
    return {name: decode_attribute_value(raw) for name, raw in raw_attributes(text, tag).items()}


@attrs.frozen
class SiteParts:
    """The decoded attributes of the parts of a ``<site>`` that make up a Site value."""

    bindings: tuple[tuple[dict[str, str], int], ...]
    applications: tuple[tuple[dict[str, str], tuple[dict[str, str], ...]], ...]
    application_defaults: dict[str, str] | None
    ftp_ssl: dict[str, str] | None


def read_site_parts(text: str, element: Element) -> SiteParts:
    """One pass over a ``<site>`` element: bindings (with the offset of each
    ``<binding>``), applications with their virtual directories, defaults and FTP SSL."""
    bindings: list[tuple[dict[str, str], int]] = []
    applications: list[tuple[dict[str, str], list[dict[str, str]]]] = []
    defaults: dict[str, str] | None = None
    ftp_ssl: dict[str, str] | None = None
    stack: list[str] = []
    for match in _MARKUP.finditer(text, element.content_start, element.content_end):
        name = match.group(2)
        if name is None:
            continue
        if match.group(1):
            if stack:
                stack.pop()
            continue
        depth = len(stack)
        parent = stack[-1] if stack else None
        if depth == 1 and parent == "bindings" and name == "binding":
            bindings.append((_decoded(match.group(3)), match.start()))
        elif depth == 0 and name == "application":
            applications.append((_decoded(match.group(3)), []))
        elif depth == 1 and parent == "application" and name == "virtualDirectory":
            if applications:
                applications[-1][1].append(_decoded(match.group(3)))
        elif depth == 0 and name == "applicationDefaults":
            defaults = _decoded(match.group(3))
        elif depth == 2 and name == "ssl" and stack == ["ftpServer", "security"]:
            ftp_ssl = _decoded(match.group(3))
        if not match.group(4):
            stack.append(name)
    return SiteParts(
        bindings=tuple(bindings),
        applications=tuple((app, tuple(vdirs)) for app, vdirs in applications),
        application_defaults=defaults,
        ftp_ssl=ftp_ssl,
    )


def _decoded(attribute_text: str) -> dict[str, str]:
    return {
        name: decode_attribute_value(double or single)
        for name, double, single in _ATTRIBUTE.findall(attribute_text)
    }


def _site_entry(
    xml: XmlDocument,
    element: Element,
    wrapper: Element | None,
    values: dict[str, str] | None = None,
) -> SiteEntry:
    text = xml.text
    if values is None:
        values = raw_attributes(text, element.start_tag)
    outer = raw_attributes(text, wrapper.start_tag) if wrapper is not None else {}
    name_raw = values.get("name", outer.get("SITE.NAME"))
    id_raw = values.get("id", outer.get("SITE.ID"))
    if name_raw is None:
        raise _parse_error(xml, element.start, "<site> has no name attribute")
    name = decode_attribute_value(name_raw)
    if id_raw is None:
        raise _parse_error(xml, element.start, f"<site name={name!r}> has no id attribute")
    id_text = decode_attribute_value(id_raw).strip()
    if not id_text.isdigit() or not id_text.isascii():
        raise _parse_error(
            xml,
            element.start,
            f"site {name!r} has id {id_raw!r}; an id is a positive integer",
        )
    return SiteEntry(element, int(id_text), name, wrapper)


def _parse_error(xml: XmlDocument, offset: int, message: str) -> ParseError:
    return xml.parse_error(offset, message)


@functools.lru_cache(maxsize=16)
def _named_markup(name: str) -> re.Pattern[str]:
    # Opaque markup first, so that a tag inside a comment or CDATA section is never counted.
    # Groups: 1 "/" of an end tag ("" for a start tag), 2 attribute text, 3 "/" of an empty tag.
    return re.compile(
        r"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|(/?)"
        + re.escape(name)
        + r"(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*?)(/?)>)",
        re.S,
    )


def children_named(text: str, parent: Element, name: str) -> list[tuple[Element, str]]:
    """The ``<name>`` children of ``parent`` with their attribute text, in one regex pass.

    Only tags called ``name`` are looked at, so this is meant for elements the IIS schema allows
    at one level only (``site`` under ``sites``, ``location`` under ``configuration``, ``key``
    under ``customMetadata``): it runs at regular-expression speed however large the rest is.
    """
    found: list[tuple[Element, str]] = []
    depth = 0
    opening: Tag | None = None
    attribute_text = ""
    for match in _named_markup(name).finditer(text, parent.content_start, parent.content_end):
        closing = match.group(1)
        if closing is None:
            continue
        if closing:
            depth -= 1
            if depth == 0 and opening is not None:
                closing_tag = Tag(TagKind.END, name, match.start(), match.end())
                found.append((Element(opening, closing_tag), attribute_text))
        elif match.group(3):
            if depth == 0:
                tag = Tag(TagKind.EMPTY, name, match.start(), match.end())
                found.append((Element(tag, None), match.group(2)))
        else:
            if depth == 0:
                opening = Tag(TagKind.START, name, match.start(), match.end())
                attribute_text = match.group(2)
            depth += 1
    return found


def _attributes_of(attribute_text: str) -> dict[str, str]:
    return {name: double or single for name, double, single in _ATTRIBUTE.findall(attribute_text)}


def index_applicationhost(xml: XmlDocument) -> SiteIndex:
    """The sites, top-level location blocks and customMetadata keys of an applicationHost file."""
    text = xml.text
    root = xml.root
    sites_element: Element | None = None
    metadata_element: Element | None = None
    pools_element: Element | None = None
    # The sections come before the (possibly many thousands of) location blocks.
    host = next((c for c in xml.children(root) if c.name == "system.applicationHost"), None)
    if host is not None:
        for section in xml.children(host):
            if section.name == "sites" and sites_element is None:
                sites_element = section
            elif section.name == "customMetadata" and metadata_element is None:
                metadata_element = section
            elif section.name == "applicationPools" and pools_element is None:
                pools_element = section
    locations = tuple(
        LocationEntry(element, decode_attribute_value(_attributes_of(attrs_text).get("path", "")))
        for element, attrs_text in children_named(text, root, "location")
    )
    sites: list[SiteEntry] = []
    default_pool: str | None = None
    if sites_element is not None:
        gaps_start = sites_element.content_start
        for element, attrs_text in children_named(text, sites_element, "site"):
            default_pool = _default_pool(xml, gaps_start, element.start, default_pool)
            sites.append(_site_entry(xml, element, None, _attributes_of(attrs_text)))
            gaps_start = element.end
        default_pool = _default_pool(xml, gaps_start, sites_element.content_end, default_pool)
    keys: list[MetadataKey] = []
    if metadata_element is not None:
        for key, attrs_text in children_named(text, metadata_element, "key"):
            path = decode_attribute_value(_attributes_of(attrs_text).get("path", ""))
            match = _METADATA_SITE_KEY.fullmatch(path)
            keys.append(MetadataKey(key, path, int(match.group(2)) if match else None))
    return SiteIndex(
        version=xml.version,
        sites_element=sites_element,
        sites=tuple(sites),
        locations=locations,
        metadata_element=metadata_element,
        metadata_keys=tuple(keys),
        pools_element=pools_element,
        default_pool=default_pool,
    )


def _default_pool(xml: XmlDocument, start: int, end: int, current: str | None) -> str | None:
    """``<sites><applicationDefaults applicationPool>`` if it stands between ``start`` and ``end``
    (the gaps between sites, so that a site's own applicationDefaults is not taken)."""
    text = xml.text
    if text.find("<applicationDefaults", start, end) < 0:
        return current
    for match in _named_markup("applicationDefaults").finditer(text, start, end):
        if match.group(1) == "":
            raw = _attributes_of(match.group(2)).get("applicationPool")
            return decode_attribute_value(raw) if raw is not None else current
    return current


def index_appcmd(xml: XmlDocument) -> SiteIndex:
    """The ``<SITE>`` wrappers of an appcmd XML file and the ``<site>`` inside each."""
    sites: list[SiteEntry] = []
    for wrapper in xml.children(xml.root):
        if wrapper.name != "SITE":
            continue
        inner = xml.child(wrapper, "site")
        if inner is None:
            raise _parse_error(xml, wrapper.start, "<SITE> holds no <site> element")
        sites.append(_site_entry(xml, inner, wrapper))
    return SiteIndex(version=xml.version, sites_element=xml.root, sites=tuple(sites))
