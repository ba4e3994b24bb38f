"""Reading the sites of an applicationHost.config or appcmd XML file.

:class:`SiteReading` lists every site from the values the listing pass of
:func:`~metaclone.iis7.index.scan_applicationhost` read whole, and reads any other site
exactly; both fill in what a site inherits from ``<siteDefaults>``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from metaclone import httpsys
from metaclone.document import ConfigDocument
from metaclone.errors import (
    DuplicateDefaultsError,
    InconsistentSiteError,
    ParseError,
)
from metaclone.iis7.appcmd import APPLICATIONHOST, Dialect
from metaclone.iis7.children import raw_attributes
from metaclone.iis7.defaults import FALSE, SiteDefaults, is_false, read_defaults
from metaclone.iis7.index import SiteElement, SiteIndex
from metaclone.iis7.listing import (
    QuickValues,
    quick_bindings,
    scan_checked_applicationhost,
    web_bindings,
)
from metaclone.iis7.schema import ssl_flag_bits
from metaclone.iis7.site_parts import binding_offsets, read_site_parts
from metaclone.lazy import lazy_function
from metaclone.lossless import Editor, Memo, XmlDocument
from metaclone.lossless.patches import first_match
from metaclone.lossless.shift import Shift
from metaclone.lossless.tokens import element_at, iter_children, next_tag
from metaclone.model.build import (
    build_site,
    paused_garbage_collection,
    site_with_settings,
)
from metaclone.model.lookup import Groups, SiteKey, SiteTable
from metaclone.model.site_rules import IIS7_RULES, SiteRules
from metaclone.model.sites import (
    Binding,
    Site,
    SiteKind,
    is_ascii_number,
)

if TYPE_CHECKING:
    from metaclone.httpsys import SslCertEntry
    from metaclone.iis7.rebase import rebase_index, release_index
    from metaclone.iis7.site_settings import read_settings
else:
    # Bringing the index through an edit is loaded by the first edit: a listing or a check
    # never needs it.
    rebase_index = lazy_function("metaclone.iis7.rebase", "rebase_index")
    release_index = lazy_function("metaclone.iis7.rebase", "release_index")
    # The settings of a site are read by with_settings alone (see listed_json).
    read_settings = lazy_function("metaclone.iis7.site_settings", "read_settings")


_IIS_EXPRESS_TEXT = "%IIS_USER_HOME%"
_IIS_EXPRESS_MARK = re.compile(re.escape(_IIS_EXPRESS_TEXT), re.IGNORECASE)

#: What is read once per version of the text.
_INDEX: Memo[SiteIndex] = Memo("IIS 7 index", carry=rebase_index, release=release_index)
_ENTRIES: Memo[SiteTable[SiteElement]] = Memo("IIS 7 site elements by id and name")
_SITES: Memo[tuple[Site, ...]] = Memo("IIS 7 sites")
_EXPRESS: Memo[bool] = Memo("IIS Express")
_DEFAULTS: Memo[tuple[SiteDefaults, tuple[Binding, ...]]] = Memo("IIS 7 site defaults")
_SSL_BITS: Memo[int] = Memo("IIS 7 sslFlags bits")
_CLEAN: Memo[frozenset[int]] = Memo("IIS 7 sites the listing pass read in check's shape")


def _entry_identity(entry: SiteElement) -> tuple[int, str, SiteKind]:
    # Every entry is looked up as a web site: IIS 7 numbers all sites together.
    return entry.id, entry.name, SiteKind.WEB


class AppHostBase(ConfigDocument):
    """What every IIS 7+ document operation starts from: the index of the file, the site an
    operation names, and the file-wide facts (defaults, IIS Express, sslFlags bits)."""

    dialect: ClassVar[Dialect] = APPLICATIONHOST

    site_rules: ClassVar[SiteRules] = IIS7_RULES

    def __init__(self, xml: XmlDocument, *, exact: bool = False) -> None:
        super().__init__(xml, exact=exact)
        self._sslcerts: tuple[SslCertEntry, ...] = ()
        self._sslcerts_attached = False
        self._sslcert_by_endpoint: dict[httpsys.Endpoint, SslCertEntry] = {}

    def _index(self) -> SiteIndex:
        return self.xml.memo(_INDEX, self._build_index)

    def _build_index(self) -> SiteIndex:
        try:
            with paused_garbage_collection():
                return self.dialect.build_index(self.xml)
        except ValueError as exc:
            if isinstance(exc, ParseError):
                raise
            raise ParseError(str(exc), path=self.path) from None

    @property
    def is_iis_express(self) -> bool:
        """True for an IIS Express file (it mentions ``%IIS_USER_HOME%``)."""
        if not self.dialect.may_be_express:
            return False
        return self.xml.memo(_EXPRESS, self._has_express_mark)

    def _has_express_mark(self) -> bool:
        text = self.xml.readable()
        return first_match(text, _IIS_EXPRESS_MARK, 0, len(text), len(_IIS_EXPRESS_TEXT)) >= 0

    def _defaults(self) -> tuple[SiteDefaults, tuple[Binding, ...]]:
        """``<siteDefaults>`` and ``<sites><applicationDefaults>``, and the default bindings,
        read once per version of the text."""
        return self.xml.memo(_DEFAULTS, self._read_defaults)

    def _read_defaults(self) -> tuple[SiteDefaults, tuple[Binding, ...]]:
        index = self._index()
        defaults = read_defaults(index)
        if defaults.duplicates:
            name, offset = defaults.duplicates[0]
            lines = ", ".join(str(self.xml.line_of(o)) for n, o in defaults.duplicates if n == name)
            raise self.xml.located(
                DuplicateDefaultsError,
                offset,
                f"<sites> holds <{name}> more than once (again at line {lines}); IIS does not "
                "accept a repeated element, so what the sites inherit is not defined: "
                "merge them into one and run again",
            )
        try:
            bindings = defaults.binding_values()
        except ValueError as exc:
            offset = index.sites_element.start if index.sites_element else 0
            raise self.xml.parse_error(offset, str(exc)) from None
        return defaults, bindings

    @property
    def ssl_flag_bits(self) -> int:
        """The sslFlags bits this file's IIS version knows (see :func:`ssl_flag_bits`)."""
        return self.xml.memo(
            _SSL_BITS, lambda: ssl_flag_bits(self.xml.text, iis_express=self.is_iis_express)
        )

    @property
    def app_id(self) -> str:
        """The application id the file's HTTP.sys certificate entries are registered under."""
        return httpsys.IIS_EXPRESS_APP_ID if self.is_iis_express else httpsys.IIS_APP_ID

    def _entry(self, key: SiteKey) -> SiteElement:
        # IIS 7 numbers web and FTP sites together: "ftp/21" is simply site 21.
        return self.xml.memo(_ENTRIES, self._entry_table).select(
            key, path=self.path, format=self.format
        )

    def _entry_table(self) -> SiteTable[SiteElement]:
        index = self._index()
        return SiteTable(
            index.sites,
            _entry_identity,
            separate_ftp_ids=self.site_rules.separate_ftp_ids,
            line=self._line,
            # The index groups its sites by id and name for its own checks: one grouping each.
            groups=Groups(lambda: index.sites_by_id, lambda: index.sites_by_name),
        )

    def _editable(self, entry: SiteElement) -> SiteElement:
        """``entry``, unless its description contradicts itself (see
        :attr:`SiteIndex.problems`): editing one half would leave the other saying otherwise."""
        block = entry.block.start
        for offset, message in self._index().problems:
            if offset == block:
                raise self.xml.located(
                    InconsistentSiteError,
                    offset,
                    f"site {entry.name!r} cannot be changed: {message}; correct the file first",
                )
        return entry

    def _line(self, entry: SiteElement) -> int:
        return self.xml.line_of(entry.start)


