"""IIS 7+ applicationHost.config and appcmd XML: reading sites, cloning, editing, checking."""

from __future__ import annotations

import difflib
from pathlib import Path

import attrs
import pytest
from lxml import etree

import metaclone
from metaclone import ConfigDocument, httpsys
from metaclone.errors import (
    AmbiguousSiteError,
    BindingError,
    CertificateError,
    ParseError,
    SiteError,
    SiteIdInUseError,
    SiteIdOutOfRangeError,
    SiteNameError,
    SiteNotFoundError,
    ThumbprintError,
)
from metaclone.iis7.applicationhost import AppcmdDocument, AppHostDocument
from metaclone.model.rules import MAX_IIS7_SITE_ID
from metaclone.model.sites import (
    Application,
    Binding,
    CertificateRef,
    Severity,
    SiteKind,
    VirtualDirectory,
)
from tests.conftest import FIXTURES, fixture_files
from tests.helpers import assert_refused

IIS7 = FIXTURES / "iis7"
MAIN = IIS7 / "applicationHost.config"
EXPRESS = IIS7 / "iisexpress_applicationhost.config"
MIXED = IIS7 / "mixed_tabs_spaces_applicationHost.config"
APPCMD = IIS7 / "appcmd_sites.xml"
THUMB = "0123456789abcdef0123456789abcdef01234567"


def _load(path: Path) -> AppHostDocument:
    return _apphost(metaclone.load(path))


def _apphost(doc: ConfigDocument) -> AppHostDocument:
    assert isinstance(doc, AppHostDocument)
    return doc


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _inserted_only(before: str, after: str) -> list[str]:
    """The lines ``after`` adds to ``before``; fails if any line was changed or removed."""
    matcher = difflib.SequenceMatcher(None, _lines(before), _lines(after), autojunk=False)
    added: list[str] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        assert op == "insert", (op, _lines(before)[i1:i2], _lines(after)[j1:j2])
        added.extend(_lines(after)[j1:j2])
    return added


def _changed(before: str, after: str) -> list[tuple[list[str], list[str]]]:
    matcher = difflib.SequenceMatcher(None, _lines(before), _lines(after), autojunk=False)
    return [
        (_lines(before)[i1:i2], _lines(after)[j1:j2])
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op != "equal"
    ]


def _reparse(doc: AppHostDocument) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(doc.to_bytes(), parser)


# -- formats and round trip ------------------------------------------------------------------


@pytest.mark.parametrize("path", fixture_files("iis7/*"), ids=lambda p: p.name)
def test_fixture_round_trips(path: Path) -> None:
    data = path.read_bytes()
    assert metaclone.loads(data, str(path)).to_bytes() == data


def test_formats_are_told_apart() -> None:
    assert _load(MAIN).format == "iis7-applicationhost"
    assert isinstance(metaclone.load(APPCMD), AppcmdDocument)
    assert metaclone.load(APPCMD).format == "appcmd-xml"


def test_fixture_shapes() -> None:
    main = MAIN.read_bytes()
    assert b"\r\n" in main
    assert b"\n" not in main.replace(b"\r\n", b"")
    express = EXPRESS.read_bytes()
    assert express.startswith(b"\xef\xbb\xbf")
    assert not express.endswith(b"\n")
    assert b"\n\t\t\t<site " in express.replace(b"\r\n", b"\n")
    mixed = MIXED.read_bytes()
    assert b"\r" not in mixed
    assert b"\t<site" in mixed
    assert b"    <site" in mixed
    appcmd = APPCMD.read_bytes()
    assert appcmd.count(b"\r\r\n") == appcmd.count(b"\n")
    assert not appcmd.endswith(b"\n")
    assert appcmd.split(b"\r\r\n")[2].strip() == b""


def test_iis_express_is_recognised() -> None:
    assert _load(EXPRESS).is_iis_express
    assert _load(EXPRESS).app_id == httpsys.IIS_EXPRESS_APP_ID
    assert not _load(MAIN).is_iis_express
    assert _load(MAIN).app_id == httpsys.IIS_APP_ID
    assert not _load(MIXED).is_iis_express


# -- reading sites ---------------------------------------------------------------------------


