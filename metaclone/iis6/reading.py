"""Sites read from their server keys: one pass over the text for the listing, one start tag
for a single site.

``scan_document_sites`` finds the server keys without the key index (see
:func:`~metaclone.iis6.keys.scan_keys`: the same fast pass, which makes no match object for the
keys in between); :class:`SiteReader` turns the properties of a server key into a
:class:`~metaclone.model.sites.Site`, with what it inherits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from metaclone.errors import ParseError
from metaclone.iis6.key_scan import LOCATION, key_body
from metaclone.iis6.key_text import TAG_REST
from metaclone.iis6.keys import (
    SERVICE_BY_FOLDED_NAME,
    SITE_PATH,
    KeyTable,
    ServerKeyEntry,
    Service,
)
from metaclone.iis6.names import server_comment_keys
from metaclone.iis6.schema import SITE_PROPERTIES, parse_bool, parse_multisz
from metaclone.lazy import lazy_pattern
from metaclone.lossless import Tag, TagKind, XmlDocument, markup
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.build import build_binding, build_site, paused_garbage_collection
from metaclone.model.rules import name_key
from metaclone.model.sites import Binding, CertificateRef, ListedSite, Site, SiteKind

# ServerComment of a start tag, matched from the end of the tag's name: attribute after
# attribute, so the search never leaves the tag.
_SERVER_COMMENT = lazy_pattern(
    lambda: re.compile(
        r"(?:\s+(?!ServerComment\s*=)[^\s=/>]+\s*=\s*(?:\"[^\"]*+\"|'[^']*+'))*+"
        r"\s+ServerComment\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"
    )
)

# The properties a Site is made of, matched from the end of a server key's name: attribute
# after attribute, so the match never leaves the start tag.  One group per property, None when
# it is absent: a repeated group keeps its last capture, and no name occurs twice in a tag.
_SITE_PROPERTY_NAMES = SITE_PROPERTIES
_SITE_PROPERTIES = re.compile(
    r"(?:\s+(?:"
    # The group opens after the quote; what it may hold depends on which quote that was.
    + "".join(name + r"\s*=\s*[\"']((?<=\")[^\"]*+|[^']*+)[\"']|" for name in _SITE_PROPERTY_NAMES)
    + r"[^\s=/>]+\s*=\s*(?:\"[^\"]*+\"|'[^']*+')))*+"
)


_LOCATION_UNCAPTURED = r"\s+Location\s*=\s*(?:\"[^\"]*+\"|'[^']*+')"


def site_scanner(site_properties: str) -> re.Pattern[str]:
    """A pattern for :func:`scan_sites` that reads ``site_properties`` from each server key.

    One match runs over the items before a server key (other keys, comments and the like, as
    the fast pass of :func:`scan_keys` reads them) and then the server key, so that the items
    in between make no match objects.  The last match, with no server key, runs to the end.
    Groups: 1 the name of an item, 2 the "<" of the server key, 3 its name, then the groups
    of ``site_properties`` (matched from the end of that name), and last its Location in
    double or single quotes.
    """
    return re.compile(
        rf"(?:[^<]*+(?:<(?:{markup.OPAQUE})"
        r"|<(?!(?:IIsWebServer|IIsFtpServer)\s)([^\s/>!?][^\s/>]*+)"
        + _LOCATION_UNCAPTURED
        + key_body(1)
        + r"))*+[^<]*+(?:(<)(IIsWebServer|IIsFtpServer)(?="
        + site_properties
        + ")"
        + LOCATION
        + key_body(3)
        + ")?",
        re.S,
    )


class ScannedSite(NamedTuple):
    """A server key found by :func:`scan_sites`."""

    service: Service
    id: int
    start: int
    properties: tuple[str | None, ...]


def scan_sites(
    scanner: re.Pattern[str], text: str, start: int, end: int
) -> list[ScannedSite] | None:
    """The sites in ``text[start:end]`` as the site entries of :func:`scan_keys` give them.

    ``scanner`` comes from :func:`site_scanner`.  None when the content is not all read by
    the fast pass (then only the key index can tell the sites).
    """
    sites: list[ScannedSite] = []
    site_path = SITE_PATH.fullmatch
    # The service of each spelling of its name, looked up once.
    services: dict[str, Service] = {}
    new_site = tuple.__new__
    position = start
    while True:
        found = scanner.match(text, position, end)
        if found is None:
            return None
        groups = found.groups()
        key_type = groups[2]
        if key_type is None:
            return sites if found.end() == end else None
        position = found.end()
        raw = groups[-2] if groups[-2] is not None else groups[-1]
        site_match = site_path(decode_attribute_value(raw))
        if site_match is None:
            continue
        name, digits = site_match.group(1, 2)
        service = services.get(name)
        if service is None:
            service = services[name] = SERVICE_BY_FOLDED_NAME[name.lower()]
        if service.key_type == key_type:
            scanned = (service, int(digits), found.start(2), groups[3:-2])
            sites.append(new_site(ScannedSite, scanned))


#: :func:`metaclone.iis6.site_texts.site_text`, imported by the listings that write JSON alone.
SiteText = Callable[
    [int, str, Service, bool, list[str], list[str], CertificateRef | None, tuple[str, ...], int],
    str,
]

#: The certificate of each service's sites without an SSLCertHash of their own, by its name.
_ServiceCertificates = dict[str, tuple[CertificateRef | None, tuple[str, ...]]]

_SITE_SCANNER = lazy_pattern(lambda: site_scanner(_SITE_PROPERTIES.pattern))


def scan_document_sites(text: str, start: int, end: int) -> list[ScannedSite] | None:
    """:func:`scan_sites` over the content of ``<MBProperty>`` with the properties of a Site."""
    return scan_sites(_SITE_SCANNER, text, start, end)


class SiteReader:
    """Reads :class:`~metaclone.model.sites.Site` values from server keys.

    ``inherited`` gives the inheritable properties the sites of a service inherit (see
    :meth:`~metaclone.iis6.metabase.MetabaseDocument.inherited`).
    """

    def __init__(self, xml: XmlDocument, inherited: Callable[[Service], dict[str, str]]) -> None:
        self.xml = xml
        self._inherited = inherited

    def read_all(
        self, scanned: list[ScannedSite] | None, index: Callable[[], KeyTable]
    ) -> tuple[Site, ...]:
        """Every site in file order: from ``scanned`` when the fast pass found them, else from
        the server keys of the index."""
        text = self.xml.text
        result: list[Site] = []
        by_service: _ServiceCertificates = {}
        # Lines are counted from one site to the next: one pass over the text in all.
        line, counted = 1, 0
        with paused_garbage_collection():
            if scanned is not None:
                for service, ident, start, properties in scanned:
                    line += text.count("\n", counted, start)
                    counted = start
                    result.append(
                        self.site_from(
                            service, ident, start, line, properties, by_service=by_service
                        )
                    )
            else:
                table = index()
                for entry in table.site_entries:
                    start = table.start(entry.position)
                    line += text.count("\n", counted, start)
                    counted = start
                    properties = properties_at(text, start, entry.service.key_type)
                    result.append(
                        self.site_from(
                            entry.service, entry.id, start, line, properties, by_service=by_service
                        )
                    )
        return tuple(result)

    def listed_all(
        self, scanned: list[ScannedSite], *, secure_sites: bool = False
    ) -> list[ListedSite]:
        """What the plain listing shows of each site of ``scanned``, in file order: the values
        :meth:`site_from` reads, with the bindings summarised as they are read; with
        ``secure_sites``, each site with an https binding also read whole."""
        text = self.xml.text
        result: list[ListedSite] = []
        by_service: _ServiceCertificates = {}
        # Lines are counted up to each site read whole: one pass over the text in all.
        line, counted = 1, 0
        with paused_garbage_collection():
            for service, ident, start, properties in scanned:
                comment, flag, plain, secure, thumbprint, store = properties
                certificate, inherited = self.certificate_of(service, thumbprint, store, by_service)
                bindings = "" if plain is None else _summary(service.plain_protocol, plain)
                secure_summary = "" if secure is None else _summary("https", secure)
                whole = None
                if secure_summary:
                    bindings = f"{bindings}, {secure_summary}" if bindings else secure_summary
                    if secure_sites:
                        line += text.count("\n", counted, start)
                        counted = start
                        whole = self.site_from(
                            service, ident, start, line, properties, by_service=by_service
                        )
                result.append(
                    ListedSite(
                        ident,
                        decode_attribute_value(comment) if comment else "",
                        service.kind,
                        self.auto_start_of(flag, start, service.key_type),
                        bindings,
                        certificate,
                        bool(secure_summary),
                        inherited,
                        whole,
                    )
                )
        return result

    def json_texts(self, scanned: list[ScannedSite]) -> list[str] | None:
        """``json.dumps(site.to_json())`` of each site of ``scanned`` as :meth:`read_all` reads
        it, in file order, written without the Site (see :mod:`metaclone.iis6.site_texts`);
        None where a port is longer than that text is written for."""
        # The json module is loaded by the listings that write JSON alone.
        from metaclone.iis6.site_texts import PortTooLongError, site_text  # noqa: PLC0415

        try:
            return _json_texts(self, scanned, site_text)
        except PortTooLongError:
            return None

    def read_entry(self, entry: ServerKeyEntry) -> Site:
        """The site of a server key of the index."""
        return self.site_at(entry.service, entry.id, entry.start, entry.line)

    def site_at(self, service: Service, ident: int, start: int, line: int) -> Site:
        """The site whose server key starts at ``start``."""
        # The tag alone right after an edit (the pattern stops at its ">"): see tag_text.
        text, at = self.xml.tag_text(start)
        properties = properties_at(text, at, service.key_type)
        return self.site_from(service, ident, start, line, properties)

    def site_from(
        self,
        service: Service,
        ident: int,
        start: int,
        line: int,
        properties: tuple[str | None, ...],
        *,
        by_service: _ServiceCertificates | None = None,
    ) -> Site:
        """The site whose server key at ``start`` has ``properties`` (raw, as listed in
        ``_SITE_PROPERTY_NAMES``); ``by_service`` keeps the certificates of the services for
        the next site read from the same text (see :meth:`certificate_of`)."""
        comment, flag, plain, secure, thumbprint, store = properties
        auto_start = self.auto_start_of(flag, start, service.key_type)
        certificate, inherited = self.certificate_of(
            service, thumbprint, store, {} if by_service is None else by_service
        )
        bindings: list[Binding] = []
        if plain is not None:
            _add_bindings(bindings, service.plain_protocol, plain, None)
        if secure is not None:
            _add_bindings(bindings, "https", secure, certificate)
        return build_site(
            ident,
            decode_attribute_value(comment) if comment else "",
            auto_start,
            tuple(bindings),
            certificate,
            service.kind,
            line,
            True,
            inherited,
        )

    def auto_start_of(self, flag: str | None, start: int, key_type: str) -> bool:
        """ServerAutoStart written as ``flag`` (raw; None when absent: started) on the server
        key at ``start``."""
        # TRUE and FALSE as IIS writes them are read without the general parser.
        if flag is None or flag == "TRUE":
            return True
        if flag == "FALSE":
            return False
        try:
            return parse_bool(decode_attribute_value(flag))
        except ValueError as exc:
            raise self._property_error(start, key_type, "ServerAutoStart", str(exc)) from None

    def certificate_of(
        self,
        service: Service,
        thumbprint: str | None,
        store: str | None,
        by_service: _ServiceCertificates,
    ) -> tuple[CertificateRef | None, tuple[str, ...]]:
        """:meth:`_certificate`: that of a site without an SSLCertHash of its own is its
        service's, read once into ``by_service``."""
        if thumbprint is not None:
            return self._certificate(service, thumbprint, store)
        known = by_service.get(service.name)
        if known is None:
            known = by_service[service.name] = self._certificate(service, None, None)
        return known

    def _certificate(
        self, service: Service, thumbprint: str | None, store: str | None
    ) -> tuple[CertificateRef | None, tuple[str, ...]]:
        """The certificate of a site whose own SSLCertHash and SSLStoreName are written as
        ``thumbprint`` and ``store``, with what it inherits; and ``("certificate",)`` when any
        part of it is inherited."""
        if thumbprint is not None:
            own_hash = decode_attribute_value(thumbprint).strip()
            if not own_hash:
                return None, ()  # an empty SSLCertHash of its own: none, none inherited
            if store:
                return CertificateRef(own_hash.lower(), decode_attribute_value(store)), ()
        inherited = self._inherited(service)
        if not inherited:
            if thumbprint is None:
                return None, ()
            return CertificateRef(own_hash.lower(), "MY"), ()
        found = own_hash if thumbprint is not None else inherited.get("SSLCertHash", "").strip()
        if not found:
            return None, ()
        store_name = inherited.get("SSLStoreName", "")
        from_above = thumbprint is None or bool(store_name)
        return CertificateRef(found.lower(), store_name or "MY"), (
            ("certificate",) if from_above else ()
        )

    def _property_error(self, start: int, key_type: str, name: str, message: str) -> ParseError:
        tag = _tag_at(self.xml.text, start, key_type)
        found = self.xml.attribute(tag, name)
        offset = found.value_start if found is not None else start
        return self.xml.parse_error(offset, f"{name}: {message}")


