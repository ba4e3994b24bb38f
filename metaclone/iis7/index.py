"""Finding the sites of an applicationHost.config or appcmd XML file, and what refers to them.

The index is built once per version of the document text and holds only offsets and the few
attribute values every operation needs (site ids and names, location paths, metadata key
paths).  Everything else is read on demand: in a file with tens of thousands of sites, listing
or cloning one site must not split the attributes of every element in the file.

Listing every site (:func:`scan_applicationhost`) is one regular-expression pass over
``<sites>`` that also finds its end: a site written the way IIS writes it is matched whole, its
start tag and bindings in groups and every other element passed over unread; any other site
is found tag by tag and read by the exact readers.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Sequence

import attrs

from metaclone.errors import ParseError
from metaclone.lossless import Element, Tag, TagKind, XmlDocument
from metaclone.lossless.tokens import balanced, element_at, next_tag
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.build import grouped
from metaclone.model.rules import name_key

#: customMetadata key of a web site (``LM/W3SVC/<id>``) or of something below it.  IIS writes
#: the id in canonical decimal: ``LM/W3SVC/07`` is no key of site 7.
_METADATA_SITE_KEY = re.compile(r"(/?LM/W3SVC/)([1-9][0-9]*)(/.*)?", re.IGNORECASE | re.S)

# Attributes as (name, double-quoted raw, single-quoted raw): a light read for the many elements
# whose attributes are only looked at, never edited.
_ATTRIBUTE = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# The same for attribute text without an apostrophe, where every value is double-quoted: its
# findall gives (name, raw) pairs that dict() takes as they are.
_DOUBLE_QUOTED_ATTRIBUTE = re.compile(r'([^\s=/>]+)\s*=\s*"([^"]*)"')
# Characters that make a raw value differ from its decoded value.
_DECODED_DIFFERS = re.compile(r"[&\t\n\r]")

# The attribute text of a tag, up to a final "/" (written out as a loop that never backtracks:
# a per-character alternation is several times slower on files of tens of megabytes).
_ATTRIBUTE_TEXT = r"""[^>"'/]*+(?:(?:"[^"]*+"|'[^']*+'|/(?!>))[^>"'/]*+)*+"""
_NAME = r"[^\s/>!?][^\s/>]*+"
_OPAQUE = r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>"

#: Elements whose attributes make up a Site value: only these are ever read inside a <site>.
_SITE_PARTS = r"(?:binding|application|virtualDirectory|applicationDefaults|ssl)(?=[\s/>])"
#: How deeply nested an element without site parts may be to be skipped as a whole.
_SKIPPED_LEVELS = 4


def _skippable(levels: int, excluded: str = _SITE_PARTS, prefix: str = "skipped") -> str:
    """An element holding no ``excluded`` element, nested at most ``levels`` deep, matched whole.

    Skipping such an element changes nothing: it is balanced and nothing inside it is read.
    Quantifiers are possessive, so an element that does not qualify (it holds a site part or
    is nested deeper) fails at once and is then read tag by tag instead.
    """
    empty = rf"<(?!{excluded}){_NAME}{_ATTRIBUTE_TEXT}/>"
    pattern = empty
    for level in range(levels):
        group = f"{prefix}{level}"
        pattern = (
            rf"(?:{empty}|<(?!{excluded})(?P<{group}>{_NAME}){_ATTRIBUTE_TEXT}>"
            rf"(?:[^<]++|{_OPAQUE}|{pattern})*+</(?P={group})\s*>)"
        )
    return pattern


# Markup inside a site: comments, CDATA, processing instructions and elements holding no site
# part are matched whole (and ignored); other tags have their "/" of an end tag, name, attribute
# text and "/" of an empty tag in the groups named below.
_MARKUP = re.compile(
    rf"{_OPAQUE}|{_skippable(_SKIPPED_LEVELS)}"
    rf"|<(?P<end>/)?(?P<name>{_NAME})(?P<attributes>{_ATTRIBUTE_TEXT})(?P<empty>/?)>",
    re.S,
)
_END, _TAG_NAME, _ATTRIBUTES, _EMPTY = (
    _MARKUP.groupindex[group] for group in ("end", "name", "attributes", "empty")
)

#: customMetadata properties (IIS 6 property ids, as MBSchema names them) that hold a site's
#: name on the site's own key: ServerComment (1015) and AppFriendlyName (2102), which IIS sets
#: to the site name on the site key and to the application name on an application's key.
SERVER_COMMENT_PROPERTY = "1015"
APP_FRIENDLY_NAME_PROPERTY = "2102"
SITE_NAME_PROPERTIES = frozenset({SERVER_COMMENT_PROPERTY, APP_FRIENDLY_NAME_PROPERTY})


@attrs.frozen
class SiteEntry:
    """A ``<site>`` element with its id and name; ``wrapper`` is appcmd's ``<SITE>`` around it.

    The element is kept as offsets and built on first use: an index holds tens of thousands of
    entries and most operations look at one or two.  ``server_auto_start`` is the raw
    ``serverAutoStart`` text as the index read it ("" when absent, None when not read).
    """

    id: int
    name: str
    start: int
    content_start: int
    content_end: int
    end: int
    wrapper: Element | None = None
    server_auto_start: str | None = attrs.field(default=None, eq=False)

    @classmethod
    def of(
        cls,
        element: Element,
        site_id: int,
        name: str,
        wrapper: Element | None = None,
        server_auto_start: str | None = None,
    ) -> SiteEntry:
        """The entry of ``element``."""
        return cls(
            site_id,
            name,
            element.start,
            element.content_start,
            element.content_end,
            element.end,
            wrapper,
            server_auto_start,
        )

    @functools.cached_property
    def element(self) -> Element:
        """The ``<site>`` element."""
        return _element("site", self.start, self.content_start, self.content_end, self.end)

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
    """Where the sites and their references are, for one version of the document text.

    Location blocks and customMetadata keys are found on first use, in the text the index was
    built on: listing sites needs neither.
    """

    version: int
    sites_element: Element | None
    sites: tuple[SiteEntry, ...]
    metadata_element: Element | None = None
    pools_element: Element | None = None
    default_pool: str | None = None
    #: ``<sites><applicationDefaults enabledProtocols>`` (None: not set).
    default_protocols: str | None = None
    #: The element whose ``<location>`` children are the location blocks (None: there are none).
    configuration: Element | None = None
    text: str = attrs.field(default="", repr=False, eq=False)
    #: What makes a site's description contradict itself, as (offset of the element that
    #: stands for the site, message): appcmd ``<SITE>`` wrappers that disagree with their
    #: ``<site>`` or hold several.
    problems: tuple[tuple[int, str], ...] = ()

    @functools.cached_property
    def sites_by_id(self) -> dict[int, tuple[SiteEntry, ...]]:
        """The sites by id (more than one where a broken file repeats an id)."""
        return grouped((entry.id, entry) for entry in self.sites)

    @functools.cached_property
    def sites_by_name(self) -> dict[str, tuple[SiteEntry, ...]]:
        """The sites by name, as Windows compares them (:func:`~metaclone.model.rules.name_key`)."""
        return grouped((name_key(entry.name), entry) for entry in self.sites)

    @functools.cached_property
    def locations(self) -> tuple[LocationEntry, ...]:
        """The ``<location>`` blocks directly under ``<configuration>``."""
        if self.configuration is None:
            return ()
        return tuple(
            LocationEntry(
                element, decode_attribute_value(_attributes_of(attributes).get("path", ""))
            )
            for element, attributes in children_named(self.text, self.configuration, "location")
        )

    @functools.cached_property
    def metadata_keys(self) -> tuple[MetadataKey, ...]:
        """The ``<key>`` elements of ``<customMetadata>``."""
        if self.metadata_element is None:
            return ()
        keys: list[MetadataKey] = []
        for key, attribute_text in children_named(self.text, self.metadata_element, "key"):
            path = decode_attribute_value(_attributes_of(attribute_text).get("path", ""))
            match = _METADATA_SITE_KEY.fullmatch(path)
            keys.append(MetadataKey(key, path, int(match.group(2)) if match else None))
        return tuple(keys)

    def locations_of(self, site_name: str) -> tuple[LocationEntry, ...]:
        """Location blocks whose first path segment is ``site_name`` (compared as Windows
        compares names, :func:`~metaclone.model.rules.name_key`)."""
        return self._locations_by_site.get(name_key(site_name), ())

    @functools.cached_property
    def _locations_by_site(self) -> dict[str, tuple[LocationEntry, ...]]:
        return grouped(
            (name_key(loc.site_name), loc) for loc in self.locations if loc.site_name is not None
        )

    def keys_of(self, site_id: int) -> tuple[MetadataKey, ...]:
        """customMetadata keys ``LM/W3SVC/<site_id>`` and below."""
        return tuple(k for k in self.metadata_keys if k.site_id == site_id)

    @property
    def metadata_ids(self) -> frozenset[int]:
        return frozenset(k.site_id for k in self.metadata_keys if k.site_id is not None)


def raw_attributes(text: str, tag: Tag) -> dict[str, str]:
    """The attributes of ``tag`` as written (undecoded), by name."""
    return _attributes_of(text[tag.start + 1 + len(tag.name) : tag.end])


def attribute_values(text: str, tag: Tag) -> dict[str, str]:
    """The attributes of ``tag``, decoded, by name."""
    return {name: decode_attribute_value(raw) for name, raw in raw_attributes(text, tag).items()}


@attrs.frozen
class SiteParts:
    """The decoded attributes of the parts of a ``<site>`` that make up a Site value.

    ``bindings`` are in document order; :func:`binding_offsets` says where each one is.
    """

    bindings: tuple[dict[str, str], ...]
    applications: tuple[tuple[dict[str, str], tuple[dict[str, str], ...]], ...]
    application_defaults: dict[str, str] | None
    ftp_ssl: dict[str, str] | None


# The elements a site's reading keeps track of: the site parts, the elements that hold them and
# the other elements IIS writes with content inside a <site>.
_TRACKED_NAMES = (
    "bindings",
    "binding",
    "applicationDefaults",
    "application",
    "virtualDirectory",
    "ftpServer",
    "security",
    "ssl",
    "logFile",
    "customFields",
)
# A value that reads as written (nothing to decode).
_PLAIN = r'[^"&<\t\n\r]*+'
# Comments, CDATA sections and processing instructions are matched whole (group 1).  The site
# parts as IIS writes them come next, with their values captured: binding (groups 2-6),
# virtualDirectory (7-9), application (10-16).  Any other tracked tag (17-20): "/" of an end
# tag, name, attribute text, "/" of an empty tag.
_TRACKED = re.compile(
    r"<(?:(!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>)"
    rf'|(binding)\s+protocol="({_PLAIN})"\s+bindingInformation="({_PLAIN})"'
    rf'(\s+sslFlags="({_PLAIN})")?\s*/>'
    rf'|(virtualDirectory)\s+path="({_PLAIN})"\s+physicalPath="({_PLAIN})"\s*/>'
    rf'|(application)\s+path="({_PLAIN})"(\s+applicationPool="({_PLAIN})")?'
    rf'(\s+enabledProtocols="({_PLAIN})")?\s*(/?)>'
    rf"|(/?)({'|'.join(_TRACKED_NAMES)})(?=[\s/>])({_ATTRIBUTE_TEXT})(/?)>)",
    re.S,
)


def read_site_parts(text: str, element: Element) -> SiteParts:
    """Bindings, applications with their virtual directories, defaults and FTP SSL of a site.

    Only direct children count (``bindings/binding``, ``application``,
    ``application/virtualDirectory``, ``applicationDefaults``, ``ftpServer/security/ssl``);
    markup inside comments is never read.
    """
    start, end = element.content_start, element.content_end
    return _read_tracked(text, start, end) or _read_all(text, start, end)[0]


def binding_offsets(text: str, element: Element) -> tuple[int, ...]:
    """Where each of the bindings :func:`read_site_parts` gives starts, in the same order."""
    return _read_all(text, element.content_start, element.content_end)[1]


class _PartsCollector:
    """Places the elements of one site into its parts, by name and position.

    Only direct children count: ``bindings/binding``, ``application`` (with its
    ``virtualDirectory`` children), ``applicationDefaults`` and ``ftpServer/security/ssl``.
    ``stack`` holds the names of the open elements inside the site.
    """

    def __init__(self) -> None:
        self.bindings: list[dict[str, str]] = []
        self.binding_offsets: list[int] = []
        self.applications: list[tuple[dict[str, str], list[dict[str, str]]]] = []
        self.defaults: dict[str, str] | None = None
        self.ftp_ssl: dict[str, str] | None = None
        self.stack: list[str] = []

    def binding(self, values: dict[str, str], offset: int) -> None:
        if len(self.stack) == 1 and self.stack[0] == "bindings":
            self.bindings.append(values)
            self.binding_offsets.append(offset)

    def virtual_directory(self, values: dict[str, str]) -> None:
        if len(self.stack) == 1 and self.stack[0] == "application" and self.applications:
            self.applications[-1][1].append(values)

    def application(self, values: dict[str, str]) -> None:
        if not self.stack:
            self.applications.append((values, []))

    def element(self, name: str, attribute_text: str, offset: int) -> None:
        """Any other start or empty-element tag (its attributes not yet split)."""
        depth = len(self.stack)
        if depth == 0:
            if name == "application":
                self.application(_decoded(attribute_text))
            elif name == "applicationDefaults":
                self.defaults = _decoded(attribute_text)
        elif depth == 1:
            if name == "binding":
                self.binding(_decoded(attribute_text), offset)
            elif name == "virtualDirectory":
                self.virtual_directory(_decoded(attribute_text))
        elif depth == 2 and name == "ssl" and self.stack == ["ftpServer", "security"]:
            self.ftp_ssl = _decoded(attribute_text)

    def parts(self) -> SiteParts:
        return SiteParts(
            bindings=tuple(self.bindings),
            applications=tuple((app, tuple(vdirs)) for app, vdirs in self.applications),
            application_defaults=self.defaults,
            ftp_ssl=self.ftp_ssl,
        )


def _read_tracked(text: str, start: int, end: int) -> SiteParts | None:
    """The site parts from the tracked elements alone; None when that might not be exact.

    Nesting is followed on the tracked elements only, which is exact when every element with
    content is tracked: then the site's end tags (every ``</`` outside comments, CDATA and
    processing instructions, which this path refuses) are all tracked ones.
    """
    collector = _PartsCollector()
    stack = collector.stack
    end_tags = 0
    for (
        opaque,
        binding,
        protocol,
        information,
        has_flags,
        flags,
        directory,
        directory_path,
        physical_path,
        application,
        application_path,
        has_pool,
        pool,
        has_protocols,
        protocols,
        application_empty,
        closing,
        name,
        attribute_text,
        empty,
    ) in _TRACKED.findall(text, start, end):
        if binding:
            values = {"protocol": protocol, "bindingInformation": information}
            if has_flags:
                values["sslFlags"] = flags
            collector.binding(values, -1)
            continue
        if directory:
            collector.virtual_directory({"path": directory_path, "physicalPath": physical_path})
            continue
        if application:
            values = {"path": application_path}
            if has_pool:
                values["applicationPool"] = pool
            if has_protocols:
                values["enabledProtocols"] = protocols
            collector.application(values)
            if not application_empty:
                stack.append("application")
            continue
        if closing:
            if not stack:
                return None
            stack.pop()
            end_tags += 1
            continue
        if opaque:
            return None
        collector.element(name, attribute_text, -1)
        if not empty:
            stack.append(name)
    if stack or text.count("</", start, end) != end_tags:
        return None
    return collector.parts()


def _read_all(text: str, start: int, end: int) -> tuple[SiteParts, tuple[int, ...]]:
    """The site parts, following the nesting of every element; and the bindings' offsets."""
    collector = _PartsCollector()
    stack = collector.stack
    for match in _MARKUP.finditer(text, start, end):
        closing, name, attribute_text, empty = match.group(_END, _TAG_NAME, _ATTRIBUTES, _EMPTY)
        if name is None:
            continue
        if closing:
            if stack:
                stack.pop()
            continue
        collector.element(name, attribute_text, match.start())
        if not empty:
            stack.append(name)
    return collector.parts(), tuple(collector.binding_offsets)


