"""Certificate files: load X.509 (PEM, DER), PKCS#12 and PKCS#7, and check what IIS needs.

IIS refers to a certificate by its SHA-1 thumbprint.  This module turns a certificate file into
that thumbprint plus what a user should see before trusting the change: subject, issuer, host
names, validity, and for PKCS#12 files whether the private key is there and belongs to the
certificate.  The format is taken from the content, not the file name.
"""

from __future__ import annotations

import bisect
import datetime
import importlib
import ipaddress
import os
import re
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, cast

import attrs
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.utils import CryptographyDeprecationWarning
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from metaclone.errors import (
    CertificateError,
    CertificateKeyError,
    CertificateUsageError,
    CertificateValidityError,
)
from metaclone.lossless.files import read_input
from metaclone.messages import listing, shorten
from metaclone.model.sites import CertificateRef, Site, normalize_thumbprint

#: The formats :func:`load_certificate` reads, for messages.
SUPPORTED_FORMATS = (
    "X.509 PEM or DER (.cer, .crt, .pem), PKCS#12 (.pfx, .p12) or PKCS#7 (.p7b, PEM or DER)"
)

_PASSWORD_HELP = "give it with --password-env VAR or --password-file FILE"

_PKCS7_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")

PublicKey = PublicKeyTypes


@attrs.frozen
class LoadedCertificate:
    """A certificate read from a file, with what IIS and the user need to know about it.

    ``thumbprint`` is the SHA-1 of the DER encoding in 40 lowercase hex digits (what IIS stores);
    ``not_before``/``not_after`` are aware UTC datetimes; ``dns_names`` are the DNS names of the
    subject alternative names, or the subject's common names when it has none;
    ``has_private_key`` tells whether the file held the matching private key.
    """

    certificate: x509.Certificate
    thumbprint: str
    subject: str
    issuer: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    dns_names: tuple[str, ...]
    has_private_key: bool
    path: str

    @classmethod
    def from_certificate(
        cls,
        certificate: x509.Certificate,
        path: str = "<certificate>",
        has_private_key: bool = False,
    ) -> LoadedCertificate:
        """The facts of a ``cryptography`` certificate object.

        Every field metaclone shows is read here, so that a malformed one (cryptography parses
        lazily) is found when the certificate is loaded rather than when it is shown.
        """
        _serial_number(certificate)
        return cls(
            certificate=certificate,
            thumbprint=normalize_thumbprint(certificate),
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            dns_names=_dns_names(certificate),
            has_private_key=has_private_key,
            path=path,
        )

    def ref(self, store: str = "MY") -> CertificateRef:
        """The certificate as IIS refers to it, in ``store``."""
        return CertificateRef(self.thumbprint, store)

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "thumbprint": self.thumbprint,
            "subject": self.subject,
            "issuer": self.issuer,
            "serial_number": format(_serial_number(self.certificate), "x"),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "dns_names": list(self.dns_names),
            "has_private_key": self.has_private_key,
        }


