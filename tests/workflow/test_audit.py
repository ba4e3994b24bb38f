"""``cert audit``: which certificate serves every https binding, and what is wrong with it.

The netsh capture in fixtures/netsh/sslcert_audit_server_crlf.txt is laid over the IIS 7 and IIS
Express fixtures; its thumbprints are replaced by those of certificates generated here, so that
the audit can compare the served certificates with their files.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone import certs, httpsys
from metaclone.certs.files import collect_certificates
from metaclone.certs.request import make_csr
from metaclone.cli import main
from metaclone.errors import CertificateError, UnsupportedDocumentError
from metaclone.model.sites import Severity, normalize_thumbprint
from metaclone.workflow.audit import AuditReport, audit
from tests.certgen import NOW, make_cert, new_key, new_rsa_key
from tests.conftest import FIXTURES

PEM = serialization.Encoding.PEM
DAY = datetime.timedelta(days=1)
CAPTURE = FIXTURES / "netsh" / "sslcert_audit_server_crlf.txt"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"
EXPRESS = FIXTURES / "iis7" / "iisexpress_applicationhost.config"
IIS6 = FIXTURES / "iis6" / "MetaBase.xml"

# The thumbprints of the capture, by the certificate each stands for.
SHOP = "8c1f4be0a59d2e7631c4f0a8b29e5d7c3a6f1b04"  # hostnameport=shop.example.com:443
SHARED = "e27a90c4d3b1f5a86c0d9e4b7a21f3c58d6e0b92"  # ipport=10.0.0.5:443
WILDCARD = "3b9d2f70a6c14e58b1d0f7a2c9e36b84d5a0f1c7"  # ipport=0.0.0.0:443
IPV6 = "a4e6c8b0d2f1357924680ace13579bdf02468ace"  # ipport=[::]:443
EXPRESS_CERT = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"  # ipport=0.0.0.0:44321

_KEY = new_key()


def days(count: float, now: datetime.datetime = NOW) -> datetime.datetime:
    return now + count * DAY


@pytest.fixture(scope="module")
def certificates() -> dict[str, x509.Certificate]:
    """One generated certificate per thumbprint of the capture, and one for the central store."""
    ec_key, rsa_key = new_key(), new_rsa_key()
    return {
        SHOP: make_cert(ec_key, dns=("shop.example.com",), not_after=days(200)),
        SHARED: make_cert(rsa_key, "shop.example.com", not_after=days(90)),
        WILDCARD: make_cert(
            ec_key, "*.shopping.example", dns=("*.shopping.example",), not_after=days(10)
        ),
        IPV6: make_cert(rsa_key, "intranet", dns=("intranet",), not_after=days(-3)),
        "ccs": make_cert(ec_key, dns=("shopping.example",), not_after=days(400)),
        EXPRESS_CERT: make_cert(ec_key, "localhost", dns=("localhost",), not_after=days(365)),
    }


def capture(tmp_path: Path, certificates: dict[str, x509.Certificate]) -> Path:
    """The fixture capture with its thumbprints replaced by the generated certificates'."""
    text = CAPTURE.read_bytes().decode("ascii")
    for stand_in, certificate in certificates.items():
        text = text.replace(stand_in, normalize_thumbprint(certificate).upper())
    path = tmp_path / "sslcert.txt"
    path.write_bytes(text.encode("ascii"))
    return path


def write_pem(path: Path, *items: x509.Certificate) -> Path:
    path.write_bytes(b"".join(c.public_bytes(PEM) for c in items))
    return path


def loaded(certificates: dict[str, x509.Certificate], *names: str) -> list[certs.LoadedCertificate]:
    return [certs.LoadedCertificate.from_certificate(certificates[n]) for n in names]


def run_audit(
    tmp_path: Path,
    certificates: dict[str, x509.Certificate],
    config: Path = IIS7,
    given: tuple[str, ...] = (SHOP, SHARED, WILDCARD, IPV6),
) -> AuditReport:
    doc = metaclone.load(config)
    entries = httpsys.load_netsh_sslcert(capture(tmp_path, certificates))
    return audit(doc, entries, loaded(certificates, *given), warn_days=30, now=NOW)


