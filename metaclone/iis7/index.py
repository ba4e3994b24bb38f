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

import functools
import itertools
import operator
import re
from collections.abc import Callable, Mapping, Sequence, Set
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import attrs

from metaclone.errors import ParseError
from metaclone.iis7.children import (
    ChildSpan,
    attributes_of,
    child_spans_to_end,
    children_named,
    element_of_span,
    raw_attributes,
)
from metaclone.iis7.sites_level import (
    application_defaults_in,
    last_sites_level_element,
    sites_application_defaults,
    sites_level_elements,
)
from metaclone.lazy import lazy_attributes, lazy_pattern
from metaclone.lossless import Element, TagKind, XmlDocument
from metaclone.lossless.markup import PLAIN_VALUE
from metaclone.lossless.shift import TextReader
from metaclone.lossless.tokens import element_at, next_tag
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.build import PositionGroups, grouped
from metaclone.model.lookup import Groups, SiteTable
from metaclone.model.rules import name_key
from metaclone.model.sites import NUMBER, SiteKind, is_ascii_number

if TYPE_CHECKING:
    from metaclone.iis7.references import (
        LocationEntry,
        MetadataKey,
        locations_between,
        metadata_keys_between,
    )

__all__ = [
    "APP_FRIENDLY_NAME_PROPERTY",
    "SERVER_COMMENT_PROPERTY",
    "SITE_NAME_PROPERTIES",
    "ErrorSource",
    "LocationEntry",
    "MetadataKey",
    "SiteElement",
    "SiteIndex",
    "application_defaults_in",
    "children_named",
    "entry_from_span",
    "entry_identity",
    "index_applicationhost",
    "last_sites_level_element",
    "locations_between",
    "metadata_keys_between",
    "site_entry",
    "sites_application_defaults",
    "sites_level_elements",
]

# The location blocks and customMetadata keys (references.py) are read by what asks for them,
# a check or an edit, and loaded then: a listing never does.
__getattr__, __dir__ = lazy_attributes(
    __name__,
    dict.fromkeys(
        ("LocationEntry", "MetadataKey", "locations_between", "metadata_keys_between"),
        "metaclone.iis7.references",
    ),
)


#: customMetadata properties (IIS 6 property ids, as MBSchema names them) that hold a site's
#: name on the site's own key: ServerComment (1015) and AppFriendlyName (2102), which IIS sets
#: to the site name on the site key and to the application name on an application's key.
SERVER_COMMENT_PROPERTY = "1015"


APP_FRIENDLY_NAME_PROPERTY = "2102"


SITE_NAME_PROPERTIES = frozenset({SERVER_COMMENT_PROPERTY, APP_FRIENDLY_NAME_PROPERTY})


_T = TypeVar("_T")


class ErrorSource(Protocol):
    """What reading a site needs of a document: its text, and errors located in it."""

    @property
    def text(self) -> str: ...

    def parse_error(self, offset: int, message: str) -> ParseError: ...


@attrs.frozen
class SiteElement:
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
    ) -> SiteElement:
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
        return element_of_span("site", self.start, self.content_start, self.content_end, self.end)

    @property
    def block(self) -> Element:
        """The element that stands for the site in the file: what a clone copies."""
        return self.wrapper or self.element


def entry_identity(entry: SiteElement) -> tuple[int, str, SiteKind]:
    """The id, name and kind a lookup reads of ``entry``: IIS 7 numbers web and FTP sites
    together, so every entry is looked up as a web site."""
    return entry.id, entry.name, SiteKind.WEB


def _or_carried(compute: Callable[[SiteIndex], _T]) -> functools.cached_property[_T]:
    """A lookup computed once: taken from :attr:`SiteIndex.carried` where an edit brought
    it, else computed by ``compute``."""
    name = compute.__name__.lstrip("_")

    def lookup(index: SiteIndex) -> _T:
        found = index.carried(name) if index.carried is not None else None
        return cast("_T", found) if found is not None else compute(index)

    lookup.__name__ = compute.__name__
    lookup.__doc__ = compute.__doc__
    return functools.cached_property(lookup)


