"""Loading certificate files: X.509 (PEM, DER), PKCS#12 and PKCS#7, into a
:class:`~metaclone.certs.certificate.LoadedCertificate` (see :mod:`metaclone.certs`)."""

from __future__ import annotations

import bisect
import os
import re
import warnings
from collections.abc import Sequence

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.utils import CryptographyDeprecationWarning

from metaclone.certs.certificate import LoadedCertificate
from metaclone.errors import CertificateError, CertificateKeyError
from metaclone.lossless.files import read_input
from metaclone.messages import listing, shorten
from metaclone.model.sites import normalize_thumbprint

__all__ = [
    "MALFORMED",
    "SUPPORTED_FORMATS",
    "LoadedCertificate",
    "PublicKey",
    "key_matches",
    "leaf_certificates",
    "load_certificate",
    "open_pkcs12",
    "require_readable",
    "unsupported_key",
]

#: The formats :func:`load_certificate` reads, for messages.
SUPPORTED_FORMATS = (
    "X.509 PEM or DER (.cer, .crt, .pem), PKCS#12 (.pfx, .p12) or PKCS#7 (.p7b, PEM or DER)"
)

_PASSWORD_HELP = "give it with --password-env VAR or --password-file FILE"

_PKCS7_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")

PublicKey = PublicKeyTypes


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
        raise unsupported_key(path, exc, "this PEM file") from None
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


def unsupported_key(
    path: str, exc: UnsupportedAlgorithm, where: str = "this file"
) -> CertificateError:
    """The error for a private key of a kind ``cryptography`` (or IIS) cannot use."""
    return CertificateError(
        f"the private key in {where} is of a kind metaclone cannot read "
        f"({shorten(str(exc), 200)}); IIS needs an RSA or ECDSA (P-256, P-384, P-521) key",
        path=path,
    )


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


#: What a PKCS#12 file holds: its key, its own certificate and the others (the chain).
Pkcs12Content = tuple[PrivateKeyTypes | None, x509.Certificate | None, list[x509.Certificate]]


def open_pkcs12(data: bytes, password: bytes | None) -> Pkcs12Content | None:
    """The content of the PKCS#12 file ``data``, or None when ``password`` does not open it.

    Without a password, no password and then the empty one are tried: Windows exports a PFX
    "without a password" either way.
    """
    for attempt in [password] if password is not None else [None, b""]:
        try:
            return pkcs12.load_key_and_certificates(data, attempt)
        except ValueError:
            continue
    return None


def _load_pkcs12(data: bytes, path: str, password: bytes | None) -> LoadedCertificate:
    content = open_pkcs12(data, password)
    if content is None:
        reason = "is wrong" if password is not None else "is missing"
        raise CertificateError(
            f"cannot open this PKCS#12 file: its password {reason} (or the file is damaged); "
            + _PASSWORD_HELP,
            path=path,
        )
    key, certificate, others = content
    if certificate is None:
        # The key was stored without a certificate of its own: the certificate, if any, sits
        # among the others, and may or may not belong to the key.
        if not others:
            raise CertificateError("this PKCS#12 file holds no certificate", path=path)
        own = [c for c in others if key is not None and key_matches(key, c)]
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


def key_matches(key: PrivateKeyTypes, certificate: x509.Certificate) -> bool:
    """Whether the private ``key`` is the one whose public half ``certificate`` carries."""
    return _public_bytes(key.public_key()) == _public_bytes(certificate.public_key())


def _check_key(key: PrivateKeyTypes, certificate: x509.Certificate, path: str) -> None:
    if not key_matches(key, certificate):
        raise CertificateKeyError(
            f"the private key in this file does not belong to certificate "
            f"{certificate.subject.rfc4514_string()} ({normalize_thumbprint(certificate)}); "
            "export the certificate again together with its own private key",
            path=path,
        )


def leaf_certificates(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    """The certificates of a set that issued none of the others: a chain's own certificate."""
    return [
        candidate
        for candidate in certificates
        if not any(
            other is not candidate and other.issuer == candidate.subject for other in certificates
        )
    ]


def _leaf(certificates: Sequence[x509.Certificate], path: str) -> x509.Certificate:
    """The one certificate of a set that issued none of the others."""
    if len(certificates) == 1:
        return certificates[0]
    leaves = leaf_certificates(certificates)
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