def codes(report: AuditReport) -> list[tuple[str, str | None]]:
    return [(f.finding.code, f.endpoint) for f in report.located_findings]


def row(report: AuditReport, binding: str) -> dict[str, object]:
    found = [r.to_json() for r in report.rows if r.binding == binding]
    assert len(found) == 1, binding
    return found[0]


# -- IIS 7: resolution as HTTP.sys does it ---------------------------------------------------


def test_each_binding_is_served_as_httpsys_resolves_it(
    tmp_path: Path, certificates: dict[str, x509.Certificate]
) -> None:
    report = run_audit(tmp_path, certificates)
    sni = row(report, "https/*:443:shop.example.com")
    assert sni["served_by"] == sni["endpoint"] == "hostnameport=shop.example.com:443"
    assert sni["thumbprint"] == normalize_thumbprint(certificates[SHOP])
    assert sni["covers_host"] is True
    # A binding on [::1] has no entry of its own: the IPv6 catch-all serves it.
    ipv6 = row(report, "https/[::1]:443:")
    assert (ipv6["endpoint"], ipv6["served_by"]) == ("ipport=[::1]:443", "ipport=[::]:443")
    wildcard_host = row(report, "https/*:443:*.shopping.example")
    assert wildcard_host["served_by"] == "ipport=0.0.0.0:443"
    assert wildcard_host["covers_host"] is True
    certificate = wildcard_host["certificate"]
    assert isinstance(certificate, dict)
    assert certificate["days_left"] == 10
    assert certificate["sans"] == ["*.shopping.example"]
    assert certificate["has_private_key"] is False
    assert row(report, "ftp/*:21:")["served_by"] == "config"


def test_findings_name_the_problems_of_the_capture(
    tmp_path: Path, certificates: dict[str, x509.Certificate]
) -> None:
    report = run_audit(tmp_path, certificates)
    found = codes(report)
    assert ("expired-certificate", "ipport=[::1]:443") in found
    assert ("expiring-certificate", "ipport=0.0.0.0:443") in found
    assert ("shared-sslcert-endpoint", "ipport=10.0.0.5:443") in found
    assert ("orphaned-sslcert", "ipport=10.0.0.9:443") in found
    assert ("orphaned-sslcert", "hostnameport=old.shop.example.com:443") in found
    # IIS Express's entries belong to another application: not this server's leftovers.
    assert not any(e and e.endswith((":44321", ":44300")) for _, e in found)
    # The central store entry serves shopping.example:8443, whose file was not given.
    assert ("unknown-certificate", "ccs=8443") in found
    assert report.has_problems
    shared = next(f for f in report.findings if f.code == "shared-sslcert-endpoint")
    assert '"Shop" (id 2)' in shared.message
    assert '"Shop Old" (id 3)' in shared.message
    assert shared.severity is Severity.INFO  # as ``check`` reports it


def test_a_certificate_for_another_host_is_reported(
    tmp_path: Path, certificates: dict[str, x509.Certificate]
) -> None:
    other = dict(certificates)
    other[SHOP] = make_cert(new_key(), dns=("www.other.example",), not_after=days(200))
    report = run_audit(tmp_path, other)
    assert row(report, "https/*:443:shop.example.com")["covers_host"] is False
    finding = next(f for f in report.findings if f.code == "host-not-covered")
    assert "shop.example.com" in finding.message
    assert "www.other.example" in finding.message
    assert finding.site_id == 2


def test_central_store_file_is_found_by_its_name(
    tmp_path: Path, certificates: dict[str, x509.Certificate]
) -> None:
    folder = tmp_path / "store"
    folder.mkdir()
    keyless = pkcs12.serialize_key_and_certificates(
        b"shopping", None, certificates["ccs"], None, serialization.NoEncryption()
    )
    (folder / "shopping.example.pfx").write_bytes(keyless)
    doc = metaclone.load(IIS7)
    entries = httpsys.load_netsh_sslcert(capture(tmp_path, certificates))
    report = audit(doc, entries, collect_certificates([folder]), now=NOW)
    ccs = row(report, "https/*:8443:shopping.example")
    assert ccs["served_by"] == "ccs=8443"
    assert ccs["thumbprint"] == normalize_thumbprint(certificates["ccs"])
    assert ccs["covers_host"] is True
    assert isinstance(ccs["certificate"], dict)
    assert ccs["certificate"]["has_private_key"] is False