def test_sites_of_the_main_fixture() -> None:
    sites = _load(MAIN).sites
    assert [(s.id, s.name, s.auto_start, s.kind) for s in sites] == [
        (1, "Default Web Site", True, SiteKind.WEB),
        (2, "Shop", True, SiteKind.WEB),
        (3, "Shop Old", False, SiteKind.WEB),
        (7, "Shopping", True, SiteKind.WEB),
        (9, "Intranet", True, SiteKind.WEB),
        (12, "Files", True, SiteKind.FTP),
    ]
    shop = sites[1]
    assert shop.line == 101
    assert shop.bindings == (
        Binding("http", "*:80:shop.example.com"),
        Binding("https", "*:443:shop.example.com", 65),
        Binding("https", "10.0.0.5:443:"),
    )
    assert [(b.ip, b.port, b.host) for b in shop.bindings] == [
        ("*", 80, "shop.example.com"),
        ("*", 443, "shop.example.com"),
        ("10.0.0.5", 443, ""),
    ]
    doc = _load(MAIN)
    assert (
        doc.applications(shop)
        == doc.applications(2)
        == (
            Application(
                "/",
                "Shop",
                (
                    VirtualDirectory("/", r"D:\sites\shop\www"),
                    VirtualDirectory("/media", r"\\files\shop-media"),
                ),
            ),
            Application("/api", "Shop API", (VirtualDirectory("/", r"D:\sites\shop\api"),)),
        )
    )
    assert shop.certificate is None
    default = sites[0]
    assert [b.summary for b in default.bindings] == [
        "http/*:80:",
        "net.tcp/808:*",
        "net.pipe/*",
        "net.msmq/localhost",
    ]
    assert default.bindings[1].port is None
    assert default.bindings[1].ip is None
    assert doc.applications(default)[0].application_pool == "DefaultAppPool"
    assert sites[3].bindings[0].host == "*.shopping.example"
    assert sites[3].bindings[1].ssl_flags == 3
    intranet = sites[4]
    assert [(b.ip, b.port, b.host, b.ssl_flags) for b in intranet.bindings] == [
        ("[::1]", 80, "", None),
        ("[::1]", 443, "", 0),
    ]
    assert sites[5].certificate == CertificateRef("1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e", "MY")


def test_sites_of_the_other_fixtures() -> None:
    express_doc = _load(EXPRESS)
    express = express_doc.sites
    assert [(s.id, s.name, s.auto_start) for s in express] == [
        (1, "WebSite1", True),
        (2, "Storefront", True),
    ]
    assert express[0].bindings[0] == Binding("http", ":8080:localhost")
    assert (express[0].bindings[0].ip, express[0].bindings[0].port) == ("", 8080)
    assert express_doc.applications(express[1])[1].path == "/admin"
    mixed_doc = _load(MIXED)
    mixed = mixed_doc.sites
    assert [(s.id, s.name, s.auto_start) for s in mixed] == [
        (1, "Default Web Site", True),
        (4, "Services", True),
        (6, "Reports", False),
        (8, "Empty", True),
    ]
    assert mixed[2].bindings[1].ssl_flags == 33
    assert mixed[3].bindings == ()
    assert mixed_doc.applications(mixed[3]) == ()
    appcmd_doc = metaclone.load(APPCMD)
    appcmd = appcmd_doc.sites
    assert [(s.id, s.name, s.auto_start) for s in appcmd] == [
        (4, "shop-api", True),
        (2, "shop-web", False),
        (3, "tcp-host", True),
    ]
    assert appcmd[0].bindings[1].ssl_flags == 97
    assert appcmd_doc.applications("shop-web") == (
        Application("/", "shop-web", (VirtualDirectory("/", r"C:\apps\shop-web"),)),
    )


def test_commented_out_site_is_not_a_site() -> None:
    assert "Ghost" not in [s.name for s in _load(MIXED).sites]


def test_site_lookup() -> None:
    doc = _load(MAIN)
    assert doc.site(2).name == "Shop"
    assert doc.site("2").name == "Shop"
    assert doc.site("shop old").id == 3
    assert doc.site("ftp/12").name == "Files"
    assert doc.site(doc.site(7)).name == "Shopping"
    with pytest.raises(SiteNotFoundError, match="no site with id 5"):
        doc.site(5)
    with pytest.raises(SiteNotFoundError, match="'Nope'"):
        doc.site("Nope")
    # Digits int() does not read are a name, not an id.
    with pytest.raises(SiteNotFoundError, match="'\u00b2'"):
        doc.site("\u00b2")
    with pytest.raises(SiteNotFoundError, match="'ftp/\u00b2'"):
        doc.site("ftp/\u00b2")


def test_ambiguous_sites() -> None:
    text = MAIN.read_text().replace('name="Shop Old" id="3"', 'name="shop" id="2"')
    doc = metaclone.loads(text.encode(), "dup.config")
    with pytest.raises(AmbiguousSiteError, match="2 sites have id 2"):
        doc.site(2)
    with pytest.raises(AmbiguousSiteError, match="give the id instead"):
        doc.site("Shop")
    # A Site value selects the very site, as listed.
    twins = [s for s in doc.sites if s.id == 2]
    assert len(twins) == 2
    for twin in twins:
        assert doc.site(twin) == twin
    assert [len(doc.applications(twin)) for twin in twins] == [2, 1]
    codes = [f.code for f in doc.check()]
    assert "duplicate-site-id" in codes
    assert "duplicate-site-name" in codes


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('name="Shop" id="2"', 'name="Shop" id="two"', "an id is a positive integer"),
        ('name="Shop" id="2"', 'name="Shop"', "has no id attribute"),
        ('name="Shop" id="2"', 'id="2"', "has no name attribute"),
        ('sslFlags="65"', 'sslFlags="Sni"', "is not a number"),
    ],
)
def test_bad_site_definitions_are_located(old: str, new: str, message: str) -> None:
    text = MAIN.read_text().replace(old, new)
    doc = metaclone.loads(text.encode(), "bad.config")
    with pytest.raises(ParseError, match=message) as caught:
        _ = doc.sites
    assert caught.value.path == "bad.config"
    assert caught.value.line is not None
    assert 101 <= caught.value.line <= 112


