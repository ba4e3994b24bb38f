"""Certificate files: formats, thumbprints, private keys, validity and host coverage.

Every key and certificate is generated here; no private key is kept in the repository.
"""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.certs import (
    LoadedCertificate,
    check_validity,
    leaf_certificates,
    load_certificate,
    open_pkcs12,
    password_from_env,
    password_from_file,
    uncovered_hosts,
)
from metaclone.certs.files import collect_certificates
from metaclone.errors import CertificateError, CertificateKeyError, CertificateValidityError
from metaclone.model.sites import CertificateRef, normalize_thumbprint
from tests.certgen import NOW, UTC, make_cert, new_key

PEM = serialization.Encoding.PEM
DER = serialization.Encoding.DER


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def cert(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    return make_cert(key, dns=("shop.example.com", "*.shop.example.com"))


@pytest.fixture(scope="module")
def chain(key: ec.EllipticCurvePrivateKey) -> tuple[x509.Certificate, x509.Certificate]:
    """A leaf and the CA that issued it."""
    ca_key = new_key()
    ca = make_cert(ca_key, "Example Test CA", ca=True)
    leaf = make_cert(key, "www.example.com", dns=("www.example.com",), issuer=(ca.subject, ca_key))
    return leaf, ca


def write(tmp_path: Path, file_name: str, data: bytes) -> Path:
    path = tmp_path / file_name
    path.write_bytes(data)
    return path


def pfx(
    key: ec.EllipticCurvePrivateKey | None,
    cert: x509.Certificate | None,
    cas: list[x509.Certificate] | None = None,
    password: bytes | None = None,
) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"shop", key, cert, cas, encryption)


# -- X.509 -------------------------------------------------------------------------------------


def test_load_pem_facts(tmp_path: Path, cert: x509.Certificate) -> None:
    path = write(tmp_path, "shop.crt", cert.public_bytes(PEM))
    loaded = load_certificate(path)
    assert loaded.certificate == cert
    assert loaded.thumbprint == normalize_thumbprint(cert)
    assert loaded.thumbprint == hashlib.sha1(cert.public_bytes(DER)).hexdigest()
    assert loaded.subject == "CN=shop.example.com,O=Example Tests"
    assert loaded.issuer == loaded.subject
    assert loaded.not_before == NOW - datetime.timedelta(days=30)
    assert loaded.not_after == NOW + datetime.timedelta(days=30)
    assert loaded.not_after.tzinfo is not None
    assert loaded.dns_names == ("shop.example.com", "*.shop.example.com")
    assert loaded.has_private_key is False
    assert loaded.path == str(path)


def test_load_der_whatever_the_extension(tmp_path: Path, cert: x509.Certificate) -> None:
    for file_name in ("shop.cer", "shop.pem", "shop.pfx", "shop"):
        loaded = load_certificate(write(tmp_path, file_name, cert.public_bytes(DER)))
        assert loaded.thumbprint == normalize_thumbprint(cert)


def test_load_pem_chain_takes_the_leaf(
    tmp_path: Path, chain: tuple[x509.Certificate, x509.Certificate]
) -> None:
    leaf, ca = chain
    data = ca.public_bytes(PEM) + b"\r\n" + leaf.public_bytes(PEM).replace(b"\n", b"\r\n")
    loaded = load_certificate(write(tmp_path, "chain.pem", data))
    assert loaded.certificate == leaf
    assert loaded.issuer == "CN=Example Test CA,O=Example Tests"


def test_load_pem_with_matching_key(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    key_pem = key.private_bytes(
        PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"s3cret")
    )
    path = write(tmp_path, "shop.pem", key_pem + cert.public_bytes(PEM))
    assert load_certificate(path, b"s3cret").has_private_key is True
    with pytest.raises(CertificateError, match="encrypted; give it with --password-env"):
        load_certificate(path)
    with pytest.raises(CertificateError, match="password is wrong"):
        load_certificate(path, b"wrong")