def _serial_number(certificate: x509.Certificate) -> int:
    """The serial number, without cryptography's warning about one that is not positive."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return certificate.serial_number


def _subject_alternative_names(certificate: x509.Certificate) -> x509.SubjectAlternativeName | None:
    try:
        extension = certificate.extensions.get_extension_for_oid(
            ExtensionOID.SUBJECT_ALTERNATIVE_NAME
        )
    except x509.ExtensionNotFound:
        return None
    return cast(x509.SubjectAlternativeName, extension.value)


def _dns_names(certificate: x509.Certificate) -> tuple[str, ...]:
    names = _subject_alternative_names(certificate)
    if names is not None:
        dns = names.get_values_for_type(x509.DNSName)
        if dns:
            return tuple(dns)
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return tuple(str(attribute.value) for attribute in common_names)


# -- loading ---------------------------------------------------------------------------------


def load_certificate(
    path: str | os.PathLike[str], password: bytes | None = None
) -> LoadedCertificate:
    """The certificate in the file ``path``.

    Reads X.509 PEM (a chain is fine: the leaf is taken) and DER, PKCS#12 with ``password``
    (None tries no password and the empty one), and PKCS#7 in PEM or DER.  Where a file holds
    several certificates, the one that issued none of the others is taken.

    Raises :class:`~metaclone.errors.CertificateError` for a file that cannot be read, is in no
    supported format, holds several unrelated certificates, or whose PKCS#12 password is wrong or
    missing; :class:`~metaclone.errors.CertificateKeyError` for a PKCS#12 file without the
    private key or with a key that does not match the certificate.
    """
    name, data = read_input(path, CertificateError, "certificate file")
    try:
        with warnings.catch_warnings():
            # cryptography warns of a serial number that is not positive (older Windows tools
            # wrote some), and of other deviations it still reads: IIS takes these certificates.
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            return _load(data, name, password)
    except _MALFORMED as exc:
        # cryptography parses fields lazily: whatever it finds wrong, wherever it finds it.
        raise _damaged(name, "certificate or key", exc) from None


def _load(data: bytes, name: str, password: bytes | None) -> LoadedCertificate:
    """The certificate in ``data``, by the format of its content."""
    if b"-----BEGIN " in data:
        return _load_pem(data, name, password)
    kind = _der_kind(data)
    if kind == "pkcs12":
        return _load_pkcs12(data, name, password)
    if kind == "pkcs7":
        return _load_pkcs7(data, name, pem=False)
    if kind == "x509":
        try:
            certificate = x509.load_der_x509_certificate(data)
        except ValueError as exc:
            raise _damaged(name, "DER certificate", exc) from None
        return LoadedCertificate.from_certificate(certificate, name)
    raise CertificateError(
        f"not a certificate file metaclone can read; expected {SUPPORTED_FORMATS}", path=name
    )


#: What ``cryptography`` raises for a malformed or unsupported certificate or key.
MALFORMED = _MALFORMED = (
    ValueError,
    UnsupportedAlgorithm,
    x509.InvalidVersion,
    x509.DuplicateExtension,
    x509.UnsupportedGeneralNameType,
)


def require_readable(certificate: x509.Certificate, path: str) -> x509.Certificate:
    """``certificate`` once every field metaclone shows has been read from it.

    cryptography parses fields when they are first asked for; this asks for them all, so
    that a malformed one is a :class:`~metaclone.errors.CertificateError` naming ``path`` here,
    not an unexpected exception later.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CryptographyDeprecationWarning)
            LoadedCertificate.from_certificate(certificate, path)
    except _MALFORMED as exc:
        raise _damaged(path, "certificate", exc) from None
    return certificate


def _damaged(path: str, what: str, exc: Exception) -> CertificateError:
    detail = shorten(str(exc) or type(exc).__name__, 200)
    return CertificateError(f"the {what} in this file cannot be read: {detail}", path=path)


def _der_length(data: bytes, at: int) -> tuple[int, int] | None:
    """The length encoded at ``data[at:]`` and where the content starts, or None."""
    if at >= len(data):
        return None
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 4 or at + 1 + count > len(data):
        return None
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def _der_kind(data: bytes) -> str | None:
    """Which DER structure ``data`` is, from its first fields: pkcs12, pkcs7, x509 or None.

    A PKCS#12 PFX starts ``SEQUENCE { INTEGER 3, ...``, a PKCS#7 ContentInfo
    ``SEQUENCE { OID signedData, ...``, an X.509 certificate ``SEQUENCE { SEQUENCE ...``.
    """
    if not data.startswith(b"\x30"):
        return None
    header = _der_length(data, 1)
    if header is None:
        return None
    _, content = header
    inner = data[content : content + len(_PKCS7_SIGNED_DATA_OID)]
    if inner.startswith(b"\x02\x01\x03"):
        return "pkcs12"
    if inner == _PKCS7_SIGNED_DATA_OID:
        return "pkcs7"
    if inner.startswith(b"\x30"):
        return "x509"
    return None


_PEM_MARKER = re.compile(rb"-----(BEGIN|END) ([A-Z0-9 ]++)-----")