# -- cloning ---------------------------------------------------------------------------------


def test_clone_shop() -> None:
    doc = _load(MAIN)
    before = doc.xml.text
    clone = doc.clone_site("Shop", new_name="Shop Staging")
    assert (clone.id, clone.name, clone.auto_start) == (21, "Shop Staging", False)
    assert clone.bindings == doc.site("Shop").bindings
    assert clone.line == 123 == doc.site(21).line
    added = _inserted_only(before, doc.xml.text)
    assert '            <site name="Shop Staging" id="21" serverAutoStart="false">\r' in added
    assert '    <location path="Shop Staging">\r' in added
    assert '    <location path="Shop Staging/api" inheritInChildApplications="false">\r' in added
    assert '            <key path="LM/W3SVC/21">\r' in added
    assert '            <key path="LM/W3SVC/21/ROOT/api">\r' in added
    assert any('value="Shop Staging"' in line for line in added)
    # The application key keeps its own name (2102 is the application's name there).
    assert any('id="2102"' in line and 'value="api"' in line for line in added)
    # Neither "Shop Old" nor "Shopping" nor the header comment's example was copied.
    assert not any("Shop Old" in line or "Shopping" in line for line in added)
    assert not any("Default Web Site" in line for line in added)
    assert not any("certificateHash" in line for line in added)
    # Encrypted values are copied byte for byte.
    assert any(
        "[enc:AesProvider:c2hvcCBtZWRpYSBzaGFyZSBwYXNzd29yZA==:enc]" in line for line in added
    )
    assert attrs.evolve(doc.site("Shop"), line=None) == attrs.evolve(
        _load(MAIN).site("Shop"), line=None
    )
    root = _reparse(doc)
    assert len(root.findall("location")) == 9
    assert doc.to_bytes().count(b"\r\n") == doc.to_bytes().count(b"\n")


def test_clone_notes_site_specific_values_and_orphans() -> None:
    doc = _load(MAIN)
    doc.clone_site("Shop", new_name="Shop Staging")
    codes = {(n.code, n.line) for n in doc.notes}
    assert ("orphaned-location", 222) in codes
    assert any(
        n.code == "site-specific-value" and "shop.example.com" in n.message for n in doc.notes
    )
    assert all(n.severity in (Severity.INFO, Severity.WARNING) for n in doc.notes)


def test_clone_with_explicit_id_and_started() -> None:
    doc = _load(MAIN)
    clone = doc.clone_site(3, new_id=100, new_name="Shop Old 2", auto_start=True)
    assert (clone.id, clone.auto_start) == (100, True)
    assert 'name="Shop Old 2" id="100" serverAutoStart="true"' in doc.xml.text


def test_clone_keeps_case_of_first_location_segment_match() -> None:
    text = MAIN.read_text().replace('<location path="Shop/api"', '<location path="SHOP/api"')
    doc = metaclone.loads(text.encode(), "case.config")
    doc.clone_site("Shop", new_name="Copy")
    assert '<location path="Copy/api"' in doc.xml.text


def test_clone_inserts_server_auto_start_when_absent() -> None:
    doc = _load(MAIN)
    clone = doc.clone_site("Default Web Site", new_name="Default Copy")
    assert '<site name="Default Copy" id="21" serverAutoStart="false">' in doc.xml.text
    assert not clone.auto_start
    assert '<location path="Default Copy">' in doc.xml.text
    # Only the real block was copied, not the header comment's example.
    assert doc.xml.text.count('<location path="Default Copy"') == 1


def test_clone_app_pools() -> None:
    doc = _load(MAIN)
    before = doc.xml.text
    clone = doc.clone_site("Shop", new_name="Outlet", clone_app_pools=True)
    assert [a.application_pool for a in doc.applications(clone)] == ["Outlet", "Outlet API"]
    added = _inserted_only(before, doc.xml.text)
    assert '            <add name="Outlet" managedRuntimeVersion="v4.0" />\r' in added
    assert '            <add name="Outlet API" managedRuntimeVersion="">\r' in added
    assert [a.application_pool for a in doc.applications("Shop")] == ["Shop", "Shop API"]


def test_clone_app_pools_refuses_an_existing_pool_name() -> None:
    doc: ConfigDocument = _load(MAIN)
    text = doc.xml.text.replace('<add name="Shopping" />', '<add name="Outlet" />')
    assert_refused(
        text.encode(),
        lambda doc: _apphost(doc).clone_site("Shop", new_name="Outlet", clone_app_pools=True),
        SiteNameError,
        "application pool 'Outlet' already exists",
    )
    text = text.replace('<add name="Shop API" managedRuntimeVersion="">', '<add name="Other">')
    doc = metaclone.loads(text.encode(), "pools.config")
    assert isinstance(doc, AppHostDocument)
    with pytest.raises(SiteNotFoundError, match="does not define"):
        doc.clone_site("Shop", new_name="Mall", clone_app_pools=True)
    assert "Mall" not in doc.xml.text


