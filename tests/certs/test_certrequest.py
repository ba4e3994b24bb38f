"""``csr`` and ``cert pack``: a new certificate requested offline, and the PFX IIS imports.

Requests are parsed back with ``cryptography``; PFX files are opened again with their password.
"""

from __future__ import annotations

import datetime
import os
import stat
from pathlib import Path

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.certs import load_certificate
from metaclone.certs.files import load_private_key, write_new_file
from metaclone.certs.request import make_csr, order_chain, pack_pfx
from metaclone.cli import main
from metaclone.errors import (
    CertificateChainError,
    CertificateError,
    CertificateKeyError,
    CertificateRequestError,
    CertificateUsageError,
    CertificateValidityError,
    OutputExistsError,
    SiteNotFoundError,
)
from metaclone.model.lookup import SiteKey, select_site, site_identity
from metaclone.model.sites import Site
from tests.certgen import (
    Key,
    integer,
    make_cert,
    new_key,
    new_rsa_key,
    octet_string,
    oid,
    pem,
    sequence,
)
from tests.conftest import FIXTURES

PEM = serialization.Encoding.PEM
IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"
EXPRESS = FIXTURES / "iis7" / "iisexpress_applicationhost.config"
NOW = datetime.datetime.now(datetime.UTC)
DAY = datetime.timedelta(days=1)
# OIDs as they appear in a PKCS#12 file's DER: aes256-CBC, pbeWithSHAAnd3-KeyTripleDES-CBC.
AES256_CBC = bytes.fromhex("060960864801650304012a")
TRIPLE_DES = bytes.fromhex("060a2a864886f70d010c0103")


def sans(csr: x509.CertificateSigningRequest) -> list[str]:
    extension = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return extension.value.get_values_for_type(x509.DNSName)


def run_csr(tmp_path: Path, config: Path, site: str, *extra: str) -> tuple[int, Path, Path]:
    key, csr = tmp_path / "site.key", tmp_path / "site.csr"
    status = main(
        ["csr", str(config), "--site", site, "--key-out", str(key), "--out", str(csr), *extra]
    )
    return status, key, csr


# -- csr --------------------------------------------------------------------------------------


def test_csr_requests_the_https_hosts_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = IIS7.read_bytes()
    status, key_path, csr_path = run_csr(tmp_path, IIS7, "Shop")
    assert status == 0
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    assert csr.is_signature_valid
    assert sans(csr) == ["shop.example.com"]
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "shop.example.com"
    usage = csr.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.SERVER_AUTH]
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    assert key.key_size == 2048
    assert key.public_key() == csr.public_key()
    assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert IIS7.read_bytes() == before
    err = capsys.readouterr().err
    assert "10.0.0.5:443: has no host name" in err  # the IP-only binding is named, not requested
    assert "configuration is unchanged" in err


def test_csr_keeps_wildcards_and_adds_hosts() -> None:
    result = make_csr(
        metaclone.load(IIS7), "Shopping", key_type="ec256", add_hosts=["WWW.Shopping.Example."]
    )
    assert sans(result.csr) == ["*.shopping.example", "shopping.example", "www.shopping.example"]
    common = result.csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert common[0].value == "*.shopping.example"
    assert result.csr.is_signature_valid
    assert result.notes == ()


_HOST = st.from_regex(
    r"(\*\.)?[a-zA-Z][a-zA-Z0-9-]{0,8}[a-zA-Z0-9](\.[a-z]{2,6}){1,2}", fullmatch=True
)
_EXPRESS_DOC = metaclone.load(EXPRESS)
_CSR_KEY = new_key()


@settings(max_examples=30)  # each example signs a request
@given(added=st.lists(_HOST, max_size=6))
def test_csr_names_each_host_once_in_order(added: list[str]) -> None:
    result = make_csr(_EXPRESS_DOC, "Storefront", add_hosts=added, key=_CSR_KEY)
    expected = list(dict.fromkeys(["localhost", *(h.lower() for h in added)]))
    assert sans(result.csr) == expected
    assert result.csr.is_signature_valid
    assert result.csr.public_key() == _CSR_KEY.public_key()