class SiteReading(AppHostBase):
    """The sites of the file, as :class:`~metaclone.model.sites.Site` values."""

    @property
    def sites(self) -> tuple[Site, ...]:
        """Every site, in file order."""
        return self.xml.memo(_SITES, self._read_sites)

    def checked_sites(self) -> tuple[tuple[Site, ...], frozenset[int]]:
        """:attr:`sites`, and where those of them start that the listing pass found written
        in the shape :func:`~metaclone.iis7.clean_shapes.clean_site` reads whole (none when
        the sites were read before): ``check`` does not match them again."""
        bits = self.ssl_flag_bits
        sites = self.xml.memo(_SITES, lambda: self._read_sites(bits))
        return sites, self.xml.memo(_CLEAN, frozenset)

    def _read_sites(self, clean_bits: int | None = None) -> tuple[Site, ...]:
        text = self.xml.text
        sites: list[Site] = []
        with paused_garbage_collection():
            index, quick = self._scan(clean_bits)
            # Read whether or not a site inherits anything: a file whose defaults are not
            # defined (DuplicateDefaultsError) is refused as a whole.
            self._defaults()
            # Lines by a running count between successive sites: one pass over the text.
            line, counted_to = 1, 0
            for entry, parts in zip(index.sites, quick or (None,) * len(index.sites), strict=True):
                line += text.count("\n", counted_to, entry.start)
                counted_to = entry.start
                if parts is None:
                    sites.append(self._read_site(entry, index, line))
                    continue
                own_start = entry.server_auto_start
                web = None if self._sslcerts else web_bindings(parts)
                if web is None:
                    sites.append(self._quick_site(entry, parts, index, line))
                elif own_start:
                    sites.append(self._own_web_site(entry, own_start, web, line))
                else:
                    # Its state comes from <siteDefaults>.
                    sites.append(self._effective_site(entry, line, own_start, web, is_ftp=False))
            # Freed before the collector runs again, which would walk them all.
            del quick
        return tuple(sites)

    def _forget_sites(self) -> None:
        """Drop :attr:`sites` read so far (what they carry changed, not the text)."""
        self.xml.forget(_SITES)

    def _scan(
        self, clean_bits: int | None = None
    ) -> tuple[SiteIndex, tuple[QuickValues | None, ...]]:
        """The index, and the values of the sites the listing pass read whole (with
        ``clean_bits``, where the sites start that it found in ``clean_site``'s shape are
        remembered)."""
        if not self.dialect.listing_pass or self.exact:
            # Every site is read exactly (appcmd's <SITE> wrappers are read by the index).
            return self._index(), ()
        try:
            index, quick, clean = scan_checked_applicationhost(self.xml, clean_bits)
        except ValueError as exc:
            if isinstance(exc, ParseError):
                raise
            raise ParseError(str(exc), path=self.path) from None
        if clean_bits is not None:
            self.xml.remember(_CLEAN, clean)
        return self.xml.memo(_INDEX, lambda: index), quick

    def _quick_site(
        self, entry: SiteElement, values: QuickValues, index: SiteIndex, line: int
    ) -> Site:
        """The site from the values the listing pass read; as :meth:`_read_site` reads it."""
        bindings = quick_bindings(values)
        if bindings is None:
            # The exact reader words the error, at the binding.
            return self._read_site(entry, index, line)
        plain = secure = ftp = False
        if self._sslcerts:
            bindings = [self._with_certificate(b) if b.is_secure else b for b in bindings]
        for binding in bindings:
            kind = binding.protocol.lower()
            if kind == "http":
                plain = True
            elif kind == "https":
                secure = True
            elif kind == "ftp":
                ftp = True
        own_start = entry.server_auto_start
        if own_start and bindings:
            # Nothing inherited that a listing shows (an FTP site's certificate aside).
            is_ftp = ftp and not plain and not secure
            if not is_ftp:
                return self._own_web_site(entry, own_start, tuple(bindings), line)
        return self._effective_site(
            entry, line, own_start, bindings, is_ftp=ftp and not plain and not secure
        )

    def _own_web_site(
        self, entry: SiteElement, own_start: str, bindings: tuple[Binding, ...], line: int
    ) -> Site:
        """A web site that sets its state and bindings itself: it inherits nothing."""
        return build_site(
            entry.id,
            entry.name,
            own_start.strip().lower() != FALSE,
            bindings,
            None,
            SiteKind.WEB,
            line,
            self._sslcerts_attached,
        )

    def _effective_site(
        self,
        entry: SiteElement,
        line: int,
        own_auto_start: str | None,
        bindings: Sequence[Binding],
        *,
        ftp_ssl: dict[str, str] | None = None,
        ftp_server: dict[str, str] | None = None,
        is_ftp: bool | None = None,
    ) -> Site:
        """The site with what it inherits from ``<siteDefaults>`` filled in; ``is_ftp`` says
        whether ``bindings`` make it an FTP site (None: not worked out yet).  An FTP site
        starts as its ``ftpServer/@serverAutoStart`` (``ftp_server``) says, not as
        ``own_auto_start``, the web server's."""
        defaults, default_bindings = self._defaults()
        inherited: list[str] = []
        if not bindings and default_bindings:
            bindings = [
                self._with_certificate(b) if self._sslcerts and b.is_secure else b
                for b in default_bindings
            ]
            inherited.append("bindings")
            is_ftp = None
        if is_ftp is None:
            protocols = {b.protocol.lower() for b in bindings}
            is_ftp = "ftp" in protocols and "http" not in protocols and "https" not in protocols
        if is_ftp:
            auto_start, from_defaults = defaults.ftp_auto_start(
                ftp_server.get("serverAutoStart") if ftp_server else None
            )
        elif own_auto_start:
            auto_start, from_defaults = not is_false(own_auto_start), False
        else:
            auto_start = defaults.auto_start
            from_defaults = defaults.server_auto_start is not None
        if from_defaults:
            inherited.insert(0, "auto_start")
        certificate = None
        if is_ftp:
            certificate, from_defaults = defaults.certificate(ftp_ssl)
            if from_defaults:
                inherited.append("certificate")
        return build_site(
            entry.id,
            entry.name,
            auto_start,
            tuple(bindings),
            certificate,
            SiteKind.FTP if is_ftp else SiteKind.WEB,
            line,
            is_ftp or self._sslcerts_attached,
            tuple(inherited),
        )

    def site(self, key: SiteKey) -> Site:
        """The site with id ``key`` or name ``key`` (see :meth:`ConfigDocument.site`)."""
        return self._read_site(self._entry(key), self._index())

    def _site_between(self, start: int, end: int, site_id: int, name: str) -> Site:
        """The site whose block (``<site>``, or appcmd's ``<SITE>`` around it) is
        ``start..end``, read from that stretch alone: after an edit, neither the new text nor
        the index of it is made (writing the document needs neither)."""
        window = self.xml.excerpt(start, end)
        tag = next_tag(window, 0)
        if tag is None:  # pragma: no cover - the stretch is that of a site just written
            return self.site(site_id)
        block = element_at(window, tag)
        element, wrapper = block, None
        if block.name != "site":
            inner = next((c for c in iter_children(window, block) if c.name == "site"), None)
            if inner is None:  # pragma: no cover
                return self.site(site_id)
            element, wrapper = inner, block
        entry = SiteElement.of(element, site_id, name, wrapper)
        line = self.xml.line_of(start + entry.start)
        return self._read_site(entry, None, line, (window, start))

    def _commit_site_edit(self, editor: Editor, entry: SiteElement, name: str) -> Site:
        """Commit ``editor``, whose patches add or change no ``<sites>``-level default element,
        and read the site of ``entry`` (now called ``name``) from its own stretch."""
        shift = Shift(sorted((p.start, p.end, p.new) for p in editor.patches))
        block = entry.block
        start, end = block.start + shift.before(block.start), block.end + shift.after(block.end)
        self._commit_keeping_defaults(editor)
        return self._site_between(start, end, entry.id, name)

    def _commit_keeping_defaults(self, editor: Editor) -> None:
        """Commit ``editor``, whose patches add or change no ``<sites>``-level default element
        (a site's block copied, a name changed), keeping what sites inherit as read before:
        reading it again would index the new text, which writing the document does not need."""
        defaults = self._defaults()
        editor.commit()
        self.xml.remember(_DEFAULTS, defaults)

    def with_settings(self, site: Site) -> Site:
        """``site`` with the settings it has with what it inherits from ``<siteDefaults>``
        (see :meth:`ConfigDocument.with_settings`)."""
        merge = self._defaults()[0].settings_merge
        settings = read_settings(self.xml.text, self._entry(site), merge, exact=self.exact)
        return site_with_settings(site, settings)

    def _read_site(
        self,
        entry: SiteElement,
        index: SiteIndex | None,
        line: int | None = None,
        window: tuple[str, int] | None = None,
    ) -> Site:
        """The site of ``entry``; with ``window`` (a stretch of the text and where it starts),
        ``entry`` is in that stretch's offsets and ``line`` is given."""
        if window is None and entry.wrapper is None and self.xml.modified:
            # Only the site's element, while the text is in pieces (see XmlDocument.readable).
            line = self._line(entry) if line is None else line
            window = self.xml.excerpt(entry.start, entry.end), entry.start
            entry = _in_window(entry, entry.start)
        text, origin = window if window is not None else (self.xml.text, 0)
        parts = read_site_parts(text, entry.element, exact=self.exact)
        start_value = entry.server_auto_start
        if start_value is None:
            start_value = raw_attributes(text, entry.element.start_tag).get("serverAutoStart", "")
        bindings = tuple(
            self._read_binding(values, entry, position, (text, origin))
            for position, values in enumerate(parts.bindings)
        )
        return self._effective_site(
            entry,
            self._line(entry) if line is None else line,
            start_value,
            bindings,
            ftp_ssl=parts.ftp_ssl,
            ftp_server=parts.ftp_server,
        )

    def _read_binding(
        self, values: dict[str, str], entry: SiteElement, position: int, window: tuple[str, int]
    ) -> Binding:
        protocol = values.get("protocol", "")
        information = values.get("bindingInformation", "")
        flags: int | None = None
        flags_text = values.get("sslFlags")
        if flags_text is not None:
            if not is_ascii_number(flags_text.strip()):
                text, origin = window
                offset = origin + binding_offsets(text, entry.element)[position]
                raise self.xml.parse_error(
                    offset,
                    f"sslFlags={flags_text!r} is not a number (IIS stores a uint bit set)",
                )
            flags = int(flags_text)
        binding = Binding.from_information(protocol, information, flags)
        if self._sslcerts and binding.is_secure:
            binding = self._with_certificate(binding)
        return binding

    def _with_certificate(self, binding: Binding) -> Binding:
        """``binding`` with the certificate of the attached HTTP.sys entry for its endpoint."""
        found = httpsys.served_by(binding, self._sslcert_by_endpoint)
        if found is not None and found.ref is not None:
            return Binding.from_information(
                binding.protocol, binding.binding_information, binding.ssl_flags, found.ref
            )
        return binding


def _in_window(entry: SiteElement, origin: int) -> SiteElement:
    """``entry`` in the offsets of a window of the text that starts at ``origin``."""
    return SiteElement(
        entry.id,
        entry.name,
        entry.start - origin,
        entry.content_start - origin,
        entry.content_end - origin,
        entry.end - origin,
        None,
        entry.server_auto_start,
    )