def test_clone_in_each_fixture_style() -> None:
    for path in (EXPRESS, MIXED):
        doc = _load(path)
        before = doc.xml.text
        source = doc.sites[1]
        clone = doc.clone_site(source.name, new_name="Clone")
        added = _inserted_only(before, doc.xml.text)
        site_line = next(line for line in added if "<site " in line)
        source_line = next(line for line in _lines(before) if f'<site name="{source.name}"' in line)
        indent = source_line[: len(source_line) - len(source_line.lstrip())]
        assert site_line.startswith(indent + "<site ")
        assert clone.bindings == source.bindings
        _reparse(doc)
    doc = _load(EXPRESS)
    doc.clone_site("Storefront", new_name="Storefront2")
    assert doc.to_bytes().startswith(b"\xef\xbb\xbf")
    assert not doc.to_bytes().endswith(b"\n")
    assert '\t<location path="Storefront2" inheritInChildApplications="false">' in doc.xml.text
    assert '\t<location path="Storefront2/admin">' in doc.xml.text


def test_clone_matches_location_segments_case_insensitively() -> None:
    doc = _load(MIXED)
    doc.clone_site("Services", new_name="Services2")
    assert '<location path="Services2/orders">' in doc.xml.text
    assert '<location path="Services2">' in doc.xml.text
    assert "Old Reports/archive" in doc.xml.text
    assert doc.xml.text.count("Old Reports") == 1