def _decoded(attribute_text: str) -> dict[str, str]:
    """The attributes in ``attribute_text``, decoded, by name."""
    if "'" in attribute_text:
        return {
            name: decode_attribute_value(double or single)
            for name, double, single in _ATTRIBUTE.findall(attribute_text)
        }
    pairs = _DOUBLE_QUOTED_ATTRIBUTE.findall(attribute_text)
    if _DECODED_DIFFERS.search(attribute_text) is None:
        return dict(pairs)
    return {name: decode_attribute_value(raw) for name, raw in pairs}


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
    return SiteEntry.of(element, int(id_text), name, wrapper, values.get("serverAutoStart", ""))


def _parse_error(xml: XmlDocument, offset: int, message: str) -> ParseError:
    return xml.parse_error(offset, message)


@functools.lru_cache(maxsize=16)
def _named_markup(name: str) -> re.Pattern[str]:
    # Opaque markup first, so that a tag inside a comment or CDATA section is never counted.
    # Groups: 1 "/" of an end tag ("" for a start tag), 2 attribute text, 3 "/" of an empty tag.
    return re.compile(
        rf"<(?:!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|(/?){re.escape(name)}(?=[\s/>])"
        rf"({_ATTRIBUTE_TEXT})(/?)>)",
        re.S,
    )