@attrs.frozen
class _SiteList:
    """A site source that is no document: sites in a list, found as documents find them."""

    sites: tuple[Site, ...]

    def site(self, key: SiteKey) -> Site:
        return select_site(self.sites, key, site_identity, path="<list>", format="list")


def test_csr_takes_any_site_source() -> None:
    doc = metaclone.load(IIS7)
    source = _SiteList(tuple(doc.sites))
    from_list = make_csr(source, "Shopping", key=_CSR_KEY)
    assert sans(from_list.csr) == sans(make_csr(doc, "Shopping", key=_CSR_KEY).csr)
    assert from_list.hosts == ("*.shopping.example", "shopping.example")
    with pytest.raises(SiteNotFoundError):
        make_csr(source, "Nowhere", key=_CSR_KEY)


def test_csr_of_a_site_without_https_takes_all_its_hosts() -> None:
    result = make_csr(metaclone.load(IIS6), "Intranet", key_type="ec256")
    assert sans(result.csr) == ["intranet", "intranet.corp.example.com"]


@pytest.mark.parametrize(
    ("key_type", "curve", "hash_name"),
    [("ec256", "secp256r1", "sha256"), ("ec384", "secp384r1", "sha384")],
)
def test_csr_key_types(key_type: str, curve: str, hash_name: str) -> None:
    result = make_csr(metaclone.load(EXPRESS), "Storefront", key_type=key_type)
    assert isinstance(result.key, ec.EllipticCurvePrivateKey)
    assert result.key.curve.name == curve
    assert result.csr.signature_hash_algorithm is not None
    assert result.csr.signature_hash_algorithm.name == hash_name
    assert sans(result.csr) == ["localhost"]


def test_csr_subject_and_encrypted_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEY_PASSWORD", "s3cret")
    status, key_path, csr_path = run_csr(
        tmp_path,
        IIS6,
        "Shop",
        "--subject",
        "CN=shop.example.com,O=Example,C=US",
        "--key-type",
        "ec256",
        "--password-env",
        "KEY_PASSWORD",
    )
    assert status == 0
    csr = x509.load_pem_x509_csr(csr_path.read_bytes())
    assert csr.subject.rfc4514_string() == "CN=shop.example.com,O=Example,C=US"
    data = key_path.read_bytes()
    assert data.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(data, None)
    key = serialization.load_pem_private_key(data, b"s3cret")
    assert key.public_key() == csr.public_key()


def test_csr_api_errors() -> None:
    doc = metaclone.load(IIS6)
    with pytest.raises(SiteNotFoundError):
        make_csr(doc, "Nowhere", key_type="ec256")
    with pytest.raises(CertificateRequestError, match="not a distinguished name"):
        make_csr(doc, "Shop", key_type="ec256", subject="CN=shop,,=x")
    with pytest.raises(CertificateRequestError, match="subject is empty"):
        make_csr(doc, "Shop", key_type="ec256", subject="")
    with pytest.raises(CertificateRequestError, match="not a host name label"):
        make_csr(doc, "Shop", key_type="ec256", add_hosts=["bad_host.example"])
    with pytest.raises(CertificateRequestError, match="an IP address is not a host name"):
        make_csr(doc, "Shop", key_type="ec256", add_hosts=["10.0.0.5"])
    with pytest.raises(CertificateRequestError, match="no host name to request"):
        make_csr(doc, "Partners", key_type="ec256")
    long_host = ".".join(["a" * 30] * 3)
    with pytest.raises(CertificateRequestError, match="longer than the 64 characters"):
        make_csr(doc, "Partners", key_type="ec256", add_hosts=[long_host])
    with pytest.raises(CertificateRequestError, match="not a key type"):
        make_csr(doc, "Shop", key_type="dsa1024")
    # A subject makes a request possible for a site without host names.
    assert make_csr(doc, "Partners", key_type="ec256", subject="CN=partners").hosts == ()