def test_new_id_is_above_custom_metadata_ids() -> None:
    assert _load(MAIN).clone_site("Shop", new_name="X").id == 21
    assert _load(MIXED).clone_site("Services", new_name="X").id == 9


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"new_name": ""}, SiteNameError, "cannot be empty"),
        ({"new_name": "   "}, SiteNameError, "cannot be empty"),
        ({"new_name": "a/b"}, SiteNameError, "IIS does not allow / in a site name"),
        ({"new_name": "a?b"}, SiteNameError, "IIS does not allow \\? in a site name"),
        ({"new_name": "a\x01b"}, SiteNameError, "control characters"),
        ({"new_name": "shopping"}, SiteNameError, "already used by site id 7"),
        ({"new_name": "Legacy Portal"}, SiteNameError, "would inherit it"),
        ({"new_name": "X", "new_id": 0}, SiteIdOutOfRangeError, "run from 1 to 4294967295"),
        ({"new_name": "X", "new_id": MAX_IIS7_SITE_ID + 1}, SiteIdOutOfRangeError, "run from 1 to"),
        ({"new_name": "X", "new_id": True}, SiteIdOutOfRangeError, "whole number"),
        ({"new_name": "X", "new_id": 7}, SiteIdInUseError, "already used by site 'Shopping'"),
        ({"new_name": "X", "new_id": 20}, SiteIdInUseError, "KB 3202096"),
    ],
)
def test_clone_refusals_leave_the_document_unchanged(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    doc = _load(MAIN)
    before = doc.to_bytes()
    with pytest.raises(error, match=message):
        doc.clone_site("Shop", **kwargs)  # type: ignore[arg-type]
    assert doc.to_bytes() == before
    assert not doc.modified
    assert doc.notes == []


def test_clone_refusal_errors_point_at_the_conflict() -> None:
    doc = _load(MAIN)
    with pytest.raises(SiteIdInUseError) as caught:
        doc.clone_site("Shop", new_id=20, new_name="X")
    assert caught.value.path == str(MAIN)
    assert caught.value.line == 83
    assert str(caught.value).startswith(f"{MAIN}:83:")


def test_clone_unknown_source() -> None:
    with pytest.raises(SiteNotFoundError):
        _load(MAIN).clone_site("Nope", new_name="X")


def test_no_id_left_above_the_highest() -> None:
    text = MAIN.read_text().replace('name="Files" id="12"', f'name="Files" id="{MAX_IIS7_SITE_ID}"')
    doc = metaclone.loads(text.encode(), "full.config")
    with pytest.raises(SiteIdOutOfRangeError, match="no higher id"):
        doc.clone_site("Shop", new_name="X")
    assert doc.clone_site("Shop", new_name="X", new_id=50).id == 50


# -- appcmd XML ------------------------------------------------------------------------------


def test_appcmd_clone_feeds_appcmd_add_site() -> None:
    doc = metaclone.load(APPCMD)
    before = doc.xml.text
    clone = doc.clone_site("shop-api", new_name="shop-api-2")
    assert clone.id == 5
    assert not clone.auto_start
    _inserted_only(before, doc.xml.text)
    assert (
        '    </SITE>\r\r\n    <SITE SITE.NAME="shop-api-2" SITE.ID="5" '
        'bindings="http/*:80:api.shop.example,https/*:443:api.shop.example" state="Stopped">\r\r\n'
        '        <site name="shop-api-2" id="5" serverAutoStart="false">\r\r\n'
    ) in doc.xml.text
    assert doc.to_bytes().count(b"\n") == doc.to_bytes().count(b"\r\r\n")
    assert not doc.to_bytes().endswith(b"\n")
    root = etree.fromstring(doc.to_bytes())
    for wrapper in root.findall("SITE"):
        inner = wrapper.find("site")
        assert inner is not None
        assert wrapper.get("SITE.NAME") == inner.get("name")
        assert wrapper.get("SITE.ID") == inner.get("id")
        summary = ",".join(
            f"{b.get('protocol')}/{b.get('bindingInformation')}"
            for b in inner.findall("bindings/binding")
        )
        assert wrapper.get("bindings") == summary
    assert any(n.code == "id-from-file-only" for n in doc.notes)


def test_appcmd_clone_started_keeps_state() -> None:
    doc = metaclone.load(APPCMD)
    doc.clone_site("shop-web", new_name="web2", new_id=9, auto_start=True)
    assert 'SITE.NAME="web2" SITE.ID="9" bindings="http/*:80:shop.example" state="Stopped"' in (
        doc.xml.text
    )
    assert '<site name="web2" id="9" serverAutoStart="true">' in doc.xml.text


def test_appcmd_operations_keep_wrapper_in_step() -> None:
    doc = metaclone.load(APPCMD)
    doc.rename_site("shop-api", "api")
    doc.set_bindings("api", ["http/*:8080:api.shop.example", "https/*:443:api.shop.example"])
    doc.set_auto_start("api", False)
    text = doc.xml.text
    assert (
        '<SITE SITE.NAME="api" SITE.ID="4" '
        'bindings="http/*:8080:api.shop.example,https/*:443:api.shop.example" state="Stopped">'
    ) in text
    assert 'sslFlags="97"' in text
    doc.set_auto_start("api", True)
    assert 'state="Started"' in doc.xml.text.split("\n")[3]
    doc.delete_site("tcp-host")
    assert "tcp-host" not in doc.xml.text
    assert [s.name for s in doc.sites] == ["api", "shop-web"]
    etree.fromstring(doc.to_bytes())


def test_appcmd_site_without_inner_site_is_rejected() -> None:
    data = b'<appcmd>\r\r\n<SITE SITE.NAME="x" SITE.ID="1" />\r\r\n</appcmd>'
    with pytest.raises(ParseError, match="holds no <site>"):
        _ = metaclone.loads(data, "x.xml").sites


# -- delete, rename, start/stop --------------------------------------------------------------


def test_delete_site_takes_its_references_with_it() -> None:
    doc = _load(MAIN)
    before = doc.xml.text
    doc.delete_site("Shop")
    after = doc.xml.text
    assert [s.name for s in doc.sites] == [
        "Default Web Site",
        "Shop Old",
        "Shopping",
        "Intranet",
        "Files",
    ]
    assert '<location path="Shop">' not in after
    assert '"Shop/api"' not in after
    assert '"LM/W3SVC/2"' not in after
    assert '"LM/W3SVC/2/' not in after
    assert '"LM/W3SVC/20"' in after
    assert '<location path="Shop Old">' in after
    assert "Shopping/checkout" in after
    for removed, inserted in _changed(before, after):
        assert inserted == []
        assert removed
    _reparse(doc)


def test_delete_the_last_line_of_a_file_without_final_newline() -> None:
    doc = _load(EXPRESS)
    doc.delete_site("Storefront")
    assert 'name="Storefront"' not in doc.xml.text
    assert '<location path="Storefront' not in doc.xml.text
    assert doc.to_bytes().endswith(b"</configuration>")
    _reparse(doc)


def test_rename_site() -> None:
    doc = _load(MAIN)
    before = doc.xml.text
    renamed = doc.rename_site("Shop", "Store")
    assert (renamed.id, renamed.name) == (2, "Store")
    changes = _changed(before, doc.xml.text)
    assert len(changes) == 4
    assert '<location path="Store/api" inheritInChildApplications="false">' in doc.xml.text
    assert 'value="Store"' in doc.xml.text
    assert 'value="api"' in doc.xml.text
    assert '<location path="Shop Old">' in doc.xml.text
    # A change of case only is allowed.
    assert doc.rename_site("Store", "STORE").name == "STORE"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("shopping", "already used"),
        ("a/b", "IIS does not allow / in a site name"),
        ("legacy portal", "would inherit it"),
    ],
)
def test_rename_refusals(name: str, message: str) -> None:
    assert_refused(MAIN, lambda doc: doc.rename_site("Shop", name), SiteNameError, message)


def test_set_auto_start() -> None:
    doc = _load(MAIN)
    assert not doc.set_auto_start("Shop", False).auto_start
    assert '<site name="Shop" id="2" serverAutoStart="false">' in doc.xml.text
    assert doc.set_auto_start("Shop", True).auto_start
    assert '<site name="Shop" id="2" serverAutoStart="true">' in doc.xml.text
    untouched = doc.to_bytes()
    doc.set_auto_start("Default Web Site", True)
    assert doc.to_bytes() == untouched
    doc.set_auto_start("Default Web Site", False)
    assert '<site name="Default Web Site" id="1" serverAutoStart="false">' in doc.xml.text
    mixed = _load(MIXED)
    before = mixed.to_bytes()
    mixed.set_auto_start("Reports", False)  # "FALSE" already says so
    assert mixed.to_bytes() == before


# -- bindings --------------------------------------------------------------------------------