def _pem_blocks(data: bytes) -> dict[bytes, list[bytes]]:
    """The complete PEM blocks of ``data`` (BEGIN line to its END line) by label.

    A block runs from ``-----BEGIN X-----`` and a line end to the first ``-----END X-----``
    after it.  The markers are found in one pass and each BEGIN looks up its END among them,
    so that BEGIN lines without an END cost no search of the rest of the file each.
    """
    ends: dict[bytes, list[int]] = {}
    begins: list[tuple[int, int, bytes]] = []
    for marker in _PEM_MARKER.finditer(data):
        label = marker.group(2)
        if marker.group(1) == b"END":
            ends.setdefault(label, []).append(marker.start())
        elif data.startswith(b"\n", marker.end()) or data.startswith(b"\r\n", marker.end()):
            begins.append((marker.start(), marker.end(), label))
    blocks: dict[bytes, list[bytes]] = {}
    done = 0
    for start, body, label in begins:
        if start < done:
            continue  # inside the block before
        candidates = ends.get(label, [])
        found = bisect.bisect_left(candidates, body)
        if found == len(candidates):
            continue
        done = candidates[found] + len(label) + len(b"-----END -----")
        blocks.setdefault(label, []).append(data[start:done])
    return blocks


def _load_pem(data: bytes, path: str, password: bytes | None) -> LoadedCertificate:
    blocks = _pem_blocks(data)
    if b"PKCS7" in blocks:
        return _load_pkcs7(blocks[b"PKCS7"][0], path, pem=True)
    certificates_pem = blocks.get(b"CERTIFICATE", [])
    if not certificates_pem:
        raise CertificateError(
            "this PEM file holds no certificate (found: "
            + (listing(sorted(k.decode() for k in blocks)) or "no complete PEM block")
            + f"); expected {SUPPORTED_FORMATS}",
            path=path,
        )
    try:
        certificates = [x509.load_pem_x509_certificate(block) for block in certificates_pem]
    except ValueError as exc:
        raise _damaged(path, "PEM certificate", exc) from None
    leaf = _leaf(certificates, path)
    key_blocks = [(k, v[0]) for k, v in blocks.items() if k.endswith(b"PRIVATE KEY")]
    if not key_blocks:
        return LoadedCertificate.from_certificate(leaf, path)
    key = _pem_private_key(*key_blocks[0], path, password)
    _check_key(key, leaf, path)
    return LoadedCertificate.from_certificate(leaf, path, has_private_key=True)


def _pem_private_key(
    label: bytes, block: bytes, path: str, password: bytes | None
) -> PrivateKeyTypes:
    """The private key of PEM ``block``: a wrong password and a damaged key are told apart."""
    encrypted = label == b"ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block
    try:
        return serialization.load_pem_private_key(block, password if encrypted else None)
    except TypeError:
        raise CertificateError(
            f"the private key in this PEM file is encrypted; {_PASSWORD_HELP}", path=path
        ) from None
    except UnsupportedAlgorithm as exc:
        raise CertificateError(
            f"the private key in this PEM file is of a kind metaclone cannot read "
            f"({shorten(str(exc), 200)}); IIS needs an RSA or ECDSA (P-256, P-384, P-521) key",
            path=path,
        ) from None
    except ValueError as exc:
        if encrypted:
            raise CertificateError(
                "cannot decrypt the private key in this PEM file: the password is wrong (or "
                f"the key is damaged); {_PASSWORD_HELP}",
                path=path,
            ) from None
        raise CertificateError(
            f"the private key in this PEM file is damaged: {shorten(str(exc), 200)}; export "
            "it again",
            path=path,
        ) from None


def _load_pkcs7(data: bytes, path: str, *, pem: bool) -> LoadedCertificate:
    try:
        if pem:
            certificates = pkcs7.load_pem_pkcs7_certificates(data)
        else:
            certificates = pkcs7.load_der_pkcs7_certificates(data)
    except ValueError as exc:
        raise _damaged(path, "PKCS#7 data", exc) from None
    if not certificates:
        raise CertificateError("this PKCS#7 file holds no certificate", path=path)
    return LoadedCertificate.from_certificate(_leaf(certificates, path), path)