@pytest.mark.parametrize(
    ("site", "extra", "message"),
    [
        ("Nowhere", [], "no site named 'Nowhere'"),
        ("Shop", ["--subject", "CN=shop,,=x"], "not a distinguished name"),
        ("Shop", ["--add-host", "bad_host.example"], "not a host name label"),
        ("Partners", [], "no host name to request"),
    ],
)
def test_csr_cli_refusals_write_nothing(
    tmp_path: Path,
    site: str,
    extra: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, key_path, csr_path = run_csr(tmp_path, IIS6, site, "--key-type", "ec256", *extra)
    assert status == 3
    assert message in capsys.readouterr().err
    assert not key_path.exists()
    assert not csr_path.exists()


@pytest.mark.parametrize("taken", ["site.key", "site.csr"])
def test_csr_never_overwrites(
    tmp_path: Path, taken: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / taken).write_bytes(b"precious")
    status, key_path, csr_path = run_csr(tmp_path, IIS6, "Shop", "--key-type", "ec256")
    assert status == 3
    assert "already there" in capsys.readouterr().err
    assert (tmp_path / taken).read_bytes() == b"precious"
    other = csr_path if taken == "site.key" else key_path
    assert not other.exists()


def test_csr_refuses_a_symlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "elsewhere.key"
    (tmp_path / "site.key").symlink_to(target)  # dangling: O_EXCL must not follow it
    status, _, csr_path = run_csr(tmp_path, IIS6, "Shop", "--key-type", "ec256")
    assert status == 3
    assert "a symbolic link is already there" in capsys.readouterr().err
    assert not target.exists()
    assert not csr_path.exists()


def test_csr_refuses_a_missing_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key, csr = tmp_path / "no" / "site.key", tmp_path / "site.csr"
    args = ["csr", str(IIS6), "--site", "Shop", "--key-type", "ec256"]
    assert main([*args, "--key-out", str(key), "--out", str(csr)]) == 3
    assert "no such folder" in capsys.readouterr().err
    assert not csr.exists()


def test_csr_refuses_one_file_for_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    same = str(tmp_path / "x.pem")
    assert main(["csr", str(IIS6), "--site", "Shop", "--key-out", same, "--out", same]) == 3
    assert "two different files" in capsys.readouterr().err


def test_the_new_names_are_reachable_from_certs() -> None:
    from metaclone import certs
    from metaclone.certs import files as certfiles
    from metaclone.certs import request as certrequest
    from metaclone.workflow import audit

    assert certs.make_csr is certrequest.make_csr
    assert certs.pack_pfx is certrequest.pack_pfx
    assert certs.audit is audit.audit
    assert certs.collect_certificates is certfiles.collect_certificates
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = certs.nothing


def test_write_new_file_refuses_existing(tmp_path: Path) -> None:
    path = tmp_path / "out"
    write_new_file(path, b"one")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(OutputExistsError):
        write_new_file(path, b"two")
    assert path.read_bytes() == b"one"


# -- cert pack --------------------------------------------------------------------------------


class Chain:
    """A root CA (RSA), an intermediate (EC) and a leaf issued by it, with the leaf's key."""

    def __init__(
        self,
        leaf_key: Key,
        *,
        dns: tuple[str, ...] = ("shop.example.com",),
        not_after: datetime.datetime = NOW + 90 * DAY,
    ) -> None:
        root_key, middle_key = new_rsa_key(), new_key()
        self.root = make_cert(root_key, "Test Root CA", ca=True)
        self.middle = make_cert(
            middle_key, "Test Issuing CA", ca=True, issuer=(self.root.subject, root_key)
        )
        self.key = leaf_key
        self.leaf = make_cert(
            leaf_key,
            "shop.example.com",
            dns=dns,
            not_after=not_after,
            not_before=NOW - DAY,
            issuer=(self.middle.subject, middle_key),
        )


class _ChainWithStranger(Chain):
    def __init__(self) -> None:
        super().__init__(new_key())
        self.other_root = make_cert(new_key(), "Unrelated CA", ca=True)


_CHAIN = _ChainWithStranger()


@pytest.fixture(scope="module")
def chain() -> Chain:
    return Chain(new_key())


def write_key(path: Path, key: Key, password: bytes | None = None) -> Path:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    path.write_bytes(key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, encryption))
    return path


