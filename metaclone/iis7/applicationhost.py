"""IIS 7+ applicationHost.config (IIS and IIS Express) and appcmd XML.

Both formats hold ``<site>`` elements of the same shape; appcmd XML wraps each one in a
``<SITE SITE.NAME SITE.ID bindings state>`` element that must stay in step with it, and has no
location blocks or customMetadata.  One implementation serves both: an appcmd document is an
applicationHost document whose index finds no location blocks and no metadata.

What refers to a site, and follows a clone, rename or delete:

* by name: ``<location path="Site">`` and ``"Site/..."`` blocks directly under
  ``<configuration>`` (first path segment, case-insensitively; never markup inside comments);
* by id: ``<customMetadata><key path="LM/W3SVC/<id>...">``, whose property 2102 on the site's
  own key is the site name.

Certificates of https bindings live in HTTP.sys, not in the file: certificate operations on web
sites return an :class:`~metaclone.httpsys.HttpSysPlan` and leave the file alone.  FTP sites keep
theirs in ``ftpServer/security/ssl``, which is edited in place.

IIS Express is told apart from IIS by ``%IIS_USER_HOME%``, which every IIS Express template
carries (in its header comment and in the application pools' ``CLRConfigFile``) and no server
file does; its HTTP.sys entries use IIS Express's application id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from metaclone import httpsys
from metaclone.document import ConfigDocument, SiteKey, select_site
from metaclone.errors import (
    BindingError,
    CertificateError,
    InconsistentSiteError,
    ParseError,
    SiteError,
    SiteIdInUseError,
    SiteIdOutOfRangeError,
    SiteNameError,
    SiteNotFoundError,
)
from metaclone.handover import Handover, appcmd_steps, iis7_steps, iis_express_steps
from metaclone.iis7.checks import schema_findings
from metaclone.iis7.defaults import SiteDefaults, is_false, read_defaults
from metaclone.iis7.index import (
    QUICK_BINDINGS_AT,
    QUICK_END,
    SITE_NAME_PROPERTIES,
    LocationEntry,
    MetadataKey,
    QuickValues,
    SiteEntry,
    SiteIndex,
    binding_offsets,
    index_appcmd,
    index_applicationhost,
    raw_attributes,
    read_site_parts,
    scan_applicationhost,
)
from metaclone.iis7.schema import ssl_flag_bits
from metaclone.iis7.style import (
    append_child,
    child_indentation,
    nested_elements,
    style_of,
)
from metaclone.lossless import Editor, Element, XmlDocument
from metaclone.lossless.tokens import Tag, TagKind, iter_markup, next_tag
from metaclone.model.build import build_binding, build_site, paused_garbage_collection
from metaclone.model.rules import MAX_IIS7_SITE_ID, copy_name, name_key
from metaclone.model.sites import (
    ADDRESS_PROTOCOLS,
    Application,
    Binding,
    CertificateInput,
    CertificateRef,
    Finding,
    Severity,
    Site,
    SiteKind,
    VirtualDirectory,
    is_ascii_number,
    normalize_thumbprint,
)
from metaclone.model.validation import (
    require_binding,
    require_pool_name,
    require_site_id,
    require_site_name,
)

if TYPE_CHECKING:
    from metaclone.httpsys import HttpSysPlan, SslCertEntry

_FALSE = "false"
_MAX_SSL_FLAGS = 2**32 - 1
_MAX_NOTES_PER_OPERATION = 50
_IIS_EXPRESS_MARK = re.compile(r"%IIS_USER_HOME%", re.IGNORECASE)


class AppHostDocument(ConfigDocument):
    """An IIS 7.0-10 or IIS Express applicationHost.config."""

    format: ClassVar[str] = "iis7-applicationhost"
    is_iis: ClassVar[bool] = True
    certificates_in_file: ClassVar[bool] = False

    def __init__(self, xml: XmlDocument) -> None:
        super().__init__(xml)
        self._index_cache: SiteIndex | None = None
        self._sites_cache: tuple[int, tuple[Site, ...]] | None = None
        self._express_cache: tuple[int, bool] | None = None
        self._sslcerts: tuple[SslCertEntry, ...] = ()
        self._sslcerts_attached = False
        self._sslcert_by_endpoint: dict[httpsys.Endpoint, SslCertEntry] = {}
        self._defaults_cache: tuple[int, SiteDefaults, tuple[Binding, ...]] | None = None
        self._ssl_bits_cache: tuple[int, int] | None = None

    # -- the index -------------------------------------------------------------------------

    def _build_index(self) -> SiteIndex:
        return index_applicationhost(self.xml)

    def _index(self) -> SiteIndex:
        cached = self._index_cache
        if cached is None or cached.version != self.xml.version:
            try:
                with paused_garbage_collection():
                    cached = self._build_index()
            except ValueError as exc:
                if isinstance(exc, ParseError):
                    raise
                raise ParseError(str(exc), path=self.path) from None
            self._index_cache = cached
        return cached

    @property
    def is_iis_express(self) -> bool:
        """True for an IIS Express file (it mentions ``%IIS_USER_HOME%``)."""
        cached = self._express_cache
        if cached is None or cached[0] != self.xml.version:
            found = _IIS_EXPRESS_MARK.search(self.xml.text) is not None
            cached = (self.xml.version, found)
            self._express_cache = cached
        return cached[1]

    def _defaults(self) -> tuple[SiteDefaults, tuple[Binding, ...]]:
        """``<siteDefaults>`` and ``<sites><applicationDefaults>``, and the default bindings,
        read once per version of the text."""
        cached = self._defaults_cache
        if cached is None or cached[0] != self.xml.version:
            index = self._index()
            defaults = read_defaults(index)
            try:
                bindings = defaults.binding_values()
            except ValueError as exc:
                offset = index.sites_element.start if index.sites_element else 0
                raise self.xml.parse_error(offset, str(exc)) from None
            cached = (self.xml.version, defaults, bindings)
            self._defaults_cache = cached
        return cached[1], cached[2]

    @property
    def ssl_flag_bits(self) -> int:
        """The sslFlags bits this file's IIS version knows (see :func:`ssl_flag_bits`)."""
        cached = self._ssl_bits_cache
        if cached is None or cached[0] != self.xml.version:
            bits = ssl_flag_bits(self.xml.text, iis_express=self.is_iis_express)
            cached = (self.xml.version, bits)
            self._ssl_bits_cache = cached
        return cached[1]

    @property
    def app_id(self) -> str:
        """The application id the file's HTTP.sys certificate entries are registered under."""
        return httpsys.IIS_EXPRESS_APP_ID if self.is_iis_express else httpsys.IIS_APP_ID

    # -- reading ---------------------------------------------------------------------------

    @property
    def sites(self) -> tuple[Site, ...]:
        """Every site, in file order."""
        cached = self._sites_cache
        if cached is None or cached[0] != self.xml.version:
            text = self.xml.text
            sites: list[Site] = []
            with paused_garbage_collection():
                index, quick = self._scan()
                # Lines by a running count between successive sites: one pass over the text.
                line, counted_to = 1, 0
                for entry, parts in zip(
                    index.sites, quick or (None,) * len(index.sites), strict=True
                ):
                    line += text.count("\n", counted_to, entry.start)
                    counted_to = entry.start
                    if parts is None:
                        sites.append(self._read_site(entry, index, line))
                    else:
                        sites.append(self._quick_site(entry, parts, index, line))
                # Freed before the collector runs again, which would walk them all.
                del quick
            cached = (self.xml.version, tuple(sites))
            self._sites_cache = cached
        return cached[1]

    def _scan(self) -> tuple[SiteIndex, tuple[QuickValues | None, ...]]:
        """The index, and the values of the sites the listing pass read whole."""
        try:
            index, quick = scan_applicationhost(self.xml)
        except ValueError as exc:
            if isinstance(exc, ParseError):
                raise
            raise ParseError(str(exc), path=self.path) from None
        cached = self._index_cache
        if cached is None or cached.version != self.xml.version:
            self._index_cache = index
        return index, quick

    def _quick_site(
        self, entry: SiteEntry, values: QuickValues, index: SiteIndex, line: int
    ) -> Site:
        """The site from the values the listing pass read; as :meth:`_read_site` reads it."""
        bindings: list[Binding] = []
        plain = secure = ftp = False
        with_certificates = bool(self._sslcerts)
        slots = iter(values[QUICK_BINDINGS_AT:QUICK_END])
        for protocol, raw_information, flags_text in zip(slots, slots, slots, strict=True):
            if protocol is None:
                break
            flags: int | None = None
            if flags_text is not None:
                if not flags_text.strip().isdigit() or not flags_text.isascii():
                    # The exact reader words the error, at the binding.
                    return self._read_site(entry, index, line)
                flags = int(flags_text)
            information = raw_information or ""
            if protocol in ADDRESS_PROTOCOLS:
                # Already stripped and in lower case: what from_information would build.
                binding = build_binding(protocol, information, flags, None)
                kind = protocol
            else:
                binding = Binding.from_information(protocol, information, flags)
                kind = binding.protocol.lower()
            if with_certificates and binding.is_secure:
                binding = self._with_certificate(binding)
            bindings.append(binding)
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
                return build_site(
                    entry.id,
                    entry.name,
                    own_start.strip().lower() != _FALSE,
                    tuple(bindings),
                    None,
                    SiteKind.WEB,
                    line,
                    self._sslcerts_attached,
                )
        return self._effective_site(
            entry, line, own_start, bindings, is_ftp=ftp and not plain and not secure
        )

    def _effective_site(
        self,
        entry: SiteEntry,
        line: int,
        own_auto_start: str | None,
        bindings: Sequence[Binding],
        *,
        ftp_ssl: dict[str, str] | None = None,
        is_ftp: bool | None = None,
    ) -> Site:
        """The site with what it inherits from ``<siteDefaults>`` filled in; ``is_ftp`` says
        whether ``bindings`` make it an FTP site (None: not worked out yet)."""
        defaults, default_bindings = self._defaults()
        inherited: list[str] = []
        if own_auto_start:
            auto_start = own_auto_start.strip().lower() != _FALSE
        else:
            auto_start = defaults.auto_start
            if defaults.server_auto_start is not None:
                inherited.append("auto_start")
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

    def applications(self, site: SiteKey) -> tuple[Application, ...]:
        """The applications of ``site`` with their virtual directories, in file order.

        An application without ``applicationPool`` (or ``enabledProtocols``) takes the value
        of the site's ``applicationDefaults``, else that of ``<sites><applicationDefaults>``;
        ``inherited`` names the fields so filled in.
        """
        entry = self._entry(site)
        parts = read_site_parts(self.xml.text, entry.element)
        defaults, _ = self._defaults()
        site_defaults = parts.application_defaults or {}
        fallback = {
            "applicationPool": site_defaults.get("applicationPool", defaults.application_pool),
            "enabledProtocols": site_defaults.get("enabledProtocols", defaults.enabled_protocols),
        }
        applications: list[Application] = []
        for app, vdirs in parts.applications:
            values: dict[str, str | None] = {}
            inherited: list[str] = []
            for name, field in (
                ("applicationPool", "application_pool"),
                ("enabledProtocols", "enabled_protocols"),
            ):
                own = app.get(name)
                if own:
                    values[name] = own
                else:
                    values[name] = fallback[name] or None
                    if values[name] is not None:
                        inherited.append(field)
            applications.append(
                Application(
                    app.get("path", ""),
                    values["applicationPool"],
                    tuple(
                        VirtualDirectory(v.get("path", ""), v.get("physicalPath", ""))
                        for v in vdirs
                    ),
                    values["enabledProtocols"],
                    tuple(inherited),
                )
            )
        return tuple(applications)

    def _entry(self, key: SiteKey) -> SiteEntry:
        # IIS 7 numbers web and FTP sites together: every entry is looked up as a web site,
        # so "ftp/21" is simply site 21.
        index = self._index()
        if isinstance(key, Site):
            same = index.sites_by_id.get(key.id, ())
            if len(same) > 1 and key.line is not None:
                # The very site, even in a broken file where two sites share an id.
                same = tuple(entry for entry in same if self._line(entry) == key.line)
            if len(same) == 1:
                return same[0]
            key = key.id
        elif isinstance(key, str) and key.lower().startswith("ftp/") and is_ascii_number(key[4:]):
            key = int(key[4:])
        # The one site with that id, or with that name, is what select_site would choose:
        # found without going through every site of a large file.
        if isinstance(key, int) or is_ascii_number(key.strip()):
            found = index.sites_by_id.get(int(key), ())
        else:
            found = index.sites_by_name.get(name_key(key.strip()), ())
        if len(found) == 1:
            return found[0]
        return select_site(
            index.sites,
            key,
            lambda e: (e.id, e.name, SiteKind.WEB),
            path=self.path,
            format=self.format,
        )

    def _editable(self, entry: SiteEntry) -> SiteEntry:
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

    def _line(self, entry: SiteEntry) -> int:
        return self.xml.line_of(entry.start)

    def _read_site(self, entry: SiteEntry, index: SiteIndex, line: int | None = None) -> Site:
        text = self.xml.text
        parts = read_site_parts(text, entry.element)
        start_value = entry.server_auto_start
        if start_value is None:
            start_value = raw_attributes(text, entry.element.start_tag).get("serverAutoStart", "")
        bindings = tuple(
            self._read_binding(values, entry, position)
            for position, values in enumerate(parts.bindings)
        )
        return self._effective_site(
            entry,
            self._line(entry) if line is None else line,
            start_value,
            bindings,
            ftp_ssl=parts.ftp_ssl,
        )

    def _read_binding(self, values: dict[str, str], entry: SiteEntry, position: int) -> Binding:
        protocol = values.get("protocol", "")
        information = values.get("bindingInformation", "")
        flags: int | None = None
        flags_text = values.get("sslFlags")
        if flags_text is not None:
            if not flags_text.strip().isdigit() or not flags_text.isascii():
                offset = binding_offsets(self.xml.text, entry.element)[position]
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

    # -- HTTP.sys --------------------------------------------------------------------------

    def attach_sslcerts(self, entries: Iterable[SslCertEntry]) -> None:
        """Use ``netsh http show sslcert`` entries to fill in the certificates of https bindings.

        From then on each https binding of :attr:`sites` carries the certificate of the HTTP.sys
        entry its endpoint maps to, certificate plans know which entries exist, and
        :meth:`check` reports https bindings without one.
        """
        self._sslcerts = tuple(entries)
        self._sslcerts_attached = True
        self._sslcert_by_endpoint = {}
        for entry in self._sslcerts:
            self._sslcert_by_endpoint.setdefault(entry.endpoint, entry)
        self._sites_cache = None

    @property
    def sslcerts_known(self) -> bool:
        return self._sslcerts_attached

    def served_by(self, binding: Binding) -> SslCertEntry | None:
        """The attached HTTP.sys entry that serves ``binding`` now (see
        :meth:`ConfigDocument.served_by`)."""
        if not binding.is_secure:
            return None
        return httpsys.served_by(binding, self._sslcert_by_endpoint)

    def uncertified_bindings(self, site: SiteKey) -> tuple[Binding, ...] | None:
        """The https bindings no attached HTTP.sys entry serves (None before attach_sslcerts).

        Each binding is resolved as HTTP.sys resolves it (:func:`~metaclone.httpsys.served_by`):
        an entry of the central certificate store serves its bindings from the store's files;
        any other entry serves only if it names a certificate (netsh may show ``(null)``).
        """
        found = self.site(site)
        if found.kind is SiteKind.FTP:
            return super().uncertified_bindings(found)
        if not self._sslcerts_attached:
            return None
        return tuple(b for b in found.secure_bindings if not self._served(b))

    def _served(self, binding: Binding) -> bool:
        entry = httpsys.served_by(binding, self._sslcert_by_endpoint)
        if entry is None:
            return False
        return entry.thumbprint is not None or entry.endpoint.kind is httpsys.EndpointKind.CCS

    def placeholder_steps(self, handover: Handover) -> tuple[str, ...]:
        if self.is_iis_express:
            return iis_express_steps(handover)
        return iis7_steps(handover)

    # -- what else the file configures, for review --------------------------------------

    def site_element(self, site: SiteKey) -> Element:
        """The ``<site>`` element of ``site`` (inside its ``<SITE>`` in appcmd XML)."""
        return self._entry(site).element

    @property
    def default_application_pool(self) -> str | None:
        """``<sites><applicationDefaults applicationPool>``: the pool of applications that
        name none (unless their site's own applicationDefaults does)."""
        return self._index().default_pool

    @property
    def location_blocks(self) -> tuple[LocationEntry, ...]:
        """The ``<location>`` blocks directly under ``<configuration>``, in file order."""
        return self._index().locations

    @property
    def metadata_keys(self) -> tuple[MetadataKey, ...]:
        """The ``<customMetadata><key>`` elements, in file order."""
        return self._index().metadata_keys

    @property
    def application_pool_elements(self) -> tuple[Element, ...]:
        """The children of ``<applicationPools>``: each ``<add>`` and the pool defaults."""
        pools = self._index().pools_element
        return () if pools is None else tuple(self.xml.children(pools))

    def declared_section_groups(self) -> frozenset[str]:
        """The section groups ``<configSections>`` declares, as paths (``system.webServer``)."""
        xml = self.xml
        declared = xml.child(xml.root, "configSections")
        found: set[str] = set()
        pending = [(declared, "")] if declared is not None else []
        while pending:
            parent, prefix = pending.pop()
            for group in xml.children(parent):
                name = xml.get(group, "name")
                if group.name == "sectionGroup" and name:
                    found.add(prefix + name)
                    pending.append((group, f"{prefix}{name}/"))
        return frozenset(found)

    # -- checking --------------------------------------------------------------------------

    def check(self) -> list[Finding]:
        """Problems in the sites and what refers to them; the document is not changed."""
        index = self._index()
        sites = self.sites
        findings: list[Finding] = []
        findings.extend(_duplicates(sites))
        findings.extend(self._binding_conflicts(sites))
        names = {name_key(s.name) for s in sites}
        for loc in index.locations:
            if loc.site_name is not None and name_key(loc.site_name) not in names:
                findings.append(self._orphan_finding(loc))
        findings.extend(
            Finding(Severity.ERROR, "inconsistent-site", message, None, self.xml.line_of(offset))
            for offset, message in index.problems
        )
        findings.extend(schema_findings(self.xml, index, self.ssl_flag_bits))
        ids = {s.id for s in sites}
        reported: set[int] = set()
        for key in index.metadata_keys:
            if key.site_id is not None and key.site_id not in ids and key.site_id not in reported:
                reported.add(key.site_id)
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "stale-metadata",
                        f"customMetadata key {key.path!r} belongs to site id {key.site_id}, "
                        "which no site has; a new site given that id would inherit it "
                        "(Microsoft KB 3202096)",
                        key.site_id,
                        self.xml.line_of(key.element.start),
                    )
                )
        findings.extend(self._certificate_findings(sites))
        findings.extend(self._certificate_attributes(index))
        return findings

    def _orphan_finding(self, loc: LocationEntry) -> Finding:
        return Finding(
            Severity.WARNING,
            "orphaned-location",
            f"<location path={loc.path!r}> names no site; it is left as it is",
            None,
            self.xml.line_of(loc.element.start),
        )

    def _binding_conflicts(self, sites: Sequence[Site]) -> list[Finding]:
        first_owner: dict[tuple[str, str], Site] = {}
        findings: list[Finding] = []
        for site in sites:
            if not site.auto_start:
                continue
            for binding in site.bindings:
                # net.tcp, net.pipe and the like share their listener (port sharing): only
                # HTTP.sys and FTP bindings refuse a second site.
                if binding.protocol.lower() not in ADDRESS_PROTOCOLS:
                    continue
                key = (binding.protocol.lower(), binding.binding_information.lower())
                owner = first_owner.setdefault(key, site)
                if owner is not site:
                    findings.append(
                        Finding(
                            Severity.WARNING,
                            "binding-conflict",
                            f"sites {owner.name!r} (id {owner.id}) and {site.name!r} (id "
                            f"{site.id}) both start with binding {binding.summary}; only one of "
                            "them can run",
                            site.id,
                            site.line,
                        )
                    )
        return findings

    def _certificate_findings(self, sites: Sequence[Site]) -> list[Finding]:
        findings: list[Finding] = []
        users: dict[httpsys.Endpoint, list[Site]] = {}
        for site in sites:
            for binding in site.secure_bindings:
                endpoint = httpsys.endpoint_for(binding)
                if endpoint is None:
                    continue
                if endpoint.kind is httpsys.EndpointKind.IPPORT:
                    owners = users.setdefault(endpoint, [])
                    if site not in owners:
                        owners.append(site)
                if self._sslcerts_attached and binding.certificate is None:
                    if httpsys.served_by(binding, self._sslcert_by_endpoint) is not None:
                        continue  # served by the central store, whose certificate is a file
                    findings.append(
                        Finding(
                            Severity.WARNING,
                            "missing-certificate",
                            f"site {site.name!r} (id {site.id}) binding {binding.summary}: "
                            f"HTTP.sys has no certificate for {endpoint}",
                            site.id,
                            site.line,
                        )
                    )
        for endpoint, owners in users.items():
            if len(owners) > 1:
                listing = ", ".join(f"{s.name!r} (id {s.id})" for s in owners)
                findings.append(
                    Finding(
                        Severity.INFO,
                        "shared-sslcert-endpoint",
                        f"HTTP.sys entry {endpoint} serves the https bindings of {listing}: "
                        "a certificate change there changes it for all of them",
                        owners[0].id,
                        owners[0].line,
                    )
                )
        return findings

    def _certificate_attributes(self, index: SiteIndex) -> list[Finding]:
        findings: list[Finding] = []
        for entry in index.sites:
            for child in _named(self.xml, entry.element, "bindings"):
                for binding in _named(self.xml, child, "binding"):
                    names = {a.name for a in self.xml.attributes(binding)}
                    if names & {"certificateHash", "certificateStoreName"}:
                        findings.append(
                            Finding(
                                Severity.ERROR,
                                "certificate-on-binding",
                                f"site {entry.name!r}: <binding> carries certificateHash or "
                                "certificateStoreName, which the IIS schema rejects (the "
                                "certificate belongs in HTTP.sys)",
                                entry.id,
                                self.xml.line_of(binding.start),
                            )
                        )
        return findings

    # -- validation helpers ----------------------------------------------------------------

    def _check_new_name(self, name: str | None, index: SiteIndex, *, allow: int | None) -> str:
        if name is None:
            raise SiteNameError(
                "a new site needs a name (site names are unique in IIS 7 and later)",
                path=self.path,
            )
        require_site_name(name, path=self.path)
        wanted = name_key(name)
        for entry in index.sites_by_name.get(wanted, ()):
            if entry.id != allow:
                raise self.xml.located(
                    SiteNameError,
                    entry.element.start,
                    f"site name {name!r} is already used by site id {entry.id} "
                    "(names compare case-insensitively)",
                )
        site_names = index.sites_by_name
        for loc in index.locations_of(name):
            if wanted not in site_names:
                raise self.xml.located(
                    SiteNameError,
                    loc.element.start,
                    f"<location path={loc.path!r}> already configures a site named {name!r} "
                    "(left behind by a deleted site?); a site with that name would inherit it. "
                    "Delete the block or choose another name",
                )
        return name

    def _choose_id(self, new_id: int | None, index: SiteIndex) -> int:
        used = {e.id: e for e in index.sites}
        metadata_ids = index.metadata_ids
        if new_id is None:
            highest = max([*used, *metadata_ids], default=0)
            if highest >= MAX_IIS7_SITE_ID:
                raise SiteIdOutOfRangeError(
                    f"the highest site id in use is {highest}; no higher id is valid "
                    "(give one explicitly)",
                    path=self.path,
                )
            return highest + 1
        require_site_id(new_id, MAX_IIS7_SITE_ID, path=self.path)
        if new_id in used:
            entry = used[new_id]
            raise self.xml.located(
                SiteIdInUseError,
                entry.element.start,
                f"site id {new_id} is already used by site {entry.name!r}",
            )
        if new_id in metadata_ids:
            key = index.keys_of(new_id)[0]
            raise self.xml.located(
                SiteIdInUseError,
                key.element.start,
                f"site id {new_id} is still used by customMetadata key {key.path!r} of a "
                "deleted site; a site given that id would inherit it (Microsoft KB 3202096). "
                "Choose another id",
            )
        return new_id

    # -- new sites from elsewhere (metaclone.convert) ----------------------------------------

    def new_site_identity(self, name: str | None, site_id: int | None) -> tuple[str, int]:
        """The name and id a new site may take, refused as :meth:`clone_site` refuses them:
        ``name`` unused (and named by no location block left behind), ``site_id`` unused by
        sites and customMetadata, or when None one more than the highest id either uses."""
        index = self._index()
        return self._check_new_name(name, index, allow=None), self._choose_id(site_id, index)

    @property
    def sections(self) -> tuple[Element | None, Element | None]:
        """The ``<sites>`` and ``<applicationPools>`` elements (None where the file has none)."""
        index = self._index()
        return index.sites_element, index.pools_element

    @property
    def last_site_element(self) -> Element | None:
        """The last ``<site>`` element, after which a new site goes."""
        sites = self._index().sites
        return sites[-1].element if sites else None

    @property
    def locations(self) -> tuple[LocationEntry, ...]:
        """The ``<location>`` blocks directly under ``<configuration>``, in file order."""
        return self._index().locations

    def binding_findings(self, site: SiteKey) -> list[Finding]:
        """What :meth:`check` says about ``site``'s bindings: clashes with other started sites,
        HTTP.sys endpoints shared with other sites, endpoints without a certificate."""
        wanted = self.site(site)
        sites = self.sites
        mark = f"(id {wanted.id})"
        found = self._binding_conflicts(sites) + self._certificate_findings(sites)
        return [f for f in found if f.site_id == wanted.id or mark in f.message]

    # -- cloning ---------------------------------------------------------------------------

    def clone_site(
        self,
        source: SiteKey,
        new_id: int | None = None,
        new_name: str | None = None,
        *,
        auto_start: bool = False,
        clone_app_pools: bool = False,
    ) -> Site:
        """Copy a site with a new id and name, with its location blocks and customMetadata.

        ``new_name`` defaults to ``NAME (copy)`` (``NAME (copy 2)``, ... when taken), as IIS 6
        names copies.  The copy is inserted right after the source and is stopped
        (``serverAutoStart="false"``) unless ``auto_start``.  ``new_id`` defaults to one more
        than the highest id used by a site or by customMetadata, so no deleted site's id is
        reused.  With
        ``clone_app_pools``, the application pools the source's applications name explicitly
        are copied under new names and the clone's applications point at the copies.
        Site-specific text the copy keeps (host names, paths) is reported in :attr:`notes`.
        """
        index = self._index()
        entry = self._editable(self._entry(source))
        if new_name is None:
            new_name = self._copy_name(entry, index)
        name = self._check_new_name(new_name, index, allow=None)
        site_id = self._choose_id(new_id, index)
        editor = self.xml.edit()
        scratch = self.xml.edit()
        notes: list[Finding] = []
        self._rewrite_identity(scratch, entry, site_id, name)
        self._set_start(scratch, entry, auto_start, clone=True)
        if clone_app_pools:
            self._clone_pools(editor, scratch, entry=entry, index=index, name=name, notes=notes)
        block = entry.block
        editor.insert_after(block, scratch.render(block.start, block.end))
        locations = index.locations_of(entry.name)
        for loc in locations:
            scratch.set_attribute(loc.element, "path", loc.renamed(name))
            editor.insert_after(loc.element, scratch.render(loc.element.start, loc.element.end))
        self._copy_metadata(editor, scratch, entry=entry, index=index, site_id=site_id, name=name)
        rewritten = {"applicationPool"} if clone_app_pools else set()
        notes.extend(self._site_specific_notes(entry, locations, rewritten))
        notes.extend(self._orphans_left(index))
        notes.extend(self._format_notes(entry, site_id, auto_start))
        # Where the copy starts once committed: the source block's end, moved by the patches
        # before it, plus the line end and indentation insert_after puts in front.
        copy_start = block.end + len(self.xml.newline_near(block.start))
        copy_start += len(self.xml.indentation_before(block.start))
        copy_start += sum(
            len(p.new) - (p.end - p.start) for p in editor.patches if p.end < block.end
        )
        editor.commit()
        self.notes.extend(notes)
        return self._site_at(copy_start, site_id, name, index)

    def _copy_name(self, entry: SiteEntry, index: SiteIndex) -> str:
        """``NAME (copy)``, numbered past names used by sites or by location blocks."""
        return copy_name(
            entry.name,
            lambda name: name_key(name) in index.sites_by_name or bool(index.locations_of(name)),
        )

    def _site_at(self, offset: int, site_id: int, name: str, index: SiteIndex) -> Site:
        """The site whose block starts at ``offset``, read without indexing the file again."""
        tag = next_tag(self.xml.text, offset)
        if tag is None:  # pragma: no cover - the offset is that of text just inserted
            return self.site(site_id)
        block = self.xml.element_at(tag)
        element, wrapper = block, None
        if block.name != "site":
            inner = self.xml.child(block, "site")
            if inner is None:  # pragma: no cover
                return self.site(site_id)
            element, wrapper = inner, block
        return self._read_site(SiteEntry.of(element, site_id, name, wrapper), index)

    def _rewrite_identity(self, editor: Editor, entry: SiteEntry, site_id: int, name: str) -> None:
        editor.set_attribute(entry.element, "name", name)
        editor.set_attribute(entry.element, "id", str(site_id))
        if entry.wrapper is not None:
            editor.set_attribute(entry.wrapper, "SITE.NAME", name)
            editor.set_attribute(entry.wrapper, "SITE.ID", str(site_id))

    def _set_start(
        self, editor: Editor, entry: SiteEntry, auto_start: bool, *, clone: bool
    ) -> None:
        """Make the site start (or not) with IIS: ``serverAutoStart`` is written whenever the
        value the site has now, its own or the one it inherits from ``<siteDefaults>``,
        differs from ``auto_start``; a site that already starts as asked is left alone."""
        current = self.xml.attribute(entry.element, "serverAutoStart")
        if current is not None and current.value.strip():
            effective = not is_false(current.value)
        else:
            effective = self._defaults()[0].auto_start
        if effective != auto_start:
            editor.set_attribute(entry.element, "serverAutoStart", "true" if auto_start else _FALSE)

    def _format_notes(self, entry: SiteEntry, site_id: int, auto_start: bool) -> list[Finding]:
        return []

    def _copy_metadata(
        self,
        editor: Editor,
        scratch: Editor,
        *,
        entry: SiteEntry,
        index: SiteIndex,
        site_id: int,
        name: str,
    ) -> None:
        keys = index.keys_of(entry.id)
        if not keys:
            return
        newline = self.xml.newline_near(keys[-1].element.start)
        copies: list[str] = []
        for position, key in enumerate(keys):
            scratch.set_attribute(key.element, "path", key.moved(site_id))
            if key.is_site_root:
                for prop in _named(self.xml, key.element, "property"):
                    if (self.xml.get(prop, "id") or "").strip() in SITE_NAME_PROPERTIES:
                        scratch.set_attribute(prop, "value", name)
            # insert_after indents the first copy; the others need their own indentation.
            indent = self.xml.indentation_before(key.element.start) if position else ""
            copies.append(indent + scratch.render(key.element.start, key.element.end))
        # The copies go together after the last of the source's keys.
        editor.insert_after(keys[-1].element, newline.join(copies))

    def _clone_pools(
        self,
        editor: Editor,
        scratch: Editor,
        *,
        entry: SiteEntry,
        index: SiteIndex,
        name: str,
        notes: list[Finding],
    ) -> None:
        xml = self.xml
        apps = list(_named(xml, entry.element, "application"))
        explicit: dict[str, str] = {}
        for app in apps:
            pool = xml.get(app, "applicationPool")
            if pool:
                explicit.setdefault(name_key(pool), pool)
        if not explicit:
            notes.append(
                Finding(
                    Severity.INFO,
                    "no-pool-cloned",
                    f"site {entry.name!r} names no application pool of its own; the clone "
                    "uses the default pool like the source",
                    entry.id,
                    self._line(entry),
                )
            )
            return
        pools_element = index.pools_element
        pool_elements = (
            {name_key(xml.get(p, "name") or ""): p for p in _named(xml, pools_element, "add")}
            if pools_element is not None
            else {}
        )
        renamed: dict[str, str] = {}
        for folded, pool in explicit.items():
            new_pool = _pool_name(pool, entry.name, name, single=len(explicit) == 1)
            require_pool_name(new_pool, path=self.path)
            if name_key(new_pool) in pool_elements or name_key(new_pool) in {
                name_key(n) for n in renamed.values()
            }:
                raise SiteNameError(
                    f"application pool {new_pool!r} already exists; clone without new pools "
                    "or choose another site name",
                    path=self.path,
                )
            source_pool = pool_elements.get(folded)
            if source_pool is None:
                raise SiteNotFoundError(
                    f"site {entry.name!r} uses application pool {pool!r}, which this file does "
                    "not define",
                    path=self.path,
                )
            renamed[folded] = new_pool
            scratch.set_attribute(source_pool, "name", new_pool)
            editor.insert_after(source_pool, scratch.render(source_pool.start, source_pool.end))
        for app in apps:
            pool = xml.get(app, "applicationPool")
            if pool and name_key(pool) in renamed:
                scratch.set_attribute(app, "applicationPool", renamed[name_key(pool)])

    def _site_specific_notes(
        self,
        entry: SiteEntry,
        locations: Sequence[LocationEntry],
        rewritten: set[str],
    ) -> list[Finding]:
        """Values copied as they are that still name the source site or one of its hosts."""
        site = self._read_site(entry, self._index())
        needles = {name_key(entry.name)}
        needles.update(
            name_key(b.host)
            for b in site.bindings
            if b.host and b.host != "*" and b.protocol.lower() in ADDRESS_PROTOCOLS
        )
        skip = {"name", "SITE.NAME", "bindingInformation", "bindings", "path"}
        patterns = {
            needle: re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
            for needle in needles
            if needle
        }
        notes: list[Finding] = []
        regions = [(entry.block, "the clone")] + [
            (loc.element, "a copied location block") for loc in locations
        ]
        text = self.xml.text
        for element, where in regions:
            for token in iter_markup(text, element.start, element.end):
                if not isinstance(token, Tag) or token.kind is TagKind.END:
                    continue
                for attribute in self.xml.attributes(token):
                    if attribute.name in rewritten or (
                        attribute.name in skip
                        and token.name in ("site", "SITE", "binding", "location")
                    ):
                        continue
                    value = name_key(attribute.value)
                    hits = sorted(n for n, pattern in patterns.items() if pattern.search(value))
                    if hits:
                        notes.append(
                            Finding(
                                Severity.INFO,
                                "site-specific-value",
                                f"{where} keeps <{token.name} {attribute.name}="
                                f"{attribute.value!r}>, which mentions {', '.join(map(repr, hits))}"
                                "; change it by hand if the clone needs its own",
                                entry.id,
                                self.xml.line_of(token.start),
                            )
                        )
        if len(notes) > _MAX_NOTES_PER_OPERATION:
            rest = len(notes) - _MAX_NOTES_PER_OPERATION
            notes = notes[:_MAX_NOTES_PER_OPERATION]
            notes.append(
                Finding(
                    Severity.INFO,
                    "site-specific-value",
                    f"... and {rest} more values that mention the source site",
                    entry.id,
                    self._line(entry),
                )
            )
        return notes

    def _orphans_left(self, index: SiteIndex) -> list[Finding]:
        return [
            self._orphan_finding(loc)
            for loc in index.locations
            if loc.site_name is not None and name_key(loc.site_name) not in index.sites_by_name
        ]

    # -- other site operations -------------------------------------------------------------

    def delete_site(self, site: SiteKey) -> None:
        """Remove a site with its location blocks and customMetadata keys."""
        index = self._index()
        entry = self._editable(self._entry(site))
        editor = self.xml.edit()
        editor.remove_element(entry.block)
        for loc in index.locations_of(entry.name):
            editor.remove_element(loc.element)
        for key in index.keys_of(entry.id):
            editor.remove_element(key.element)
        editor.commit()

    def rename_site(self, site: SiteKey, new_name: str) -> Site:
        """Rename a site; its location blocks and customMetadata name follow."""
        index = self._index()
        entry = self._editable(self._entry(site))
        name = self._check_new_name(new_name, index, allow=entry.id)
        editor = self.xml.edit()
        editor.set_attribute(entry.element, "name", name)
        if entry.wrapper is not None:
            editor.set_attribute(entry.wrapper, "SITE.NAME", name)
        for loc in index.locations_of(entry.name):
            editor.set_attribute(loc.element, "path", loc.renamed(name))
        for key in index.keys_of(entry.id):
            if key.is_site_root:
                for prop in _named(self.xml, key.element, "property"):
                    if (self.xml.get(prop, "id") or "").strip() in SITE_NAME_PROPERTIES:
                        editor.set_attribute(prop, "value", name)
        editor.commit()
        return self.site(entry.id)

    def set_auto_start(self, site: SiteKey, auto_start: bool) -> Site:
        """Set ``serverAutoStart`` (only written when it differs from what the file says)."""
        entry = self._editable(self._entry(site))
        editor = self.xml.edit()
        self._set_start(editor, entry, auto_start, clone=False)
        editor.commit()
        return self.site(entry.id)

    def set_bindings(self, site: SiteKey, bindings: Iterable[Binding | str]) -> Site:
        """Replace a site's bindings.

        Existing ``<binding>`` elements are edited in place, extra ones removed, new ones added
        in the file's style; ``<clear />`` and comments stay.  A binding given without
        ``ssl_flags`` keeps the sslFlags of the existing binding with the same protocol and
        information, so bits this call was not asked to change (HTTP/2, QUIC, TLS 1.3, ...)
        are never lost.  No certificate is written: it belongs in HTTP.sys.
        """
        entry = self._editable(self._entry(site))
        wanted = self._validate_bindings(bindings)
        xml = self.xml
        container = xml.child(entry.element, "bindings")
        old = list(_named(xml, container, "binding")) if container is not None else []
        old_flags: dict[tuple[str, str], str] = {}
        for element in old:
            key = (
                (xml.get(element, "protocol") or "").strip().lower(),
                (xml.get(element, "bindingInformation") or "").lower(),
            )
            flags = xml.attribute(element, "sslFlags")
            if flags is not None:
                old_flags.setdefault(key, flags.value)
        resolved: list[tuple[Binding, str | None]] = []
        for binding in wanted:
            key = (binding.protocol.lower(), binding.binding_information.lower())
            if binding.ssl_flags is not None:
                resolved.append((binding, str(binding.ssl_flags)))
            else:
                resolved.append((binding, old_flags.get(key)))
        editor = xml.edit()
        for element, (binding, written_flags) in zip(old, resolved, strict=False):
            editor.set_attribute(element, "protocol", binding.protocol)
            editor.set_attribute(element, "bindingInformation", binding.binding_information)
            if written_flags is None:
                editor.remove_attribute(element, "sslFlags")
            else:
                editor.set_attribute(element, "sslFlags", written_flags)
        for element in old[len(resolved) :]:
            editor.remove_element(element)
        extra = resolved[len(old) :]
        if extra:
            self._add_bindings(editor, entry, container, old, extra)
        if entry.wrapper is not None and xml.attribute(entry.wrapper, "bindings") is not None:
            editor.set_attribute(entry.wrapper, "bindings", ",".join(b.summary for b in wanted))
        editor.commit()
        return self.site(entry.id)

    def _validate_bindings(self, bindings: Iterable[Binding | str]) -> list[Binding]:
        if isinstance(bindings, str | Binding):
            bindings = [bindings]
        result: list[Binding] = []
        seen: set[tuple[str, str]] = set()
        for item in bindings:
            binding = Binding.parse(item) if isinstance(item, str) else item
            if binding.protocol.lower() in ADDRESS_PROTOCOLS:
                # Re-split: a Binding built by hand may carry stale ip/port/host fields.
                binding = Binding.from_information(
                    binding.protocol, binding.binding_information, binding.ssl_flags
                )
            require_binding(binding, self.ssl_flag_bits, path=self.path)
            key = (binding.protocol.lower(), binding.binding_information.lower())
            if key in seen:
                raise BindingError(f"binding {binding.summary!r} is given twice", path=self.path)
            seen.add(key)
            result.append(binding)
        if not result:
            raise BindingError(
                "a site needs at least one binding (delete the site instead?)", path=self.path
            )
        return result

    def _add_bindings(
        self,
        editor: Editor,
        entry: SiteEntry,
        container: Element | None,
        old: Sequence[Element],
        extra: Sequence[tuple[Binding, str | None]],
    ) -> None:
        xml = self.xml
        sample = old[-1] if old else self._any_binding()
        style = style_of(xml, sample, container or entry.element)
        texts = [
            style.empty_element(
                "binding",
                [("protocol", b.protocol), ("bindingInformation", b.binding_information)]
                + ([("sslFlags", flags)] if flags is not None else []),
            )
            for b, flags in extra
        ]
        if old:
            newline = xml.newline_near(old[-1].start)
            indent = xml.indentation_before(old[-1].start)
            editor.insert_after(old[-1], (newline + indent).join(texts))
            return
        if container is not None:
            newline = xml.newline_near(container.start)
            indent = child_indentation(xml, container, style.indent_unit)
            append_child(editor, container, (newline + indent).join(texts), indent, newline)
            return
        newline = xml.newline_near(entry.element.start)
        site_child = child_indentation(xml, entry.element, style.indent_unit)
        inner = site_child + style.indent_unit
        markup = (
            f"<bindings>{newline}{inner}"
            + (newline + inner).join(texts)
            + f"{newline}{site_child}</bindings>"
        )
        append_child(editor, entry.element, markup, site_child, newline)

    def _any_binding(self) -> Element | None:
        for entry in self._index().sites:
            container = self.xml.child(entry.element, "bindings")
            if container is not None:
                found = next(iter(_named(self.xml, container, "binding")), None)
                if found is not None:
                    return found
        return None

    # -- certificates ----------------------------------------------------------------------

    def set_certificate(
        self, site: SiteKey, certificate: CertificateInput, store: str = "MY"
    ) -> HttpSysPlan | None:
        """Give a site a certificate.

        For a web site, returns the HTTP.sys plan (netsh and PowerShell) that binds it to every
        https binding of the site; the file is not changed.  For an FTP site, writes
        ``ftpServer/security/ssl/@serverCertHash`` and ``@serverCertStoreName`` and returns None.
        """
        thumbprint = normalize_thumbprint(certificate)
        if not store or not store.strip():
            raise CertificateError("a certificate store name is needed (normally MY)")
        entry = self._editable(self._entry(site))
        current = self._read_site(entry, self._index())
        if current.kind is SiteKind.FTP:
            self._set_ftp_certificate(entry, CertificateRef(thumbprint, store))
            return None
        return self._plan({current.id: CertificateRef(thumbprint, store)})

    def remove_certificate(self, site: SiteKey) -> HttpSysPlan | None:
        """Take a site's certificate away (an HTTP.sys plan, or the FTP attributes removed)."""
        entry = self._editable(self._entry(site))
        current = self._read_site(entry, self._index())
        if current.kind is SiteKind.FTP:
            self._set_ftp_certificate(entry, None)
            after = self.site(entry.id)
            if after.certificate is not None:
                self.notes.append(
                    self._still_served(
                        current, "the FTP SSL settings of <siteDefaults>", after.certificate
                    )
                )
            return None
        plan = self._plan({current.id: None})
        if self._sslcerts_attached:
            deleted = {c.endpoint for c in plan.changes if c.action == httpsys.DELETE}
            remaining = {e: v for e, v in self._sslcert_by_endpoint.items() if e not in deleted}
            for binding in current.secure_bindings:
                serving = httpsys.served_by(binding, remaining)
                if serving is not None:
                    where = f"HTTP.sys entry {serving.endpoint} (binding {binding.summary})"
                    self.notes.append(self._still_served(current, where, serving.ref))
        return plan

    def _still_served(self, site: Site, where: str, certificate: CertificateRef | None) -> Finding:
        shown = (
            f"{certificate.thumbprint} ({certificate.store})" if certificate else "a certificate"
        )
        return Finding(
            Severity.WARNING,
            "inherited-certificate",
            f"site {site.name!r} (id {site.id}) loses its own certificate but is still served "
            f"{shown} by {where}; remove it there too if the site must have none",
            site.id,
            site.line,
        )

    def swap_certificates(self, a: SiteKey, b: SiteKey) -> HttpSysPlan | None:
        """Exchange the certificates of two sites.

        Web sites: an HTTP.sys plan built from the attached ``netsh`` entries (see
        :meth:`attach_sslcerts`); FTP sites: the ``ssl`` attributes are exchanged in the file.
        """
        index = self._index()
        first, second = self._editable(self._entry(a)), self._editable(self._entry(b))
        if first.id == second.id:
            raise SiteError(f"cannot swap the certificate of site {first.name!r} with itself")
        site_a, site_b = self._read_site(first, index), self._read_site(second, index)
        if site_a.kind is not site_b.kind:
            raise SiteError(
                f"site {site_a.name!r} is a {site_a.kind.value} site and {site_b.name!r} a "
                f"{site_b.kind.value} site: their certificates live in different places "
                "(HTTP.sys and the FTP settings in the file); set each one instead",
                path=self.path,
            )
        if site_a.kind is SiteKind.FTP:
            editor = self.xml.edit()
            self._write_ftp_certificate(editor, first, site_b.certificate)
            self._write_ftp_certificate(editor, second, site_a.certificate)
            editor.commit()
            return None
        cert_a, cert_b = self._web_certificate(site_a), self._web_certificate(site_b)
        return self._plan({site_a.id: cert_b, site_b.id: cert_a})

    def _web_certificate(self, site: Site) -> CertificateRef | None:
        if not site.secure_bindings:
            raise SiteError(f"site {site.name!r} has no https binding", path=self.path)
        if not self._sslcerts:
            raise CertificateError(
                "the certificates of IIS 7+ sites live in HTTP.sys: attach "
                "`netsh http show sslcert` output (attach_sslcerts, --sslcert) to swap them",
                path=self.path,
            )
        found = {b.certificate for b in site.secure_bindings}
        if len(found) > 1:
            raise CertificateError(
                f"site {site.name!r} has different certificates on its https bindings; "
                "set each site's certificate instead of swapping",
                path=self.path,
            )
        return found.pop()

    def _plan(self, targets: dict[int, CertificateRef | None]) -> HttpSysPlan:
        return httpsys.plan_certificates(
            self.sites,
            targets,
            self._sslcerts if self._sslcerts_attached else None,
            app_id=self.app_id,
        )

    def _set_ftp_certificate(self, entry: SiteEntry, certificate: CertificateRef | None) -> None:
        editor = self.xml.edit()
        self._write_ftp_certificate(editor, entry, certificate)
        editor.commit()

    def _write_ftp_certificate(
        self, editor: Editor, entry: SiteEntry, certificate: CertificateRef | None
    ) -> None:
        xml = self.xml
        ftp_server = xml.child(entry.element, "ftpServer")
        security = xml.child(ftp_server, "security") if ftp_server is not None else None
        ssl = xml.child(security, "ssl") if security is not None else None
        if certificate is None:
            if ssl is not None:
                editor.remove_attribute(ssl, "serverCertHash")
                editor.remove_attribute(ssl, "serverCertStoreName")
            return
        if ssl is not None:
            current = xml.get(ssl, "serverCertHash") or ""
            thumbprint = certificate.thumbprint
            if current and current == current.upper() and any(c.isalpha() for c in current):
                thumbprint = thumbprint.upper()
            editor.set_attribute(ssl, "serverCertHash", thumbprint)
            editor.set_attribute(ssl, "serverCertStoreName", certificate.store)
            return
        chain: list[tuple[str, list[tuple[str, str]]]] = [
            ("ftpServer", []),
            ("security", []),
            (
                "ssl",
                [
                    ("serverCertHash", certificate.thumbprint),
                    ("serverCertStoreName", certificate.store),
                ],
            ),
        ]
        parent = entry.element
        for existing in (ftp_server, security):
            if existing is None:
                break
            parent = existing
            chain.pop(0)
        style = style_of(xml, self._any_binding(), entry.element)
        newline = xml.newline_near(parent.start)
        indent = child_indentation(xml, parent, style.indent_unit)
        markup = nested_elements(chain, indent, style, newline)
        append_child(editor, parent, markup, indent, newline)


