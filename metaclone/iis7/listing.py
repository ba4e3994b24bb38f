"""Listing every site of an applicationHost.config in one regular-expression pass.

The pass over ``<sites>`` also finds its end: a site written the way IIS writes it is matched
whole, its start tag and bindings in groups and every other element passed over unread; any
other site is found tag by tag and read by the exact readers.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from metaclone.iis7.children import attributes_of
from metaclone.iis7.clean_shapes import binding_values, listed_site
from metaclone.iis7.index import (
    SiteElement,
    SiteIndex,
    entry_from_span,
    index_applicationhost,
    sites_application_defaults,
)
from metaclone.lossless import Element, Tag, TagKind, XmlDocument
from metaclone.lossless.markup import ATTRIBUTE_TEXT, NAME, OPAQUE, PLAIN_VALUE
from metaclone.lossless.tokens import balanced, element_by_search, next_tag
from metaclone.model.build import build_binding
from metaclone.model.sites import ADDRESS_PROTOCOLS, NUMBER, Binding, is_ascii_number

#: The values of a site the listing pass read whole, as written (and the same decoded): name,
#: id, serverAutoStart, then from :data:`QUICK_BINDINGS_AT` to :data:`QUICK_END` three per
#: binding (protocol, bindingInformation, sslFlags).  None where there is nothing; the bindings
#: end at the first slot whose protocol is None.  Such a site has no FTP SSL settings.
QuickValues = tuple[str | None, ...]


#: How many bindings a site read whole may have (more: read exactly).
_QUICK_BINDINGS = 8


# A value that reads as written.
_RAW = rf'"({PLAIN_VALUE})"'


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
    rf"site\s+name={_RAW}\s+id=\"({NUMBER})\"(?:\s+serverAutoStart={_RAW})?\s*>"
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
_LISTING_PATTERN = (
    # One leading "<" for every alternative lets the search skip to the next "<" at once.
    rf"<(?:(?P<opaque>{OPAQUE})"
    rf"|(?P<quick>{_QUICK_SITE})"
    rf"|(?P<site>site(?=[\s/>])(?P<siteattrs>{ATTRIBUTE_TEXT})(?P<siteempty>/?)>)"
    r"|(?P<siteend>/site\s*>)"
    rf"|(?P<sites>sites(?=[\s/>]){ATTRIBUTE_TEXT}(?P<sitesempty>/?)>)"
    r"|(?P<sitesend>/sites\s*>)"
    rf"|(?P<tag>{NAME}{ATTRIBUTE_TEXT}/?>|/{NAME}\s*>))"
)


class _Groups(NamedTuple):
    """Where a listing pattern has the groups of a site it matched whole."""

    body: int
    bindings: int
    values: tuple[int, ...]


def _groups(listing: re.Pattern[str]) -> _Groups:
    quick = listing.groupindex["quick"]
    bindings = listing.groupindex["bindings"]
    assert listing.groupindex["body"] == quick + 4
    values = (
        quick + 1,
        quick + 2,
        quick + 3,
        *range(bindings + 1, bindings + 1 + _QUICK_BINDING_GROUPS * _QUICK_BINDINGS),
    )
    assert len(values) == QUICK_END
    return _Groups(listing.groupindex["body"], bindings, values)


@functools.cache
def _listing() -> tuple[re.Pattern[str], _Groups]:
    """The listing pass's pattern (compiled on first use: it is long) and its groups."""
    listing = re.compile(_LISTING_PATTERN, re.S)
    return listing, _groups(listing)


@functools.lru_cache(maxsize=4)
def _checked_listing(ssl_bits: int) -> tuple[re.Pattern[str], _Groups]:
    """:data:`_LISTING_PATTERN` that first tries a site as ``check`` reads it whole
    (:func:`~metaclone.iis7.clean_shapes.listed_site`; group ``clean``)."""
    pattern = _LISTING_PATTERN.replace("<(?:", f"<(?:(?P<clean>{listed_site(ssl_bits)})|", 1)
    listing = re.compile(pattern, re.S)
    return listing, _groups(listing)


def scan_applicationhost(xml: XmlDocument) -> tuple[SiteIndex, tuple[QuickValues | None, ...]]:
    """The index of :func:`index_applicationhost`, and the values of every site, in one pass
    (see :func:`scan_checked_applicationhost`)."""
    index, values, _ = scan_checked_applicationhost(xml, None)
    return index, values


