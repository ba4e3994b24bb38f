"""IIS 6 metabase (MetaBase.xml and iiscnfg /export files).

The file is a flat list of keys under ``<MBProperty>``; the element name is the key's type and
the ``Location`` attribute its metabase path (``/LM/W3SVC/1/ROOT``), compared case-insensitively
and written back as found.  A web site is the ``IIsWebServer`` key at ``/LM/W3SVC/<id>``, an FTP
site the ``IIsFtpServer`` key at ``/LM/MSFTPSVC/<id>``; everything below that path belongs to the
site.

Keys are indexed with one regular-expression pass over the text, and only the keys an operation
touches have their properties split out, so that files with tens of thousands of sites stay
quick.  Every value is read from its raw text: an XML parser turns the line ends that separate
MULTISZ entries into spaces.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from metaclone.document import ConfigDocument, SiteKey
from metaclone.errors import (
    AmbiguousSiteError,
    BindingError,
    CertificateError,
    ParseError,
    SiteIdInUseError,
    SiteNameError,
    SiteNotFoundError,
    UnsupportedDocumentError,
)
from metaclone.handover import Handover, iis6_export_steps, iis6_metabase_steps
from metaclone.iis6.applications import read_applications
from metaclone.iis6.checks import rule_findings
from metaclone.iis6.inherit import ancestor_paths, inherited_values
from metaclone.iis6.keys import (
    INHERITED_PROPERTIES,
    SERVICES,
    TAG_REST,
    WEB,
    KeyTable,
    MetabaseKey,
    ScannedSite,
    Service,
    SiteEntry,
    first_location,
    scan_keys,
    scan_sites,
    site_scanner,
)
from metaclone.iis6.schema import (
    format_multisz,
    is_secure_blob,
    may_hold_path,
    parse_bool,
    parse_multisz,
    read_value,
)
from metaclone.lossless import Attribute, Editor, Element, Tag, TagKind
from metaclone.lossless.values import decode_attribute_value, encode_attribute_value
from metaclone.model.build import build_binding, build_site, grouped, paused_garbage_collection
from metaclone.model.rules import MAX_IIS6_SITE_ID, copy_name, name_key
from metaclone.model.sites import (
    Application,
    Binding,
    CertificateInput,
    CertificateRef,
    Finding,
    Severity,
    Site,
    SiteKind,
    is_ascii_number,
    normalize_thumbprint,
    split_address,
)
from metaclone.model.validation import require_binding, require_site_id, require_site_name

if TYPE_CHECKING:
    from metaclone.httpsys import HttpSysPlan

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# ServerComment of a start tag, matched from the end of the tag's name: attribute after
# attribute, so the search never leaves the tag.
_SERVER_COMMENT = re.compile(
    r"(?:\s+(?!ServerComment\s*=)[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
    r"\s+ServerComment\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"
)

# Every ServerComment value in the text, quotes included.  Only the name is consumed, so that
# no value hides another ServerComment that follows it.
_ANY_SERVER_COMMENT = re.compile(r"ServerComment(?=\s*=\s*(\"[^\"]*\"|'[^']*'))")
_NEEDS_DECODING = ("&", "\t", "\n", "\r")

_DEFAULT_CONTINUATION = "\t\t\t"
# How far to look for a multi-line value whose layout new MULTISZ values copy.
_LAYOUT_PROBE_KEYS = 400

_COM_PLUS_PROPERTIES = ("AppPackageID", "AppWamClsid")
# The properties a Site is made of, matched from the end of a server key's name: attribute
# after attribute, so the match never leaves the start tag.  One group per property, None when
# it is absent: a repeated group keeps its last capture, and no name occurs twice in a tag.
_SITE_PROPERTY_NAMES = (
    "ServerComment",
    "ServerAutoStart",
    "ServerBindings",
    "SecureBindings",
    "SSLCertHash",
    "SSLStoreName",
)
_SITE_PROPERTIES = re.compile(
    r"(?:\s+(?:"
    # The group opens after the quote; what it may hold depends on which quote that was.
    + "".join(name + r"\s*=\s*[\"']((?<=\")[^\"]*+|[^']*+)[\"']|" for name in _SITE_PROPERTY_NAMES)
    + r"[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*')))*"
)


_SITE_SCANNER = site_scanner(_SITE_PROPERTIES.pattern)

__all__ = ["INHERITED_PROPERTIES", "MetabaseDocument", "MetabaseKey", "encode_name"]


class MetabaseDocument(ConfigDocument):
    """An IIS 6 MetaBase.xml or ``iiscnfg /export`` file.

    Malformed content (no ``<MBProperty>``, a key without ``Location``) raises
    :class:`~metaclone.errors.ParseError` with its line and column when the keys are first read.
    """

    format: ClassVar[str] = "iis6-metabase"
    is_iis: ClassVar[bool] = True

    _index_cache: tuple[int, KeyTable] | None = None
    _sites_cache: tuple[int, tuple[Site, ...]] | None = None
    _layout_cache: tuple[int, str] | None = None
    _mbproperty_cache: tuple[int, Element] | None = None
    _inherited_cache: tuple[int, dict[str, dict[str, str]]] | None = None

    # -- the key index ---------------------------------------------------------------------

    def _index(self) -> KeyTable:
        cached = self._index_cache
        if cached is not None and cached[0] == self.xml.version:
            return cached[1]
        mbproperty = self._mbproperty()
        index = scan_keys(
            self.xml.text, mbproperty.content_start, mbproperty.content_end, self._location_of
        )
        self._index_cache = (self.xml.version, index)
        return index

    def _mbproperty(self) -> Element:
        xml = self.xml
        root = xml.root
        if root.name != "configuration":
            raise UnsupportedDocumentError(
                f"<{root.name}> is not the root of an IIS 6 metabase (<configuration> with "
                "<MBProperty> inside)",
                path=self.path,
            )
        cached = self._mbproperty_cache
        if cached is not None and cached[0] == xml.version:
            return cached[1]
        # <MBProperty> holds nearly the whole file, and is the last child of <configuration>.
        first = next(xml.child_tags(root), None)
        found = None
        if first is not None and first.name == "MBProperty":
            found = xml.last_element_at(first, root.content_end)
        if found is None:
            found = xml.child(root, "MBProperty")
        if found is None:
            raise xml.parse_error(
                root.start,
                "this metabase has no <MBProperty> element: MetaBase.xml and iiscnfg export "
                "files keep every key inside <configuration><MBProperty>",
            )
        self._mbproperty_cache = (xml.version, found)
        return found

    def _location_of(self, match: re.Match[str]) -> str | None:
        """The Location of the tag ``match`` (a ``MARKUP`` match); None for no key."""
        first = first_location(self.xml.text, match)
        if first is not None:
            return first
        name = match.group(2)
        tag = Tag(TagKind.START, name, match.start(), match.end())
        location = self.xml.get(tag, "Location")
        if location is not None:
            return location
        if name == INHERITED_PROPERTIES:
            return None
        raise self.xml.parse_error(
            match.start(),
            f"<{name}> has no Location attribute: every key under <MBProperty> names its "
            'metabase path, e.g. Location ="/LM/W3SVC/1"',
        )

    def inherited(self, service: Service = WEB) -> dict[str, str]:
        """The inheritable properties the sites of ``service`` inherit (decoded, by name).

        See :mod:`metaclone.iis6.inherit`; read once per version of the text.
        """
        cached = self._inherited_cache
        if cached is None or cached[0] != self.xml.version:
            cached = (self.xml.version, {})
            self._inherited_cache = cached
        values = cached[1].get(service.name)
        if values is None:
            mbproperty = self._mbproperty()
            indexed = self._index_cache
            ancestors = None
            if indexed is not None and indexed[0] == self.xml.version:
                ancestors = {}
                for path in ancestor_paths(service):
                    found = self.key(path)
                    if found is not None:
                        ancestors[path] = found.start_tag
            try:
                values = inherited_values(
                    self.xml,
                    service,
                    mbproperty.content_start,
                    mbproperty.content_end,
                    ancestors,
                )
            except ValueError as exc:
                raise ParseError(str(exc), path=self.path) from None
            cached[1][service.name] = values
        return values

    # -- keys and values -------------------------------------------------------------------

    @property
    def is_export(self) -> bool:
        """True for an ``iiscnfg /export`` file: it holds a subtree, not the ``/LM`` key."""
        return self._index().first("/LM") is None

    @property
    def keys(self) -> tuple[MetabaseKey, ...]:
        """Every key under ``<MBProperty>``, in document order."""
        index = self._index()
        return tuple(index.key(position) for position in range(len(index)))

    def key(self, location: str) -> MetabaseKey | None:
        """The first key whose Location is ``location`` (compared case-insensitively)."""
        index = self._index()
        position = index.first(location)
        return index.key(position) if position is not None else None

    def keys_under(self, location: str) -> tuple[MetabaseKey, ...]:
        """The keys at or below ``location`` (segment-exact, case-insensitive)."""
        index = self._index()
        return tuple(index.key(position) for position in index.positions_under(location))

    def site_keys(self, site: SiteKey) -> tuple[MetabaseKey, ...]:
        """The keys that belong to ``site``: its server key and every key below it."""
        return self.keys_under(self._site_entry(self.site(site)).key.location)

    def properties(self, key: MetabaseKey) -> dict[str, Attribute]:
        """The key's properties (its attributes other than Location), by name."""
        return {a.name: a for a in self.xml.attributes(key.start_tag) if a.name != "Location"}

    def raw_value(self, key: MetabaseKey, name: str) -> str | None:
        """Property ``name`` of ``key`` exactly as written between the quotes, or None."""
        found = self.xml.attribute(key.start_tag, name)
        return found.raw if found is not None else None

    def value(self, key: MetabaseKey, name: str) -> object:
        """Property ``name`` of ``key`` read by its type (see ``metabase_schema.read_value``).

        None when the key does not have the property.
        """
        found = self.xml.attribute(key.start_tag, name)
        if found is None:
            return None
        try:
            return read_value(name, found.raw)
        except ValueError as exc:
            raise self.xml.parse_error(found.value_start, f"{name}: {exc}") from None

    # -- sites -----------------------------------------------------------------------------

    @property
    def sites(self) -> tuple[Site, ...]:
        """Every web site (``IIsWebServer`` at ``/LM/W3SVC/<id>``) and FTP site, in file order.

        ``bindings`` holds ServerBindings entries as http (ftp for FTP sites) and SecureBindings
        entries as https; ``certificate`` is SSLCertHash with SSLStoreName (``MY`` when absent),
        the site's own or, when it sets none, those it inherits from ``/LM/W3SVC`` and above
        (``inherited`` then says ``"certificate"``; an SSLCertHash of its own that is empty
        means none).  Each https binding carries the site's certificate too (IIS 6 has one per
        site).  ServerAutoStart is never inherited (MBSchema: ``NO_ATTRIBUTES``).
        """
        cached = self._sites_cache
        if cached is not None and cached[0] == self.xml.version:
            return cached[1]
        text = self.xml.text
        result: list[Site] = []
        # Lines are counted from one site to the next: one pass over the text in all.
        line, counted = 1, 0
        with paused_garbage_collection():
            scanned = self._scan_sites()
            if scanned is not None:
                for found in scanned:
                    line += text.count("\n", counted, found.start)
                    counted = found.start
                    result.append(
                        self._site_from(
                            found.service, found.id, found.start, line, found.properties
                        )
                    )
            else:
                index = self._index()
                for entry in index.site_entries:
                    start = index.start(entry.position)
                    line += text.count("\n", counted, start)
                    counted = start
                    result.append(self._site_at(entry.service, entry.id, start, line))
        sites = tuple(result)
        self._sites_cache = (self.xml.version, sites)
        return sites

    def site(self, key: SiteKey) -> Site:
        """The site with id ``key`` or name ``key``, as :meth:`ConfigDocument.site`.

        Ids are looked up in the key index, so that selecting a site by id does not read every
        site of a large file.
        """
        kind, number = SiteKind.WEB, None
        if isinstance(key, Site):
            kind, number = key.kind, key.id
        elif isinstance(key, int) and not isinstance(key, bool):
            number = key
        elif isinstance(key, str):
            text = key.strip()
            if text.lower().startswith("ftp/") and is_ascii_number(text[4:]):
                kind, number = SiteKind.FTP, int(text[4:])
            elif is_ascii_number(text):
                number = int(text)
        if number is not None:
            entries = list(self._index().site_entries_by_id.get(number, ()))
            if kind is SiteKind.FTP or len(entries) > 1:
                # "ftp/N" means an FTP site only; a bare id prefers the web site.
                strict = kind is SiteKind.FTP
                entries = [e for e in entries if e.service.kind is kind] or (
                    [] if strict else entries
                )
            if len(entries) == 1:
                return self._read_site(entries[0])
        return super().site(key)

    def applications(self, site: SiteKey) -> tuple[Application, ...]:
        """The applications of a site in IIS 7's shape: for a web site its keys with an
        ``AppRoot``, for an FTP site one application holding its virtual directories (see
        :mod:`metaclone.iis6.applications`)."""
        return read_applications(self, self.site(site))

    def _read_site(self, entry: SiteEntry) -> Site:
        return self._site_at(entry.service, entry.id, entry.start, entry.line)

    def _scan_sites(self) -> list[ScannedSite] | None:
        """The sites read in one pass without the key index, unless it is already built.

        None when the index is needed to tell them (see :func:`scan_sites`).
        """
        cached = self._index_cache
        if cached is not None and cached[0] == self.xml.version:
            return None
        mbproperty = self._mbproperty()
        return scan_sites(
            _SITE_SCANNER, self.xml.text, mbproperty.content_start, mbproperty.content_end
        )

    def _site_at(self, service: Service, ident: int, start: int, line: int) -> Site:
        """The site whose server key starts at ``start``."""
        key_type = service.key_type
        found = _SITE_PROPERTIES.match(self.xml.text, start + 1 + len(key_type))
        if found is None:
            raise AssertionError(f"<{key_type}> at offset {start} is not a start tag")
        return self._site_from(service, ident, start, line, found.groups())

    def _site_from(
        self,
        service: Service,
        ident: int,
        start: int,
        line: int,
        properties: tuple[str | None, ...],
    ) -> Site:
        """The site whose server key at ``start`` has ``properties`` (raw, as listed in
        ``_SITE_PROPERTY_NAMES``)."""
        key_type = service.key_type
        comment, flag, plain, secure, thumbprint, store = properties
        # TRUE and FALSE as IIS writes them are read without the general parser.
        auto_start = flag != "FALSE"
        if flag is not None and flag not in {"TRUE", "FALSE"}:
            try:
                auto_start = parse_bool(decode_attribute_value(flag))
            except ValueError as exc:
                raise self._property_error(start, key_type, "ServerAutoStart", str(exc)) from None
        certificate, inherited = self._certificate(service, thumbprint, store)
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
        inherited = self.inherited(service)
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

    def _site_entry(self, site: Site) -> SiteEntry:
        service = SERVICES[site.kind]
        candidates = [
            e for e in self._index().site_entries_by_id.get(site.id, ()) if e.service is service
        ]
        for entry in candidates:
            if site.line is None or entry.line == site.line:
                return entry
        if candidates:
            return candidates[0]
        raise SiteNotFoundError(
            f"no {site.kind.value} site with id {site.id} in this {self.format} document",
            path=self.path,
        )

    def _target(self, site: SiteKey) -> tuple[Site, SiteEntry]:
        """The site an operation changes, refused when its server key's path is not unique.

        Two keys with one Location (a broken file) would both be cloned, deleted or edited.
        """
        found = self.site(site)
        entry = self._site_entry(found)
        index = entry.table
        location = index.key(entry.position).location
        if index.count(location) > 1:
            folded = index.folded[entry.position]
            lines = [
                index.line_at(index.start(i)) for i, f in enumerate(index.folded) if f == folded
            ]
            raise AmbiguousSiteError(
                f"site {found.id} {found.name!r}: {len(lines)} keys have Location {location} "
                f"(lines {', '.join(map(str, lines))}); give each its own path before changing "
                "this site",
                path=self.path,
                line=entry.line,
            )
        return found, entry

    def _site_names(self, kind: SiteKind) -> list[tuple[SiteEntry, str]]:
        """Every site of ``kind`` with its name, reading only ServerComment."""
        text = self.xml.text
        index = self._index()
        result: list[tuple[SiteEntry, str]] = []
        for entry in index.site_entries:
            if entry.service.kind is kind:
                # A site entry's key is of its service's type.
                found = _SERVER_COMMENT.match(
                    text, index.start(entry.position) + 1 + len(entry.service.key_type)
                )
                if found is None:
                    name = ""
                else:
                    raw = found.group(1) if found.group(1) is not None else found.group(2)
                    name = decode_attribute_value(raw)
                result.append((entry, name))
        return result

    def _reread(self, entry: SiteEntry) -> Site:
        """The site of ``entry`` after an edit inside or after its server key's start tag.

        Such an edit leaves the key where it was, with its path and line, so the site is read
        at the same offset: an id shared by two sites (a broken file) cannot make the lookup
        ambiguous, and the file need not be indexed again.
        """
        return self._site_at(entry.service, entry.id, entry.start, entry.line)

    # -- cloning ---------------------------------------------------------------------------

    def clone_site(
        self,
        source: SiteKey,
        new_id: int | None = None,
        new_name: str | None = None,
        *,
        auto_start: bool = False,
    ) -> Site:
        """Copy the site and every key below it under a new id; return the new site.

        The copies form one block inserted right after the source's last key.  In the copies,
        ``/LM/W3SVC/<old id>`` (``/LM/MSFTPSVC/...`` for FTP sites), followed by ``/`` or the end
        of the value or entry, becomes ``/LM/W3SVC/<new id>`` in Location, AppRoot and every
        other text value and ``<Custom>`` Value, case-insensitively and keeping each value's
        own case and layout; encrypted values and binary values are copied byte for byte.
        Nothing outside the block changes.

        ``new_id``: 1 to 2147483647 and not used by any key of the service (``/LM/W3SVC/<id>``
        or below).  When it is None the id is one more than the largest id used by any key of
        the service, so an id is never reused; if that passes 2147483647 (hashed ids can be
        that large) the smallest unused id is taken.

        ``new_name`` (ServerComment) must not be another site's name; the default is the
        source's name followed by `` (copy)`` (`` (copy 2)``, ... when taken).

        The clone does not start with IIS (``ServerAutoStart="FALSE"``) unless ``auto_start``:
        two started sites with the same bindings stop each other from starting.  COM+ settings
        (AppPackageID, AppWamClsid) the clone shares with the source are added to ``notes``.
        """
        site, entry = self._target(source)
        service = entry.service
        subtree = self.keys_under(entry.key.location)
        chosen_id = self._choose_site_id(service, new_id)
        name = self._clone_name(site, new_name)

        scratch = self.xml.edit()
        pattern = _path_pattern(service, entry.segment)
        replacement = str(chosen_id)
        set_on_server = {"ServerComment", "ServerAutoStart"}
        for key in subtree:
            skip = set_on_server if key == entry.key else set()
            self._rewrite_key(scratch, key, pattern, replacement, skip)
        # New properties at one place must be set in ordinal order: ServerAutoStart first.
        current_start = self.xml.attribute(entry.key.start_tag, "ServerAutoStart")
        if not auto_start:
            self._set_property(scratch, entry.key, "ServerAutoStart", "FALSE")
        elif current_start is not None and not _true(current_start.value):
            self._set_property(scratch, entry.key, "ServerAutoStart", "TRUE")
        self._set_property(scratch, entry.key, "ServerComment", encode_name(name))

        text = self.xml.text
        last = max(subtree, key=lambda k: k.end)
        newline = _newline_at(text, last.end) or self.xml.newline_near(last.start)
        pieces: list[str] = []
        copies: list[tuple[MetabaseKey, int]] = []  # source key, offset of its copy
        position = last.end
        for key in subtree:
            begin = self.xml.line_start(key.start)
            if text[begin : key.start].strip(" \t"):
                begin = key.start
            piece = newline + scratch.render(begin, key.end)
            lead = len(newline) + key.start - begin
            copies.append((key, position + lead))
            pieces.append(piece)
            position += len(piece)
        shared = self._shared_com_plus(subtree)
        end_line = last.line + text.count("\n", last.start, last.end)

        editor = self.xml.edit()
        editor.insert(last.end, "".join(pieces))
        editor.commit()

        # The new site is read from the inserted text: re-indexing a large file costs more.
        text = self.xml.text
        new_site: Site | None = None
        for key, offset in copies:
            line = end_line + text.count("\n", last.end, offset)
            if key == entry.key:
                new_site = self._site_at(service, chosen_id, offset, line)
            for prop, value in shared.get(key.start, ()):
                clone_location = pattern.sub(lambda m: m.group(1) + replacement, key.location)
                self.notes.append(
                    Finding(
                        Severity.WARNING,
                        "shared-com-package",
                        f"{clone_location}: {prop} {value} is the same as in the source site "
                        f"{site.id}; in IIS 5 isolation mode both sites would run in one COM+ "
                        "application",
                        site_id=chosen_id,
                        line=line,
                    )
                )
        if new_site is None:
            raise AssertionError("the site key is part of its own subtree")
        return new_site

    def _rewrite_key(
        self,
        editor: Editor,
        key: MetabaseKey,
        pattern: re.Pattern[str],
        replacement: str,
        skip: set[str],
    ) -> None:
        for attribute in self.xml.attributes(key.start_tag):
            if attribute.name in skip:
                continue
            if attribute.name != "Location" and not may_hold_path(attribute.name, attribute.raw):
                continue
            _rewrite_value(editor, attribute, pattern, replacement)
        if not key.empty:
            for child in self.xml.children(key.element):
                self._rewrite_child(editor, child, pattern, replacement)

    def _rewrite_child(
        self, editor: Editor, element: Element, pattern: re.Pattern[str], replacement: str
    ) -> None:
        attributes = self.xml.attributes(element)
        if element.name == "Custom":
            by_name = {a.name: a for a in attributes}
            value = by_name.get("Value")
            kind = (by_name["Type"].value if "Type" in by_name else "STRING").strip().upper()
            flags = by_name["Attributes"].value if "Attributes" in by_name else ""
            if (
                value is not None
                and kind in ("STRING", "EXPANDSZ", "MULTISZ", "MIMEMAP")
                and "SECURE" not in flags.upper()
                and not is_secure_blob(value.raw)
            ):
                _rewrite_value(editor, value, pattern, replacement)
            return
        for attribute in attributes:
            if not is_secure_blob(attribute.raw):
                _rewrite_value(editor, attribute, pattern, replacement)
        if not element.is_empty_tag:
            for child in self.xml.children(element):
                self._rewrite_child(editor, child, pattern, replacement)

    def _shared_com_plus(self, keys: Iterable[MetabaseKey]) -> dict[int, list[tuple[str, str]]]:
        shared: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for key in keys:
            for prop in _COM_PLUS_PROPERTIES:
                found = self.xml.attribute(key.start_tag, prop)
                if found is not None and found.value.strip():
                    shared[key.start].append((prop, found.value))
        return shared

    def _choose_site_id(self, service: Service, requested: int | None) -> int:
        used = self._index().used_ids(service)
        if requested is not None:
            require_site_id(requested, MAX_IIS6_SITE_ID, path=self.path)
            if requested in used:
                raise SiteIdInUseError(
                    f"id {requested} is already used by keys under /LM/{service.name}/"
                    f"{requested}; choose another id or leave it out to get a free one",
                    path=self.path,
                )
            return requested
        candidate = max(used, default=0) + 1
        if candidate <= MAX_IIS6_SITE_ID:
            return candidate
        candidate = 1
        while candidate in used:
            candidate += 1
        return candidate

    def _clone_name(self, site: Site, requested: str | None) -> str:
        if requested is not None:
            self._check_name(requested, site.kind, exclude=None)
            return requested
        taken = {name_key(name) for _, name in self._site_names(site.kind)}
        return copy_name(site.name or f"Site {site.id}", lambda name: name_key(name) in taken)

    def _check_name(self, name: str, kind: SiteKind, exclude: Site | None) -> None:
        require_site_name(name, path=self.path)
        if not self._may_be_a_site_name(name):
            return
        for entry, other_name in self._site_names(kind):
            if name_key(other_name) != name_key(name):
                continue
            if exclude is not None and entry.id == exclude.id and entry.key.line == exclude.line:
                continue
            raise SiteNameError(
                f"site {entry.id} (line {entry.key.line}) is already named {other_name!r}; "
                "choose another name",
                path=self.path,
                line=entry.key.line,
            )

    def _may_be_a_site_name(self, name: str) -> bool:
        """False when no ServerComment anywhere in the text reads as ``name`` (any case).

        Every site's name is among those values, so a name none of them has is free without
        reading the sites one by one.
        """
        values = [quoted[1:-1] for quoted in _ANY_SERVER_COMMENT.findall(self.xml.text)]
        joined = "\0".join(values)
        if any(c in joined for c in _NEEDS_DECODING):
            joined = "\0".join(map(decode_attribute_value, values))
        # No value holds a NUL, nor a name that reaches here: whole values are compared.
        return f"\0{name_key(name)}\0" in f"\0{name_key(joined)}\0"

    # -- other edits -----------------------------------------------------------------------

    def delete_site(self, site: SiteKey) -> None:
        """Remove the site's key and every key below it, whole lines."""
        _, entry = self._target(site)
        keys = self.keys_under(entry.key.location)
        editor = self.xml.edit()
        for key in keys:
            start, end = editor.lines_span(key.start, key.end)
            editor.delete(start, end)
        editor.commit()

    def rename_site(self, site: SiteKey, new_name: str) -> Site:
        """Set the site's name (ServerComment); refuse a name another site has."""
        found, entry = self._target(site)
        self._check_name(new_name, found.kind, exclude=found)
        editor = self.xml.edit()
        self._set_property(editor, entry.key, "ServerComment", encode_name(new_name))
        editor.commit()
        return self._reread(entry)

    def set_auto_start(self, site: SiteKey, auto_start: bool) -> Site:
        """Set ServerAutoStart.

        A value that already means the requested state is left as written; an absent
        ServerAutoStart already means "start", so starting such a site changes nothing.
        """
        found, entry = self._target(site)
        if found.auto_start != auto_start:
            editor = self.xml.edit()
            self._set_property(
                editor, entry.key, "ServerAutoStart", "TRUE" if auto_start else "FALSE"
            )
            editor.commit()
        return self._reread(entry)

    def set_bindings(self, site: SiteKey, bindings: Iterable[Binding | str]) -> Site:
        """Make the site's bindings exactly ``bindings``.

        Each binding is a :class:`~metaclone.model.sites.Binding` or ``protocol/IP:port:host`` text.
        http bindings (ftp for FTP sites) go to ServerBindings, https ones to SecureBindings,
        written one entry per line in the file's layout.  A kind with no entries has its
        property removed; at least one binding is required.  IIS 6 writes "all unassigned"
        as an empty IP, so ``*`` is written as nothing.
        """
        _, entry = self._target(site)
        service = entry.service
        plain: list[str] = []
        secure: list[str] = []
        for item in bindings:
            binding = Binding.parse(item) if isinstance(item, str) else item
            protocol = binding.protocol.lower()
            if protocol == service.plain_protocol:
                target = plain
            elif protocol == "https" and service is WEB:
                target = secure
            else:
                allowed = "http and https" if service is WEB else "ftp"
                raise BindingError(
                    f"{binding.summary}: an IIS 6 {service.kind.value} site takes only "
                    f"{allowed} bindings",
                    path=self.path,
                )
            information = _iis6_information(binding, self.path)
            if any(_same_binding(information, other) for other in target):
                raise BindingError(f"{binding.summary} is given twice", path=self.path)
            target.append(information)
        if not plain and not secure:
            raise BindingError("a site needs at least one binding", path=self.path)

        editor = self.xml.edit()
        props = self.properties(entry.key)
        wanted = [("ServerBindings", plain)]
        if service is WEB:
            wanted.append(("SecureBindings", secure))
        for name, entries in wanted:
            existing = props.get(name)
            if not entries:
                if existing is not None:
                    editor.remove_attribute(entry.key.start_tag, name)
                continue
            if existing is not None and parse_multisz(existing.raw) == entries:
                continue
            raw = format_multisz(
                entries,
                newline=self.xml.newline_near(entry.key.start),
                indent=self._continuation_indent(entry.key),
                quote=existing.quote if existing is not None else '"',
            )
            self._set_property(editor, entry.key, name, raw)
        editor.commit()
        return self._reread(entry)

    # -- certificates ----------------------------------------------------------------------

    def set_certificate(
        self, site: SiteKey, certificate: CertificateInput, store: str = "MY"
    ) -> HttpSysPlan | None:
        """Write SSLCertHash (40 lowercase hex) and SSLStoreName; returns None.

        ``certificate`` is a thumbprint (hex with or without spaces and colons, any case, or 20
        bytes) or a loaded ``cryptography`` certificate.
        """
        entry = self._secure_target(site)
        thumbprint = normalize_thumbprint(certificate)
        if not isinstance(store, str) or not store.strip() or _CONTROL.search(store):
            raise CertificateError(
                f"{store!r} is not a certificate store name (e.g. MY)", path=self.path
            )
        editor = self.xml.edit()
        self._set_property(editor, entry.key, "SSLCertHash", thumbprint)
        self._set_property(editor, entry.key, "SSLStoreName", encode_name(store))
        editor.commit()
        return None

    def remove_certificate(self, site: SiteKey) -> HttpSysPlan | None:
        """Remove SSLCertHash and SSLStoreName (SecureBindings stay); returns None."""
        entry = self._secure_target(site)
        editor = self.xml.edit()
        editor.remove_attribute(entry.key.start_tag, "SSLCertHash")
        editor.remove_attribute(entry.key.start_tag, "SSLStoreName")
        editor.commit()
        after = self._reread(entry)
        if after.certificate is not None:
            self.notes.append(
                Finding(
                    Severity.WARNING,
                    "inherited-certificate",
                    f"site {after.id} {after.name!r} has no certificate of its own now, but "
                    f"inherits {after.certificate.thumbprint} ({after.certificate.store}) from "
                    f"/LM/{entry.service.name} (SSLCertHash is inherited): remove it there, or "
                    "set the site's own certificate",
                    site_id=after.id,
                    line=after.line,
                )
            )
        return None

    def swap_certificates(self, a: SiteKey, b: SiteKey) -> HttpSysPlan | None:
        """Exchange the (SSLCertHash, SSLStoreName) pairs of two sites; returns None.

        Each property moves as it is, absence included: a site without a certificate gives
        the other none.  SecureBindings stay with their sites.
        """
        first = self._secure_target(a)
        second = self._secure_target(b)
        if first.position == second.position:
            return None
        names = ("SSLCertHash", "SSLStoreName")
        first_values = [self.xml.get(first.key.start_tag, n) for n in names]
        second_values = [self.xml.get(second.key.start_tag, n) for n in names]
        editor = self.xml.edit()
        for entry, values in ((first, second_values), (second, first_values)):
            for name, value in zip(names, values, strict=True):
                if value is None:
                    editor.remove_attribute(entry.key.start_tag, name)
                else:
                    self._set_property(editor, entry.key, name, encode_attribute_value(value, '"'))
        editor.commit()
        return None

    def _secure_target(self, key: SiteKey) -> SiteEntry:
        site, entry = self._target(key)
        if entry.service is not WEB:
            raise CertificateError(
                f"FTP site {site.id} {site.name!r}: IIS 6 FTP sites have no certificate",
                path=self.path,
                line=site.line,
            )
        return entry

    # -- on the server ---------------------------------------------------------------------

    def placeholder_steps(self, handover: Handover) -> tuple[str, ...]:
        if self.is_export:
            return iis6_export_steps(handover)
        return iis6_metabase_steps(handover, edit_while_running=self._edit_while_running())

    def _edit_while_running(self) -> bool:
        """Whether the file has IIS pick up changes to MetaBase.xml while it runs."""
        computer = self.key("/LM")
        value = self.raw_value(computer, "EnableEditWhileRunning") if computer else None
        return value is not None and value.strip() in ("1", "TRUE")

    # -- writing properties ----------------------------------------------------------------

    def _set_property(self, editor: Editor, key: MetabaseKey, name: str, raw: str) -> None:
        """Set property ``name`` to ``raw`` (attribute text for a double quote).

        An existing property keeps its place and quote; a new one goes to its ordinal-sorted
        place (case-sensitive, as IIS sorts: ``SSLCertHash`` before ``SecureBindings``), on a
        line of its own at the key's property indentation.  New properties that land at the
        same place come out in call order, so one editor must set them in ordinal order.
        """
        tag = key.start_tag
        attributes = self.xml.attributes(tag)
        existing = next((a for a in attributes if a.name == name), None)
        if existing is not None:
            if existing.quote == "'":
                raw = raw.replace("'", "&apos;")
            if existing.raw != raw:
                editor.replace(existing.value_start, existing.value_end, raw)
            return
        props = [a for a in attributes if a.name != "Location"]
        if props:
            after = next((a.name for a in props if a.name > name), None)
            editor.set_attribute(tag, name, raw, raw=True, before=after)
            return
        location = next((a for a in attributes if a.name == "Location"), None)
        indent = self.xml.indentation_before(key.start) + "\t\t"
        newline = self.xml.newline_near(key.start)
        offset = location.end if location is not None else key.start + 1 + len(key.key_type)
        editor.insert(offset, f'{newline}{indent}{name}="{raw}"')

    def _continuation_indent(self, key: MetabaseKey) -> str:
        """The indentation of MULTISZ continuation lines: the key's own, else the file's."""
        own = _continuation_in(self.xml.attributes(key.start_tag))
        if own is not None:
            return own
        cached = self._layout_cache
        if cached is not None and cached[0] == self.xml.version:
            return cached[1]
        found = _DEFAULT_CONTINUATION
        index = self._index()
        for position in range(min(len(index), _LAYOUT_PROBE_KEYS)):
            layout = _continuation_in(self.xml.attributes(index.key(position).start_tag))
            if layout is not None:
                found = layout
                break
        self._layout_cache = (self.xml.version, found)
        return found

    # -- checks ----------------------------------------------------------------------------

    def check(self) -> list[Finding]:
        """Problems in the document's sites.

        Errors: two sites with one id (``duplicate-site-id``); an AppRoot outside its own site
        (``approot-outside-site``); two sites that start with IIS bound to the same
        IP:port:host (``duplicate-binding``).  Warnings: two sites with one name
        (``duplicate-site-name``); secure bindings without a certificate, the state a pending
        certificate request leaves (``waiting-for-certificate``); a COM+ application
        (AppPackageID, AppWamClsid) shared by two sites (``shared-com-package``).
        """
        findings: list[Finding] = []
        sites = self.sites
        entries = self._index().site_entries
        findings += self._duplicate_ids(sites)
        findings += self._duplicate_names(sites)
        findings += self._duplicate_bindings(sites)
        findings += rule_findings(self)
        for site in sites:
            if site.waiting_for_certificate:
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "waiting-for-certificate",
                        f"site {site.id} {site.name!r} has https bindings but no certificate "
                        "(SSLCertHash): a certificate request is pending or was abandoned",
                        site_id=site.id,
                        line=site.line,
                    )
                )
        owners: dict[tuple[str, str], list[tuple[Site, MetabaseKey]]] = defaultdict(list)
        for site, entry in zip(sites, entries, strict=True):
            own = entry.key.location.lower()
            for key in self.keys_under(entry.key.location):
                props = self.properties(key)
                app_root = props.get("AppRoot")
                if app_root is not None and app_root.value.strip():
                    folded = app_root.value.strip().lower().rstrip("/")
                    if folded != own and not folded.startswith(own + "/"):
                        findings.append(
                            Finding(
                                Severity.ERROR,
                                "approot-outside-site",
                                f"{key.location}: AppRoot {app_root.value!r} is outside site "
                                f"{site.id} ({entry.key.location})",
                                site_id=site.id,
                                line=self.xml.line_of(app_root.name_start),
                            )
                        )
                for prop in _COM_PLUS_PROPERTIES:
                    found = props.get(prop)
                    if found is not None and found.value.strip():
                        owners[(prop, found.value.strip().lower())].append((site, key))
        for (prop, _), users in owners.items():
            distinct = {(s.kind, s.id) for s, _ in users}
            if len(distinct) < 2:
                continue
            for site, key in users:
                others = sorted({s.id for s, _ in users if (s.kind, s.id) != (site.kind, site.id)})
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "shared-com-package",
                        f"{key.location}: {prop} is also used by site(s) "
                        + ", ".join(map(str, others)),
                        site_id=site.id,
                        line=self.xml.line_of(key.start),
                    )
                )
        return findings

    def _duplicate_ids(self, sites: tuple[Site, ...]) -> Iterator[Finding]:
        for (kind, ident), group in grouped(((s.kind, s.id), s) for s in sites).items():
            if len(group) < 2:
                continue
            lines = ", ".join(str(s.line) for s in group)
            for site in group[1:]:
                yield Finding(
                    Severity.ERROR,
                    "duplicate-site-id",
                    f"{len(group)} {kind.value} sites have id {ident} (lines {lines})",
                    site_id=ident,
                    line=site.line,
                )

    def _duplicate_names(self, sites: tuple[Site, ...]) -> Iterator[Finding]:
        named = (((s.kind, name_key(s.name)), s) for s in sites if s.name)
        for group in grouped(named).values():
            if len(group) < 2:
                continue
            ids = ", ".join(str(s.id) for s in group)
            for site in group[1:]:
                yield Finding(
                    Severity.WARNING,
                    "duplicate-site-name",
                    f"sites {ids} are all named {site.name!r}: select them by id",
                    site_id=site.id,
                    line=site.line,
                )

    def _duplicate_bindings(self, sites: tuple[Site, ...]) -> Iterator[Finding]:
        seen: dict[tuple[str, str, int | None, str], Site] = {}
        for site in sites:
            if not site.auto_start:
                continue
            for binding in site.bindings:
                address = (
                    binding.protocol,
                    (binding.ip or "").strip("*"),
                    binding.port,
                    name_key(binding.host or ""),
                )
                first = seen.setdefault(address, site)
                if first is site:
                    continue
                yield Finding(
                    Severity.ERROR,
                    "duplicate-binding",
                    f"sites {first.id} {first.name!r} and {site.id} {site.name!r} both start "
                    f"with {binding.summary}: the second cannot start",
                    site_id=site.id,
                    line=site.line,
                )