def _load_pkcs12(data: bytes, path: str, password: bytes | None) -> LoadedCertificate:
    attempts = [password] if password is not None else [None, b""]
    for attempt in attempts:
        try:
            key, certificate, others = pkcs12.load_key_and_certificates(data, attempt)
            break
        except ValueError:
            continue
    else:
        reason = "is wrong" if password is not None else "is missing"
        raise CertificateError(
            f"cannot open this PKCS#12 file: its password {reason} (or the file is damaged); "
            + _PASSWORD_HELP,
            path=path,
        )
    if certificate is None:
        # The key was stored without a certificate of its own: the certificate, if any, sits
        # among the others, and may or may not belong to the key.
        if not others:
            raise CertificateError("this PKCS#12 file holds no certificate", path=path)
        own = [c for c in others if key is not None and _same_key(key, c)]
        certificate = own[0] if len(own) == 1 else _leaf(others, path)
    if key is None:
        raise CertificateKeyError(
            f"this PKCS#12 file holds certificate {certificate.subject.rfc4514_string()} but not "
            "its private key; export it again with the private key "
            "('Yes, export the private key' in the certificate export wizard)",
            path=path,
        )
    _check_key(key, certificate, path)
    return LoadedCertificate.from_certificate(certificate, path, has_private_key=True)


def _public_bytes(key: PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _same_key(key: PrivateKeyTypes, certificate: x509.Certificate) -> bool:
    return _public_bytes(key.public_key()) == _public_bytes(certificate.public_key())


def _check_key(key: PrivateKeyTypes, certificate: x509.Certificate, path: str) -> None:
    if not _same_key(key, certificate):
        raise CertificateKeyError(
            f"the private key in this file does not belong to certificate "
            f"{certificate.subject.rfc4514_string()} ({normalize_thumbprint(certificate)}); "
            "export the certificate again together with its own private key",
            path=path,
        )


def _leaf(certificates: Sequence[x509.Certificate], path: str) -> x509.Certificate:
    """The one certificate of a set that issued none of the others."""
    if len(certificates) == 1:
        return certificates[0]
    leaves = [
        candidate
        for candidate in certificates
        if not any(
            other is not candidate and other.issuer == candidate.subject for other in certificates
        )
    ]
    if len(leaves) == 1:
        return leaves[0]
    candidates = listing(
        (
            f"{shorten(c.subject.rfc4514_string())} ({normalize_thumbprint(c)})"
            for c in leaves or certificates
        ),
        "; ",
    )
    raise CertificateError(
        f"this file holds {len(certificates)} certificates and it is not clear which one is "
        f"meant: {candidates}. Export the one you mean on its own (e.g. as a .cer file) or give "
        "its thumbprint",
        path=path,
    )


# -- checks ----------------------------------------------------------------------------------


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


def _normal_host(host: str) -> str:
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
    names = _subject_alternative_names(certificate)
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
    names = [_normal_host(name) for name in certificate.dns_names]
    addresses = _ip_names(certificate.certificate)
    missing: list[str] = []
    seen: set[str] = set()
    for host in hosts:
        normal = _normal_host(host)
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
    listed = listing(_USAGE_NAMES.get(oid, oid.dotted_string) for oid in usage)
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


# -- passwords -------------------------------------------------------------------------------


def password_from_env(variable: str) -> bytes:
    """The password in environment variable ``variable``, UTF-8 encoded."""
    value = os.environ.get(variable)
    if value is None:
        raise CertificateError(
            f"environment variable {variable} is not set; set it to the certificate's password"
        )
    return value.encode("utf-8")


def password_from_file(path: str | os.PathLike[str]) -> bytes:
    """The password in the file ``path``, without one trailing newline (LF or CRLF)."""
    _, data = read_input(path, CertificateError, "the password file")
    if data.endswith(b"\r\n"):
        return data[:-2]
    if data.endswith(b"\n"):
        return data[:-1]
    return data


# -- keys, and the tools built on this module ------------------------------------------------


def key_matches(key: PrivateKeyTypes, certificate: x509.Certificate) -> bool:
    """Whether the private ``key`` is the one whose public half ``certificate`` carries."""
    return _same_key(key, certificate)


# The audit, the signing request and the PFX packing live in modules of their own (they build
# on this one); their names are reachable from here too, loaded on first use so that importing
# this module does not import them.
_ELSEWHERE = {
    **dict.fromkeys(
        ("AuditFinding", "AuditReport", "AuditRow", "audit"), "metaclone.workflow.audit"
    ),
    **dict.fromkeys(
        ("collect_certificates", "load_private_key", "write_new_file"), "metaclone.certs.files"
    ),
    **dict.fromkeys(
        ("CsrResult", "PackedPfx", "make_csr", "order_chain", "pack_pfx"),
        "metaclone.certs.request",
    ),
}


def __getattr__(name: str) -> Any:
    module = _ELSEWHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
