"""A new certificate without a gap: the signing request made offline, and the PFX IIS imports.

Requesting a certificate in IIS Manager (IIS 6) wipes the site's SSL settings until the request
is completed.  A request made here changes nothing in the configuration: :func:`make_csr` reads
the site's host names and writes a PKCS#10 request and its private key; when the CA has issued
the certificate, :func:`pack_pfx` checks it against the key, its chain and the site, and packs
the PKCS#12 file that IIS imports.  ``cert set`` or ``placeholder finish`` then installs it.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from collections.abc import Iterable, Sequence

import attrs
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from metaclone.certs import (
    LoadedCertificate,
    check_server_auth,
    check_validity,
    key_matches,
    uncovered_hosts,
)
from metaclone.certs.checks import normal_host
from metaclone.certs.files import load_private_key
from metaclone.errors import (
    CertificateChainError,
    CertificateError,
    CertificateKeyError,
    CertificateRequestError,
)
from metaclone.lossless.files import read_input
from metaclone.model.lookup import SiteKey, SiteSource
from metaclone.model.rules import host_name_problem
from metaclone.model.sites import Site

#: The key types :func:`make_csr` generates; rsa2048 is what CAs and IIS 6 expect.
KEY_TYPES = ("rsa2048", "rsa3072", "rsa4096", "ec256", "ec384")
DEFAULT_KEY_TYPE = "rsa2048"

#: Key derivation rounds of the PFX: the legacy (3DES) form as Windows exports it, and the
#: AES-256 form as current tools write it.
LEGACY_KDF_ROUNDS = 2000
MODERN_KDF_ROUNDS = 20000

# X.520: a common name has at most 64 characters.
_MAX_COMMON_NAME = 64

CsrKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
_PFX_KEY_TYPES = (
    rsa.RSAPrivateKey,
    ec.EllipticCurvePrivateKey,
    dsa.DSAPrivateKey,
    ed25519.Ed25519PrivateKey,
    ed448.Ed448PrivateKey,
)


def generate_key(key_type: str = DEFAULT_KEY_TYPE) -> CsrKey:
    """A new private key of ``key_type`` (one of :data:`KEY_TYPES`)."""
    if key_type.startswith("rsa") and key_type in KEY_TYPES:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(key_type[3:]))
    curves: dict[str, ec.EllipticCurve] = {"ec256": ec.SECP256R1(), "ec384": ec.SECP384R1()}
    if key_type not in curves:
        raise CertificateRequestError(
            f"{key_type!r} is not a key type; choose one of {', '.join(KEY_TYPES)}"
        )
    return ec.generate_private_key(curves[key_type])


# -- the request -----------------------------------------------------------------------------


@attrs.frozen
class CsrResult:
    """A signing request and its key; ``hosts`` are the names requested, ``notes`` for the user."""

    csr: x509.CertificateSigningRequest
    key: CsrKey
    hosts: tuple[str, ...]
    notes: tuple[str, ...]

    def csr_pem(self) -> bytes:
        return self.csr.public_bytes(serialization.Encoding.PEM)

    def key_pem(self, password: bytes | None = None) -> bytes:
        """The key as PKCS#8 PEM, encrypted with ``password`` when one is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(password)
            if password
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )


def request_hosts(site: Site, add_hosts: Iterable[str] = ()) -> tuple[list[str], list[str]]:
    """The host names to request for ``site``, and notes on the bindings left out.

    The host names of the site's https bindings (of all its bindings when it has none), then
    ``add_hosts``; in lower case, each once.  Bindings without a host name (IP-only) are named
    in a note.  Raises :class:`~metaclone.errors.CertificateRequestError` for a host name that
    is not one (the file's or an added one).
    """
    bindings = site.secure_bindings or tuple(b for b in site.bindings if b.host is not None)
    hosts: list[str] = []
    notes: list[str] = []
    for binding in bindings:
        if binding.host:
            hosts.append(binding.host)
        elif binding.host is not None:
            notes.append(
                f"binding {binding.summary} has no host name (it answers on an IP address "
                "and port): nothing is requested for it"
            )
    found: dict[str, None] = {}
    for host in [*hosts, *add_hosts]:
        name = normal_host(host)
        problem = host_name_problem(name)
        if problem is None and _is_ip_address(name):
            problem = "an IP address is not a host name; CAs issue certificates for names"
        if problem is not None:
            raise CertificateRequestError(
                f"cannot request {host!r} for site {site.name!r}: {problem}"
            )
        found.setdefault(name, None)
    return list(found), notes


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_subject(text: str) -> x509.Name:
    """An RFC 4514 distinguished name such as ``CN=shop.example.com,O=Example,C=US``."""
    try:
        name = x509.Name.from_rfc4514_string(text)
    except ValueError as exc:
        reason = f" ({exc})" if str(exc) else ""
        raise CertificateRequestError(
            f"{text!r} is not a distinguished name{reason}; write it as RFC 4514 text, e.g. "
            "CN=shop.example.com,O=Example,C=US"
        ) from None
    if not list(name):
        raise CertificateRequestError(
            "the subject is empty; write it as RFC 4514 text, e.g. CN=shop.example.com,O=Example"
        )
    return name