def children_named(text: str, parent: Element, name: str) -> list[tuple[Element, str]]:
    """The ``<name>`` children of ``parent`` with their attribute text, in one regex pass.

    Only tags called ``name`` are looked at, so this is meant for elements the IIS schema allows
    at one level only (``site`` under ``sites``, ``location`` under ``configuration``, ``key``
    under ``customMetadata``): it runs at regular-expression speed however large the rest is.
    """
    found: list[tuple[Element, str]] = []
    for start, content_start, content_end, end, attribute_text in _child_spans(text, parent, name):
        found.append((_element(name, start, content_start, content_end, end), attribute_text))
    return found


def _element(name: str, start: int, content_start: int, content_end: int, end: int) -> Element:
    """The element ``name`` at these offsets (an empty-element tag ends where its content does)."""
    if content_end == end:
        return Element(Tag(TagKind.EMPTY, name, start, end), None)
    return Element(
        Tag(TagKind.START, name, start, content_start), Tag(TagKind.END, name, content_end, end)
    )


def _child_spans(text: str, parent: Element, name: str) -> list[tuple[int, int, int, int, str]]:
    """:func:`children_named` as offsets: start, content start, content end, end, attributes.

    An empty-element tag has its content start, content end and end at the tag's end.
    """
    found: list[tuple[int, int, int, int, str]] = []
    depth = 0
    start = content_start = 0
    attribute_text = ""
    for match in _named_markup(name).finditer(text, parent.content_start, parent.content_end):
        closing = match.group(1)
        if closing is None:
            continue
        if closing:
            depth -= 1
            if depth == 0:
                found.append((start, content_start, match.start(), match.end(), attribute_text))
        elif match.group(3):
            if depth == 0:
                end = match.end()
                found.append((match.start(), end, end, end, match.group(2)))
        else:
            if depth == 0:
                start, content_start = match.start(), match.end()
                attribute_text = match.group(2)
            depth += 1
    return found