# -- helpers ---------------------------------------------------------------------------------


def encode_name(value: str) -> str:
    """Attribute text (double-quoted) for a one-line string value."""
    return encode_attribute_value(value, '"')


def _add_bindings(
    bindings: list[Binding], protocol: str, raw: str, certificate: CertificateRef | None
) -> None:
    """Append the bindings a ServerBindings or SecureBindings value written as ``raw`` holds.

    The same as ``Binding.from_information(protocol, entry.strip(), certificate=...)`` for each
    non-empty entry of ``parse_multisz(raw)``, with the per-entry work left out where there is
    nothing to decode: a tab left inside an entry reads as a space.
    """
    entries = parse_multisz(raw) if "&" in raw or "\r" in raw else raw.split("\n")
    for entry in entries:
        information = entry.strip()
        if not information:
            continue
        if "\t" in information:
            information = information.replace("\t", " ")
        bindings.append(build_binding(protocol, information, None, certificate))


def _tag_at(text: str, start: int, key_type: str) -> Tag:
    """The start tag of type ``key_type`` at ``start``."""
    rest = TAG_REST.match(text, start + 1 + len(key_type))
    if rest is None:
        raise AssertionError(f"<{key_type}> at offset {start} has no end")
    kind = TagKind.EMPTY if rest.group(1) else TagKind.START
    return Tag(kind, key_type, start, rest.end())