def test_bindings_no_entry_serves_are_missing_their_certificate() -> None:
    doc = metaclone.load(IIS7)
    entries = httpsys.load_netsh_sslcert(FIXTURES / "netsh" / "sslcert_empty.txt")
    report = audit(doc, entries, now=NOW)
    missing = [f for f in report.located_findings if f.finding.code == "missing-certificate"]
    assert len(missing) == len([r for r in report.rows if r.served_by != "config"]) == 6
    assert missing[0].finding.severity is Severity.WARNING  # as ``check`` reports it
    assert "looked for hostnameport=shop.example.com:443" in missing[0].finding.message
    assert not any(c == "orphaned-sslcert" for c, _ in codes(report))


def test_without_netsh_output_the_audit_says_what_is_missing() -> None:
    report = audit(metaclone.load(IIS7), now=NOW)
    assert {r.served_by for r in report.rows} == {None, "config"}
    assert [c for c, _ in codes(report)] == ["unknown-certificate", "sslcert-not-given"]
    assert not report.has_problems


def test_iis_express_entries_are_its_own(
    tmp_path: Path, certificates: dict[str, x509.Certificate]
) -> None:
    report = run_audit(tmp_path, certificates, EXPRESS, given=(EXPRESS_CERT,))
    storefront = row(report, "https/*:44321:localhost")
    assert storefront["served_by"] == "ipport=0.0.0.0:44321"
    assert storefront["covers_host"] is True
    orphans = [e for c, e in codes(report) if c == "orphaned-sslcert"]
    # Only IIS Express's own unused entry: the server's IIS entries are not its business.
    assert orphans == ["ipport=0.0.0.0:44300"]


# -- IIS 6 and FTP: the file holds the certificate -------------------------------------------


def test_iis6_pending_request_is_a_missing_certificate() -> None:
    report = audit(metaclone.load(IIS6), now=NOW)
    missing = [
        f.finding for f in report.located_findings if f.finding.code == "missing-certificate"
    ]
    assert [f.site_id for f in missing] == [98004751]
    shop = row(report, "https/:443:shop.example.com")
    assert shop["served_by"] == "config"
    assert shop["endpoint"] == "ipport=0.0.0.0:443"
    assert shop["thumbprint"] == "5c3d8a1f0e9b7a6d4c2b1a09f8e7d6c5b4a39281"


def test_iis6_sites_on_one_address_share_it(certificates: dict[str, x509.Certificate]) -> None:
    doc = metaclone.load(IIS6)
    doc.set_certificate("Shop", certificates[SHOP])
    doc.set_certificate("Contrib", certificates[SHARED])
    report = audit(doc, None, loaded(certificates, SHOP, SHARED), now=NOW)
    shared = [f for f in report.located_findings if f.finding.code == "shared-sslcert-endpoint"]
    assert [f.endpoint for f in shared] == ["ipport=0.0.0.0:443"]
    assert "certificates" in shared[0].finding.message  # two different ones on one address
    assert row(report, "https/:443:contrib.example.com")["covers_host"] is False
    assert row(report, "https/:443:shop.example.com")["covers_host"] is True


def test_netsh_output_is_refused_for_iis6() -> None:
    entries = httpsys.load_netsh_sslcert(CAPTURE)
    with pytest.raises(UnsupportedDocumentError, match="keeps its certificates in the file"):
        audit(metaclone.load(IIS6), entries)