def test_set_bindings_keeps_ssl_flags_bits() -> None:
    doc = _load(MAIN)
    before = doc.xml.text
    site = doc.set_bindings(
        "Shop",
        ["http/*:8080:shop.example.com", "https/*:443:shop.example.com", "https/10.0.0.5:443:"],
    )
    assert site.bindings[1].ssl_flags == 65
    changes = _changed(before, doc.xml.text)
    indent = " " * 20
    assert changes == [
        (
            [f'{indent}<binding protocol="http" bindingInformation="*:80:shop.example.com" />\r'],
            [f'{indent}<binding protocol="http" bindingInformation="*:8080:shop.example.com" />\r'],
        )
    ]


def test_set_bindings_given_flags_win_and_new_bindings_follow_the_style() -> None:
    doc = _load(MAIN)
    site = doc.set_bindings(
        "Shop",
        [
            Binding.from_information("https", "*:443:shop.example.com", ssl_flags=1),
            "https/*:443:www.shop.example.com",
            "net.tcp/809:*",
        ],
    )
    assert [(b.summary, b.ssl_flags) for b in site.bindings] == [
        ("https/*:443:shop.example.com", 1),
        ("https/*:443:www.shop.example.com", None),
        ("net.tcp/809:*", None),
    ]
    text = doc.xml.text
    assert (
        '                    <binding protocol="https" bindingInformation="*:443:shop.example.com"'
        ' sslFlags="1" />\r\n'
        '                    <binding protocol="https" '
        'bindingInformation="*:443:www.shop.example.com" />\r\n'
        '                    <binding protocol="net.tcp" bindingInformation="809:*" />\r\n'
        "                </bindings>"
    ) in text
    assert "certificate" not in text.lower().split("<sites>")[1].split("</sites>")[0]


def test_set_bindings_grows_and_keeps_clear() -> None:
    doc = _load(MIXED)
    site = doc.set_bindings(
        "Services", ["http/*:8081:", "net.tcp/808:*", "net.pipe/*", "net.msmq/localhost"]
    )
    assert [b.summary for b in site.bindings][-1] == "net.msmq/localhost"
    assert (
        '\t\t\t\t\t<binding protocol="net.pipe" bindingInformation="*" />\n'
        '\t\t\t\t\t<binding protocol="net.msmq" bindingInformation="localhost" />\n'
        "\t\t\t\t</bindings>"
    ) in doc.xml.text
    assert "\t\t\t\t\t<clear />" in doc.xml.text


def test_set_bindings_on_a_site_without_bindings() -> None:
    doc = _load(MIXED)
    site = doc.set_bindings("Empty", ["http/*:8088:"])
    assert [b.summary for b in site.bindings] == ["http/*:8088:"]
    assert (
        '            <site name="Empty" id="8">\n'
        "                <bindings>\n"
        '                    <binding protocol="http" bindingInformation="*:8088:" />\n'
        "                </bindings>\n"
        "            </site>\n"
    ) in doc.xml.text


@pytest.mark.parametrize(
    ("bindings", "message"),
    [
        ([], "at least one binding"),
        (["nonsense"], "is not a binding"),
        (["http/*:80:", "HTTP/*:80:"], "given twice"),
        # One endpoint, however written: every address, the port as a number, the host name.
        (["http/*:80:", "http/:80:"], "given twice"),
        (["http/*:80:shop", "http/*:080:shop"], "given twice"),
        (["http/*:80:Shop", "http/*:80:SHOP"], "given twice"),
        (["http/*:eighty:"], "port is a number from 1 to 65535"),
        (["http/*:0:"], "port is a number from 1 to 65535"),
        ([Binding("https", "*:443:", ssl_flags=2**32)], "not known to this file's IIS version"),
        ([Binding("https", "*:443:", ssl_flags=1)], "needs a host name"),
        ([Binding("http", "")], "needs a protocol and binding information"),
        ([Binding("http", "*:80:\x00")], "cannot be written"),
    ],
)
def test_set_bindings_refusals(bindings: list[Binding | str], message: str) -> None:
    assert_refused(MAIN, lambda doc: doc.set_bindings("Shop", bindings), BindingError, message)


# -- check -----------------------------------------------------------------------------------


def test_check_main_fixture() -> None:
    findings = _load(MAIN).check()
    by_code = {f.code: f for f in findings}
    assert set(by_code) == {"orphaned-location", "stale-metadata", "shared-sslcert-endpoint"}
    assert by_code["orphaned-location"].line == 222
    assert by_code["stale-metadata"].site_id == 20
    assert by_code["shared-sslcert-endpoint"].severity is Severity.INFO
    assert "'Shop Old'" in by_code["shared-sslcert-endpoint"].message


def test_check_binding_conflict_and_certificate_attribute() -> None:
    text = (
        MAIN.read_text()
        .replace(
            '<site name="Shop Old" id="3" serverAutoStart="false">',
            '<site name="Shop Old" id="3">',
        )
        .replace(
            '<binding protocol="net.msmq" bindingInformation="localhost" />',
            '<binding protocol="https" bindingInformation="10.0.0.5:443:" certificateHash="ab" />',
        )
    )
    findings = metaclone.loads(text.encode(), "c.config").check()
    codes = [f.code for f in findings]
    assert codes.count("duplicate-binding") == 2
    assert "certificate-on-binding" in codes