class AppcmdDocument(AppHostDocument):
    """``appcmd list site /config /xml`` output: ``<appcmd><SITE ...><site>...</site></SITE>``.

    ``SITE.NAME``, ``SITE.ID``, the ``bindings`` summary and ``state`` change together with the
    inner ``<site>``, so the output feeds ``appcmd add site /in`` directly.
    """

    format: ClassVar[str] = "appcmd-xml"

    def _build_index(self) -> SiteIndex:
        return index_appcmd(self.xml)

    def _scan(self) -> tuple[SiteIndex, tuple[QuickValues | None, ...]]:
        # appcmd's <SITE> wrappers are read by the index alone; every site is read exactly.
        return self._index(), ()

    @property
    def is_iis_express(self) -> bool:
        return False

    def _set_start(
        self, editor: Editor, entry: SiteEntry, auto_start: bool, *, clone: bool
    ) -> None:
        super()._set_start(editor, entry, auto_start, clone=clone)
        wrapper = entry.wrapper
        if wrapper is not None and self.xml.attribute(wrapper, "state") is not None:
            if not auto_start:
                editor.set_attribute(wrapper, "state", "Stopped")
            elif not clone:
                editor.set_attribute(wrapper, "state", "Started")

    def placeholder_steps(self, handover: Handover) -> tuple[str, ...]:
        return appcmd_steps(handover)

    def keep_only(self, sites: Iterable[SiteKey]) -> None:
        """Remove every ``<SITE>`` but those of ``sites``, so that the document is exactly
        what ``appcmd add site /in`` should add."""
        kept = {self._entry(site).block.start for site in sites}
        editor = self.xml.edit()
        for entry in self._index().sites:
            if entry.block.start not in kept:
                editor.remove_element(entry.block)
        editor.commit()

    def _format_notes(self, entry: SiteEntry, site_id: int, auto_start: bool) -> list[Finding]:
        return [
            Finding(
                Severity.INFO,
                "id-from-file-only",
                f"site id {site_id} was chosen among the sites in this file; check that the "
                "server has no site with that id before `appcmd add site /in`",
                site_id,
                self._line(entry),
            )
        ]