def test_ftp_certificate_comes_from_the_file(certificates: dict[str, x509.Certificate]) -> None:
    doc = metaclone.load(IIS7)
    doc.set_certificate("Files", certificates[IPV6])
    report = audit(doc, None, loaded(certificates, IPV6), now=NOW)
    ftp = row(report, "ftp/*:21:")
    assert ftp["endpoint"] is None
    assert ftp["thumbprint"] == normalize_thumbprint(certificates[IPV6])
    assert ftp["covers_host"] is None
    assert [f.site_id for f in report.findings if f.code == "expired-certificate"] == [12]


# -- expiry -----------------------------------------------------------------------------------


@given(offset=st.integers(min_value=-400, max_value=400), warn=st.integers(0, 120))
def test_expiry_findings_follow_days_left(offset: int, warn: int) -> None:
    doc = metaclone.load(IIS6)
    key = _KEY
    certificate = make_cert(
        key, dns=("shop.example.com",), not_before=days(-500), not_after=days(60)
    )
    doc.set_certificate("Shop", certificate)
    moment = days(60 - offset) - datetime.timedelta(hours=1)
    report = audit(
        doc,
        None,
        [certs.LoadedCertificate.from_certificate(certificate)],
        warn_days=warn,
        now=moment,
    )
    shop = row(report, "https/:443:shop.example.com")
    assert isinstance(shop["certificate"], dict)
    assert shop["certificate"]["days_left"] == offset
    found = {f.code for f in report.findings if f.site_id == 1962875481}
    assert ("expired-certificate" in found) == (offset < 0)
    assert ("expiring-certificate" in found) == (0 <= offset < warn)


def test_a_certificate_not_yet_valid_is_an_error() -> None:
    doc = metaclone.load(IIS6)
    future = make_cert(_KEY, dns=("shop.example.com",), not_before=days(2), not_after=days(90))
    doc.set_certificate("Shop", future)
    report = audit(doc, None, [certs.LoadedCertificate.from_certificate(future)], now=NOW)
    early = [f for f in report.findings if f.code == "not-yet-valid-certificate"]
    assert len(early) == 2  # both https bindings of the site
    assert early[0].severity is Severity.ERROR
    assert "expiring-certificate" not in {f.code for f in report.findings}


def test_a_client_certificate_on_a_server_is_reported() -> None:
    doc = metaclone.load(IIS6)
    client = make_cert(
        _KEY,
        dns=("shop.example.com",),
        not_after=days(90),
        usages=(ExtendedKeyUsageOID.CLIENT_AUTH,),
    )
    doc.set_certificate("Shop", client)
    report = audit(doc, None, [certs.LoadedCertificate.from_certificate(client)], now=NOW)
    usage = [f for f in report.findings if f.code == "not-server-certificate"]
    assert [f.severity for f in usage] == [Severity.WARNING] * 2
    assert "client authentication" in usage[0].message


def test_a_certificate_given_twice_keeps_its_key(tmp_path: Path) -> None:
    key = new_key()
    certificate = make_cert(key, dns=("a.example",))
    write_pem(tmp_path / "a.pem", certificate)
    (tmp_path / "a.pfx").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"a", key, certificate, None, serialization.NoEncryption()
        )
    )
    for order in (
        [tmp_path / "a.pem", tmp_path / "a.pfx"],
        [tmp_path / "a.pfx", tmp_path / "a.pem"],
    ):
        found = collect_certificates(order)
        assert [c.has_private_key for c in found] == [True]


# -- certificate files ------------------------------------------------------------------------


def test_collect_reads_every_format_and_pairs_keys(tmp_path: Path) -> None:
    key, other_key = new_key(), new_key()
    with_key = make_cert(key, dns=("a.example",))
    bare = make_cert(other_key, dns=("b.example",))
    in_p7b = make_cert(new_key(), dns=("c.example",))
    in_der = make_cert(new_key(), dns=("d.example",))
    folder = tmp_path / "certs"
    (folder / "deeper").mkdir(parents=True)
    write_pem(folder / "a.crt", with_key)
    (folder / "a.key").write_bytes(
        key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (folder / "deeper" / "b.pfx").write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"b", other_key, bare, None, serialization.BestAvailableEncryption(b"pw")
        )
    )
    (folder / "c.p7b").write_bytes(pkcs7.serialize_certificates([in_p7b], PEM))
    (folder / "d.cer").write_bytes(in_der.public_bytes(serialization.Encoding.DER))
    (folder / "notes.txt").write_text("not a certificate")
    request = make_csr(metaclone.load(IIS6), "Shop", key_type="ec256", key=new_key())
    (folder / "shop-request.pem").write_bytes(request.csr_pem())
    found = {c.dns_names[0]: c.has_private_key for c in collect_certificates([folder], b"pw")}
    assert found == {"a.example": True, "b.example": True, "c.example": False, "d.example": False}


