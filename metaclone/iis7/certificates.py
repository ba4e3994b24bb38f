"""The certificates of IIS 7+ sites: HTTP.sys plans for web sites, the file for FTP sites.

Certificates of https bindings live in HTTP.sys, not in the file: certificate operations on web
sites return an :class:`~metaclone.httpsys.HttpSysPlan` and leave the file alone.  FTP sites keep
theirs in ``ftpServer/security/ssl``, which is edited in place.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from metaclone import httpsys
from metaclone.document import SiteKey
from metaclone.errors import (
    CertificateError,
    MetacloneError,
    SiteError,
)
from metaclone.iis7.bindings import SiteBindings
from metaclone.iis7.index import (
    SiteElement,
    SiteIndex,
)
from metaclone.iis7.listing import QuickValues, quick_bindings, quick_values
from metaclone.lazy import lazy_function
from metaclone.lossless import Editor
from metaclone.model.build import paused_garbage_collection
from metaclone.model.sites import (
    Binding,
    CertificateInput,
    CertificateRef,
    Severity,
    Site,
    SiteKind,
    normalize_thumbprint,
)

if TYPE_CHECKING:
    from metaclone.httpsys import HttpSysPlan, SslCertEntry
    from metaclone.model.sites import Finding
else:
    # Built by the commands that read or find them (see metaclone.model.sites).
    Finding = lazy_function("metaclone.model.findings", "Finding")

#: The most text read at a time for the sites a plan looks at.
_WINDOW = 1 << 20


class SiteCertificates(SiteBindings):
    """Attached HTTP.sys entries, and setting, removing and swapping certificates."""

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
        self._forget_sites()

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
            self._plan_sites(targets),
            targets,
            self._sslcerts if self._sslcerts_attached else None,
            app_id=self.app_id,
        )

    def _plan_sites(self, targets: Iterable[int]) -> Sequence[Site]:
        """The sites a plan for ``targets`` looks at: the targets and every site that may share
        an HTTP.sys entry the plan may change (see :func:`sharing_candidates`), else every site.

        A plan changes no entry of the central certificate store (it warns about the store's
        file instead), so it names no site bound there: those entries are left out."""
        # Only certificate plans look for sharing sites: a listing does not load the search
        # (nor HTTP.sys endpoints).
        from metaclone.iis7.sharing import sharing_candidates  # noqa: PLC0415

        index = self._index()
        try:
            chosen = [self._entry(target) for target in targets]
        except MetacloneError:
            return self.sites  # ids that do not tell one site: the plan says what is wrong
        endpoints = {
            endpoint
            for entry in chosen
            for binding in self._read_site(entry, index).secure_bindings
            if (endpoint := httpsys.endpoint_for(binding)) is not None
            and endpoint.kind is not httpsys.EndpointKind.CCS
        }
        found = sharing_candidates(self.xml.readable(), index.sites, endpoints, self._defaults()[1])
        if found is None:
            return self.sites
        wanted = sorted({entry.start: entry for entry in (*found, *chosen)}.items())
        with paused_garbage_collection():
            return self._candidate_sites(
                [entry for _, entry in wanted],
                index,
                {str(endpoint) for endpoint in endpoints},
                {entry.start for entry in chosen},
            )

    def _candidate_sites(
        self,
        entries: Sequence[SiteElement],
        index: SiteIndex,
        endpoints: Collection[str] | None = None,
        targets: Collection[int] = (),
    ) -> list[Site]:
        """The sites of ``entries`` (in file order) as :meth:`_read_site` reads them: from the
        values the listing pass reads of a site's own stretch of the text when it is written
        the way IIS writes it, else exactly.  An entry of every address makes most https sites
        candidates: they are read from windows of the text holding many of them, and their
        lines counted on from one to the next.  With ``endpoints`` (HTTP.sys entries as netsh
        writes them), a candidate read from those values whose bindings are on none of them is
        left out, but for the sites starting at ``targets``: only a site on one of them can
        share it, and a site that shares nothing is no more read than one that does not hold
        the port."""
        text = self.xml.readable()
        quick = self.dialect.listing_pass and not self.exact
        sites: list[Site] = []
        window, origin = "", 0
        line, counted_to = 1, 0
        for number, entry in enumerate(entries):
            if entry.start < origin or entry.end > origin + len(window):
                # The window reaches the end of the last site that ends within WINDOW.
                reach, later = entry.end, number + 1
                while later < len(entries) and entries[later].end - entry.start <= _WINDOW:
                    reach = max(reach, entries[later].end)
                    later += 1
                window, origin = self.xml.excerpt(entry.start, reach), entry.start
            if counted_to >= origin:
                line += window.count("\n", counted_to - origin, entry.start - origin)
            else:
                line += text.count("\n", counted_to, entry.start)
            counted_to = entry.start
            values = None
            if quick and entry.wrapper is None:
                values = quick_values(window, entry.start - origin, entry.end - origin)
            if values is not None and values[0] == entry.name and values[1] == str(entry.id):
                if endpoints is None or entry.start in targets or _may_share(values, endpoints):
                    sites.append(self._quick_site(entry, values, index, line))
            else:
                sites.append(self._read_site(entry, index, line))
        return sites

    def _set_ftp_certificate(self, entry: SiteElement, certificate: CertificateRef | None) -> None:
        editor = self.xml.edit()
        self._write_ftp_certificate(editor, entry, certificate)
        editor.commit()

    def _write_ftp_certificate(
        self, editor: Editor, entry: SiteElement, certificate: CertificateRef | None
    ) -> None:
        # How markup is written is imported by the edits that write some: a listing does not.
        from metaclone.iis7.style import (  # noqa: PLC0415
            append_child,
            child_indentation,
            nested_elements,
            style_of,
        )

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


def _may_share(values: QuickValues, endpoints: Collection[str]) -> bool:
    """Whether the site the listing pass read ``values`` of has a binding on one of the
    entries written ``endpoints`` (or a binding only the exact reader reads, which may be)."""
    bindings = quick_bindings(values)
    if bindings is None:
        return True
    return any(httpsys.endpoint_text(binding) in endpoints for binding in bindings)