def write_certs(path: Path, *certificates: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(PEM) for c in certificates))
    return path


def test_pack_builds_a_pfx_iis_imports(tmp_path: Path, chain: Chain) -> None:
    key = write_key(tmp_path / "k.pem", chain.key)
    cert = write_certs(tmp_path / "c.pem", chain.leaf)
    # Given root first: the chain is put in order, from the issuer up.
    bundle = write_certs(tmp_path / "chain.pem", chain.root, chain.middle)
    packed = pack_pfx(key, cert, [bundle], b"pw", hosts=["shop.example.com"])
    opened = pkcs12.load_pkcs12(packed.data, b"pw")
    assert opened.cert is not None
    assert opened.cert.certificate == chain.leaf
    assert opened.cert.friendly_name == packed.friendly_name.encode()
    assert packed.friendly_name.startswith("shop.example.com ")
    assert [c.certificate for c in opened.additional_certs] == [chain.middle, chain.root]
    assert opened.key is not None
    assert opened.key.public_key() == chain.key.public_key()
    assert AES256_CBC in packed.data
    assert TRIPLE_DES not in packed.data


def test_pack_legacy_encryption_and_full_chain_file(tmp_path: Path) -> None:
    chain = Chain(new_rsa_key())
    key = write_key(tmp_path / "k.pem", chain.key, b"pw")  # encrypted with the PFX password
    fullchain = write_certs(tmp_path / "fullchain.pem", chain.leaf, chain.middle)
    packed = pack_pfx(key, fullchain, [], b"pw", legacy=True, friendly_name="Shop 2026")
    assert TRIPLE_DES in packed.data
    assert AES256_CBC not in packed.data
    opened = pkcs12.load_pkcs12(packed.data, b"pw")
    assert opened.cert is not None
    assert opened.cert.friendly_name == b"Shop 2026"
    assert [c.certificate for c in opened.additional_certs] == [chain.middle]