def make_csr(
    doc: SiteSource,
    site: SiteKey,
    *,
    key_type: str = DEFAULT_KEY_TYPE,
    subject: str | None = None,
    add_hosts: Sequence[str] = (),
    key: CsrKey | None = None,
) -> CsrResult:
    """A PKCS#10 request for ``site`` of ``doc``, with a new key of ``key_type`` (or ``key``).

    The subject alternative names are the site's host names (:func:`request_hosts`), the
    common name the first of them unless ``subject`` gives a distinguished name (RFC 4514
    text), and the server-authentication extended key usage is requested.  ``doc`` is anything
    that finds a site by key, such as a document; it is not changed.  Raises
    :class:`~metaclone.errors.SiteNotFoundError` for an unknown site and
    :class:`~metaclone.errors.CertificateRequestError` for a bad subject or host name, or a
    site with no host name and no subject.
    """
    chosen = doc.site(site)
    hosts, notes = request_hosts(chosen, add_hosts)
    name = parse_subject(subject) if subject is not None else None
    if name is None:
        common = next((h for h in hosts if len(h) <= _MAX_COMMON_NAME), None)
        if common is None:
            why = (
                f"its host names are longer than the {_MAX_COMMON_NAME} characters of a "
                "common name; give the subject with --subject"
                if hosts
                else "it has no host name to request; add one with --add-host or give the "
                "subject with --subject"
            )
            raise CertificateRequestError(f"site {chosen.name!r}: {why}")
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])
    key = key if key is not None else generate_key(key_type)
    builder = x509.CertificateSigningRequestBuilder().subject_name(name)
    if hosts:
        # RFC 5280: the names must be critical when the subject is empty; it never is here.
        alternatives = x509.SubjectAlternativeName([x509.DNSName(h) for h in hosts])
        builder = builder.add_extension(alternatives, critical=False)
    builder = builder.add_extension(
        x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
    )
    large_curve = isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size >= 384
    csr = builder.sign(key, hashes.SHA384() if large_curve else hashes.SHA256())
    return CsrResult(csr, key, tuple(hosts), tuple(notes))


# -- the PFX ---------------------------------------------------------------------------------


@attrs.frozen
class PackedPfx:
    """A PKCS#12 file's bytes, the certificate and chain it holds, and warnings for the user."""

    data: bytes
    certificate: LoadedCertificate
    chain: tuple[x509.Certificate, ...]
    friendly_name: str
    warnings: tuple[str, ...] = ()


def certificates_in(path: str | os.PathLike[str]) -> list[x509.Certificate]:
    """Every certificate in the file ``path``: PEM (one or several), DER, or PKCS#7."""
    name, data = read_input(path, CertificateError, "certificate file")
    try:
        if b"-----BEGIN PKCS7-----" in data:
            return pkcs7.load_pem_pkcs7_certificates(data)
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificates(data)
        try:
            return [x509.load_der_x509_certificate(data)]
        except ValueError:
            return pkcs7.load_der_pkcs7_certificates(data)
    except ValueError:
        raise CertificateError(
            "this file holds no certificate metaclone can read (PEM, DER or PKCS#7)", path=name
        ) from None


def _describe(certificate: x509.Certificate) -> str:
    return certificate.subject.rfc4514_string() or "(empty subject)"


def order_chain(
    leaf: x509.Certificate, others: Iterable[x509.Certificate]
) -> list[x509.Certificate]:
    """``others`` in order from the issuer of ``leaf`` upwards, each one checked.

    Each certificate's issuer must be the next one's subject and its signature must verify with
    the next one's key.  Raises :class:`~metaclone.errors.CertificateChainError` for a signature
    that does not verify or a certificate that does not link up to ``leaf``.
    """
    remaining: dict[bytes, x509.Certificate] = {}
    leaf_print = leaf.fingerprint(hashes.SHA256())
    for certificate in others:
        remaining.setdefault(certificate.fingerprint(hashes.SHA256()), certificate)
    remaining.pop(leaf_print, None)
    ordered: list[x509.Certificate] = []
    current = leaf
    while remaining and current.issuer != current.subject:
        issuer = next((c for c in remaining.values() if c.subject == current.issuer), None)
        if issuer is None:
            break
        try:
            current.verify_directly_issued_by(issuer)
        except (InvalidSignature, ValueError, TypeError):
            raise CertificateChainError(
                f"{_describe(issuer)} is named as the issuer of {_describe(current)}, but the "
                "signature does not verify with its key: this chain belongs to another "
                "certificate; get the chain the CA issued with this one"
            ) from None
        ordered.append(issuer)
        del remaining[issuer.fingerprint(hashes.SHA256())]
        current = issuer
    if remaining:
        stray = "; ".join(_describe(c) for c in remaining.values())
        raise CertificateChainError(
            f"these chain certificates do not link up to {_describe(leaf)}: {stray} (each "
            f"certificate's issuer must be the next one's subject; the chain reached "
            f"{_describe(current)}, issued by {current.issuer.rfc4514_string()})"
        )
    return ordered


