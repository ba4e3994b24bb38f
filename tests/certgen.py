"""Test certificates, generated on the fly: no private key is kept in the repository."""

from __future__ import annotations

import base64
import datetime
import ipaddress

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

UTC = datetime.UTC
NOW = datetime.datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


Key = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def name(common_name: str | None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Tests")]
    if common_name is not None:
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def make_cert(
    key: Key,
    common_name: str | None = "shop.example.com",
    *,
    dns: tuple[str, ...] = (),
    ips: tuple[str, ...] = (),
    not_before: datetime.datetime = NOW - datetime.timedelta(days=30),
    not_after: datetime.datetime = NOW + datetime.timedelta(days=30),
    issuer: tuple[x509.Name, Key] | None = None,
    ca: bool = False,
    usages: tuple[x509.ObjectIdentifier, ...] = (),
) -> x509.Certificate:
    subject = name(common_name)
    issuer_name, signing_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    alternatives: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
    alternatives += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    if alternatives:
        builder = builder.add_extension(x509.SubjectAlternativeName(alternatives), critical=False)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


# -- hand-made DER, for certificates and keys that cryptography refuses to build --------------


def tlv(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(size)]) + size + content


def sequence(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def integer(value: int) -> bytes:
    size = max(1, (value + (value < 0)).bit_length() // 8 + 1)
    return tlv(0x02, value.to_bytes(size, "big", signed=True))


def oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray([first * 40 + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        remaining = arc >> 7
        while remaining:
            chunk.append(0x80 | (remaining & 0x7F))
            remaining >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def octet_string(content: bytes) -> bytes:
    return tlv(0x04, content)


def bit_string(content: bytes) -> bytes:
    return tlv(0x03, b"\x00" + content)


def explicit(number: int, content: bytes) -> bytes:
    return tlv(0xA0 | number, content)


def der_name(common_name: str) -> bytes:
    attribute = sequence(oid("2.5.4.3"), tlv(0x0C, common_name.encode()))
    return sequence(tlv(0x31, attribute))


ECDSA_SHA256 = sequence(oid("1.2.840.10045.4.3.2"))
SUBJECT_ALT_NAME = "2.5.29.17"
BASIC_CONSTRAINTS = "2.5.29.19"


def extension(dotted: str, value: bytes, critical: bool = False) -> bytes:
    flag = tlv(0x01, b"\xff") if critical else b""
    return sequence(oid(dotted), flag, octet_string(value))


def raw_certificate(
    *,
    version: int = 2,
    serial: int = 1,
    not_before: bytes = tlv(0x17, b"250501000000Z"),
    not_after: bytes = tlv(0x17, b"250701000000Z"),
    extensions: tuple[bytes, ...] = (),
    subject: bytes | None = None,
    public_key: bytes | None = None,
) -> bytes:
    """The DER of a certificate with any field as given (the signature is not valid)."""
    spki = public_key or new_key().public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    name_der = subject or der_name("shop.example.com")
    tbs = sequence(
        explicit(0, integer(version)),
        integer(serial),
        ECDSA_SHA256,
        name_der,
        sequence(not_before, not_after),
        name_der,
        spki,
        *([explicit(3, sequence(*extensions))] if extensions else []),
    )
    return sequence(tbs, ECDSA_SHA256, bit_string(sequence(integer(1), integer(1))))


def pem(label: str, der: bytes) -> bytes:
    body = base64.b64encode(der).decode("ascii")
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----\n".encode("ascii")