def test_pack_cli_writes_a_private_file(
    tmp_path: Path, chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pw.txt").write_text("pw\n")
    out = tmp_path / "shop.pfx"
    args = [
        "cert",
        "pack",
        "--key",
        str(write_key(tmp_path / "k.pem", chain.key)),
        "--cert",
        str(write_certs(tmp_path / "c.pem", chain.leaf)),
        "--chain",
        str(write_certs(tmp_path / "m.pem", chain.middle)),
        "--out",
        str(out),
        "--password-file",
        str(tmp_path / "pw.txt"),
        "--site",
        "Shop",
        "--config",
        str(IIS7),
    ]
    assert main(args) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    opened = pkcs12.load_pkcs12(out.read_bytes(), b"pw")
    assert opened.cert is not None
    thumbprint = chain.leaf.fingerprint(hashes.SHA1()).hex()
    assert f"--thumbprint {thumbprint}" in capsys.readouterr().err
    # Run again: the PFX is never replaced.
    before = out.read_bytes()
    assert main(args) == 3
    assert "already there" in capsys.readouterr().err
    assert out.read_bytes() == before


@given(order=st.permutations(range(3)))
def test_order_chain_takes_any_order(order: list[int]) -> None:
    given_chain = [[_CHAIN.middle, _CHAIN.root, _CHAIN.other_root][i] for i in order]
    linked = [c for c in given_chain if c is not _CHAIN.other_root]
    assert order_chain(_CHAIN.leaf, linked) == [_CHAIN.middle, _CHAIN.root]
    # A certificate that does not link up is refused wherever it stands.
    with pytest.raises(CertificateChainError, match="Unrelated CA"):
        order_chain(_CHAIN.leaf, given_chain)


def test_order_chain_reports_a_forged_issuer(chain: Chain) -> None:
    impostor = make_cert(new_key(), "Test Issuing CA", ca=True)  # same name, other key
    with pytest.raises(CertificateChainError, match="does not verify"):
        order_chain(chain.leaf, [impostor])


def test_pack_api_refusals(tmp_path: Path, chain: Chain) -> None:
    key = write_key(tmp_path / "k.pem", chain.key)
    cert = write_certs(tmp_path / "c.pem", chain.leaf)
    stranger = write_certs(tmp_path / "s.pem", make_cert(new_key(), "Other CA", ca=True))
    with pytest.raises(CertificateKeyError, match="does not belong"):
        pack_pfx(write_key(tmp_path / "other.pem", new_key()), cert, [], b"pw")
    with pytest.raises(CertificateChainError, match="do not link up"):
        pack_pfx(key, cert, [stranger], b"pw")
    with pytest.raises(CertificateError, match=r"does not cover www\.example\.com"):
        pack_pfx(key, cert, [], b"pw", hosts=["www.example.com"])
    with pytest.raises(CertificateError, match="needs a password"):
        pack_pfx(key, cert, [], b"")
    with pytest.raises(CertificateError, match="the password is wrong"):
        pack_pfx(write_key(tmp_path / "enc.pem", chain.key, b"other"), cert, [], b"pw")


def test_pack_reads_a_der_key_and_refuses_unreadable_files(tmp_path: Path, chain: Chain) -> None:
    der_key = tmp_path / "k.der"
    der_key.write_bytes(
        chain.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert = write_certs(tmp_path / "c.pem", chain.leaf)
    assert pkcs12.load_pkcs12(pack_pfx(der_key, cert, [], b"pw").data, b"pw").key is not None
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00not a key or a certificate")
    with pytest.raises(CertificateError, match="holds no private key"):
        pack_pfx(junk, cert, [], b"pw")
    with pytest.raises(CertificateError, match="holds no certificate"):
        pack_pfx(der_key, cert, [junk], b"pw")
    with pytest.raises(CertificateError, match="no such file"):
        pack_pfx(der_key, tmp_path / "missing.pem", [], b"pw")


def test_pack_refuses_a_certificate_not_meant_for_servers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    client = make_cert(
        key,
        dns=("shop.example.com",),
        not_before=NOW - DAY,
        not_after=NOW + DAY,
        usages=(ExtendedKeyUsageOID.CLIENT_AUTH,),
    )
    key_path = write_key(tmp_path / "k.pem", key)
    cert = write_certs(tmp_path / "c.pem", client)
    with pytest.raises(CertificateUsageError, match="client authentication"):
        pack_pfx(key_path, cert, [], b"pw")
    assert pack_pfx(key_path, cert, [], b"pw", allow_any_eku=True).warnings
    monkeypatch.setenv("PFX_PASSWORD", "pw")
    out = tmp_path / "out.pfx"
    args = ["cert", "pack", "--key", str(key_path), "--cert", str(cert), "--out", str(out)]
    args += ["--password-env", "PFX_PASSWORD"]
    assert main(args) == 3
    assert "not meant for web servers" in capsys.readouterr().err
    assert not out.exists()
    assert main([*args, "--allow-any-eku"]) == 0
    assert "warning: certificate" in capsys.readouterr().err
    assert out.exists()


def test_pack_refuses_expired_unless_allowed(tmp_path: Path) -> None:
    chain = Chain(new_key(), not_after=NOW - DAY)
    key = write_key(tmp_path / "k.pem", chain.key)
    cert = write_certs(tmp_path / "c.pem", chain.leaf)
    with pytest.raises(CertificateValidityError, match="expired"):
        pack_pfx(key, cert, [], b"pw")
    packed = pack_pfx(key, cert, [], b"pw", allow_expired=True)
    assert packed.warnings
    assert "expired" in packed.warnings[0]


def pack_args(tmp_path: Path, chain: Chain, **overrides: str) -> list[str]:
    files = {
        "--key": str(write_key(tmp_path / "k.pem", chain.key)),
        "--cert": str(write_certs(tmp_path / "c.pem", chain.leaf)),
        "--out": str(tmp_path / "out.pfx"),
        "--password-env": "PFX_PASSWORD",
    }
    files.update(overrides)
    return ["cert", "pack", *[part for pair in files.items() for part in pair]]


PACK_REFUSALS = {
    "key": "does not belong",
    "key-password": "the password is wrong",
    "chain": "do not link up",
    "expired": "expired",
    "site": "does not cover",
    "password": "is not set",
    "missing-site": "no site named",
}


@pytest.mark.parametrize("case", PACK_REFUSALS)
def test_pack_cli_refusals_write_nothing(
    tmp_path: Path,
    chain: Chain,
    case: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PFX_PASSWORD", "pw")
    args = pack_args(tmp_path, chain)
    if case == "key":
        args = pack_args(tmp_path, chain, **{"--key": str(write_key(tmp_path / "o", new_key()))})
    elif case == "key-password":
        encrypted = write_key(tmp_path / "enc.pem", chain.key, b"another")
        args = pack_args(tmp_path, chain, **{"--key": str(encrypted)})
    elif case == "chain":
        stranger = write_certs(tmp_path / "s.pem", make_cert(new_key(), "Other CA", ca=True))
        args += ["--chain", str(stranger)]
    elif case == "expired":
        old = Chain(chain.key, not_after=NOW - DAY)
        args = pack_args(tmp_path, chain, **{"--cert": str(write_certs(tmp_path / "e", old.leaf))})
    elif case == "site":
        args += ["--site", "Shopping", "--config", str(IIS7)]
    elif case == "password":
        monkeypatch.delenv("PFX_PASSWORD")
    elif case == "missing-site":
        args += ["--site", "Nowhere", "--config", str(IIS7)]
    assert main(args) == 3
    assert PACK_REFUSALS[case] in capsys.readouterr().err
    assert not (tmp_path / "out.pfx").exists()


def test_pack_cli_usage_errors(
    tmp_path: Path, chain: Chain, capsys: pytest.CaptureFixture[str]
) -> None:
    args = pack_args(tmp_path, chain)
    assert main([*args, "--site", "Shop"]) == 2
    assert "--site and --config go together" in capsys.readouterr().err
    without_password = [a for a in args if a not in ("--password-env", "PFX_PASSWORD")]
    assert main(without_password) == 2
    assert not os.path.exists(tmp_path / "out.pfx")


def test_a_key_of_a_kind_metaclone_cannot_read_is_refused_by_name(
    tmp_path: Path,
    chain: Chain,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PKCS#8 with an algorithm no library knows: cryptography raises UnsupportedAlgorithm.
    der = sequence(integer(0), sequence(oid("1.2.3.4")), octet_string(b"\x04\x00"))
    cert = write_certs(tmp_path / "c.pem", chain.leaf)
    expected = (
        "the private key in {} is of a kind metaclone cannot read (Unknown key type: 1.2.3.4); "
        "IIS needs an RSA or ECDSA (P-256, P-384, P-521) key"
    )
    for name, data in (("k.der", der), ("k.pem", pem("PRIVATE KEY", der))):
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(CertificateError) as refused:
            load_private_key(path)
        assert refused.value.message == expected.format("this file")
        assert refused.value.path == str(path)
    both = tmp_path / "both.pem"
    both.write_bytes(cert.read_bytes() + pem("PRIVATE KEY", der))
    with pytest.raises(CertificateError) as refused:
        load_certificate(both)
    assert refused.value.message == expected.format("this PEM file")
    monkeypatch.setenv("PFX_PASSWORD", "pw")
    out = tmp_path / "out.pfx"
    args = ["cert", "pack", "--key", str(tmp_path / "k.pem"), "--cert", str(cert)]
    assert main([*args, "--out", str(out), "--password-env", "PFX_PASSWORD"]) == 3
    assert "is of a kind metaclone cannot read" in capsys.readouterr().err
    assert not out.exists()