def test_check_clean_file_and_clone_stays_clean() -> None:
    doc = _load(EXPRESS)
    assert doc.check() == []
    doc.clone_site("Storefront", new_name="Copy")
    # A stopped clone conflicts with nothing, but shares the source's HTTP.sys entry.
    assert [(f.code, f.severity) for f in doc.check()] == [
        ("shared-sslcert-endpoint", Severity.INFO)
    ]


def _https_sites(*bindings: tuple[str, ...]) -> AppHostDocument:
    """A file whose site N (from 1) has the https bindings ``bindings[N - 1]``."""
    sites = "".join(
        f'<site name="s{number}" id="{number}"><bindings>'
        + "".join(f'<binding protocol="https" bindingInformation="{b}" />' for b in own)
        + "</bindings></site>"
        for number, own in enumerate(bindings, 1)
    )
    text = f"<configuration><system.applicationHost><sites>{sites}</sites>"
    doc = metaclone.loads(f"{text}</system.applicationHost></configuration>".encode(), "s.config")
    assert isinstance(doc, AppHostDocument)
    return doc


def test_sites_sharing_an_endpoint_are_named_once_each_in_file_order() -> None:
    # Site 2 reaches the endpoint twice; site 4 writes its address out; site 3 has its own.
    doc = _https_sites(("*:443:a",), ("*:443:b", ":443:c"), ("10.0.0.1:443:",), ("0.0.0.0:443:",))
    shared = [(f.message, f.site_id) for f in doc.check() if f.code == "shared-sslcert-endpoint"]
    assert shared == [
        (
            "HTTP.sys entry ipport=0.0.0.0:443 serves the https bindings of 's1' (id 1), "
            "'s2' (id 2), 's4' (id 4): a certificate change there changes it for all of them",
            1,
        )
    ]


def test_an_endpoint_shared_by_many_sites_names_the_first_ones() -> None:
    doc = _https_sites(*[(f"*:443:h{number}",) for number in range(1, 3001)])
    shared = [f for f in doc.check() if f.code == "shared-sslcert-endpoint"]
    assert len(shared) == 1
    assert shared[0].message.startswith(
        "HTTP.sys entry ipport=0.0.0.0:443 serves the https bindings of 's1' (id 1), "
    )
    assert "'s10' (id 10) and 2990 more:" in shared[0].message


# -- certificates ----------------------------------------------------------------------------


def _entry(endpoint: httpsys.Endpoint, thumbprint: str | None) -> httpsys.SslCertEntry:
    return httpsys.SslCertEntry(
        endpoint=endpoint,
        thumbprint=thumbprint,
        store="MY",
        app_id=httpsys.IIS_APP_ID,
        fields=((endpoint.kind.value, endpoint.value),),
        line=1,
    )


def _ipport(value: str) -> httpsys.Endpoint:
    return httpsys.Endpoint(httpsys.EndpointKind.IPPORT, value)


def _sni(value: str) -> httpsys.Endpoint:
    return httpsys.Endpoint(httpsys.EndpointKind.HOSTNAMEPORT, value)


def test_attached_sslcerts_fill_binding_certificates() -> None:
    doc = _load(MAIN)
    doc.attach_sslcerts(
        [_entry(_sni("shop.example.com:443"), THUMB), _entry(_ipport("10.0.0.5:443"), "a" * 40)]
    )
    shop = doc.site("Shop")
    assert shop.bindings[1].certificate == CertificateRef(THUMB, "MY")
    assert shop.bindings[2].certificate == CertificateRef("a" * 40, "MY")
    assert doc.site("Shop Old").bindings[0].certificate == CertificateRef("a" * 40, "MY")
    missing = [f for f in doc.check() if f.code == "missing-certificate"]
    assert {f.site_id for f in missing} == {7, 9}


def test_set_certificate_on_a_web_site_is_a_plan() -> None:
    doc = _load(MAIN)
    before = doc.to_bytes()
    plan = doc.set_certificate("Shop", THUMB.upper())
    assert plan is not None
    assert {str(c.endpoint) for c in plan.changes} == {
        "hostnameport=shop.example.com:443",
        "ipport=10.0.0.5:443",
    }
    shared = next(c for c in plan.changes if str(c.endpoint) == "ipport=10.0.0.5:443")
    assert shared.also_affected == ("Shop Old",)
    assert httpsys.IIS_APP_ID in plan.netsh()
    assert doc.to_bytes() == before


def test_express_plans_use_the_express_app_id() -> None:
    doc = _load(EXPRESS)
    plan = doc.set_certificate("Storefront", THUMB)
    assert plan is not None
    assert all(c.app_id == httpsys.IIS_EXPRESS_APP_ID for c in plan.changes)


def test_remove_and_swap_web_certificates() -> None:
    doc = _load(MAIN)
    doc.attach_sslcerts(
        [
            _entry(_sni("shop.example.com:443"), THUMB),
            _entry(_ipport("10.0.0.5:443"), THUMB),
            _entry(_ipport("[::1]:443"), "b" * 40),
        ]
    )
    removal = doc.remove_certificate("Intranet")
    assert removal is not None
    assert [c.action for c in removal.changes] == ["delete"]
    swap = doc.swap_certificates("Shop", "Intranet")
    assert swap is not None
    by_endpoint = {str(c.endpoint): c.thumbprint for c in swap.changes}
    assert by_endpoint["ipport=[::1]:443"] == THUMB
    assert by_endpoint["hostnameport=shop.example.com:443"] == "b" * 40


