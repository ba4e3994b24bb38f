"""What a certificate must satisfy before IIS uses it: validity dates, the host names of the
sites it serves, and an extended key usage that allows TLS server authentication."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterable
from typing import cast

from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID

from metaclone.certs.certificate import LoadedCertificate, subject_alternative_names
from metaclone.errors import CertificateUsageError, CertificateValidityError
from metaclone.model.sites import Site


def _format_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def check_validity(
    certificate: LoadedCertificate,
    now: datetime.datetime | None = None,
    allow_expired: bool = False,
) -> str | None:
    """Refuse a certificate that is expired or not yet valid at ``now`` (default: the present).

    Raises :class:`~metaclone.errors.CertificateValidityError` with the dates in the message;
    with ``allow_expired`` the same message is returned instead, as a warning.  Returns None
    when the certificate is valid.
    """
    moment = now or datetime.datetime.now(datetime.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    who = f"certificate {certificate.subject} ({certificate.thumbprint})"
    if moment > certificate.not_after:
        problem = f"{who} expired on {_format_time(certificate.not_after)}"
    elif moment < certificate.not_before:
        problem = f"{who} is not valid before {_format_time(certificate.not_before)}"
    else:
        return None
    if allow_expired:
        return problem
    raise CertificateValidityError(
        f"{problem} (valid {_format_time(certificate.not_before)} to "
        f"{_format_time(certificate.not_after)}); use --allow-expired to use it anyway",
        path=certificate.path,
    )


def normal_host(host: str) -> str:
    """``host`` as certificate names are compared: stripped, lower case, no final dot."""
    return host.strip().rstrip(".").lower()


def _covers(name: str, host: str) -> bool:
    """Whether the certificate name ``name`` covers ``host`` (both normalized)."""
    if name == host:
        return True
    if not name.startswith("*."):
        return False
    label, dot, rest = host.partition(".")
    # A wildcard stands for exactly one whole label.
    return bool(dot) and bool(label) and label != "*" and rest == name[2:]


def _ip_names(certificate: x509.Certificate) -> set[str]:
    names = subject_alternative_names(certificate)
    if names is None:
        return set()
    return {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def _as_ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


def uncovered_hosts(certificate: LoadedCertificate, hosts: Iterable[str]) -> list[str]:
    """The host names in ``hosts`` the certificate does not cover, in order, without repeats.

    Names compare case-insensitively; ``*.example.com`` covers ``www.example.com`` but neither
    ``example.com`` nor ``a.b.example.com``.  IP addresses are matched against the IP address
    entries of the subject alternative names.  Empty hosts are skipped.
    """
    names = [normal_host(name) for name in certificate.dns_names]
    addresses = _ip_names(certificate.certificate)
    missing: list[str] = []
    seen: set[str] = set()
    for host in hosts:
        normal = normal_host(host)
        if not normal or normal in seen:
            continue
        seen.add(normal)
        ip = _as_ip(normal)
        covered = ip in addresses if ip is not None else any(_covers(n, normal) for n in names)
        if not covered:
            missing.append(host.strip())
    return missing


def site_hosts(site: Site) -> list[str]:
    """The host names a certificate for ``site`` must cover, in binding order, once each.

    Only the bindings TLS is spoken on count: https, and ftp (FTP over TLS).  An http binding's
    host name never reaches the certificate, and ``*`` or an empty host names no host.
    """
    hosts: dict[str, None] = {}
    for binding in site.bindings:
        if binding.protocol.lower() in ("https", "ftp") and binding.host not in (None, "", "*"):
            hosts.setdefault(binding.host or "")
    return list(hosts)


_USAGE_NAMES = {
    ExtendedKeyUsageOID.CLIENT_AUTH: "client authentication",
    ExtendedKeyUsageOID.CODE_SIGNING: "code signing",
    ExtendedKeyUsageOID.EMAIL_PROTECTION: "e-mail protection",
    ExtendedKeyUsageOID.TIME_STAMPING: "time stamping",
    ExtendedKeyUsageOID.OCSP_SIGNING: "OCSP signing",
}


def _extended_key_usage(certificate: x509.Certificate) -> x509.ExtendedKeyUsage | None:
    try:
        extension = certificate.extensions.get_extension_for_oid(ExtensionOID.EXTENDED_KEY_USAGE)
    except x509.ExtensionNotFound:
        return None
    return cast(x509.ExtendedKeyUsage, extension.value)


def check_server_auth(certificate: LoadedCertificate, allow_any_eku: bool = False) -> str | None:
    """Refuse a certificate whose extended key usage does not allow TLS server authentication.

    A certificate without the extension may be used for anything; one with it must list
    serverAuth (1.3.6.1.5.5.7.3.1) or anyExtendedKeyUsage, or Windows will not offer it to TLS
    clients.  Raises :class:`~metaclone.errors.CertificateUsageError` naming the usages it has;
    with ``allow_any_eku`` the same message is returned instead, as a warning.  Returns None for
    a certificate fit for a web server.
    """
    usage = _extended_key_usage(certificate.certificate)
    if usage is None:
        return None
    allowed = {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE}
    if any(oid in allowed for oid in usage):
        return None
    listed = ", ".join(_USAGE_NAMES.get(oid, oid.dotted_string) for oid in usage)
    problem = (
        f"certificate {certificate.subject} ({certificate.thumbprint}) is not meant for web "
        f"servers: its extended key usage lists {listed or 'nothing'}, not server "
        "authentication"
    )
    if allow_any_eku:
        return problem
    raise CertificateUsageError(
        f"{problem}; use a server certificate, or --allow-any-eku to use it anyway",
        path=certificate.path,
    )