def _attributes_of(attribute_text: str) -> dict[str, str]:
    """The attributes in ``attribute_text`` as written (undecoded), by name."""
    if "'" in attribute_text:
        return {
            name: double or single for name, double, single in _ATTRIBUTE.findall(attribute_text)
        }
    return dict(_DOUBLE_QUOTED_ATTRIBUTE.findall(attribute_text))


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
    sites: list[SiteEntry] = []
    defaults: tuple[str | None, str | None] = (None, None)
    if sites_element is not None:
        for span in _child_spans(text, sites_element, "site"):
            sites.append(_site_at(xml, span, _attributes_of(span[4])))
        defaults = _sites_application_defaults(xml, sites_element, sites)
    return SiteIndex(
        version=xml.version,
        sites_element=sites_element,
        sites=tuple(sites),
        metadata_element=metadata_element,
        pools_element=pools_element,
        default_pool=defaults[0],
        default_protocols=defaults[1],
        configuration=root,
        text=text,
    )


def _site_at(
    xml: XmlDocument, span: tuple[int, int, int, int, str], values: dict[str, str]
) -> SiteEntry:
    """The entry of the ``<site>`` at ``span`` (see :func:`_child_spans`)."""
    start, content_start, content_end, end, _ = span
    name_raw = values.get("name")
    id_raw = values.get("id")
    if name_raw is None or id_raw is None:
        # The general path words the error.
        return _site_entry(
            xml, _element("site", start, content_start, content_end, end), None, values
        )
    name = decode_attribute_value(name_raw)
    id_text = decode_attribute_value(id_raw).strip()
    if not id_text.isdigit() or not id_text.isascii():
        raise _parse_error(
            xml, start, f"site {name!r} has id {id_raw!r}; an id is a positive integer"
        )
    return SiteEntry(
        int(id_text),
        name,
        start,
        content_start,
        content_end,
        end,
        None,
        values.get("serverAutoStart", ""),
    )