def test_swap_refusals() -> None:
    doc = _load(MAIN)
    with pytest.raises(CertificateError, match="attach"):
        doc.swap_certificates("Shop", "Intranet")
    with pytest.raises(SiteError, match="with itself"):
        doc.swap_certificates("Shop", "shop")
    with pytest.raises(SiteError, match="different places"):
        doc.swap_certificates("Shop", "Files")
    doc.attach_sslcerts([_entry(_sni("shop.example.com:443"), THUMB)])
    with pytest.raises(CertificateError, match="different certificates"):
        doc.swap_certificates("Shop", "Intranet")
    with pytest.raises(SiteError, match="no https binding"):
        doc.swap_certificates("Default Web Site", "Intranet")


def test_ftp_certificate_is_edited_in_the_file() -> None:
    doc = _load(MAIN)
    before = doc.xml.text
    assert doc.set_certificate("Files", THUMB, store="WebHosting") is None
    assert doc.site("Files").certificate == CertificateRef(THUMB, "WebHosting")
    [(old, new)] = _changed(before, doc.xml.text)
    assert new == [
        old[0]
        .replace("1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e", THUMB)
        .replace('serverCertStoreName="MY"', 'serverCertStoreName="WebHosting"')
    ]
    assert doc.remove_certificate("Files") is None
    assert doc.site("Files").certificate is None
    assert "serverCertHash" not in doc.xml.text


def test_ftp_certificate_creates_missing_elements_in_style() -> None:
    text = MAIN.read_bytes().decode()
    start = text.index("                <ftpServer>")
    end = text.index("</ftpServer>") + len("</ftpServer>\r\n")
    doc = metaclone.loads((text[:start] + text[end:]).encode(), "noftp.config")
    assert doc.set_certificate("Files", THUMB) is None
    assert (
        "                <ftpServer>\r\n"
        "                    <security>\r\n"
        f'                        <ssl serverCertHash="{THUMB}" serverCertStoreName="MY" />\r\n'
        "                    </security>\r\n"
        "                </ftpServer>\r\n"
        "            </site>"
    ) in doc.xml.text
    assert doc.site("Files").certificate == CertificateRef(THUMB, "MY")


def test_ftp_certificate_in_an_empty_ssl_element_and_swap() -> None:
    text = (
        MAIN.read_bytes()
        .decode()
        .replace(
            "                <ftpServer>\r\n                    <security>\r\n"
            '                        <ssl serverCertHash="1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e"'
            ' serverCertStoreName="MY" controlChannelPolicy="SslRequire"'
            ' dataChannelPolicy="SslRequire" />',
            "                <ftpServer>\r\n                    <security>\r\n"
            "                        <ssl "
            'serverCertHash="1F3A5C7E9B2D4F6A8C0E1F3A5C7E9B2D4F6A8C0E" />',
        )
    )
    doc = metaclone.loads(text.encode(), "ftp.config")
    doc.clone_site("Files", new_name="Files2")
    doc.set_certificate("Files2", THUMB)
    assert f'<ssl serverCertHash="{THUMB.upper()}" serverCertStoreName="MY" />' in doc.xml.text
    assert doc.swap_certificates("Files", "Files2") is None
    assert doc.site("Files").certificate == CertificateRef(THUMB, "MY")
    assert doc.site("Files2").certificate == CertificateRef(
        "1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e", "MY"
    )


def test_certificate_refusals() -> None:
    doc = _load(MAIN)
    with pytest.raises(ThumbprintError):
        doc.set_certificate("Files", "not hex")
    with pytest.raises(CertificateError, match="store name"):
        doc.set_certificate("Files", THUMB, store=" ")


def test_ftp_prefix_is_just_the_id_where_ids_are_shared() -> None:
    doc = metaclone.load(FIXTURES / "iis7" / "applicationHost.config")
    assert doc.site("ftp/12") == doc.site(12)
    assert doc.site("ftp/2").name == "Shop"


def test_shared_non_http_listeners_are_not_binding_conflicts() -> None:
    data = (
        b"<configuration>\n  <system.applicationHost>\n    <sites>\n"
        b'      <site name="A" id="1"><bindings>'
        b'<binding protocol="net.tcp" bindingInformation="808:*" />'
        b'<binding protocol="http" bindingInformation="*:80:same" /></bindings></site>\n'
        b'      <site name="B" id="2"><bindings>'
        b'<binding protocol="net.tcp" bindingInformation="808:*" />'
        b'<binding protocol="http" bindingInformation="*:80:same" /></bindings></site>\n'
        b"    </sites>\n  </system.applicationHost>\n</configuration>\n"
    )
    conflicts = [f for f in metaclone.loads(data).check() if f.code == "duplicate-binding"]
    assert [f.message.split(" start with ")[-1] for f in conflicts] == [
        "http/*:80:same: the second cannot start"
    ]