def _named(xml: XmlDocument, parent: Element, name: str) -> Iterable[Element]:
    return (c for c in xml.children(parent) if c.name == name)


def _pool_name(pool: str, old_site: str, new_site: str, *, single: bool) -> str:
    """A name for the clone's copy of ``pool``: the site name swapped in, else appended."""
    if name_key(pool) == name_key(old_site):
        return new_site
    position = name_key(pool).find(name_key(old_site))
    if position >= 0:
        return pool[:position] + new_site + pool[position + len(old_site) :]
    return new_site if single else f"{new_site} {pool}"


def _duplicates(sites: Sequence[Site]) -> list[Finding]:
    findings: list[Finding] = []
    by_id: dict[int, Site] = {}
    by_name: dict[str, Site] = {}
    for site in sites:
        first = by_id.setdefault(site.id, site)
        if first is not site:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "duplicate-site-id",
                    f"sites {first.name!r} and {site.name!r} both have id {site.id}",
                    site.id,
                    site.line,
                )
            )
        first = by_name.setdefault(name_key(site.name), site)
        if first is not site:
            findings.append(
                Finding(
                    Severity.ERROR,
                    "duplicate-site-name",
                    f"sites {first.id} and {site.id} are both named {site.name!r} "
                    "(names compare case-insensitively)",
                    site.id,
                    site.line,
                )
            )
    return findings