def test_load_pem_with_other_key_is_refused(tmp_path: Path, cert: x509.Certificate) -> None:
    other = new_key().private_bytes(
        PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    path = write(tmp_path, "shop.pem", cert.public_bytes(PEM) + other)
    with pytest.raises(CertificateKeyError, match="does not belong to certificate"):
        load_certificate(path)


def test_certificate_without_san_falls_back_to_cn(tmp_path: Path) -> None:
    only_cn = make_cert(new_key(), "intranet.example.org")
    loaded = load_certificate(write(tmp_path, "cn.cer", only_cn.public_bytes(DER)))
    assert loaded.dns_names == ("intranet.example.org",)
    assert uncovered_hosts(loaded, ["INTRANET.example.org", "other.example.org"]) == [
        "other.example.org"
    ]


def test_certificate_without_any_name(tmp_path: Path) -> None:
    anonymous = make_cert(new_key(), None)
    loaded = load_certificate(write(tmp_path, "anon.cer", anonymous.public_bytes(DER)))
    assert loaded.dns_names == ()
    assert uncovered_hosts(loaded, ["a.example.com"]) == ["a.example.com"]


# -- PKCS#12 -----------------------------------------------------------------------------------


def test_load_pfx_without_password(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    loaded = load_certificate(write(tmp_path, "shop.pfx", pfx(key, cert)))
    assert loaded.has_private_key is True
    assert loaded.thumbprint == normalize_thumbprint(cert)


def test_load_pfx_with_password(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    path = write(tmp_path, "shop.p12", pfx(key, cert, password=b"pa ss"))
    loaded = load_certificate(path, b"pa ss")
    assert loaded.has_private_key is True
    assert loaded.certificate == cert
    with pytest.raises(CertificateError) as wrong:
        load_certificate(path, b"nope")
    assert "password is wrong" in wrong.value.message
    assert "--password-env VAR or --password-file FILE" in wrong.value.message
    assert wrong.value.path == str(path)
    with pytest.raises(CertificateError, match="password is missing"):
        load_certificate(path)


def test_load_pfx_with_chain_takes_the_keyed_certificate(
    tmp_path: Path,
    key: ec.EllipticCurvePrivateKey,
    chain: tuple[x509.Certificate, x509.Certificate],
) -> None:
    leaf, ca = chain
    loaded = load_certificate(write(tmp_path, "www.pfx", pfx(key, leaf, [ca])))
    assert loaded.certificate == leaf


def test_pfx_without_private_key_is_refused(tmp_path: Path, cert: x509.Certificate) -> None:
    path = write(tmp_path, "nokey.pfx", pfx(None, None, [cert], password=b"pw"))
    with pytest.raises(CertificateKeyError) as caught:
        load_certificate(path, b"pw")
    assert "not its private key" in caught.value.message
    assert caught.value.path == str(path)


def test_pfx_with_a_key_of_another_certificate_is_refused(
    tmp_path: Path, cert: x509.Certificate
) -> None:
    # The serializer refuses to pair a certificate with a key that is not its own, so the key
    # and the certificate are stored as separate bags, which is how such files come about.
    with pytest.raises(ValueError, match="do not match"):
        pfx(new_key(), cert)
    path = write(tmp_path, "mismatch.pfx", pfx(new_key(), None, [cert], password=b"pw"))
    with pytest.raises(CertificateKeyError) as caught:
        load_certificate(path, b"pw")
    assert "does not belong to certificate CN=shop.example.com" in caught.value.message


def test_pfx_key_stored_apart_from_its_own_certificate_is_accepted(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    loaded = load_certificate(write(tmp_path, "apart.pfx", pfx(key, None, [cert])))
    assert loaded.has_private_key is True
    assert loaded.certificate == cert


def test_pfx_with_only_a_key_is_refused(tmp_path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(CertificateError, match="holds no certificate"):
        load_certificate(write(tmp_path, "key.pfx", pfx(key, None)))


def test_open_pkcs12_opens_with_the_password_or_says_none(
    key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    content = open_pkcs12(pfx(key, cert), None)
    assert content is not None
    assert content[1] == cert
    assert open_pkcs12(pfx(key, cert, password=b"pw"), None) is None
    assert open_pkcs12(pfx(key, cert, password=b"pw"), b"wrong") is None
    opened = open_pkcs12(pfx(key, cert, password=b"pw"), b"pw")
    assert opened is not None
    assert opened[1] == cert


def test_leaf_certificates_are_those_that_issued_none_of_the_others(
    chain: tuple[x509.Certificate, x509.Certificate], cert: x509.Certificate
) -> None:
    leaf, ca = chain
    assert leaf_certificates([ca, leaf]) == [leaf]
    assert leaf_certificates([leaf]) == [leaf]
    assert leaf_certificates([leaf, cert]) == [leaf, cert]


def test_collect_takes_the_leaf_of_a_keyless_pfx_holding_a_chain(
    tmp_path: Path, chain: tuple[x509.Certificate, x509.Certificate]
) -> None:
    leaf, ca = chain
    path = write(tmp_path, "chain.pfx", pfx(None, None, [ca, leaf], password=b"pw"))
    (found,) = collect_certificates([path], b"pw")
    assert found.certificate == leaf
    assert found.has_private_key is False


# -- PKCS#7 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", [PEM, DER], ids=["pem", "der"])
def test_load_p7b_takes_the_leaf(
    tmp_path: Path,
    encoding: serialization.Encoding,
    chain: tuple[x509.Certificate, x509.Certificate],
) -> None:
    leaf, ca = chain
    data = pkcs7.serialize_certificates([ca, leaf], encoding)
    loaded = load_certificate(write(tmp_path, "chain.p7b", data))
    assert loaded.certificate == leaf
    assert loaded.has_private_key is False


def test_load_p7b_with_one_certificate(tmp_path: Path, cert: x509.Certificate) -> None:
    data = pkcs7.serialize_certificates([cert], DER)
    assert load_certificate(write(tmp_path, "one.p7b", data)).certificate == cert


def test_p7b_with_several_leaves_asks_which(tmp_path: Path, cert: x509.Certificate) -> None:
    other = make_cert(new_key(), "blog.example.com")
    data = pkcs7.serialize_certificates([cert, other], PEM)
    with pytest.raises(CertificateError) as caught:
        load_certificate(write(tmp_path, "two.p7b", data))
    message = caught.value.message
    assert "holds 2 certificates" in message
    assert "CN=shop.example.com" in message
    assert "CN=blog.example.com" in message
    assert "Export the one you mean" in message


# -- unreadable files --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"this is not a certificate\n", "not a certificate file metaclone can read"),
        (b"", "not a certificate file metaclone can read"),
        (b"\x30\x82\x01\x00\x30\x03\x02\x01\x01", "DER certificate in this file cannot be read"),
        (b"\x30\x06\x02\x01\x03\x30\x01\x00", "PKCS#12"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "cannot be read"),
        (b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "holds no certificate"),
        (b"-----BEGIN CERTIFICATE-----\nAAAA", "no complete PEM block"),
        (b"-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n", "PKCS#7 data"),
    ],
    ids=["text", "empty", "bad-der", "bad-pkcs12", "bad-pem", "no-cert", "cut-pem", "bad-p7b"],
)
def test_unreadable_content(tmp_path: Path, data: bytes, expected: str) -> None:
    path = write(tmp_path, "broken.cer", data)
    with pytest.raises(CertificateError) as caught:
        load_certificate(path)
    assert expected in caught.value.message
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.pfx"
    with pytest.raises(CertificateError) as caught:
        load_certificate(path)
    assert caught.value.path == str(path)
    assert "cannot read certificate file" in caught.value.message


# -- validity ----------------------------------------------------------------------------------


def loaded_of(certificate: x509.Certificate) -> LoadedCertificate:
    return LoadedCertificate.from_certificate(certificate, "test.cer")


def test_valid_certificate_passes(cert: x509.Certificate) -> None:
    assert check_validity(loaded_of(cert), now=NOW) is None
    assert check_validity(loaded_of(cert), now=NOW.replace(tzinfo=None)) is None


def test_expired_certificate_is_refused() -> None:
    expired = loaded_of(
        make_cert(
            new_key(),
            not_before=datetime.datetime(2020, 1, 1, tzinfo=UTC),
            not_after=datetime.datetime(2024, 3, 1, 8, 30, tzinfo=UTC),
        )
    )
    with pytest.raises(CertificateValidityError) as caught:
        check_validity(expired, now=NOW)
    message = caught.value.message
    assert "expired on 2024-03-01 08:30:00 UTC" in message
    assert "valid 2020-01-01 00:00:00 UTC to 2024-03-01 08:30:00 UTC" in message
    assert "--allow-expired" in message
    assert caught.value.path == "test.cer"
    warning = check_validity(expired, now=NOW, allow_expired=True)
    assert warning is not None
    assert "expired on 2024-03-01 08:30:00 UTC" in warning


def test_not_yet_valid_certificate_is_refused() -> None:
    future = loaded_of(
        make_cert(
            new_key(),
            not_before=datetime.datetime(2026, 1, 2, tzinfo=UTC),
            not_after=datetime.datetime(2027, 1, 2, tzinfo=UTC),
        )
    )
    with pytest.raises(CertificateValidityError, match="not valid before 2026-01-02 00:00:00 UTC"):
        check_validity(future, now=NOW)
    assert check_validity(future, now=NOW, allow_expired=True) is not None


def test_validity_defaults_to_the_present() -> None:
    present = datetime.datetime.now(UTC)
    current = make_cert(
        new_key(),
        not_before=present - datetime.timedelta(days=1),
        not_after=present + datetime.timedelta(days=1),
    )
    assert check_validity(loaded_of(current)) is None
    expired = make_cert(
        new_key(),
        not_before=present - datetime.timedelta(days=2),
        not_after=present - datetime.timedelta(days=1),
    )
    with pytest.raises(CertificateValidityError):
        check_validity(loaded_of(expired))


# -- host coverage -----------------------------------------------------------------------------


def test_uncovered_hosts_wildcards_and_case(cert: x509.Certificate) -> None:
    loaded = loaded_of(cert)
    hosts = [
        "SHOP.example.com",
        "www.shop.example.com",
        "a.b.shop.example.com",
        "example.com",
        "",
        "Www.Shop.Example.Com.",
        "blog.example.com",
        "blog.example.com",
    ]
    assert uncovered_hosts(loaded, hosts) == [
        "a.b.shop.example.com",
        "example.com",
        "blog.example.com",
    ]


def test_uncovered_hosts_wildcard_binding_needs_wildcard_name(cert: x509.Certificate) -> None:
    loaded = loaded_of(cert)
    assert uncovered_hosts(loaded, ["*.shop.example.com", "*.example.com"]) == ["*.example.com"]


def test_uncovered_hosts_ip_addresses() -> None:
    loaded = loaded_of(make_cert(new_key(), dns=("a.example.com",), ips=("10.0.0.5", "::1")))
    assert uncovered_hosts(loaded, ["10.0.0.5", "[::1]", "10.0.0.6"]) == ["10.0.0.6"]


_label = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)


@settings(max_examples=30, deadline=None)
@given(domain=st.lists(_label, min_size=2, max_size=3).map(".".join), first=_label, second=_label)
def test_wildcard_covers_exactly_one_label(domain: str, first: str, second: str) -> None:
    loaded = loaded_of(make_cert(new_key(), None, dns=(f"*.{domain}",)))
    one_label = f"{first}.{domain}".upper()
    assert uncovered_hosts(loaded, [one_label]) == []
    assert uncovered_hosts(loaded, [domain]) == [domain]
    assert uncovered_hosts(loaded, [f"{first}.{second}.{domain}"]) == [f"{first}.{second}.{domain}"]


# -- json and references -----------------------------------------------------------------------


def test_to_json_and_ref(tmp_path: Path, cert: x509.Certificate) -> None:
    loaded = load_certificate(write(tmp_path, "shop.cer", cert.public_bytes(DER)))
    assert loaded.ref() == CertificateRef(loaded.thumbprint, "MY")
    assert loaded.ref("WebHosting").store == "WebHosting"
    assert loaded.to_json() == {
        "path": str(tmp_path / "shop.cer"),
        "thumbprint": loaded.thumbprint,
        "subject": "CN=shop.example.com,O=Example Tests",
        "issuer": "CN=shop.example.com,O=Example Tests",
        "serial_number": format(cert.serial_number, "x"),
        "not_before": "2025-05-02T12:00:00+00:00",
        "not_after": "2025-07-01T12:00:00+00:00",
        "dns_names": ["shop.example.com", "*.shop.example.com"],
        "has_private_key": False,
    }


# -- passwords ---------------------------------------------------------------------------------


def test_password_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("METACLONE_TEST_PFX_PASSWORD", "pässword")
    assert password_from_env("METACLONE_TEST_PFX_PASSWORD") == "pässword".encode()
    monkeypatch.delenv("METACLONE_TEST_PFX_PASSWORD")
    with pytest.raises(CertificateError, match="METACLONE_TEST_PFX_PASSWORD is not set"):
        password_from_env("METACLONE_TEST_PFX_PASSWORD")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"secret\n", b"secret"),
        (b"secret\r\n", b"secret"),
        (b"secret", b"secret"),
        (b"secret\n\n", b"secret\n"),
        (b" spaced \n", b" spaced "),
    ],
)
def test_password_from_file(tmp_path: Path, content: bytes, expected: bytes) -> None:
    assert password_from_file(write(tmp_path, "password.txt", content)) == expected