def _true(text: str) -> bool:
    try:
        return parse_bool(text)
    except ValueError:
        return False


def _path_pattern(service: Service, segment: str) -> re.Pattern[str]:
    """``/LM/<service>/<segment>`` followed by ``/``, a line end or the end of the value."""
    return re.compile(
        r"(/LM/"
        + service.name
        + r"/)"
        + re.escape(segment)
        + r"(?=[/\r\n]|&#(?:0*1[03]|x0*[aAdD]);|\Z)",
        re.IGNORECASE,
    )


def _rewrite_value(
    editor: Editor, attribute: Attribute, pattern: re.Pattern[str], replacement: str
) -> None:
    new_raw = pattern.sub(lambda m: m.group(1) + replacement, attribute.raw)
    if new_raw != attribute.raw:
        editor.replace(attribute.value_start, attribute.value_end, new_raw)


def _newline_at(text: str, offset: int) -> str | None:
    for ending in ("\r\r\n", "\r\n", "\n"):
        if text.startswith(ending, offset):
            return ending
    return None


def _continuation_in(attributes: Iterable[Attribute]) -> str | None:
    for attribute in attributes:
        raw = attribute.raw
        cut = raw.find("\n")
        if cut < 0:
            continue
        rest = raw[cut + 1 :]
        indent = rest[: len(rest) - len(rest.lstrip(" \t"))]
        if indent:
            return indent
    return None


def _iis6_information(binding: Binding, path: str) -> str:
    """Check ``IP:port:host`` by IIS's rules and write it as IIS 6 does (no ``*`` for all
    addresses)."""
    require_binding(
        Binding.from_information(binding.protocol, binding.binding_information), path=path
    )
    ip, port, host = split_address(binding.binding_information)
    if ip == "*":
        ip = ""
    return f"{ip}:{port}:{host}"


def _same_binding(a: str, b: str) -> bool:
    ip_a, port_a, host_a = split_address(a)
    ip_b, port_b, host_b = split_address(b)
    return (ip_a, port_a, name_key(host_a)) == (ip_b, port_b, name_key(host_b))