def _json_texts(reader: SiteReader, scanned: list[ScannedSite], site_text: SiteText) -> list[str]:
    """:meth:`SiteReader.json_texts`, each text written by ``site_text``."""
    text = reader.xml.text
    texts: list[str] = []
    by_service: _ServiceCertificates = {}
    line, counted = 1, 0
    with paused_garbage_collection():
        for service, ident, start, properties in scanned:
            line += text.count("\n", counted, start)
            counted = start
            comment, flag, plain, secure, thumbprint, store = properties
            # Read in the order of site_from, which raises the first error of a site.
            auto_start = reader.auto_start_of(flag, start, service.key_type)
            certificate, inherited = reader.certificate_of(service, thumbprint, store, by_service)
            plain_informations = [] if plain is None else binding_informations(plain)
            secure_informations = [] if secure is None else binding_informations(secure)
            name = decode_attribute_value(comment) if comment else ""
            texts.append(
                site_text(
                    ident,
                    name,
                    service,
                    auto_start,
                    plain_informations,
                    secure_informations,
                    certificate,
                    inherited,
                    line,
                )
            )
    return texts


def site_names(index: KeyTable, kind: SiteKind) -> list[tuple[ServerKeyEntry, str]]:
    """Every site of ``kind`` with its name, reading only ServerComment (of the start tag)."""
    result: list[tuple[ServerKeyEntry, str]] = []
    for entry in index.site_entries:
        if entry.service.kind is kind:
            # A site entry's key is of its service's type.
            text, origin = index.around(entry.position)
            found = _SERVER_COMMENT.match(
                text, index.start(entry.position) + 1 + len(entry.service.key_type) - origin
            )
            if found is None:
                name = ""
            else:
                raw = found.group(1) if found.group(1) is not None else found.group(2)
                name = decode_attribute_value(raw)
            result.append((entry, name))
    return result


