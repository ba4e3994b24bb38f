"""IIS 6 metabase: reading sites, cloning, editing, checks and errors."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
from lxml import etree

import metaclone
from metaclone.errors import (
    AmbiguousSiteError,
    BindingError,
    CertificateError,
    ParseError,
    SiteIdInUseError,
    SiteIdOutOfRangeError,
    SiteNameError,
    SiteNotFoundError,
    ThumbprintError,
    UnsupportedDocumentError,
)
from metaclone.iis6.indexing import find_mbproperty, index_keys
from metaclone.iis6.keys import KeyTable
from metaclone.iis6.metabase import MetabaseDocument, MetabaseKey
from metaclone.iis6.reading import scan_document_sites
from metaclone.lossless import XmlDocument
from metaclone.model.sites import Binding, CertificateRef, Severity, SiteKind
from tests.conftest import FIXTURES, corpus_params, fixture_files
from tests.helpers import assert_refused

IIS6 = FIXTURES / "iis6"
MAIN = IIS6 / "MetaBase.xml"
LF = IIS6 / "MetaBase_lf_no_namespace.xml"
V54 = IIS6 / "MetaBase_v54_crlf.xml"
PROBLEMS = IIS6 / "MetaBase_problems.xml"
EXPORT = IIS6 / "export_site_1962875481.xml"

SHOP_HASH = "5c3d8a1f0e9b7a6d4c2b1a09f8e7d6c5b4a39281"
NEW_HASH = "aabbccddeeff00112233445566778899aabbccdd"


def load(path: Path) -> MetabaseDocument:
    doc = metaclone.load(path)
    assert isinstance(doc, MetabaseDocument)
    return doc


def text_of(doc: MetabaseDocument) -> str:
    return doc.xml.text


def key_text(doc: MetabaseDocument, location: str) -> str:
    key = doc.key(location)
    assert key is not None, location
    return doc.xml.slice(key.start, key.end)


def line_opcodes(before: str, after: str) -> set[str]:
    matcher = difflib.SequenceMatcher(None, before.split("\n"), after.split("\n"), autojunk=False)
    return {tag for tag, *_ in matcher.get_opcodes()}


def refers_to(text: str, service: str, segment: str) -> bool:
    return re.search(rf"(?i)/LM/{service}/{segment}(?=[/\r\n\"]|$)", text) is not None


# -- reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", fixture_files("iis6/*"), ids=lambda p: p.name)
def test_fixtures_round_trip_byte_for_byte(path: Path) -> None:
    data = path.read_bytes()
    doc = metaclone.loads(data, path.name)
    assert doc.format == "iis6-metabase"
    assert doc.sites
    assert doc.to_bytes() == data


def test_fixtures_cover_the_lexical_variants() -> None:
    main = MAIN.read_bytes()
    assert main.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in main
    assert b'xmlns="urn:microsoft-catalog:XML_Metabase_V64_0"' in main
    lf = LF.read_bytes()
    assert b"\r" not in lf
    assert b"<configuration>" in lf
    v54 = V54.read_bytes()
    assert b"XML_Metabase_V54_0" in v54
    assert b'\tLocation="/LM/MSFTPSVC/21"' in v54
    for data in (main, lf, v54):
        assert b'\tLocation ="' in data
        assert b"\t>" in data


def test_sites_of_the_main_fixture() -> None:
    doc = load(MAIN)
    summary = [
        (s.kind, s.id, s.name, s.auto_start, [b.summary for b in s.bindings], s.certificate)
        for s in doc.sites
    ]
    assert summary == [
        (SiteKind.FTP, 1, "Default FTP Site", True, ["ftp/:21:"], None),
        (SiteKind.WEB, 1, "Default Web Site", True, ["http/:80:"], None),
        (
            SiteKind.WEB,
            12,
            "Intranet",
            True,
            ["http/10.0.0.12:80:intranet", "http/10.0.0.12:80:intranet.corp.example.com"],
            None,
        ),
        (SiteKind.WEB, 123, "Partners", False, ["http/:8123:"], None),
        (
            SiteKind.WEB,
            1962875481,
            "Shop",
            True,
            [
                "http/:80:shop.example.com",
                "http/:80:www.shop.example.com",
                "https/:443:shop.example.com",
                "https/10.0.0.5:443:",
            ],
            CertificateRef(SHOP_HASH, "MY"),
        ),
        (
            SiteKind.WEB,
            98004751,
            "Contrib",
            True,
            ["http/:80:contrib.example.com", "https/:443:contrib.example.com"],
            None,
        ),
    ]


def test_site_details() -> None:
    doc = load(MAIN)
    shop = doc.site("shop")
    assert shop.line == 181
    assert not shop.waiting_for_certificate
    https = shop.secure_bindings[1]
    assert (https.ip, https.port, https.host) == ("10.0.0.5", 443, "")
    assert https.certificate == CertificateRef(SHOP_HASH, "MY")
    assert shop.bindings[0].certificate is None
    contrib = doc.site("Contrib")
    assert contrib.waiting_for_certificate
    assert doc.site(98004751) == contrib
    assert doc.site("ftp/1").kind is SiteKind.FTP
    assert doc.site("1").name == "Default Web Site"
    assert doc.site(shop) == shop


def test_templates_and_other_keys_are_not_sites() -> None:
    doc = load(MAIN)
    assert doc.key("/lm/w3svc/info/templates/public web site") is not None
    template = "Allows all users to browse static and dynamic content."
    assert all(s.name != template for s in doc.sites)


def test_sites_of_the_other_fixtures() -> None:
    lf = load(LF)
    assert [(s.id, s.name, s.auto_start) for s in lf.sites] == [
        (1, "Default Web Site", True),
        (11, "w11", False),
        (1551821403, "Blog", True),
    ]
    assert [b.binding_information for b in lf.site("Blog").bindings] == [
        "211.102.91.212:80:blog.example.cn",
        "211.102.91.212:80:www.blog.example.cn",
        "211.102.91.212:80:blog.example.org",
    ]
    v54 = load(V54)
    assert [(s.kind, s.id, s.name) for s in v54.sites] == [
        (SiteKind.FTP, 21, "Uploads"),
        (SiteKind.WEB, 7, ""),
        (SiteKind.WEB, 70, "Secure only"),
    ]
    assert v54.site(7).bindings == ()
    assert v54.site(7).auto_start is True
    assert [b.summary for b in v54.site("ftp/21").bindings] == [
        "ftp/10.1.1.1:21:",
        "ftp/10.1.1.2:21:",
    ]
    export = load(EXPORT)
    assert [(s.id, s.name) for s in export.sites] == [(1962875481, "Shop")]


def test_keys_and_typed_values() -> None:
    doc = load(MAIN)
    root = doc.key("/LM/W3SVC/1962875481/ROOT")
    assert root is not None
    assert root.location == "/LM/W3SVC/1962875481/root"
    assert root.key_type == "IIsWebVirtualDir"
    assert doc.value(root, "AccessFlags") == 4 | 1 | 512
    assert doc.value(root, "AccessSSLFlags") == 8 | 256
    assert doc.value(root, "AppRoot") == "/LM/W3SVC/1962875481/Root"
    assert doc.value(root, "ScriptMaps")[1].startswith(".aspx,")  # type: ignore[index]
    assert str(doc.value(root, "UNCPassword")).startswith("NOLONGERVALID")
    assert doc.value(root, "Missing") is None
    mime = doc.key("/LM/MimeMap")
    assert mime is not None
    assert doc.value(mime, "MimeMap") == [
        ".htm,text/html",
        ".css,text/css",
        ".js,application/x-javascript",
        ".png,image/png",
        ".woff,application/x-woff",
    ]
    assert doc.value(doc.site_keys("Partners")[0], "ServerAutoStart") is False
    assert [k.location for k in doc.site_keys(1)] == [
        "/LM/W3SVC/1",
        "/LM/W3SVC/1/Filters",
        "/LM/W3SVC/1/Filters/Rewrite",
        "/LM/W3SVC/1/IIsCertMapper",
        "/LM/W3SVC/1/ROOT",
        "/LM/W3SVC/1/ROOT/api",
    ]
    assert doc.keys_under("/LM/W3SVC/12") == doc.site_keys(12)


def test_bad_property_values_are_located() -> None:
    data = MAIN.read_bytes().replace(b'ServerAutoStart="FALSE"', b'ServerAutoStart="perhaps"')
    doc = metaclone.loads(data, "bad.xml")
    assert isinstance(doc, MetabaseDocument)
    with pytest.raises(ParseError, match="ServerAutoStart") as info:
        _ = doc.sites
    assert info.value.line == 169
    key = doc.key("/LM/W3SVC/1/ROOT")
    assert key is not None
    bad = metaclone.loads(MAIN.read_bytes().replace(b"AccessRead | AccessScript", b"AccessAll"))
    assert isinstance(bad, MetabaseDocument)
    bad_key = bad.key("/LM/W3SVC/1/ROOT")
    assert bad_key is not None
    with pytest.raises(ParseError, match="not a flag of AccessFlags"):
        bad.value(bad_key, "AccessFlags")


# -- cloning -------------------------------------------------------------------------------


def test_clone_site_1_rewrites_every_reference_and_only_the_copy() -> None:
    doc = load(MAIN)
    before = text_of(doc)
    source_keys = {k.location: doc.xml.slice(k.start, k.end) for k in doc.site_keys(1)}
    outside = {
        k.location: doc.xml.slice(k.start, k.end) for k in doc.keys if k.location not in source_keys
    }
    new = doc.clone_site(1, new_id=5000)
    after = text_of(doc)

    assert (new.id, new.name, new.auto_start, new.kind) == (
        5000,
        "Default Web Site (copy)",
        False,
        SiteKind.WEB,
    )
    assert [b.summary for b in new.bindings] == ["http/:80:"]
    assert line_opcodes(before, after) <= {"equal", "insert"}
    etree.fromstring(doc.to_bytes())
    for location, text in source_keys.items():
        assert key_text(doc, location) == text
    for location, text in outside.items():
        assert key_text(doc, location) == text
    root = key_text(doc, "/LM/W3SVC/5000/ROOT")
    assert 'AppRoot="/LM/W3SVC/5000/Root"' in root
    assert 'Value="/LM/W3SVC/5000/ROOT\r\n\t\t\tIIS://localhost/LM/W3SVC/5000/ROOT/api\r\n' in root
    # Another site's path inside the copy is left alone: segment-exact.
    assert '\t\t\t/LM/W3SVC/12/ROOT"' in root
    assert 'AppRoot="/LM/W3SVC/5000/ROOT/api"' in key_text(doc, "/LM/W3SVC/5000/ROOT/api")
    server = key_text(doc, "/LM/W3SVC/5000")
    assert '\t\tServerAutoStart="FALSE"\r\n' in server
    assert '\t\tServerComment="Default Web Site (copy)"\r\n' in server
    # Sites 12 and 123 share the prefix "1" and are untouched; so is a value in site 123 that
    # names /LM/W3SVC/1.
    assert 'HttpRedirect="http://partners.example.com/LM/W3SVC/1"' in after
    assert [s.id for s in doc.sites if s.kind is SiteKind.WEB] == [
        1,
        5000,
        12,
        123,
        1962875481,
        98004751,
    ]
    # The block sits right after the source subtree.
    api_end = after.index("</IIsWebVirtualDir>", after.index('Location ="/LM/W3SVC/1/ROOT/api"'))
    assert after.index('<IIsWebServer\tLocation ="/LM/W3SVC/5000"') == api_end + len(
        "</IIsWebVirtualDir>\r\n"
    )


def test_clone_keys_equal_source_keys_with_the_path_rewritten() -> None:
    doc = load(MAIN)
    source = [doc.xml.slice(k.start, k.end) for k in doc.site_keys("Shop")]
    new = doc.clone_site("Shop", new_name="Shop placeholder")
    clone = [doc.xml.slice(k.start, k.end) for k in doc.site_keys(new)]
    assert len(clone) == len(source)
    ignored = re.compile(r"\r\n\t\t(?:ServerComment|ServerAutoStart)=\"[^\"]*\"")
    for original, copied in zip(source, clone, strict=True):
        expected = re.sub(r"(?i)(/LM/W3SVC/)1962875481(?=[/\r\n\"])", rf"\g<1>{new.id}", original)
        assert ignored.sub("", copied) == ignored.sub("", expected)
        assert not refers_to(copied, "W3SVC", "1962875481")


def test_clone_keeps_each_values_case_and_copies_secure_blobs_verbatim() -> None:
    doc = load(MAIN)
    source_root = doc.key("/LM/W3SVC/1962875481/root")
    assert source_root is not None
    blob = doc.raw_value(source_root, "UNCPassword")
    filters = doc.key("/LM/W3SVC/1962875481/filters")
    assert filters is not None
    acl = doc.raw_value(filters, "AdminACL")
    new = doc.clone_site("Shop", new_id=77)
    root = doc.key("/LM/W3SVC/77/ROOT")
    assert root is not None
    assert root.location == "/LM/W3SVC/77/root"
    assert doc.raw_value(root, "AppRoot") == "/LM/W3SVC/77/Root"
    assert doc.raw_value(root, "UNCPassword") == blob
    new_filters = doc.key("/LM/W3SVC/77/filters")
    assert new_filters is not None
    assert doc.raw_value(new_filters, "AdminACL") == acl
    pay = doc.key("/LM/W3SVC/77/root/checkout/pay.aspx")
    assert pay is not None
    assert pay.key_type == "IIsWebFile"
    assert doc.raw_value(pay, "HttpRedirect") == "/LM/W3SVC/77/root/checkout/pay.aspx"
    assert new.certificate == CertificateRef(SHOP_HASH, "MY")
    assert [b.summary for b in new.secure_bindings] == [
        "https/:443:shop.example.com",
        "https/10.0.0.5:443:",
    ]


def test_clone_of_a_site_with_a_binary_custom_value() -> None:
    doc = load(MAIN)
    before = key_text(doc, "/LM/W3SVC/98004751")
    new = doc.clone_site("Contrib")
    copied = key_text(doc, f"/LM/W3SVC/{new.id}")
    custom = re.search(r"<Custom.*?/>", before, re.S)
    assert custom is not None
    assert custom.group() in copied
    assert new.waiting_for_certificate


def test_clone_id_chosen_as_one_more_than_the_largest() -> None:
    doc = load(MAIN)
    assert doc.clone_site(1).id == 1962875482
    assert doc.clone_site(1).id == 1962875483
    lf = load(LF)
    assert lf.clone_site("w11").id == 1551821404


def test_clone_id_falls_back_to_the_smallest_free_id_at_the_top_of_the_range() -> None:
    data = V54.read_bytes().replace(b"/LM/W3SVC/70", b"/LM/W3SVC/2147483647")
    doc = metaclone.loads(data)
    assert isinstance(doc, MetabaseDocument)
    assert doc.clone_site(2147483647).id == 1
    assert doc.clone_site(7).id == 2


def test_clone_default_names_avoid_taken_names() -> None:
    doc = load(MAIN)
    assert doc.clone_site("Shop").name == "Shop (copy)"
    assert doc.clone_site("Shop").name == "Shop (copy 2)"
    assert doc.clone_site("Shop").name == "Shop (copy 3)"
    v54 = load(V54)
    assert v54.clone_site(7).name == "Site 7 (copy)"


def test_clone_started_on_request() -> None:
    doc = load(MAIN)
    started = doc.clone_site("Partners", auto_start=True)
    assert started.auto_start is True
    assert 'ServerAutoStart="TRUE"' in key_text(doc, f"/LM/W3SVC/{started.id}")
    kept = doc.clone_site("Shop", auto_start=True)
    assert kept.auto_start is True


def test_clone_inserts_server_auto_start_in_ordinal_place() -> None:
    doc = load(LF)
    new = doc.clone_site("Default Web Site", new_id=2)
    assert key_text(doc, "/LM/W3SVC/2") == (
        '<IIsWebServer\tLocation ="/LM/W3SVC/2"\n'
        '\t\tServerAutoStart="FALSE"\n'
        '\t\tServerBindings=":80:"\n'
        '\t\tServerComment="Default Web Site (copy)"\n'
        "\t>\n</IIsWebServer>"
    )
    assert new.auto_start is False


def test_clone_of_a_key_with_only_its_location() -> None:
    doc = load(V54)
    doc.clone_site(7, new_id=8, new_name="Eight")
    assert key_text(doc, "/LM/W3SVC/8") == (
        '<IIsWebServer\tLocation ="/LM/W3SVC/8"\r\n'
        '\t\tServerAutoStart="FALSE"\r\n'
        '\t\tServerComment="Eight"\r\n'
        "\t>\r\n</IIsWebServer>"
    )


def test_clone_ftp_site() -> None:
    doc = load(MAIN)
    new = doc.clone_site("ftp/1", new_name="Second FTP")
    assert new.kind is SiteKind.FTP
    assert new.id == 2
    assert key_text(doc, "/LM/MSFTPSVC/2/ROOT").startswith(
        '<IIsFtpVirtualDir\tLocation ="/LM/MSFTPSVC/2/ROOT"'
    )
    assert doc.site("ftp/2").name == "Second FTP"
    assert doc.site(1).kind is SiteKind.WEB
    v54 = load(V54)
    ftp = v54.clone_site("Uploads", new_id=22)
    assert (ftp.kind, ftp.id) == (SiteKind.FTP, 22)
    assert 'Location="/LM/MSFTPSVC/22/ROOT"' in v54.xml.text


def test_clone_reports_shared_com_plus_settings() -> None:
    doc = load(MAIN)
    new = doc.clone_site("Intranet", new_id=13)
    codes = [(n.code, n.severity, n.site_id) for n in doc.notes]
    assert codes == [
        ("shared-com-package", Severity.WARNING, 13),
        ("shared-com-package", Severity.WARNING, 13),
    ]
    assert "AppPackageID" in doc.notes[0].message
    assert "AppWamClsid" in doc.notes[1].message
    root = doc.key("/LM/W3SVC/13/ROOT")
    assert root is not None
    assert doc.notes[0].line == root.line
    assert new.id == 13


def test_clone_in_an_export_file() -> None:
    doc = load(EXPORT)
    before = text_of(doc)
    new = doc.clone_site("Shop", new_id=987654321, new_name="Shop placeholder")
    assert line_opcodes(before, text_of(doc)) <= {"equal", "insert"}
    doc.delete_site(1962875481)
    assert [(s.id, s.name) for s in doc.sites] == [(987654321, "Shop placeholder")]
    assert not refers_to(text_of(doc), "W3SVC", "1962875481")
    assert new.certificate == CertificateRef(SHOP_HASH, "MY")
    etree.fromstring(doc.to_bytes())


def test_clone_in_an_lf_file_keeps_lf() -> None:
    doc = load(LF)
    doc.clone_site("Blog", new_id=3)
    assert "\r" not in text_of(doc)
    assert 'AppRoot="/lm/w3svc/3/root"' in key_text(doc, "/LM/W3SVC/3/ROOT")
    assert 'AppRoot="/LM/W3SVC/3/ROOT/admin/reports"' in text_of(doc)


# -- other edits ---------------------------------------------------------------------------


def test_delete_site_removes_whole_lines_of_that_site_only() -> None:
    doc = load(MAIN)
    before = text_of(doc)
    doc.delete_site(1)
    after = text_of(doc)
    assert line_opcodes(before, after) <= {"equal", "delete"}
    assert doc.key("/LM/W3SVC/1/ROOT/api") is None
    assert [s.id for s in doc.sites if s.kind is SiteKind.WEB] == [12, 123, 1962875481, 98004751]
    assert doc.site("ftp/1").name == "Default FTP Site"
    assert '<IIsWebVirtualDir\tLocation ="/LM/W3SVC/12/ROOT"' in after
    etree.fromstring(doc.to_bytes())


def test_rename_site() -> None:
    doc = load(MAIN)
    renamed = doc.rename_site("Shop", "Shop 'n' Co")
    assert renamed.name == "Shop 'n' Co"
    assert "\t\tServerComment=\"Shop 'n' Co\"\r\n" in key_text(doc, "/LM/W3SVC/1962875481")
    assert doc.rename_site("shop 'N' co", "SHOP 'N' CO").name == "SHOP 'N' CO"
    with pytest.raises(SiteNameError, match="IIS does not allow & in a site name"):
        doc.rename_site("shop 'n' co", "Shop & Co")


def test_rename_a_site_without_properties_inserts_its_line() -> None:
    doc = load(V54)
    doc.rename_site(7, "Seven")
    assert key_text(doc, "/LM/W3SVC/7") == (
        '<IIsWebServer\tLocation ="/LM/W3SVC/7"\r\n'
        '\t\tServerComment="Seven"\r\n'
        "\t>\r\n</IIsWebServer>"
    )


def test_set_auto_start() -> None:
    doc = load(MAIN)
    assert doc.set_auto_start("Partners", True).auto_start is True
    assert 'ServerAutoStart="TRUE"' in key_text(doc, "/LM/W3SVC/123")
    assert doc.set_auto_start("Shop", False).auto_start is False
    v54 = load(V54)
    v54.set_auto_start(7, True)
    assert not v54.modified
    assert v54.set_auto_start(7, False).auto_start is False
    assert 'ServerAutoStart="FALSE"' in key_text(v54, "/LM/W3SVC/7")


def test_set_bindings_writes_multi_line_values_in_the_file_layout() -> None:
    doc = load(MAIN)
    site = doc.set_bindings(
        "Default Web Site",
        [
            "http/*:80:",
            Binding.from_information("http", ":80:www.example.com"),
            "https/:443:www.example.com",
        ],
    )
    assert [b.summary for b in site.bindings] == [
        "http/:80:",
        "http/:80:www.example.com",
        "https/:443:www.example.com",
    ]
    assert key_text(doc, "/LM/W3SVC/1") == (
        '<IIsWebServer\tLocation ="/LM/W3SVC/1"\r\n'
        '\t\tAppPoolId="DefaultAppPool"\r\n'
        '\t\tDefaultDoc="Default.htm,Default.asp,index.htm,iisstart.htm"\r\n'
        '\t\tLogFilePeriod="1"\r\n'
        '\t\tSecureBindings=":443:www.example.com"\r\n'
        '\t\tServerAutoStart="TRUE"\r\n'
        '\t\tServerBindings=":80:\r\n\t\t\t:80:www.example.com"\r\n'
        '\t\tServerComment="Default Web Site"\r\n'
        '\t\tServerSize="1"\r\n'
        "\t>\r\n</IIsWebServer>"
    )


def test_set_bindings_removes_a_kind_given_no_entries() -> None:
    doc = load(MAIN)
    site = doc.set_bindings("Shop", ["http/:80:shop.example.com"])
    assert [b.summary for b in site.bindings] == ["http/:80:shop.example.com"]
    assert "SecureBindings" not in key_text(doc, "/LM/W3SVC/1962875481")
    unchanged = load(MAIN)
    unchanged.set_bindings(
        12, ["http/10.0.0.12:80:intranet", "http/10.0.0.12:80:intranet.corp.example.com"]
    )
    assert not unchanged.modified


def test_set_bindings_on_an_ftp_site() -> None:
    doc = load(V54)
    site = doc.set_bindings("ftp/21", ["ftp/:21:"])
    assert [b.summary for b in site.bindings] == ["ftp/:21:"]


def test_set_certificate_on_a_site_waiting_for_one() -> None:
    doc = load(MAIN)
    result = doc.set_certificate(
        "Contrib", "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"
    )
    assert result is None
    assert key_text(doc, "/LM/W3SVC/98004751").startswith(
        '<IIsWebServer\tLocation ="/LM/W3SVC/98004751"\r\n'
        f'\t\tSSLCertHash="{NEW_HASH}"\r\n'
        '\t\tSSLStoreName="MY"\r\n'
        '\t\tSecureBindings=":443:contrib.example.com"\r\n'
    )
    site = doc.site("Contrib")
    assert site.certificate == CertificateRef(NEW_HASH, "MY")
    assert not site.waiting_for_certificate
    doc.set_certificate("Contrib", bytes.fromhex(SHOP_HASH), store="WebHosting")
    assert doc.site("Contrib").certificate == CertificateRef(SHOP_HASH, "WebHosting")


def test_set_certificate_accepts_a_certificate_object() -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "shop.example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    doc = load(MAIN)
    doc.set_certificate("Shop", cert)
    assert doc.site("Shop").certificate == CertificateRef(
        cert.fingerprint(hashes.SHA1()).hex(), "MY"
    )


def test_remove_certificate() -> None:
    doc = load(MAIN)
    doc.remove_certificate("Shop")
    server = key_text(doc, "/LM/W3SVC/1962875481")
    assert "SSLCertHash" not in server
    assert "SSLStoreName" not in server
    assert doc.site("Shop").waiting_for_certificate


def test_swap_certificates_moves_a_missing_pair_as_missing() -> None:
    doc = load(MAIN)
    doc.swap_certificates("Shop", "Contrib")
    assert doc.site("Shop").certificate is None
    assert doc.site("Contrib").certificate == CertificateRef(SHOP_HASH, "MY")
    assert 'SecureBindings=":443:shop.example.com' in key_text(doc, "/LM/W3SVC/1962875481")
    doc.swap_certificates("Contrib", "Shop")
    assert doc.to_bytes() == MAIN.read_bytes()
    same = load(MAIN)
    same.swap_certificates("Shop", 1962875481)
    assert not same.modified


def test_placeholder_flow_on_the_main_fixture() -> None:
    doc = load(MAIN)
    placeholder = doc.clone_site("Shop", new_name="Shop (placeholder)")
    doc.set_certificate(placeholder, SHOP_HASH)
    doc.remove_certificate("Shop")
    doc.swap_certificates("Shop", placeholder)
    assert doc.site("Shop").certificate == CertificateRef(SHOP_HASH, "MY")
    assert doc.site(placeholder.id).certificate is None
    doc.delete_site(placeholder)
    assert doc.to_bytes() == MAIN.read_bytes()


# -- checks --------------------------------------------------------------------------------


def test_check_finds_each_kind_of_problem() -> None:
    doc = load(PROBLEMS)
    findings = [(f.code, f.severity, f.site_id, f.line) for f in doc.check()]
    assert findings == [
        ("duplicate-site-id", Severity.ERROR, 9, 39),
        ("duplicate-site-name", Severity.WARNING, 8, 28),
        ("duplicate-binding", Severity.ERROR, 6, 17),
        ("approot-outside-site", Severity.ERROR, 6, 25),
        ("shared-com-package", Severity.WARNING, 5, 12),
        ("shared-com-package", Severity.WARNING, 6, 23),
    ]


def test_check_main_fixture_reports_the_pending_certificate_and_missing_pools() -> None:
    findings = load(MAIN).check()
    assert [(f.code, f.severity, f.site_id) for f in findings] == [
        # AppPoolId values with no key under /LM/W3SVC/AppPools.
        ("undefined-pool", Severity.WARNING, 1962875481),
        ("undefined-pool", Severity.WARNING, 98004751),
        ("waiting-for-certificate", Severity.WARNING, 98004751),
    ]


def test_check_stopped_sites_may_share_bindings() -> None:
    doc = load(MAIN)
    doc.clone_site("Shop")
    assert all(f.code != "duplicate-binding" for f in doc.check())
    started = load(MAIN)
    started.clone_site("Shop", auto_start=True)
    assert "duplicate-binding" in [f.code for f in started.check()]


# -- errors --------------------------------------------------------------------------------


def unchanged(doc: MetabaseDocument, data: bytes) -> None:
    assert doc.to_bytes() == data
    assert not doc.modified


def test_unknown_site() -> None:
    doc = load(MAIN)
    with pytest.raises(SiteNotFoundError, match="no site with id 4"):
        doc.clone_site(4)
    with pytest.raises(SiteNotFoundError, match="'Nowhere'"):
        doc.delete_site("Nowhere")
    # Digits int() does not read are a name, not an id.
    with pytest.raises(SiteNotFoundError, match="'\u00b2'"):
        doc.delete_site("\u00b2")
    with pytest.raises(SiteNotFoundError, match="'ftp/\u00b2'"):
        doc.site("ftp/\u00b2")
    unchanged(doc, MAIN.read_bytes())


@pytest.mark.parametrize("new_id", [12, 1962875481, 1, 98004751])
def test_clone_refuses_an_id_in_use(new_id: int) -> None:
    assert_refused(
        MAIN,
        lambda doc: doc.clone_site("Shop", new_id=new_id),
        SiteIdInUseError,
        match=f"id {new_id} is already used",
    )


def test_clone_refuses_an_id_used_only_by_leftover_keys() -> None:
    data = LF.read_bytes().replace(b"/LM/W3SVC/AppPools", b"/LM/W3SVC/40/ROOT")
    assert_refused(data, lambda doc: doc.clone_site(1, new_id=40), SiteIdInUseError)


@pytest.mark.parametrize("new_id", [0, -1, 2**31, True, "12"])
def test_clone_refuses_an_id_out_of_range(new_id: object) -> None:
    assert_refused(
        MAIN,
        lambda doc: doc.clone_site("Shop", new_id=new_id),  # type: ignore[arg-type]
        SiteIdOutOfRangeError,
    )


def test_ambiguous_name() -> None:
    doc = load(PROBLEMS)
    with pytest.raises(AmbiguousSiteError, match="give the id"):
        doc.clone_site("MAIN")
    with pytest.raises(AmbiguousSiteError):
        doc.rename_site(9, "Nine")
    unchanged(doc, PROBLEMS.read_bytes())


@pytest.mark.parametrize("name", ["Intranet", "intranet", "", "   ", "two\nlines", "tab\there"])
def test_bad_names_are_refused(name: str) -> None:
    doc = load(MAIN)
    with pytest.raises(SiteNameError):
        doc.clone_site("Shop", new_name=name)
    with pytest.raises(SiteNameError):
        doc.rename_site("Shop", name)
    unchanged(doc, MAIN.read_bytes())


@pytest.mark.parametrize(
    ("bindings", "message"),
    [
        ([], "at least one binding"),
        (["net.tcp/808:*"], "takes only http and https"),
        (["http/:80"], "IP:port:host"),
        (["http/:0:"], "port"),
        (["http/:http:"], "port"),
        (["http/:80:a b"], "not a host name label"),
        (["http/:80:x", "http/:80:X"], "given twice"),
        (["80"], "protocol/information"),
    ],
)
def test_bad_bindings_are_refused(bindings: list[str], message: str) -> None:
    assert_refused(MAIN, lambda doc: doc.set_bindings("Shop", bindings), BindingError, message)


def test_ftp_sites_take_only_ftp_bindings_and_no_certificate() -> None:
    doc = load(MAIN)
    with pytest.raises(BindingError, match="takes only ftp"):
        doc.set_bindings("ftp/1", ["https/:990:"])
    with pytest.raises(CertificateError, match="FTP"):
        doc.set_certificate("ftp/1", SHOP_HASH)
    with pytest.raises(CertificateError, match="FTP"):
        doc.swap_certificates("Shop", "ftp/1")
    unchanged(doc, MAIN.read_bytes())


def test_bad_certificates_are_refused() -> None:
    doc = load(MAIN)
    with pytest.raises(ThumbprintError):
        doc.set_certificate("Shop", "not a thumbprint")
    with pytest.raises(CertificateError, match="store"):
        doc.set_certificate("Shop", SHOP_HASH, store="")
    with pytest.raises(CertificateError, match="store"):
        doc.set_certificate("Shop", SHOP_HASH, store="MY\nX")
    unchanged(doc, MAIN.read_bytes())


def test_metabase_without_mbproperty() -> None:
    data = (
        b'<?xml version ="1.0"?>\n'
        b'<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">\n</configuration>\n'
    )
    doc = metaclone.loads(data, "empty.xml")
    assert isinstance(doc, MetabaseDocument)
    with pytest.raises(ParseError, match="no <MBProperty>") as info:
        _ = doc.sites
    assert (info.value.path, info.value.line, info.value.column) == ("empty.xml", 2, 1)


def test_key_without_location() -> None:
    data = LF.read_bytes().replace(b'<IIsWebServer\tLocation ="/LM/W3SVC/11"', b"<IIsWebServer")
    doc = metaclone.loads(data, "broken.xml")
    with pytest.raises(ParseError, match="no Location attribute") as info:
        _ = doc.sites
    assert (info.value.line, info.value.column) == (26, 1)
    assert "<IIsWebServer" in str(info.value)


def test_inherited_properties_element_is_not_a_key() -> None:
    data = EXPORT.read_bytes().replace(
        b"</MBProperty>",
        b'<IIsInheritedProperties\r\n\t\tAppPoolId="DefaultAppPool"\r\n\t>\r\n'
        b"</IIsInheritedProperties>\r\n</MBProperty>",
    )
    doc = metaclone.loads(data)
    assert isinstance(doc, MetabaseDocument)
    assert [k.key_type for k in doc.keys][-1] == "IIsWebVirtualDir"
    assert len(doc.sites) == 1


def test_not_a_metabase() -> None:
    xml = XmlDocument.from_bytes(b"<appcmd/>", "other.xml")
    with pytest.raises(UnsupportedDocumentError, match="not the root of an IIS 6 metabase"):
        _ = MetabaseDocument(xml).sites


def test_comments_inside_mbproperty_are_not_keys() -> None:
    data = LF.read_bytes().replace(
        b'<IIsWebServer\tLocation ="/LM/W3SVC/11"',
        b'<!-- <IIsWebServer Location ="/LM/W3SVC/99"> -->\n'
        b'<IIsWebServer\tLocation ="/LM/W3SVC/11"',
    )
    doc = metaclone.loads(data)
    assert [s.id for s in doc.sites] == [1, 11, 1551821403]


@pytest.mark.parametrize(
    ("name", "operation"),
    [
        ("clone", lambda doc: doc.clone_site("Nine")),
        ("clone of the second key", lambda doc: doc.clone_site(doc.site("Nine again"))),
        ("clone with id and name", lambda doc: doc.clone_site("Nine", new_id=90, new_name="N")),
        ("delete", lambda doc: doc.delete_site("Nine again")),
        ("rename", lambda doc: doc.rename_site("Nine", "Nine B")),
        ("stop", lambda doc: doc.set_auto_start("Nine", False)),
        ("bindings", lambda doc: doc.set_bindings("Nine", ["http/:9092:"])),
        ("set certificate", lambda doc: doc.set_certificate("Nine", SHOP_HASH)),
        ("remove certificate", lambda doc: doc.remove_certificate("Nine again")),
        ("swap, first", lambda doc: doc.swap_certificates("Nine", 5)),
        ("swap, second", lambda doc: doc.swap_certificates(5, "Nine again")),
    ],
)
def test_operations_on_a_site_whose_server_key_is_duplicated_are_refused(
    name: str, operation: object
) -> None:
    doc = load(PROBLEMS)
    assert callable(operation)
    with pytest.raises(AmbiguousSiteError, match=r"Location /LM/W3SVC/9 \(lines 34, 39\)") as info:
        operation(doc)
    assert info.value.path == str(PROBLEMS)
    assert info.value.line in (34, 39)
    unchanged(doc, PROBLEMS.read_bytes())
    assert doc.notes == []


def test_a_key_sharing_the_server_keys_path_makes_the_site_ambiguous() -> None:
    data = LF.read_bytes().replace(
        b'<IIsWebVirtualDir\tLocation ="/LM/W3SVC/11/root"',
        b'<IIsWebVirtualDir\tLocation ="/lm/w3svc/11"',
    )
    assert_refused(
        data,
        lambda doc: doc.clone_site("w11"),
        AmbiguousSiteError,
        match="2 keys have Location /LM/W3SVC/11",
    )
    doc = metaclone.loads(data, "dup.xml")
    # The other sites are not affected.
    assert doc.clone_site("Blog").id == 1551821404


# -- the key index: the fast pass against the exact scanner ---------------------------------


def exact_table(doc: MetabaseDocument) -> KeyTable:
    mbproperty = find_mbproperty(doc.xml)
    return index_keys(doc.xml, mbproperty.content_start, mbproperty.content_end, exact=True)


def exact_keys(doc: MetabaseDocument) -> tuple[MetabaseKey, ...]:
    table = exact_table(doc)
    return tuple(table.key(position) for position in range(len(table)))


def assert_index_matches_the_exact_scanner(doc: MetabaseDocument) -> None:
    # Without an index, sites are read by the site scan (which falls back to the index).
    fresh = metaclone.loads(doc.to_bytes(), "fresh.xml")
    assert isinstance(fresh, MetabaseDocument)
    scanned = fresh.sites
    keys = doc.keys
    assert keys == exact_keys(doc)
    sites = doc.sites
    assert scanned == sites
    exact = metaclone.loads(doc.to_bytes(), "exact.xml", exact=True)
    assert isinstance(exact, MetabaseDocument)
    assert exact.keys == keys
    assert exact.sites == sites


@pytest.mark.parametrize("path", fixture_files("iis6/*"), ids=lambda p: p.name)
def test_index_of_every_fixture_matches_the_exact_scanner(path: Path) -> None:
    doc = metaclone.loads(path.read_bytes(), path.name)
    assert isinstance(doc, MetabaseDocument)
    assert_index_matches_the_exact_scanner(doc)


MAIN_SITE_12 = b'<IIsWebServer\tLocation ="/LM/W3SVC/12"'
LF_SITE_11 = b'<IIsWebServer\tLocation ="/LM/W3SVC/11"'


@pytest.mark.parametrize(
    ("variant", "fast"),
    [
        # Markup inside comments, CDATA and processing instructions, between and inside keys.
        (
            lambda d: d.replace(
                LF_SITE_11,
                b'<!-- </IIsWebServer> <IIsWebServer Location="/LM'
                b'/W3SVC/99"> --><?pi <a> ?>\n' + LF_SITE_11,
            ),
            True,
        ),
        (
            lambda d: d.replace(
                b"\t>\n</IIsWebServer>",
                b"\t><!-- </IIsWebServer> -->"
                b"<![CDATA[</IIsWebServer><x>]]><?p </IIsWebServer>?>\n"
                b"</IIsWebServer>",
            ),
            True,
        ),
        # Location in single quotes, with references, and values holding "/>" and ">".
        (lambda d: d.replace(LF_SITE_11, b"<IIsWebServer\tLocation ='/LM/W3SVC/11'"), True),
        (lambda d: d.replace(b'"/LM/W3SVC/11/root"', b'"/LM/W3SVC/11/r&#111;ot"'), True),
        (lambda d: d.replace(LF_SITE_11, LF_SITE_11 + b' Note="a/>b>"'), True),
        # Empty-element keys, end tags with spaces, children of other names.
        (lambda d: d.replace(b"\t>\n</IIsWebServer>", b"/>"), True),
        (lambda d: d.replace(b"</IIsWebServer>", b"</IIsWebServer  >"), True),
        (
            lambda d: d.replace(
                b"\t>\n</IIsWebServer>", b"\t><a><b/><IIsWebServerX/></a></IIsWebServer>"
            ),
            True,
        ),
        # The exact scanner takes over: Location not first, a child of the key's own name.
        (
            lambda d: d.replace(LF_SITE_11, b'<IIsWebServer Other="1"\tLocation ="/LM/W3SVC/11"'),
            False,
        ),
        (
            lambda d: d.replace(
                b"\t>\n</IIsWebServer>",
                b'\t><IIsWebServer Location="/LM/W3SVC/98"/></IIsWebServer>',
            ),
            False,
        ),
    ],
    ids=[
        "comments-between",
        "opaque-inside",
        "single-quotes",
        "reference",
        "gt-in-value",
        "empty-keys",
        "spaced-end-tags",
        "other-children",
        "location-not-first",
        "nested-own-name",
    ],
)
def test_index_of_unusual_markup_matches_the_exact_scanner(variant: object, fast: bool) -> None:
    assert callable(variant)
    data = variant(LF.read_bytes())
    assert data != LF.read_bytes()
    doc = metaclone.loads(data, "variant.xml")
    assert isinstance(doc, MetabaseDocument)
    # The fast pass leaves key types to be read when needed; the exact scanner lists them.
    mbproperty = find_mbproperty(doc.xml)
    content = (mbproperty.content_start, mbproperty.content_end)
    assert index_keys(doc.xml, *content).from_fast_pass is fast
    # The site scan reads what the fast pass reads, and gives up where it does.
    assert (scan_document_sites(doc.xml.text, *content) is not None) is fast
    assert_index_matches_the_exact_scanner(doc)
    assert [s.id for s in doc.sites] == [1, 11, 1551821403]


def test_index_after_an_edit_is_rebuilt() -> None:
    doc = load(MAIN)
    before = doc.key("/LM/W3SVC/12/ROOT")
    assert before is not None
    text = doc.xml.slice(before.start, before.end)
    grown = len(doc.xml.text)
    doc.clone_site(1, new_id=2)
    grown = len(doc.xml.text) - grown
    after = doc.key("/LM/W3SVC/12/ROOT")
    assert after is not None
    assert (after.start, after.end) == (before.start + grown, before.end + grown)
    assert doc.xml.slice(after.start, after.end) == text
    assert after.line > before.line
    assert_index_matches_the_exact_scanner(doc)


# -- the real file ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_params("iis6/*.xml"))
def test_corpus_metabase_round_trips_and_clones(path: Path | None) -> None:
    assert path is not None
    data = path.read_bytes()
    doc = metaclone.loads(data, path.name)
    assert isinstance(doc, MetabaseDocument)
    assert doc.to_bytes() == data
    sites = doc.sites
    assert [(s.id, s.name, [b.summary for b in s.bindings]) for s in sites] == [
        (1, "Default Web Site", ["http/:80:"])
    ]
    before = doc.xml.text
    new = doc.clone_site(1)
    assert new.id == 2
    after = doc.xml.text
    assert line_opcodes(before, after) <= {"equal", "insert"}
    root = doc.key("/LM/W3SVC/2/ROOT")
    assert root is not None
    assert doc.raw_value(root, "AppRoot") == "/LM/W3SVC/2/ROOT"
    source_root = doc.key("/LM/W3SVC/1/ROOT")
    assert source_root is not None
    assert doc.raw_value(root, "UNCPassword") == doc.raw_value(source_root, "UNCPassword")
    etree.fromstring(doc.to_bytes())


def test_clone_handles_empty_element_keys_and_spaced_end_tags() -> None:
    data = (
        MAIN.read_bytes()
        .replace(
            b'</IIsWebVirtualDir>\r\n<IIsWebVirtualDir\tLocation ="/LM/W3SVC/1/ROOT/api"',
            b'</IIsWebVirtualDir >\r\n<IIsWebVirtualDir\tLocation ="/LM/W3SVC/1/ROOT/api"',
        )
        .replace(
            b'<IIsCertMapper\tLocation ="/LM/W3SVC/1/IIsCertMapper"\r\n\t>\r\n</IIsCertMapper>',
            b'<IIsCertMapper\tLocation ="/LM/W3SVC/1/IIsCertMapper"/>',
        )
    )
    doc = metaclone.loads(data)
    assert isinstance(doc, MetabaseDocument)
    doc.clone_site(1, new_id=9)
    assert key_text(doc, "/LM/W3SVC/9/IIsCertMapper") == (
        '<IIsCertMapper\tLocation ="/LM/W3SVC/9/IIsCertMapper"/>'
    )
    root = key_text(doc, "/LM/W3SVC/9/ROOT")
    assert root.endswith("</IIsWebVirtualDir >")
    assert 'Value="/LM/W3SVC/9/ROOT\r\n' in root


def test_ftp_prefix_selects_only_ftp_sites() -> None:
    doc = metaclone.load(FIXTURES / "iis6" / "MetaBase.xml")
    assert doc.site("ftp/1").kind is metaclone.SiteKind.FTP
    assert doc.site("1").kind is metaclone.SiteKind.WEB
    assert doc.site(1).kind is metaclone.SiteKind.WEB
    with pytest.raises(metaclone.SiteNotFoundError, match="no FTP site with id 12"):
        doc.site("ftp/12")


@pytest.mark.parametrize(
    "trailer",
    [
        b"<!-- </MBProperty> -->",
        b"<?note </MBProperty>?>",
        b"<!-- after -->",
        b"<MBProperty></MBProperty>",
    ],
)
def test_mbproperty_is_found_whatever_follows_it(trailer: bytes) -> None:
    data = MAIN.read_bytes()
    end = data.rindex(b"</MBProperty>") + len(b"</MBProperty>")
    changed = metaclone.loads(data[:end] + trailer + data[end:], "MetaBase.xml")
    assert isinstance(changed, MetabaseDocument)
    original = load(MAIN)
    assert [(s.id, s.name, s.bindings) for s in changed.sites] == [
        (s.id, s.name, s.bindings) for s in original.sites
    ]
    assert find_mbproperty(changed.xml).end == find_mbproperty(original.xml).end