def scan_checked_applicationhost(
    xml: XmlDocument, clean_bits: int | None
) -> tuple[SiteIndex, tuple[QuickValues | None, ...], frozenset[int]]:
    """The index of :func:`index_applicationhost`, the values of every site, and with
    ``clean_bits`` (the sslFlags bits of the file's IIS version) where each site starts that
    has the shape of :func:`~metaclone.iis7.clean_shapes.clean_site`, in one pass.

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
    scanned: tuple[list[SiteElement], list[QuickValues | None], set[int], Tag] | None = None
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
            scanned = _scan_sites(xml, tag.end, clean_bits)
            sites_element = Element(tag, scanned[3])
            position = sites_element.end
            continue
        element = element_by_search(text, tag)
        if tag.name == "customMetadata" and metadata_element is None:
            metadata_element = element
        elif tag.name == "applicationPools" and pools_element is None:
            pools_element = element
        position = element.end
    if sites_element is None or scanned is None:
        return _exactly(xml)
    sites = tuple(scanned[0])
    defaults = sites_application_defaults(xml, sites_element, sites)
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
    return index, tuple(scanned[1]), frozenset(scanned[2])


def _exactly(
    xml: XmlDocument,
) -> tuple[SiteIndex, tuple[QuickValues | None, ...], frozenset[int]]:
    """The index, with every site left to the exact reader."""
    index = index_applicationhost(xml)
    return index, (None,) * len(index.sites), frozenset()


def _first_start_tag(text: str, parent: Element, name: str) -> Tag | None:
    """The start tag of the first child ``name`` of ``parent`` (None: none, or it is empty)."""
    position = parent.content_start
    while True:
        tag = next_tag(text, position, parent.content_end)
        if tag is None or tag.kind is TagKind.END:
            return None
        if tag.name == name:
            return tag if tag.kind is TagKind.START else None
        position = element_by_search(text, tag).end


def _scan_sites(  # noqa: C901, PLR0912 (hot listing loop, kept whole)
    xml: XmlDocument, content_start: int, clean_bits: int | None
) -> tuple[list[SiteElement], list[QuickValues | None], set[int], Tag]:
    """The sites of the ``<sites>`` whose content starts at ``content_start``, their values
    (None: read exactly), where the sites start that have the shape of ``clean_site`` (with
    ``clean_bits``), and the end tag of ``<sites>``."""
    text = xml.text
    entries: list[SiteElement] = []
    found: list[QuickValues | None] = []
    clean: set[int] = set()
    depth = sites_depth = 0
    start = site_content_start = 0
    attribute_text = ""
    listing, groups = _listing() if clean_bits is None else _checked_listing(clean_bits)
    for match in listing.finditer(text, content_start):
        position = match.end()
        kind = match.lastgroup
        if kind in ("clean", "quick"):
            if depth > 0:
                # A whole site inside a site read tag by tag holds no other site.
                continue
            if kind == "clean":
                entry, values = _clean_entry(match)
                clean.add(entry.start)
            else:
                entry, values = _quick_entry(xml, match, groups)
            entries.append(entry)
            found.append(values)
        elif kind == "site":
            empty = match.group("siteempty")
            if depth == 0:
                start = match.start()
                attribute_text = match.group("siteattrs")
                if empty:
                    span = (start, position, position, position, "")
                    entries.append(entry_from_span(xml, span, attributes_of(attribute_text)))
                    found.append(_NOTHING)
                    continue
                site_content_start = position
            if not empty:
                depth += 1
        elif kind == "siteend":
            depth -= 1
            if depth == 0:
                span = (start, site_content_start, match.start(), position, "")
                entries.append(entry_from_span(xml, span, attributes_of(attribute_text)))
                found.append(None)
        elif kind == "sites":
            if not match.group("sitesempty"):
                sites_depth += 1
        elif kind == "sitesend":
            if sites_depth == 0:
                return entries, found, clean, Tag(TagKind.END, "sites", match.start(), position)
            sites_depth -= 1
    raise ValueError(f"<sites> before offset {content_start} is never closed")


def _quick_entry(
    xml: XmlDocument, match: re.Match[str], groups: _Groups
) -> tuple[SiteElement, QuickValues | None]:
    """The entry of a site the listing pass matched whole, and its values (None: the exact
    reader reads it)."""
    text = xml.text
    start, position = match.start(), match.end()
    body_start = match.start(groups.body)
    content_end = text.rfind("<", body_start, position)
    bindings_at = match.start(groups.bindings)
    # Its <bindings> is its own when the content before it is balanced; else the exact
    # reader reads the site.
    if bindings_at >= 0 and not balanced(text, body_start, bindings_at):
        span = (start, body_start, content_end, position, "")
        attribute_text = text[start + len("<site") : body_start - 1]
        return entry_from_span(xml, span, attributes_of(attribute_text)), None
    values: QuickValues = match.group(*groups.values)
    name, site_id, auto_start = values[:3]
    assert name is not None
    assert site_id is not None
    entry = SiteElement(
        int(site_id), name, start, body_start, content_end, position, None, auto_start or ""
    )
    return entry, values


@functools.cache
def _quick_alone() -> tuple[re.Pattern[str], _Groups]:
    """One site alone, as the listing pass matches it whole (compiled on first use)."""
    pattern = re.compile(rf"<(?P<quick>{_QUICK_SITE})", re.S)
    return pattern, _groups(pattern)


def quick_values(text: str, start: int, end: int) -> QuickValues | None:
    """The values the listing pass reads of the site whose element is ``text[start:end]``,
    when it is written the way IIS writes it; None when only the exact reader reads it.  A
    site of the index is a site whatever holds it, so no other markup is looked at: sites are
    read this way from stretches of a text being edited."""
    pattern, groups = _quick_alone()
    match = pattern.fullmatch(text, start, end)
    if match is None:
        return None
    # As in _quick_entry: its <bindings> is its own when the content before it is balanced.
    bindings_at = match.start(groups.bindings)
    if bindings_at >= 0 and not balanced(text, match.start(groups.body), bindings_at):
        return None
    return match.group(*groups.values)


def _clean_entry(match: re.Match[str]) -> tuple[SiteElement, QuickValues | None]:
    """The entry of a site matched in the shape of ``clean_site``, and its values (None: it
    has more bindings than :data:`QuickValues` holds, or more than one ``<bindings>``)."""
    text = match.string
    start, position = match.start(), match.end()
    name, site_id, auto_start = match.group("clean_name", "clean_id", "clean_start")
    content_start = text.index(">", start) + 1  # no value of the shape holds a ">"
    content_end = position - len("</site>")
    entry = SiteElement(
        int(site_id), name, start, content_start, content_end, position, None, auto_start or ""
    )
    bindings = binding_values(text, content_start, content_end)
    if bindings is None or len(bindings) > _QUICK_BINDINGS:
        return entry, None
    slots = [value for binding in bindings for value in binding]
    return entry, (name, site_id, auto_start, *slots, *_NOTHING[QUICK_BINDINGS_AT + len(slots) :])


#: The protocols :func:`web_bindings` reads, as IIS writes them.
_WEB_PROTOCOLS = frozenset({"http", "https"})

#: Where each binding's three values start among :data:`QuickValues`.
_BINDING_SLOTS = range(QUICK_BINDINGS_AT, QUICK_END, 3)


def quick_bindings(values: QuickValues) -> list[Binding] | None:
    """The bindings among the values the listing pass read of a site, as the exact reader
    builds them, in file order; None when a binding's sslFlags is no number (the exact reader
    words that error)."""
    bindings: list[Binding] = []
    slots = iter(values[QUICK_BINDINGS_AT:QUICK_END])
    for protocol, raw_information, flags_text in zip(slots, slots, slots, strict=True):
        if protocol is None:
            break
        flags: int | None = None
        if flags_text is not None:
            if not is_ascii_number(flags_text.strip()):
                return None
            flags = int(flags_text)
        information = raw_information or ""
        if protocol in ADDRESS_PROTOCOLS:
            # Already stripped and in lower case: what from_information would build.
            bindings.append(build_binding(protocol, information, flags, None))
        else:
            bindings.append(Binding.from_information(protocol, information, flags))
    return bindings


def web_bindings(values: QuickValues) -> tuple[Binding, ...] | None:
    """The bindings among ``values`` when there is one or more and every one is http or https
    (written in lower case) with no sslFlags or plain digits, built as the exact reader builds
    them.  None for any other site.  (:func:`quick_bindings` reads those of any site; this is
    the listing's own, which passes the others to the exact reader.)"""
    bindings: list[Binding] = []
    for at in _BINDING_SLOTS:
        protocol = values[at]
        if protocol is None:
            break
        if protocol not in _WEB_PROTOCOLS:
            return None
        flags_text = values[at + 2]
        flags: int | None = None
        if flags_text is not None:
            if not is_ascii_number(flags_text):
                return None
            flags = int(flags_text)
        bindings.append(build_binding(protocol, values[at + 1] or "", flags, None))
    return tuple(bindings) if bindings else None