def _sites_application_defaults(
    xml: XmlDocument, sites_element: Element, sites: Sequence[SiteEntry]
) -> tuple[str | None, str | None]:
    """``<sites><applicationDefaults>``'s applicationPool and enabledProtocols: for each, the
    last one set between the sites."""
    found: list[str | None] = [None, None]
    for _, values in sites_level_elements(xml.text, sites_element, sites, "applicationDefaults"):
        for position, name in enumerate(("applicationPool", "enabledProtocols")):
            raw = values.get(name)
            if raw is not None:
                found[position] = decode_attribute_value(raw)
    return found[0], found[1]


def sites_level_elements(
    text: str, sites_element: Element, sites: Sequence[SiteEntry], name: str
) -> list[tuple[Element, dict[str, str]]]:
    """The ``<name>`` children of ``<sites>`` standing between its sites, with their raw
    attributes, in file order (``siteDefaults``, ``applicationDefaults``, ...).

    Only the gaps between sites that mention ``<name`` are read, so a large file costs one
    string search; a site's own ``applicationDefaults`` is never taken.
    """
    content_start, content_end = sites_element.content_start, sites_element.content_end
    starts = [entry.start for entry in sites]
    needle = f"<{name}"
    return _elements_in_gaps(
        text,
        content_start=content_start,
        content_end=content_end,
        sites=sites,
        starts=starts,
        needle=needle,
        name=name,
    )