def test_collect_refuses_a_wrong_password(tmp_path: Path) -> None:
    key = new_key()
    pfx = tmp_path / "site.pfx"
    pfx.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", key, make_cert(key), None, serialization.BestAvailableEncryption(b"right")
        )
    )
    with pytest.raises(CertificateError, match="password is wrong"):
        collect_certificates([pfx], b"wrong")


def test_collect_refuses_an_encrypted_key_without_password(tmp_path: Path) -> None:
    key = new_key()
    path = tmp_path / "site.key"
    path.write_bytes(
        key.private_bytes(
            PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"pw")
        )
    )
    with pytest.raises(CertificateError, match="encrypted"):
        collect_certificates([path])


# -- the command line -------------------------------------------------------------------------


def test_cli_json_report(
    tmp_path: Path, certificates: dict[str, x509.Certificate], capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.datetime.now(datetime.UTC)
    fresh = {
        SHOP: make_cert(
            new_key(),
            dns=("shop.example.com",),
            not_before=days(-1, now),
            not_after=days(100.5, now),
        ),
    }
    folder = tmp_path / "certs"
    folder.mkdir()
    write_pem(folder / "shop.pem", fresh[SHOP])
    status = main(
        [
            "cert",
            "audit",
            str(IIS7),
            "--sslcert",
            str(capture(tmp_path, {**certificates, **fresh})),
            "--certs",
            str(folder),
            "--json",
        ]
    )
    out = capsys.readouterr().out
    data = json.loads(out)
    assert status == 1
    assert set(data) == {"format", "path", "bindings", "findings"}
    first = data["bindings"][0]
    assert set(first) == {
        "site_id",
        "site_name",
        "binding",
        "endpoint",
        "served_by",
        "thumbprint",
        "certificate",
        "covers_host",
    }
    assert set(first["certificate"]) == {
        "subject",
        "sans",
        "not_after",
        "days_left",
        "has_private_key",
    }
    assert first["certificate"]["days_left"] == 100
    assert set(data["findings"][0]) == {"severity", "code", "message", "site_id", "endpoint"}


def test_cli_text_report_and_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cert", "audit", str(IIS6)]) == 1
    out = capsys.readouterr().out
    assert "site 1962875481 'Shop'  https/:443:shop.example.com" in out
    assert "[missing-certificate]" in out
    # Nothing but notes: exit 0.
    assert main(["cert", "audit", str(FIXTURES / "iis7" / "appcmd_sites.xml")]) == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sslcert", str(CAPTURE)], "keeps its certificates in the file"),
        (["--certs", "/nonexistent/cert.pem"], "no such file"),
        (["--sslcert", str(IIS7)], "netsh"),
    ],
)
def test_cli_refuses_bad_input(
    extra: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cert", "audit", str(IIS6), *extra]) == 3
    assert message in capsys.readouterr().err


def test_cli_wrong_pfx_password(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = new_key()
    pfx = tmp_path / "site.pfx"
    pfx.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"x", key, make_cert(key), None, serialization.BestAvailableEncryption(b"right")
        )
    )
    monkeypatch.setenv("PFX_PASSWORD", "wrong")
    args = ["cert", "audit", str(IIS6), "--certs", str(pfx), "--password-env", "PFX_PASSWORD"]
    assert main(args) == 3
    assert "password is wrong" in capsys.readouterr().err


def test_cli_rejects_a_bad_warn_days(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cert", "audit", str(IIS6), "--warn-days", "-3"]) == 2
    assert "number of days" in capsys.readouterr().err