@attrs.frozen
class SiteIndex:
    """Where the sites and their references are, for one version of the document text.

    Location blocks and customMetadata keys are found on first use, in the text the index was
    built on: listing sites needs neither.
    """

    version: int
    sites_element: Element | None
    sites: Sequence[SiteElement]
    metadata_element: Element | None = None
    pools_element: Element | None = None
    default_pool: str | None = None
    #: ``<sites><applicationDefaults enabledProtocols>`` (None: not set).
    default_protocols: str | None = None
    #: The element whose ``<location>`` children are the location blocks (None: there are none).
    configuration: Element | None = None
    _text: str = attrs.field(default="", repr=False, eq=False, alias="text")
    #: The document as an edit left it, when the index was brought through the edit: read
    #: whole (:attr:`text`) only by a lookup that reads every stretch of the text.
    reader: TextReader | None = attrs.field(default=None, repr=False, eq=False)
    #: What makes a site's description contradict itself, as (offset of the element that
    #: stands for the site, message): appcmd ``<SITE>`` wrappers that disagree with their
    #: ``<site>`` or hold several.
    problems: tuple[tuple[int, str], ...] = ()
    #: The lookups below as an edit brought them from the index of the text before it
    #: (:mod:`metaclone.iis7.rebase`), by name; None for one it cannot give.
    carried: Callable[[str], Any] | None = attrs.field(default=None, eq=False, repr=False)

    @functools.cached_property
    def table(self) -> SiteTable[SiteElement]:
        """The sites by id and by name, grouped as every lookup groups them."""
        return SiteTable(
            self.sites,
            entry_identity,
            separate_ftp_ids=False,
            groups=Groups(lambda: self._id_groups, lambda: self._name_groups),
        )

    @_or_carried
    def _id_groups(self) -> PositionGroups[int, SiteElement]:
        ids = map(operator.attrgetter("id"), self.sites)
        return PositionGroups(grouped(zip(ids, itertools.count())), self.sites)

    @_or_carried
    def _name_groups(self) -> PositionGroups[str, SiteElement]:
        keys = map(name_key, map(operator.attrgetter("name"), self.sites))
        return PositionGroups(grouped(zip(keys, itertools.count())), self.sites)

    @property
    def sites_by_id(self) -> Mapping[int, tuple[SiteElement, ...]]:
        """The sites by id (more than one where a broken file repeats an id)."""
        return self.table.by_id

    @property
    def sites_by_name(self) -> Mapping[str, tuple[SiteElement, ...]]:
        """The sites by name, as Windows compares them (:func:`~metaclone.model.rules.name_key`)."""
        return self.table.by_name

    @_or_carried
    def locations(self) -> Sequence[LocationEntry]:
        """The ``<location>`` blocks directly under ``<configuration>``."""
        if self.configuration is None:
            return ()
        from metaclone.iis7.references import locations_between  # noqa: PLC0415 - see __getattr__

        return locations_between(self.text, self.configuration)

    @_or_carried
    def metadata_keys(self) -> Sequence[MetadataKey]:
        """The ``<key>`` elements of ``<customMetadata>``."""
        if self.metadata_element is None:
            return ()
        from metaclone.iis7.references import metadata_keys_between  # noqa: PLC0415 - see above

        return metadata_keys_between(self.text, self.metadata_element)

    @property
    def text(self) -> str:
        """The text the index was built on (made whole, if the document holds it in pieces)."""
        return self._text if self.reader is None else self.reader.text

    def locations_of(self, site_name: str) -> tuple[LocationEntry, ...]:
        """Location blocks whose first path segment is ``site_name`` (compared as Windows
        compares names, :func:`~metaclone.model.rules.name_key`)."""
        return self._locations_by_site.get(name_key(site_name), ())

    @_or_carried
    def _locations_by_site(self) -> PositionGroups[str, LocationEntry]:
        locations = self.locations
        return PositionGroups(
            grouped(
                (name_key(site_name), position)
                for position, site_name in enumerate(map(_SITE_NAME, locations))
                if site_name is not None
            ),
            locations,
        )

    @_or_carried
    def _key_groups(self) -> PositionGroups[int, MetadataKey]:
        """The customMetadata keys of each site id (keys of no site left out)."""
        keys = self.metadata_keys
        return PositionGroups(
            grouped(
                (site_id, position)
                for position, site_id in enumerate(map(_SITE_ID, keys))
                if site_id is not None
            ),
            keys,
        )

    @_or_carried
    def highest_id(self) -> int:
        """The highest id a site or a customMetadata key uses (0 when none does)."""
        return max(itertools.chain(self._id_groups.keys(), self._key_groups.keys()), default=0)

    def orphan_locations(self) -> list[LocationEntry]:
        """Location blocks whose first path segment names no site, in file order."""
        by_site = self._locations_by_site
        found = [loc for key in self._orphan_keys for loc in by_site[key]]
        return sorted(found, key=lambda loc: loc.element.start)

    @_or_carried
    def _orphan_keys(self) -> frozenset[str]:
        """The sites (name keys) location blocks configure and no site has."""
        return frozenset(self._locations_by_site.keys() - self._name_groups.keys())

    def known(self, name: str) -> Any:
        """The lookup ``name`` if it was computed or can be carried, without reading the text:
        what the index of the text after an edit starts from."""
        slot = f"_{name}" if f"_{name}" in SiteIndex.__dict__ else name
        try:
            return SiteIndex.__dict__[slot].__get__(self)
        except AttributeError:
            # attrs keeps a cached property of a slotted class in a slot of its name, unset
            # until first use.
            return None if self.carried is None else self.carried(name)

    def keys_of(self, site_id: int) -> tuple[MetadataKey, ...]:
        """customMetadata keys ``LM/W3SVC/<site_id>`` and below."""
        return self._key_groups.get(site_id, ())

    @property
    def metadata_ids(self) -> Set[int]:
        """The site ids customMetadata keys name."""
        return self._key_groups.keys()


