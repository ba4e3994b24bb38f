"""Malformed certificates and keys: each is a CertificateError naming the file, exit 3, never 123.

cryptography refuses to build most of these, so they are written as DER by hand
(:mod:`tests.certgen`).  It also parses fields lazily: the tests read every field metaclone
shows, through the library and through ``main(argv)``.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from metaclone import certs
from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.errors import CertificateError
from tests.certgen import (
    BASIC_CONSTRAINTS,
    SUBJECT_ALT_NAME,
    der_name,
    explicit,
    extension,
    integer,
    make_cert,
    new_key,
    octet_string,
    oid,
    pem,
    raw_certificate,
    sequence,
    tlv,
)
from tests.conftest import FIXTURES

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"


def _certificate_pem(key: ec.EllipticCurvePrivateKey | None = None) -> bytes:
    return make_cert(key or new_key()).public_bytes(serialization.Encoding.PEM)


def _key_der(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _corrupt_key() -> bytes:
    key = new_key()
    damaged = bytearray(_key_der(key))
    damaged[-10] ^= 0xFF
    damaged[40] ^= 0x55
    return _certificate_pem(key) + pem("PRIVATE KEY", bytes(damaged))


def _unknown_algorithm_key() -> bytes:
    info = sequence(integer(0), sequence(oid("1.2.3.4.5")), octet_string(b"\x04\x00"))
    return _certificate_pem() + pem("PRIVATE KEY", info)


def _unsupported_curve_key() -> bytes:
    # secp112r1: a named curve OpenSSL knows of and refuses.
    inner = sequence(integer(1), octet_string(b"\x01" * 14))
    info = sequence(
        integer(0),
        sequence(oid("1.2.840.10045.2.1"), oid("1.3.132.0.6")),
        octet_string(inner),
    )
    return _certificate_pem() + pem("PRIVATE KEY", info)


def _duplicated_extensions() -> bytes:
    constraints = extension(BASIC_CONSTRAINTS, sequence())
    return raw_certificate(extensions=(constraints, constraints))


def _san(general_name: bytes) -> bytes:
    return raw_certificate(extensions=(extension(SUBJECT_ALT_NAME, sequence(general_name)),))


#: What each malformed input is, and a word its message must hold.
MALFORMED: dict[str, tuple[Callable[[], bytes], str]] = {
    "version-7-der": (lambda: raw_certificate(version=6), "version"),
    "version-7-pem": (lambda: pem("CERTIFICATE", raw_certificate(version=6)), "version"),
    "duplicated-extensions": (_duplicated_extensions, "Duplicate"),
    "san-dns-name-not-ia5": (lambda: _san(tlv(0x82, b"\xff\xfe")), "cannot be read"),
    "san-unknown-name-type": (lambda: _san(tlv(0xA9, b"")), "cannot be read"),
    "extension-value-truncated": (
        lambda: raw_certificate(extensions=(extension(BASIC_CONSTRAINTS, b"\x01\x02"),)),
        "cannot be read",
    ),
    "subject-not-utf8": (
        lambda: raw_certificate(
            subject=sequence(tlv(0x31, sequence(oid("2.5.4.3"), tlv(0x0C, b"\xff"))))
        ),
        "cannot be read",
    ),
    "year-0": (lambda: raw_certificate(not_before=tlv(0x18, b"00000101000000Z")), "year"),
    "month-13": (lambda: raw_certificate(not_before=tlv(0x17, b"251301000000Z")), "read"),
    "pkcs8-unknown-algorithm": (_unknown_algorithm_key, "kind metaclone cannot read"),
    "ec-unsupported-curve": (_unsupported_curve_key, "kind metaclone cannot read"),
    "ec-unsupported-curve-sec1": (
        lambda: (
            _certificate_pem()
            + pem(
                "EC PRIVATE KEY",
                sequence(integer(1), octet_string(b"\x01" * 14), explicit(0, oid("1.3.132.0.6"))),
            )
        ),
        "kind metaclone cannot read",
    ),
    "corrupt-unencrypted-key": (_corrupt_key, "damaged"),
    "key-base64-garbage": (
        lambda: (
            _certificate_pem() + b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"
        ),
        "damaged",
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_certificate_or_key_is_a_certificate_error(tmp_path: Path, case: str) -> None:
    make, word = MALFORMED[case]
    path = tmp_path / "site.cer"
    path.write_bytes(make())
    with pytest.raises(CertificateError) as caught:
        certs.load_certificate(path)
    assert caught.value.path == str(path)
    assert word in caught.value.message
    assert "password" not in caught.value.message
    assert len(caught.value.message) < 400


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_certificate_or_key_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    make, word = MALFORMED[case]
    config = tmp_path / IIS6.name
    shutil.copy(IIS6, config)
    cert = tmp_path / "site.pem"
    cert.write_bytes(make())
    out = tmp_path / "out.xml"
    status = main(
        ["cert", "set", str(config), "--site", "Shop", "--cert", str(cert), "-o", str(out)]
    )
    _, err = capsys.readouterr()
    assert status == EXIT_REFUSED, err
    assert f"metaclone: error: {cert}: " in err
    assert word in err
    assert "Traceback" not in err
    assert "internal error" not in err
    assert not out.exists()
    assert config.read_bytes() == IIS6.read_bytes()


def test_wrong_password_is_told_apart_from_a_damaged_key(tmp_path: Path) -> None:
    key = new_key()
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"right"),
    )
    path = tmp_path / "site.pem"
    path.write_bytes(_certificate_pem(key) + encrypted)
    with pytest.raises(CertificateError, match="password is wrong"):
        certs.load_certificate(path, b"wrong")
    with pytest.raises(CertificateError, match="is encrypted"):
        certs.load_certificate(path)
    assert certs.load_certificate(path, b"right").has_private_key


def test_a_password_for_an_unencrypted_key_is_not_needed(tmp_path: Path) -> None:
    # A password given for a PFX may come along with a PEM file whose key is not encrypted.
    key = new_key()
    path = tmp_path / "site.pem"
    path.write_bytes(_certificate_pem(key) + pem("PRIVATE KEY", _key_der(key)))
    assert certs.load_certificate(path, b"unused").has_private_key


def test_negative_serial_and_old_dates_are_read_without_warnings(tmp_path: Path) -> None:
    path = tmp_path / "old.cer"
    path.write_bytes(
        raw_certificate(
            serial=-5,
            not_before=tlv(0x18, b"19000101000000Z"),
            not_after=tlv(0x18, b"99991231235959Z"),
        )
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = certs.load_certificate(path)
        facts = loaded.to_json()
    assert facts["serial_number"] == "-5"
    assert loaded.not_before.year == 1900
    assert loaded.not_after.year == 9999
    assert certs.check_validity(loaded) is None


def test_pem_without_certificate_lists_ten_labels_then_counts(tmp_path: Path) -> None:
    labels = [f"THING {i:02d}" for i in range(25)]
    path = tmp_path / "many.pem"
    path.write_bytes(b"".join(pem(label, b"\x05\x00") for label in labels))
    with pytest.raises(CertificateError) as caught:
        certs.load_certificate(path)
    message = caught.value.message
    assert ", ".join(labels[:10]) + " and 15 more" in message
    assert labels[10] not in message


def test_begin_lines_without_end_find_no_block(tmp_path: Path) -> None:
    path = tmp_path / "cut.pem"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----\nMIIB\n" * 1000)
    with pytest.raises(CertificateError, match="no complete PEM block"):
        certs.load_certificate(path)


def test_a_complete_block_after_begin_lines_without_end(tmp_path: Path) -> None:
    # BEGIN lines whose END never comes are passed over; the certificate after them is read.
    path = tmp_path / "stray.pem"
    path.write_bytes(b"-----BEGIN PRIVATE KEY-----\n" * 50 + _certificate_pem())
    loaded = certs.load_certificate(path)
    assert not loaded.has_private_key


def test_block_with_many_certificates_lists_ten(tmp_path: Path) -> None:
    path = tmp_path / "chain.pem"
    path.write_bytes(b"".join(_certificate_pem() for _ in range(14)))
    with pytest.raises(CertificateError) as caught:
        certs.load_certificate(path)
    assert caught.value.message.count("CN=shop.example.com") == 10
    assert "and 4 more" in caught.value.message


def test_a_valid_hand_made_certificate_loads(tmp_path: Path) -> None:
    # The builder itself makes readable certificates: the failures above come from the flaw.
    path = tmp_path / "fine.cer"
    path.write_bytes(raw_certificate(subject=der_name("fine.example.com")))
    assert certs.load_certificate(path).dns_names == ("fine.example.com",)
    status = main(
        [
            "cert",
            "set",
            str(IIS6),
            "--site",
            "Shop",
            "--cert",
            str(path),
            "--allow-expired",
            "--dry-run",
        ]
    )
    assert status == EXIT_OK


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_certificate_or_key_is_refused_by_cert_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    make, _ = MALFORMED[case]
    monkeypatch.setenv("PFX_PASSWORD", "secret")
    malformed = tmp_path / "malformed.pem"
    malformed.write_bytes(make())
    key = new_key()
    good_key = tmp_path / "good.key"
    good_key.write_bytes(pem("PRIVATE KEY", _key_der(key)))
    out = tmp_path / "out.pfx"
    for key_file in (malformed, good_key):
        pack = ["cert", "pack", "--key", str(key_file), "--cert", str(malformed)]
        status = main([*pack, "--out", str(out), "--password-env", "PFX_PASSWORD"])
        _, err = capsys.readouterr()
        assert status == EXIT_REFUSED, err
        assert f"metaclone: error: {malformed}: " in err
        assert "internal error" not in err
        assert not out.exists()