def last_sites_level_element(
    text: str, sites_element: Element, sites: Sequence[SiteEntry], name: str
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
            return _element(name, *span[:4]), _attributes_of(span[4])
    every = _elements_in_gaps(
        text,
        content_start=content_start,
        content_end=content_end,
        sites=sites,
        starts=starts,
        needle=needle,
        name=name,
    )
    return every[-1] if every else None


def _elements_in_gaps(
    text: str,
    *,
    content_start: int,
    content_end: int,
    sites: Sequence[SiteEntry],
    starts: list[int],
    needle: str,
    name: str,
) -> list[tuple[Element, dict[str, str]]]:
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
            elements.append((_element(name, *span[:4]), _attributes_of(span[4])))
    return elements


def _spans_between(
    text: str, start: int, end: int, name: str
) -> list[tuple[int, int, int, int, str]]:
    """:func:`_child_spans` of the elements ``name`` at the top level of ``text[start:end]``."""
    holder = Element(Tag(TagKind.START, "", start, start), Tag(TagKind.END, "", end, end))
    return _child_spans(text, holder, name)


def index_appcmd(xml: XmlDocument) -> SiteIndex:
    """The ``<SITE>`` wrappers of an appcmd XML file and the ``<site>`` inside each.

    A wrapper holding several ``<site>`` elements, or whose ``SITE.NAME``/``SITE.ID`` disagree
    with its ``<site>``, is recorded in :attr:`SiteIndex.problems` (the first ``<site>`` is
    the one read).
    """
    sites: list[SiteEntry] = []
    problems: list[tuple[int, str]] = []
    text = xml.text
    for wrapper in xml.children(xml.root):
        if wrapper.name != "SITE":
            continue
        inner = [child for child in xml.children(wrapper) if child.name == "site"]
        if not inner:
            raise _parse_error(xml, wrapper.start, "<SITE> holds no <site> element")
        entry = _site_entry(xml, inner[0], wrapper)
        sites.append(entry)
        if len(inner) > 1:
            problems.append(
                (
                    wrapper.start,
                    f"<SITE SITE.NAME={entry.name!r}> holds {len(inner)} <site> elements; "
                    "appcmd writes one per <SITE> and `appcmd add site /in` reads one",
                )
            )
        problems.extend(_wrapper_disagreements(text, wrapper, inner[0]))
    return SiteIndex(
        version=xml.version,
        sites_element=xml.root,
        sites=tuple(sites),
        text=text,
        problems=tuple(problems),
    )


def _wrapper_disagreements(text: str, wrapper: Element, inner: Element) -> list[tuple[int, str]]:
    """Where ``SITE.NAME`` or ``SITE.ID`` of ``wrapper`` name another site than ``inner``."""
    outer = attribute_values(text, wrapper.start_tag)
    own = attribute_values(text, inner.start_tag)
    found: list[tuple[int, str]] = []
    for outer_name, own_name, key in (
        ("SITE.NAME", "name", name_key),
        ("SITE.ID", "id", str.strip),
    ):
        if outer_name in outer and own_name in own and key(outer[outer_name]) != key(own[own_name]):
            found.append(
                (
                    wrapper.start,
                    f"<SITE {outer_name}={outer[outer_name]!r}> wraps <site {own_name}="
                    f"{own[own_name]!r}>: appcmd writes the same site in both",
                )
            )
    return found


# -- listing every site in one pass ---------------------------------------------------------

#: The values of a site the listing pass read whole, as written (and the same decoded): name,
#: id, serverAutoStart, then from :data:`QUICK_BINDINGS_AT` to :data:`QUICK_END` three per
#: binding (protocol, bindingInformation, sslFlags).  None where there is nothing; the bindings
#: end at the first slot whose protocol is None.  Such a site has no FTP SSL settings.
QuickValues = tuple[str | None, ...]


#: How many bindings a site read whole may have (more: read exactly).
_QUICK_BINDINGS = 8
# A value that reads as written.
_RAW = rf'"({_PLAIN})"'
# White space between elements.
_GAP = r"\s*+"
# A <binding> with protocol, bindingInformation, sslFlags: a group for each.
_QUICK_BINDING = (
    rf"{_GAP}<binding\s+protocol={_RAW}\s+bindingInformation={_RAW}(?:\s+sslFlags={_RAW})?\s*/>"
)
_QUICK_BINDING_GROUPS = 3
QUICK_BINDINGS_AT = 3
QUICK_END = QUICK_BINDINGS_AT + _QUICK_BINDING_GROUPS * _QUICK_BINDINGS
#: All values of an empty ``<site/>``.
_NOTHING: QuickValues = (None,) * QUICK_END
# Content of a site up to a tag that the listing pass must look at: its </site>, a <bindings>,
# and what makes the content unfit for reading this way: comments, CDATA and processing
# instructions (which may hold decoy tags), nested sites, and the FTP settings, which hold an
# FTP site's certificate.  No "<" can stand in text or attribute values, so every other tag is
# passed over whole, with whatever it holds.
_QUICK_SKIP = r"(?:[^<]++|<(?!/site\s*>|bindings[\s/>]|[!?]|site|ftpServer))*+"
#: A ``<site>`` as IIS writes it, after its "<": the start tag (groups name, id,
#: serverAutoStart), the content before its ``<bindings>`` (group ``body``), its
#: ``<bindings>`` (group ``bindings``, then three groups per binding slot) and the rest.
_QUICK_SITE = (
    rf"site\s+name={_RAW}\s+id=\"([0-9]++)\"(?:\s+serverAutoStart={_RAW})?\s*>"
    rf"(?P<body>{_QUICK_SKIP})"
    r"(?:(?P<bindings><bindings\s*(?:/>|>"
    + "".join(f"(?:{_QUICK_BINDING}" for _ in range(_QUICK_BINDINGS))
    + ")?" * _QUICK_BINDINGS
    + rf"{_GAP}</bindings\s*>)){_QUICK_SKIP})?</site\s*>"
)


# The markup of <sites> for the listing pass; the outermost group of each alternative names
# its kind (Match.lastgroup):
#   opaque     comment, CDATA section, processing instruction
#   quick      a whole site as IIS writes it (see _QUICK_SITE)
#   site       any other <site> start or empty tag (siteattrs, siteempty)
#   siteend    </site>
#   tag        any other tag
_LISTING = re.compile(
    # One leading "<" for every alternative lets the search skip to the next "<" at once.
    r"<(?:(?P<opaque>!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>)"
    rf"|(?P<quick>{_QUICK_SITE})"
    rf"|(?P<site>site(?=[\s/>])(?P<siteattrs>{_ATTRIBUTE_TEXT})(?P<siteempty>/?)>)"
    r"|(?P<siteend>/site\s*>)"
    rf"|(?P<sites>sites(?=[\s/>]){_ATTRIBUTE_TEXT}(?P<sitesempty>/?)>)"
    r"|(?P<sitesend>/sites\s*>)"
    rf"|(?P<tag>{_NAME}{_ATTRIBUTE_TEXT}/?>|/{_NAME}\s*>))",
    re.S,
)
_QUICK = _LISTING.groupindex["quick"]
_BODY = _LISTING.groupindex["body"]
_BINDINGS = _LISTING.groupindex["bindings"]
#: The groups of :data:`QuickValues` in a listing match.
_QUICK_VALUES = (
    _QUICK + 1,
    _QUICK + 2,
    _QUICK + 3,
    *range(_BINDINGS + 1, _BINDINGS + 1 + _QUICK_BINDING_GROUPS * _QUICK_BINDINGS),
)
assert _BODY == _QUICK + 4
assert len(_QUICK_VALUES) == QUICK_END


def scan_applicationhost(xml: XmlDocument) -> tuple[SiteIndex, tuple[QuickValues | None, ...]]:
    """The index of :func:`index_applicationhost`, and the values of every site, in one pass.

    For each site, in index order, its values when the site is written as IIS writes it, or
    None when it must be read with :func:`read_site_parts`.  Sites are found exactly as the
    index finds them (``<site>`` tags are followed however they nest; comments, CDATA and
    processing instructions are skipped), and so is the end of ``<sites>``, which the pass
    finds on its way instead of searching for it first.
    """
    text = xml.text
    root = xml.root
    host = _first_start_tag(text, root, "system.applicationHost")
    if host is None:
        return _exactly(xml)
    sites_tag: Tag | None = None
    metadata_element: Element | None = None
    pools_element: Element | None = None
    sites_element: Element | None = None
    scanned: tuple[list[SiteEntry], list[QuickValues | None], Tag] | None = None
    position = host.end
    while True:
        tag = next_tag(text, position, root.content_end)
        if tag is None:
            raise ValueError(f"<{host.name}> at offset {host.start} is never closed")
        if tag.kind is TagKind.END:
            break
        if tag.name == "sites" and sites_tag is None:
            sites_tag = tag
            if tag.kind is not TagKind.START:
                return _exactly(xml)
            scanned = _scan_sites(xml, tag.end)
            sites_element = Element(tag, scanned[2])
            position = sites_element.end
            continue
        element = _element_at(text, tag)
        if tag.name == "customMetadata" and metadata_element is None:
            metadata_element = element
        elif tag.name == "applicationPools" and pools_element is None:
            pools_element = element
        position = element.end
    if sites_element is None or scanned is None:
        return _exactly(xml)
    sites = tuple(scanned[0])
    defaults = _sites_application_defaults(xml, sites_element, sites)
    index = SiteIndex(
        version=xml.version,
        sites_element=sites_element,
        sites=sites,
        metadata_element=metadata_element,
        pools_element=pools_element,
        default_pool=defaults[0],
        default_protocols=defaults[1],
        configuration=root,
        text=text,
    )
    return index, tuple(scanned[1])


def _exactly(xml: XmlDocument) -> tuple[SiteIndex, tuple[QuickValues | None, ...]]:
    """The index, with every site left to the exact reader."""
    index = index_applicationhost(xml)
    return index, (None,) * len(index.sites)


def _first_start_tag(text: str, parent: Element, name: str) -> Tag | None:
    """The start tag of the first child ``name`` of ``parent`` (None: none, or it is empty)."""
    position = parent.content_start
    while True:
        tag = next_tag(text, position, parent.content_end)
        if tag is None or tag.kind is TagKind.END:
            return None
        if tag.name == name:
            return tag if tag.kind is TagKind.START else None
        position = _element_at(text, tag).end


def _element_at(text: str, tag: Tag) -> Element:
    """:func:`~metaclone.lossless.tokens.element_at`, by plain string search where that is sure.

    The first ``</name>`` after the start tag closes the element when nothing between them
    opens another ``<name`` or is a comment, CDATA section or processing instruction.
    """
    if tag.kind is TagKind.START:
        name = tag.name
        close = text.find(f"</{name}", tag.end)
        if (
            close >= 0
            and text.find(f"<{name}", tag.end, close) < 0
            and text.find("<!", tag.end, close) < 0
            and text.find("<?", tag.end, close) < 0
        ):
            end = _end_tag(name).match(text, close)
            if end is not None:
                return Element(tag, Tag(TagKind.END, name, close, end.end()))
    return element_at(text, tag)


@functools.lru_cache(maxsize=16)
def _end_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{re.escape(name)}\s*>")


def _scan_sites(
    xml: XmlDocument, content_start: int
) -> tuple[list[SiteEntry], list[QuickValues | None], Tag]:
    """The sites of the ``<sites>`` whose content starts at ``content_start``, their values
    (None: read exactly), and the end tag of ``<sites>``."""
    text = xml.text
    entries: list[SiteEntry] = []
    found: list[QuickValues | None] = []
    depth = sites_depth = 0
    start = site_content_start = 0
    attribute_text = ""
    for match in _LISTING.finditer(text, content_start):
        position = match.end()
        kind = match.lastgroup
        if kind == "quick":
            if depth > 0:
                # A whole site inside a site read tag by tag holds no other site.
                continue
            start = match.start()
            body_start = match.start(_BODY)
            content_end = text.rfind("<", body_start, position)
            bindings_at = match.start(_BINDINGS)
            # Its <bindings> is its own when the content before it is balanced; else the exact
            # reader reads the site.
            if bindings_at >= 0 and not balanced(text, body_start, bindings_at):
                span = (start, body_start, content_end, position, "")
                attribute_text = text[start + len("<site") : body_start - 1]
                entries.append(_site_at(xml, span, _attributes_of(attribute_text)))
                found.append(None)
                continue
            values: QuickValues = match.group(*_QUICK_VALUES)
            name, site_id, auto_start = values[:3]
            assert name is not None
            assert site_id is not None
            entries.append(
                SiteEntry(
                    int(site_id),
                    name,
                    start,
                    body_start,
                    content_end,
                    position,
                    None,
                    auto_start or "",
                )
            )
            found.append(values)
        elif kind == "site":
            empty = match.group("siteempty")
            if depth == 0:
                start = match.start()
                attribute_text = match.group("siteattrs")
                if empty:
                    span = (start, position, position, position, "")
                    entries.append(_site_at(xml, span, _attributes_of(attribute_text)))
                    found.append(_NOTHING)
                    continue
                site_content_start = position
            if not empty:
                depth += 1
        elif kind == "siteend":
            depth -= 1
            if depth == 0:
                span = (start, site_content_start, match.start(), position, "")
                entries.append(_site_at(xml, span, _attributes_of(attribute_text)))
                found.append(None)
        elif kind == "sites":
            if not match.group("sitesempty"):
                sites_depth += 1
        elif kind == "sitesend":
            if sites_depth == 0:
                return entries, found, Tag(TagKind.END, "sites", match.start(), position)
            sites_depth -= 1
    raise ValueError(f"<sites> before offset {content_start} is never closed")