_SITE_NAME = operator.attrgetter("site_name")


_SITE_ID = operator.attrgetter("site_id")


def site_entry(
    xml: ErrorSource,
    element: Element,
    wrapper: Element | None,
    values: dict[str, str] | None = None,
) -> SiteElement:
    """The entry of the ``<site>`` ``element`` (inside appcmd's ``wrapper``), its id and name
    read from its attributes, else from the wrapper's; an error names what is missing."""
    text = xml.text
    if values is None:
        values = raw_attributes(text, element.start_tag)
    outer = raw_attributes(text, wrapper.start_tag) if wrapper is not None else {}
    name_raw = values.get("name", outer.get("SITE.NAME"))
    id_raw = values.get("id", outer.get("SITE.ID"))
    if name_raw is None:
        raise xml.parse_error(element.start, "<site> has no name attribute")
    name = decode_attribute_value(name_raw)
    if id_raw is None:
        raise xml.parse_error(element.start, f"<site name={name!r}> has no id attribute")
    id_text = decode_attribute_value(id_raw).strip()
    if not is_ascii_number(id_text):
        raise _id_refused(xml, element.start, name, id_raw)
    return SiteElement.of(element, int(id_text), name, wrapper, values.get("serverAutoStart", ""))


def _id_refused(xml: ErrorSource, offset: int, name: str, id_raw: str) -> ParseError:
    return xml.parse_error(offset, f"site {name!r} has id {id_raw!r}; an id is a positive integer")


def index_applicationhost(xml: XmlDocument) -> SiteIndex:
    """The sites, top-level location blocks and customMetadata keys of an applicationHost file."""
    text = xml.text
    root = xml.root
    sites_element: Element | None = None
    metadata_element: Element | None = None
    pools_element: Element | None = None
    spans: list[ChildSpan] = []
    # The sections come before the (possibly many thousands of) location blocks; the host's
    # start tag is enough, its end is found by walking its sections.
    host = next((t for t in xml.child_tags(root) if t.name == "system.applicationHost"), None)
    if host is not None and host.kind is TagKind.START:
        position = host.end
        while (tag := next_tag(text, position, root.content_end)) is not None:
            if tag.kind is TagKind.END:
                break
            if tag.name == "sites" and sites_element is None and tag.kind is TagKind.START:
                # The sites are found on the way to the end of <sites>: one pass, not two.
                spans, section = child_spans_to_end(text, tag, "site")
            else:
                section = element_at(text, tag)
            if section.name == "sites" and sites_element is None:
                sites_element = section
            elif section.name == "customMetadata" and metadata_element is None:
                metadata_element = section
            elif section.name == "applicationPools" and pools_element is None:
                pools_element = section
            position = section.end
    sites = [
        _plain_entry(span) or entry_from_span(xml, span, attributes_of(span[4])) for span in spans
    ]
    defaults: tuple[str | None, str | None] = (None, None)
    if sites_element is not None:
        defaults = sites_application_defaults(xml, sites_element, sites)
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


# The attribute text of a <site> as IIS writes it: name and id that read as written, then an
# optional serverAutoStart (groups: name, id, serverAutoStart).
_PLAIN_SITE = lazy_pattern(
    lambda: re.compile(
        rf'\s+name="({PLAIN_VALUE})"\s+id="({NUMBER})"(?:\s+serverAutoStart="({PLAIN_VALUE})")?\s*'
    )
)


def _plain_entry(span: ChildSpan) -> SiteElement | None:
    """The entry of a ``<site>`` whose attributes IIS wrote (see :data:`_PLAIN_SITE`), read
    without decoding; None for any other: :func:`entry_from_span` reads those."""
    match = _PLAIN_SITE.fullmatch(span[4])
    if match is None:
        return None
    name, site_id, auto_start = match.groups()
    start, content_start, content_end, end, _ = span
    return SiteElement(
        int(site_id), name, start, content_start, content_end, end, None, auto_start or ""
    )


def entry_from_span(
    xml: ErrorSource, span: tuple[int, int, int, int, str], values: dict[str, str]
) -> SiteElement:
    """The entry of the ``<site>`` at ``span`` (see :func:`child_spans`)."""
    start, content_start, content_end, end, _ = span
    name_raw = values.get("name")
    id_raw = values.get("id")
    if name_raw is None or id_raw is None:
        # The general path words the error.
        return site_entry(
            xml, element_of_span("site", start, content_start, content_end, end), None, values
        )
    name = decode_attribute_value(name_raw)
    id_text = decode_attribute_value(id_raw).strip()
    if not is_ascii_number(id_text):
        raise _id_refused(xml, start, name, id_raw)
    return SiteElement(
        int(id_text),
        name,
        start,
        content_start,
        content_end,
        end,
        None,
        values.get("serverAutoStart", ""),
    )
