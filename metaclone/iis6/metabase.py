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

import functools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from metaclone.document import ConfigDocument, SiteKey
from metaclone.errors import (
    CertificateError,
)
from metaclone.iis6.key_api import MetabaseKeys
from metaclone.iis6.keys import (
    INHERITED_PROPERTIES,
    SERVICES,
    WEB,
    MetabaseKey,
    ServerKeyEntry,
)
from metaclone.iis6.lookup import (
    choose_id,
    clone_name,
    entry_by_id,
    entry_of,
    free_name,
    require_own_path,
)
from metaclone.iis6.properties import (
    KeyWriter,
    encode_name,
    inherited_certificate_notes,
    sorted_bindings,
)
from metaclone.iis6.reading import (
    ScannedSite,
    SiteReader,
    may_be_a_site_name,
)
from metaclone.lazy import lazy_function
from metaclone.lossless import Memo
from metaclone.model.site_rules import IIS6_RULES, SiteRules
from metaclone.model.sites import (
    Binding,
    CertificateInput,
    ListedApplication,
    ListedJson,
    ListedSite,
    Site,
    normalize_thumbprint,
)

if TYPE_CHECKING:
    # The steps after a placeholder are told by the placeholder commands alone.
    from metaclone.handover import Handover
    from metaclone.httpsys import HttpSysPlan
    from metaclone.iis6.applications import ScannedApplications, site_applications
    from metaclone.iis6.checks import check_findings
    from metaclone.iis6.cloning import SubtreeCloner
    from metaclone.iis6.listed_applications import applications_json, listed_applications
    from metaclone.iis6.site_columns import check_candidates
    from metaclone.model.sites import Application, Finding
else:
    # What a listing does not run is imported by the first call: the applications of every
    # site, the checks, the copy of a key subtree.
    ScannedApplications = lazy_function("metaclone.iis6.applications", "ScannedApplications")
    site_applications = lazy_function("metaclone.iis6.applications", "site_applications")
    check_findings = lazy_function("metaclone.iis6.checks", "check_findings")
    listed_applications = lazy_function("metaclone.iis6.listed_applications", "listed_applications")
    applications_json = lazy_function("metaclone.iis6.listed_applications", "applications_json")
    check_candidates = lazy_function("metaclone.iis6.site_columns", "check_candidates")
    SubtreeCloner = lazy_function("metaclone.iis6.cloning", "SubtreeCloner")

_SITES: Memo[tuple[Site, ...]] = Memo("iis6 sites")

#: What a listing shows of the applications of each site.
_Applications = Iterator[tuple[ListedApplication, ...]]

__all__ = ["INHERITED_PROPERTIES", "MetabaseDocument", "MetabaseKey", "encode_name"]