def name_owner(
    index: KeyTable, kind: SiteKind, name: str, exclude: Site | None
) -> tuple[ServerKeyEntry, str] | None:
    """The first site of ``kind`` named ``name`` (any case) other than ``exclude``, with its
    name as written; None when the name is free."""
    # The empty name is looked for site by site (a site without a ServerComment has it).
    if name and name_key(name) not in index.names:
        return None
    for entry, other_name in site_names(index, kind):
        if name_key(other_name) != name_key(name):
            continue
        if exclude is not None and entry.id == exclude.id and entry.key.line == exclude.line:
            continue
        return entry, other_name
    return None


def may_be_a_site_name(text: str, name: str) -> bool:
    """False when no ServerComment anywhere in the text reads as ``name`` (any case).

    Every site's name is among those values, so a name none of them has is free without
    reading the sites one by one.
    """
    keys = server_comment_keys(text)
    # With no value at all, the one site name possible is the empty one.
    return name_key(name) in keys or not (name or keys)


def _add_bindings(
    bindings: list[Binding], protocol: str, raw: str, certificate: CertificateRef | None
) -> None:
    """Append the bindings a ServerBindings or SecureBindings value written as ``raw`` holds:
    ``Binding.from_information(protocol, information, certificate=...)`` for each of
    :func:`binding_informations`."""
    for information in binding_informations(raw):
        bindings.append(build_binding(protocol, information, None, certificate))


