"""An offline audit of every https endpoint of a configuration: what serves it, and with what.

For each https binding (and each FTP site with TLS) the audit says which certificate serves it
now and how: for IIS 7+ web sites, the HTTP.sys entry found as HTTP.sys finds it (from
``netsh http show sslcert`` output); for IIS 6 and FTP sites, the thumbprint the file holds.
When the certificate itself is among the files given, it also says when it expires and whether
it covers the binding's host name.  The findings are the problems users meet at renewal time:
bindings left without a certificate, certificates expired or about to expire, host names not
covered, HTTP.sys entries that serve nothing, and one IP:port entry serving several sites (a new
certificate for one of them is a new certificate for all).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterable, Sequence

import attrs
from cryptography import x509

from metaclone import httpsys
from metaclone.certs import LoadedCertificate, check_server_auth, uncovered_hosts
from metaclone.document import ConfigDocument
from metaclone.errors import UnsupportedDocumentError
from metaclone.httpsys import Endpoint, EndpointKind, SslCertEntry
from metaclone.messages import listing
from metaclone.model.sites import Binding, Finding, Severity, Site, SiteKind

#: What ``served_by`` says when the configuration file itself holds the certificate.
SERVED_BY_FILE = "config"

DEFAULT_WARN_DAYS = 30


# -- the report ------------------------------------------------------------------------------


@attrs.frozen
class CertificateSummary:
    """What the audit shows of a certificate file: names, expiry and whether a key came with it."""

    subject: str
    sans: tuple[str, ...]
    not_after: datetime.datetime
    days_left: int
    has_private_key: bool

    @classmethod
    def of(cls, loaded: LoadedCertificate, now: datetime.datetime) -> CertificateSummary:
        try:
            names = loaded.certificate.extensions.get_extension_for_class(
                x509.SubjectAlternativeName
            ).value
            sans = tuple(
                str(n.value) for n in names if isinstance(n, x509.DNSName | x509.IPAddress)
            )
        except x509.ExtensionNotFound:
            sans = ()
        days_left = (loaded.not_after - now) // datetime.timedelta(days=1)
        return cls(loaded.subject, sans, loaded.not_after, days_left, loaded.has_private_key)

    def to_json(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "sans": list(self.sans),
            "not_after": self.not_after.isoformat(),
            "days_left": self.days_left,
            "has_private_key": self.has_private_key,
        }


@attrs.frozen
class AuditRow:
    """One https binding (or FTP binding with TLS) and the certificate that serves it.

    ``endpoint`` is the HTTP.sys key a certificate change for the binding would write (None for
    FTP); ``served_by`` the HTTP.sys entry that serves it now, :data:`SERVED_BY_FILE` when the
    configuration file holds the certificate (IIS 6, FTP), or None.  ``certificate`` is filled
    when the served certificate was among the files given; ``covers_host`` is None when there
    is no certificate file or the binding has no host name.
    """

    site_id: int
    site_name: str
    binding: str
    endpoint: str | None
    served_by: str | None
    thumbprint: str | None
    certificate: CertificateSummary | None
    covers_host: bool | None

    def to_json(self) -> dict[str, object]:
        return {
            "site_id": self.site_id,
            "site_name": self.site_name,
            "binding": self.binding,
            "endpoint": self.endpoint,
            "served_by": self.served_by,
            "thumbprint": self.thumbprint,
            "certificate": self.certificate.to_json() if self.certificate else None,
            "covers_host": self.covers_host,
        }


@attrs.frozen
class AuditFinding:
    """A :class:`~metaclone.model.sites.Finding` of the audit, with the endpoint it is about."""

    finding: Finding
    endpoint: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.finding.severity.value,
            "code": self.finding.code,
            "message": self.finding.message,
            "site_id": self.finding.site_id,
            "endpoint": self.endpoint,
        }


@attrs.frozen
class AuditReport:
    """What :func:`audit` found: one row per audited binding, and the findings."""

    format: str
    path: str
    rows: tuple[AuditRow, ...]
    located_findings: tuple[AuditFinding, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f.finding for f in self.located_findings)

    @property
    def has_problems(self) -> bool:
        """Whether any finding is an error or a warning."""
        return any(f.severity is not Severity.INFO for f in self.findings)

    def to_json(self) -> dict[str, object]:
        return {
            "format": self.format,
            "path": self.path,
            "bindings": [row.to_json() for row in self.rows],
            "findings": [f.to_json() for f in self.located_findings],
        }

    def to_text(self) -> str:
        """The report for people: a block per binding, then one line per finding."""
        return "".join(line + "\n" for line in self.text_lines())

    def text_lines(self) -> list[str]:
        """The lines of :meth:`to_text` (a value holding a line end stays in its line)."""
        lines = [f"{self.path}: {self.format}, {len(self.rows)} TLS binding(s)"]
        for row in self.rows:
            lines.extend(_row_lines(row))
        for located in self.located_findings:
            finding = located.finding
            lines.append(
                f"{self.path}: {finding.severity.value}: {finding.message} [{finding.code}]"
            )
        problems = sum(1 for f in self.findings if f.severity is not Severity.INFO)
        lines.append(f"{self.path}: {problems} problem(s), {len(self.findings)} finding(s)")
        return lines


def _row_lines(row: AuditRow) -> list[str]:
    served = {None: "nothing", SERVED_BY_FILE: "the configuration file"}.get(
        row.served_by, row.served_by
    )
    lines = [
        f"  site {row.site_id} {row.site_name!r}  {row.binding}",
        f"      endpoint {row.endpoint or '-'}, served by {served}, "
        f"thumbprint {row.thumbprint or '-'}",
    ]
    cert = row.certificate
    if cert is not None:
        covers = {True: "yes", False: "NO", None: "-"}[row.covers_host]
        key = "with private key" if cert.has_private_key else "no private key given"
        lines.append(
            f"      {cert.subject}; names: {', '.join(cert.sans) or '-'}; "
            f"expires {cert.not_after:%Y-%m-%d} ({cert.days_left} days); "
            f"covers host: {covers}; {key}"
        )
    return lines


# -- the audit -------------------------------------------------------------------------------


def audit(
    doc: ConfigDocument,
    entries: Sequence[SslCertEntry] | None = None,
    certificates: Iterable[LoadedCertificate] = (),
    warn_days: int = DEFAULT_WARN_DAYS,
    now: datetime.datetime | None = None,
) -> AuditReport:
    """Audit every https binding of ``doc`` (and every FTP site with TLS) at ``now``.

    ``entries`` is parsed ``netsh http show sslcert`` output, for IIS 7+ files (whose web
    certificates live in HTTP.sys); ``certificates`` are the certificate files to compare with
    (:func:`metaclone.certs.files.collect_certificates`); a certificate that expires in fewer
    than ``warn_days`` days is reported.  ``now`` defaults to the present (a naive datetime is
    taken as UTC).

    Finding codes: ``expired-certificate`` and ``not-yet-valid-certificate`` (errors);
    ``expiring-certificate``, ``host-not-covered``, ``not-server-certificate`` (its extended key
    usage lacks server authentication), ``missing-certificate`` (no entry serves the binding)
    and ``orphaned-sslcert`` (an entry of this server's application that serves no binding)
    (warnings); ``shared-sslcert-endpoint`` (several sites served through one IP:port
    entry), ``unknown-certificate`` (no file given for a served certificate) and
    ``sslcert-not-given`` (IIS 7+ without netsh output) (notes).  Codes that ``check`` also
    reports keep its severity.

    Raises :class:`~metaclone.errors.UnsupportedDocumentError` when ``entries`` is given for a
    file that holds its certificates itself (IIS 6), and
    :class:`~metaclone.errors.NetshParseError` for an endpoint listed twice in ``entries``.
    """
    moment = now or datetime.datetime.now(datetime.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    in_file = doc.certificates_in_file
    if entries is not None and in_file:
        raise UnsupportedDocumentError(
            f"netsh output applies to IIS 7+ files; this is {doc.format}, which keeps its "
            "certificates in the file itself",
            path=doc.path,
        )
    auditor = _Auditor(
        in_file=in_file,
        index=httpsys.index_entries(entries) if entries is not None else None,
        certificates=tuple(certificates),
        warn_days=warn_days,
        now=moment,
    )
    rows = [row for site in doc.sites for row in auditor.site_rows(site)]
    auditor.endpoint_findings(entries or (), doc.app_id)
    return AuditReport(doc.format, doc.path, tuple(rows), tuple(auditor.findings))


def _label(site: Site) -> str:
    return f'site "{site.name}" (id {site.id})'


class _Auditor:
    """The state of one audit: the entries and files given, and what was found so far."""

    def __init__(
        self,
        *,
        in_file: bool,
        index: dict[Endpoint, SslCertEntry] | None,
        certificates: tuple[LoadedCertificate, ...],
        warn_days: int,
        now: datetime.datetime,
    ) -> None:
        self.in_file = in_file
        self.index = index
        self.by_thumbprint = {c.thumbprint: c for c in certificates}
        self.by_file_name = {os.path.basename(c.path).lower(): c for c in certificates}
        self.warn_days = warn_days
        self.now = now
        self.findings: list[AuditFinding] = []
        self.notes: list[AuditFinding] = []
        self.used: set[Endpoint] = set()
        self.httpsys_rows = 0
        # Certificates (or central store files) already reported as not given: once each.
        self.unknown: set[str | None] = {None}
        # Sites served through each IP:port, with the thumbprint each is served.
        self.ipport_users: dict[Endpoint, dict[int, tuple[Site, str | None]]] = {}

    def add(
        self, severity: Severity, code: str, message: str, site: Site | None, endpoint: str | None
    ) -> None:
        finding = Finding(
            severity, code, message, site.id if site else None, site.line if site else None
        )
        target = self.notes if severity is Severity.INFO else self.findings
        target.append(AuditFinding(finding, endpoint))

    def site_rows(self, site: Site) -> list[AuditRow]:
        if site.kind is SiteKind.FTP:
            if site.certificate is None:
                return []
            return [self.file_row(site, b, None) for b in site.bindings]
        rows: list[AuditRow] = []
        for binding in site.secure_bindings:
            endpoint = httpsys.endpoint_for(binding)
            if self.in_file:
                rows.append(self.file_row(site, binding, endpoint))
            else:
                rows.append(self.httpsys_row(site, binding, endpoint))
        return rows

    def file_row(self, site: Site, binding: Binding, endpoint: Endpoint | None) -> AuditRow:
        ref = binding.certificate or site.certificate
        thumbprint = ref.thumbprint if ref else None
        where = str(endpoint) if endpoint else None
        if ref is None:
            self.add(
                Severity.WARNING,
                "missing-certificate",
                f"{_label(site)} binding {binding.summary} has no certificate: the file names "
                "none for the site (a pending certificate request leaves it so)",
                site,
                where,
            )
        elif endpoint is not None and endpoint.kind is EndpointKind.IPPORT:
            self.ipport_users.setdefault(endpoint, {})[site.id] = (site, thumbprint)
        served = SERVED_BY_FILE if ref else None
        return self.row(
            site, binding, endpoint=where, served_by=served, thumbprint=thumbprint, store_file=None
        )

    def httpsys_row(self, site: Site, binding: Binding, endpoint: Endpoint | None) -> AuditRow:
        where = str(endpoint) if endpoint else None
        self.httpsys_rows += 1
        if self.index is None:
            known = binding.certificate.thumbprint if binding.certificate else None
            return self.row(
                site, binding, endpoint=where, served_by=None, thumbprint=known, store_file=None
            )
        entry = httpsys.served_by(binding, self.index)
        if entry is None:
            tried = listing(str(e) for e in httpsys.resolution_order(binding)) or "none"
            self.add(
                Severity.WARNING,
                "missing-certificate",
                f"{_label(site)} binding {binding.summary} has no certificate: no HTTP.sys entry "
                f"serves it (looked for {tried})",
                site,
                where,
            )
            return self.row(
                site, binding, endpoint=where, served_by=None, thumbprint=None, store_file=None
            )
        self.used.add(entry.endpoint)
        if entry.endpoint.kind is EndpointKind.IPPORT:
            self.ipport_users.setdefault(entry.endpoint, {})[site.id] = (site, entry.thumbprint)
        store_file = None
        if entry.endpoint.kind is EndpointKind.CCS and binding.host:
            store_file = httpsys.central_store_file(binding.host)
            found = self.by_file_name.get(store_file)
            thumbprint = found.thumbprint if found else None
        else:
            thumbprint = entry.thumbprint
        return self.row(
            site,
            binding,
            endpoint=where,
            served_by=str(entry.endpoint),
            thumbprint=thumbprint,
            store_file=store_file,
        )

    def row(
        self,
        site: Site,
        binding: Binding,
        *,
        endpoint: str | None,
        served_by: str | None,
        thumbprint: str | None,
        store_file: str | None,
    ) -> AuditRow:
        loaded = self.by_thumbprint.get(thumbprint) if thumbprint else None
        summary = CertificateSummary.of(loaded, self.now) if loaded else None
        covers: bool | None = None
        if loaded is not None:
            covers = self.certificate_findings(site, binding, endpoint, loaded)
        elif served_by is not None and (unknown := thumbprint or store_file) not in self.unknown:
            self.unknown.add(unknown)
            what = f"certificate {thumbprint}" if thumbprint else f"central store file {store_file}"
            self.add(
                Severity.INFO,
                "unknown-certificate",
                f"{_label(site)} binding {binding.summary} is served with {what}, which is not "
                "among the certificate files given (--certs): its expiry and names are not checked",
                site,
                endpoint,
            )
        fields = (site.id, site.name, binding.summary, endpoint, served_by, thumbprint)
        return AuditRow(*fields, summary, covers)

    def certificate_findings(
        self, site: Site, binding: Binding, endpoint: str | None, loaded: LoadedCertificate
    ) -> bool | None:
        """Report the served certificate's validity and coverage; whether it covers the host."""
        who = (
            f"{_label(site)} binding {binding.summary}: certificate {loaded.subject} "
            f"({loaded.thumbprint})"
        )
        expiry = f"{loaded.not_after:%Y-%m-%d %H:%M} UTC"
        days = (loaded.not_after - self.now) // datetime.timedelta(days=1)
        if self.now > loaded.not_after:
            self.add(
                Severity.ERROR, "expired-certificate", f"{who} expired on {expiry}", site, endpoint
            )
        elif self.now < loaded.not_before:
            self.add(
                Severity.ERROR,
                "not-yet-valid-certificate",
                f"{who} is not valid before {loaded.not_before:%Y-%m-%d %H:%M} UTC",
                site,
                endpoint,
            )
        elif days < self.warn_days:
            self.add(
                Severity.WARNING,
                "expiring-certificate",
                f"{who} expires on {expiry}, in {days} day(s) (warning below {self.warn_days})",
                site,
                endpoint,
            )
        usage = check_server_auth(loaded, allow_any_eku=True)
        if usage is not None:
            self.add(Severity.WARNING, "not-server-certificate", f"{who}: {usage}", site, endpoint)
        host = binding.host or ""
        if not host:
            return None
        if uncovered_hosts(loaded, [host]):
            names = listing(loaded.dns_names) or "no host name"
            self.add(
                Severity.WARNING,
                "host-not-covered",
                f"{who} does not cover {host} (it names {names})",
                site,
                endpoint,
            )
            return False
        return True

    def endpoint_findings(self, entries: Iterable[SslCertEntry], app_id: str) -> None:
        """Report IP:port entries shared by several sites, and entries that serve nothing."""
        for endpoint, users in self.ipport_users.items():
            if len(users) < 2:
                continue
            names = listing(f'"{site.name}" (id {site.id})' for site, _ in users.values())
            thumbprints = sorted({t for _, t in users.values() if t})
            what = (
                f"one certificate ({thumbprints[0]})"
                if len(thumbprints) == 1
                else f"certificates {', '.join(thumbprints)} configured on one address"
            )
            self.add(
                Severity.INFO,
                "shared-sslcert-endpoint",
                f"{endpoint} serves sites {names} with {what}: a new certificate for one of them "
                "is the new certificate of all; give each its own IP address or use SNI",
                None,
                str(endpoint),
            )
        for entry in entries:
            if entry.endpoint in self.used or entry.app_id not in (app_id, None):
                continue
            self.add(
                Severity.WARNING,
                "orphaned-sslcert",
                f"HTTP.sys entry {entry.endpoint} (netsh output line {entry.line}, certificate "
                f"{entry.thumbprint or '-'}) serves no binding of this file (a leftover, or "
                "shadowed by an entry HTTP.sys tries first); delete it with "
                f"'netsh http delete sslcert {entry.endpoint}' once nothing else needs it",
                None,
                str(entry.endpoint),
            )
        if self.index is None and self.httpsys_rows:
            self.add(
                Severity.INFO,
                "sslcert-not-given",
                "IIS 7+ keeps web certificates in HTTP.sys: give the output of 'netsh http show "
                "sslcert' (--sslcert) to see which certificate serves each binding",
                None,
                None,
            )
        self.findings.extend(self.notes)
        self.notes = []