class MetabaseDocument(ConfigDocument, MetabaseKeys):
    """An IIS 6 MetaBase.xml or ``iiscnfg /export`` file.

    Malformed content (no ``<MBProperty>``, a key without ``Location``) raises
    :class:`~metaclone.errors.ParseError` with its line and column when the keys are first read.
    The keys and their values are read through :class:`~metaclone.iis6.key_api.MetabaseKeys`.
    """

    format: ClassVar[str] = "iis6-metabase"
    site_rules: ClassVar[SiteRules] = IIS6_RULES
    is_iis: ClassVar[bool] = True

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
        return self.xml.memo(_SITES, lambda: self._reader.read_all(self._scan_sites(), self._index))

    def listed_sites(self, *, secure_sites: bool = False) -> list[ListedSite] | None:
        """See :meth:`ConfigDocument.listed_sites`: read in one pass over the text; None when
        only :attr:`sites` can tell (the one pass cannot read the file, or the keys are
        already indexed)."""
        scanned = self._scan_sites()
        if scanned is None:
            return None
        return self._reader.listed_all(scanned, secure_sites=secure_sites)

    def listed_json(self, *, applications: bool = False) -> ListedJson | None:
        """See :meth:`ConfigDocument.listed_json`, from the one pass over the text (and
        :meth:`_listed_applications`); None where only :attr:`sites` can tell."""
        scanned = self._scan_sites()
        texts = None if scanned is None else self._reader.json_texts(scanned)
        if scanned is None or texts is None:
            return None
        found = self._listed_applications(scanned, whole=True) if applications else None
        jsons = None if found is None else map(applications_json, found)
        return ListedJson(tuple([site.id for site in scanned]), iter(texts), jsons)

    def site(self, key: SiteKey) -> Site:
        """The site with id ``key`` or name ``key``, as :meth:`ConfigDocument.site`.

        Ids are looked up in the key index, so that selecting a site by id does not read every
        site of a large file.
        """
        entry = entry_by_id(self._index(), key)
        return self._read_site(entry) if entry is not None else super().site(key)

    def may_have_site_named(self, name: str) -> bool:
        """Whether any ServerComment of the file reads as ``name`` (see
        :meth:`ConfigDocument.may_have_site_named`): one search of the text, no site read.
        A site without a ServerComment is named "", so only the empty name is not looked up."""
        return not name or "\0" in name or may_be_a_site_name(self.xml.text, name)

    def site_keys(self, site: SiteKey) -> tuple[MetabaseKey, ...]:
        """The keys that belong to ``site``: its server key and every key below it."""
        return self.keys_under(self._site_entry(self.site(site)).key.location)

    def applications(self, site: SiteKey) -> tuple[Application, ...]:
        """The applications of a site in IIS 7's shape: for a web site its keys with an
        ``AppRoot``, for an FTP site one application holding its virtual directories (see
        :mod:`metaclone.iis6.applications`)."""
        return site_applications(self, self.xml, self._entry_of_key(site))

    def listed_sites_and_applications(self) -> tuple[list[ListedSite], _Applications] | None:
        """See :meth:`ConfigDocument.listed_sites_and_applications`: from the one pass."""
        scanned = self._scan_sites()
        if scanned is None:
            return None
        return self._reader.listed_all(scanned), self._listed_applications(scanned)

    def _listed_applications(
        self, scanned: list[ScannedSite], whole: bool = False
    ) -> _Applications:
        found = ScannedApplications(self, self.xml, self._index)
        through = lambda: found.of(scanned, self._reader.site_at, self.applications)  # noqa: E731
        return listed_applications(self, self.xml, self._mbproperty(), scanned, through, whole)

    @functools.cached_property
    def _writer(self) -> KeyWriter:
        return KeyWriter(self.xml, self._index)

    @functools.cached_property
    def _reader(self) -> SiteReader:
        return SiteReader(self.xml, self.inherited)

    def _read_site(self, entry: ServerKeyEntry) -> Site:
        return self._reader.read_entry(entry)

    def _site_entry(self, site: Site) -> ServerKeyEntry:
        return entry_of(self._index(), site, path=self.path, format=self.format)

    def _entry_of_key(self, key: SiteKey) -> ServerKeyEntry:
        """The server key of the site ``key`` selects.  A site read from this document is
        found by its id and line, without reading it again (listing the applications of every
        site would read each twice)."""
        if isinstance(key, Site) and key.line is not None:
            entry = self._index().site_entry_at(SERVICES[key.kind], key.id, key.line)
            if entry is not None:
                return entry
        return self._site_entry(self.site(key))

    def _target(self, site: SiteKey) -> tuple[Site, ServerKeyEntry]:
        """The site an operation changes, refused when its server key's path is not unique.

        Two keys with one Location (a broken file) would both be cloned, deleted or edited.
        """
        found = self.site(site)
        entry = self._site_entry(found)
        require_own_path(found, entry, path=self.path)
        return found, entry

    def _reread(self, entry: ServerKeyEntry) -> Site:
        """The site of ``entry`` after an edit inside or after its server key's start tag.

        Such an edit leaves the key where it was, with its path and line, so the site is read
        at the same offset: an id shared by two sites (a broken file) cannot make the lookup
        ambiguous, and the file need not be indexed again.
        """
        return self._reader.read_entry(entry)

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
        chosen_id = choose_id(self._index(), entry.service, new_id, path=self.path)
        name = clone_name(self._index(), site, new_name, path=self.path)

        cloner = SubtreeCloner(self.xml, self._writer, entry, self.keys_under(entry.key.location))
        with self.inheritance_kept():
            copies = cloner.insert_copy(chosen_id, name, auto_start=auto_start)
        new_site, notes = cloner.read_copy(copies, site, self._reader.site_at)
        self.notes += notes
        return new_site

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
        free_name(self._index(), new_name, found.kind, exclude=found, path=self.path)
        editor = self.xml.edit()
        self._writer.set_property(editor, entry.key, "ServerComment", encode_name(new_name))
        with self.inheritance_kept():
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
            self._writer.set_property(
                editor, entry.key, "ServerAutoStart", "TRUE" if auto_start else "FALSE"
            )
            with self.inheritance_kept():
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
        plain, secure = sorted_bindings(entry.service, bindings, path=self.path)
        editor = self.xml.edit()
        wanted = [("ServerBindings", plain)]
        if entry.service is WEB:
            wanted.append(("SecureBindings", secure))
        self._writer.write_multisz(editor, entry.key, wanted)
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
        self._writer.write_certificate(entry.key, thumbprint, store, path=self.path)
        return None

    def remove_certificate(self, site: SiteKey) -> HttpSysPlan | None:
        """Remove SSLCertHash and SSLStoreName (SecureBindings stay); returns None."""
        entry = self._secure_target(site)
        self._writer.remove_certificate(entry.key)
        self.notes += inherited_certificate_notes(self._reread(entry), entry.service)
        return None

    def swap_certificates(self, a: SiteKey, b: SiteKey) -> HttpSysPlan | None:
        """Exchange the (SSLCertHash, SSLStoreName) pairs of two sites; returns None.

        Each property moves as it is, absence included: a site without a certificate gives
        the other none.  SecureBindings stay with their sites.
        """
        first = self._secure_target(a)
        second = self._secure_target(b)
        if first.position != second.position:
            self._writer.swap_certificates(first.key, second.key)
        return None

    def _secure_target(self, key: SiteKey) -> ServerKeyEntry:
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
        from metaclone.handover import (  # noqa: PLC0415 - see TYPE_CHECKING
            iis6_export_steps,
            iis6_metabase_steps,
        )

        if self.is_export:
            return iis6_export_steps(handover)
        return iis6_metabase_steps(handover, edit_while_running=self.edits_while_running())

    # -- checks ----------------------------------------------------------------------------

    def check(self) -> list[Finding]:
        """Problems in the document's sites.  Errors: two sites with one id
        (``duplicate-site-id``); an AppRoot outside its own site (``approot-outside-site``); two
        sites that start with IIS bound to the same IP:port:host (``duplicate-binding``).
        Warnings: two sites with one name (``duplicate-site-name``); secure bindings without a
        certificate, the state a pending certificate request leaves
        (``waiting-for-certificate``); a COM+ application (AppPackageID, AppWamClsid) shared
        by two sites (``shared-com-package``); a server key named by no site id, which is no
        site (``unnumbered-site-key``)."""
        # The keys are indexed first, and the sites read from the index: the findings of
        # the keys need it, and one pass over the text then finds the sites and the keys.
        candidates = functools.partial(check_candidates, self._reader, self._index(), self.xml.text)
        return check_findings(self.xml, self._index(), lambda: self.sites, candidates)


# -- helpers ---------------------------------------------------------------------------------