def _summary(protocol: str, raw: str) -> str:
    """The summaries (``protocol/information``) of the bindings a ServerBindings or
    SecureBindings value written as ``raw`` holds, joined by ``", "``."""
    prefix = protocol + "/"
    if "&" in raw or "\r" in raw:
        joined = f", {prefix}".join(binding_informations(raw))
    else:
        # Nothing to decode (the usual case): the entries, stripped, without the empty ones;
        # then a tab inside one reads as a space (the separators hold none).
        joined = f", {prefix}".join(filter(None, map(str.strip, raw.split("\n"))))
        if "\t" in joined:
            joined = joined.replace("\t", " ")
    return prefix + joined if joined else ""


def binding_informations(raw: str) -> list[str]:
    """The binding information of each binding a ServerBindings or SecureBindings value written
    as ``raw`` holds: each non-empty entry of ``parse_multisz(raw)``, stripped, with the
    per-entry work left out where there is nothing to decode: a tab left inside an entry reads
    as a space."""
    entries = parse_multisz(raw) if "&" in raw or "\r" in raw else raw.split("\n")
    informations = list(filter(None, map(str.strip, entries)))
    # The indentation of continuation lines is stripped: a tab is rarely left.
    if "\t" in "\n".join(informations):
        return [information.replace("\t", " ") for information in informations]
    return informations


def properties_at(text: str, start: int, key_type: str) -> tuple[str | None, ...]:
    """The properties of a Site (raw, as listed in ``_SITE_PROPERTY_NAMES``) of the start tag
    of type ``key_type`` at ``start``."""
    found = _SITE_PROPERTIES.match(text, start + 1 + len(key_type))
    if found is None:
        raise AssertionError(f"<{key_type}> at offset {start} is not a start tag")
    return found.groups()


def _tag_at(text: str, start: int, key_type: str) -> Tag:
    """The start tag of type ``key_type`` at ``start``."""
    rest = TAG_REST.match(text, start + 1 + len(key_type))
    if rest is None:
        raise AssertionError(f"<{key_type}> at offset {start} has no end")
    kind = TagKind.EMPTY if rest.group(1) else TagKind.START
    return Tag(kind, key_type, start, rest.end())