def _friendly_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    shown = str(names[0].value) if names else _describe(certificate)
    return f"{shown} {certificate.not_valid_after_utc:%Y-%m-%d}"


def pfx_encryption(
    password: bytes, *, legacy: bool = False
) -> serialization.KeySerializationEncryption:
    """How the PFX is encrypted: AES-256-CBC with SHA-256, or the legacy 3DES/SHA-1 form.

    Windows Server 2019 and Windows 10 1709 and later import the AES-256 form; Windows Server
    2016 and older only the legacy one (they report a wrong password for the other).  The
    algorithms are named rather than left to ``BestAvailableEncryption``, so that a library
    upgrade cannot change what Windows is given.
    """
    builder = serialization.PrivateFormat.PKCS12.encryption_builder()
    if legacy:
        builder = (
            builder.kdf_rounds(LEGACY_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
        )
    else:
        builder = (
            builder.kdf_rounds(MODERN_KDF_ROUNDS)
            .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
            .hmac_hash(hashes.SHA256())
        )
    return builder.build(password)


def _certificate_of(
    key: PrivateKeyTypes,
    key_path: str | os.PathLike[str],
    cert_path: str | os.PathLike[str],
) -> tuple[x509.Certificate, list[x509.Certificate]]:
    """The certificate of ``key`` in ``cert_path``, and the file's other certificates."""
    found = certificates_in(cert_path)
    own = [c for c in found if key_matches(key, c)]
    if not own:
        raise CertificateKeyError(
            f"the private key in {os.fspath(key_path)} does not belong to the certificate "
            f"{_describe(found[0])}: use the key the request was made with",
            path=os.fspath(cert_path),
        )
    return own[0], [c for c in found if c is not own[0]]


def pack_pfx(
    key_path: str | os.PathLike[str],
    cert_path: str | os.PathLike[str],
    chain_paths: Sequence[str | os.PathLike[str]],
    password: bytes,
    *,
    hosts: Sequence[str] = (),
    friendly_name: str | None = None,
    legacy: bool = False,
    allow_expired: bool = False,
    allow_any_eku: bool = False,
    now: datetime.datetime | None = None,
    key_password: bytes | None = None,
) -> PackedPfx:
    """The PKCS#12 file IIS imports, from a key, its certificate and the chain.

    The key (encrypted with ``key_password``, else with ``password``) must match the
    certificate (the file may hold the chain after it, as ACME clients write it); the chain
    (those certificates and ``chain_paths``) must link up to it (:func:`order_chain`); the
    certificate must cover every name in ``hosts``, be valid at ``now`` unless
    ``allow_expired``, and allow server authentication unless ``allow_any_eku``.  Nothing is
    written.

    Raises :class:`~metaclone.errors.CertificateKeyError`,
    :class:`~metaclone.errors.CertificateChainError`,
    :class:`~metaclone.errors.CertificateValidityError`,
    :class:`~metaclone.errors.CertificateUsageError` or
    :class:`~metaclone.errors.CertificateError` (no password, hosts not covered, unreadable
    files).
    """
    if not password:
        raise CertificateError("a PFX needs a password; give a non-empty one")
    key = load_private_key(key_path, key_password if key_password is not None else password)
    if not isinstance(key, _PFX_KEY_TYPES):
        raise CertificateKeyError(
            f"a PFX cannot hold a {type(key).__name__}; use an RSA or EC key",
            path=os.fspath(key_path),
        )
    leaf, extra = _certificate_of(key, key_path, cert_path)
    loaded = LoadedCertificate.from_certificate(leaf, os.fspath(cert_path), has_private_key=True)
    checks = [check_validity(loaded, now, allow_expired), check_server_auth(loaded, allow_any_eku)]
    warnings = [w for w in checks if w]
    for chain_path in chain_paths:
        extra.extend(certificates_in(chain_path))
    chain = order_chain(leaf, extra)
    missing = uncovered_hosts(loaded, hosts)
    if missing:
        raise CertificateError(
            f"certificate {loaded.subject} ({loaded.thumbprint}) does not cover "
            f"{', '.join(missing)} (it names {', '.join(loaded.dns_names) or 'no host'}); "
            "request one that names every host of the site",
            path=loaded.path,
        )
    label = friendly_name or _friendly_name(leaf)
    data = pkcs12.serialize_key_and_certificates(
        label.encode("utf-8"), key, leaf, chain or None, pfx_encryption(password, legacy=legacy)
    )
    return PackedPfx(data, loaded, tuple(chain), label, tuple(warnings))