def test_password_from_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.txt"
    with pytest.raises(CertificateError) as caught:
        password_from_file(path)
    assert caught.value.path == str(path)
    assert "cannot read the password file" in caught.value.message


def test_password_file_opens_the_pfx(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    path = write(tmp_path, "shop.pfx", pfx(key, cert, password=b"from-file"))
    password = password_from_file(write(tmp_path, "pw.txt", b"from-file\r\n"))
    assert load_certificate(path, password).has_private_key is True


def test_pfx_key_apart_from_its_certificate_among_unrelated_ones(
    tmp_path: Path, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate
) -> None:
    unrelated = make_cert(new_key(), "blog.example.com")
    loaded = load_certificate(write(tmp_path, "apart.pfx", pfx(key, None, [unrelated, cert])))
    assert loaded.certificate == cert
    assert loaded.has_private_key is True


def test_a_loaded_certificate_is_accepted_wherever_a_thumbprint_is(
    tmp_path: Path, cert: x509.Certificate
) -> None:
    path = write(tmp_path, "shop.cer", cert.public_bytes(DER))
    loaded = load_certificate(path)
    assert normalize_thumbprint(loaded) == loaded.thumbprint
    assert normalize_thumbprint(loaded.ref("WebHosting")) == loaded.thumbprint
