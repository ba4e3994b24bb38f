"""IIS 6 site in, IIS 7+ site out: metaclone.convert through the API."""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any, cast

import pytest
from lxml import etree

import metaclone
from metaclone.convert import Conversion, convert_sites, site_to_applicationhost
from metaclone.convert.values import time_span
from metaclone.errors import (
    ConversionError,
    SiteNameError,
)
from metaclone.httpsys import IIS_EXPRESS_APP_ID, load_netsh_sslcert
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.model.sites import Severity, SiteKind
from tests.conftest import CORPUS, FIXTURES, corpus_params

CONVERT = FIXTURES / "convert"
METABASE = CONVERT / "MetaBase_convert.xml"
EXPORT = CONVERT / "export_wiki_inherited.xml"
LF = CONVERT / "target_4space_lf.config"
TARGETS = {
    "4-space LF": LF,
    "tabs, single quotes": CONVERT / "target_tabs.config",
    "CRLF, no final newline": CONVERT / "target_crlf_no_eol.config",
    "IIS Express": FIXTURES / "iis7" / "iisexpress_applicationhost.config",
}
SITES = [
    (METABASE, "Store"),
    (METABASE, "Archive"),
    (METABASE, "Clean"),
    (METABASE, "ftp/1"),
    (METABASE, "ftp/7"),
    (EXPORT, "Wiki"),
]


def metabase(path: Path = METABASE) -> MetabaseDocument:
    doc = metaclone.load(path)
    assert isinstance(doc, MetabaseDocument)
    return doc


def target(path: Path = LF) -> AppHostDocument:
    doc = metaclone.load(path)
    assert isinstance(doc, AppHostDocument)
    return doc


def lines(text: str) -> list[str]:
    # Split at \\n only: CRLF stays part of each line, and a last line without one stays apart.
    return re.split(r"(?<=\n)", text)


def inserted(before: bytes, after: bytes) -> list[str]:
    """The lines ``after`` adds to ``before``; fails unless lines were only inserted."""
    old, new = lines(before.decode("utf-8-sig")), lines(after.decode("utf-8-sig"))
    added: list[str] = []
    for tag, _, _, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), (tag, new[j1:j2])
        if tag == "insert":
            added.extend(new[j1:j2])
    return added


def tree(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser)


def new_problems(before: AppHostDocument, after: AppHostDocument) -> list[tuple[str, str]]:
    old = {(f.code, f.message) for f in before.check()}
    return [
        (f.code, f.message)
        for f in after.check()
        if f.severity is not Severity.INFO and (f.code, f.message) not in old
    ]


def elements(node: etree._Element, expression: str, **variables: str) -> list[etree._Element]:
    # lxml's stubs do not know XPath variables given as keywords.
    found = cast(Any, node).xpath(expression, **variables)
    assert isinstance(found, list)
    return [e for e in found if isinstance(e, etree._Element)]


def attributes(node: etree._Element) -> dict[str, str]:
    return {str(k): str(v) for k, v in node.attrib.items()}


def child(node: etree._Element | None, path: str) -> etree._Element:
    assert node is not None
    found = node.find(path)
    assert found is not None, path
    return found


def site_element(root: etree._Element, name: str) -> etree._Element:
    found = elements(root, "system.applicationHost/sites/site[@name=$n]", n=name)
    assert len(found) == 1
    return found[0]


def location(root: etree._Element, path: str) -> etree._Element | None:
    found = elements(root, "location[@path=$p]", p=path)
    return found[0] if found else None


def converted(
    site: str, path: Path = LF, source: Path = METABASE, **options: object
) -> tuple[AppHostDocument, Conversion, etree._Element]:
    doc = target(path)
    result = site_to_applicationhost(metabase(source), site, doc, **options)  # type: ignore[arg-type]
    return doc, result, tree(doc.to_bytes())


# -- every site into every style ----------------------------------------------------------


@pytest.mark.parametrize("target_path", TARGETS.values(), ids=list(TARGETS))
@pytest.mark.parametrize(("source", "site"), SITES, ids=[s for _, s in SITES])
def test_result_is_insert_only_rereads_and_checks_clean(
    target_path: Path, source: Path, site: str
) -> None:
    before = target_path.read_bytes()
    doc = target(target_path)
    result = site_to_applicationhost(metabase(source), site, doc)
    after = doc.to_bytes()
    added = inserted(before, after)
    assert added
    # Re-read by metaclone and by lxml; the new site is there once, with its bindings.
    reread = metaclone.loads(after, name=str(target_path))
    assert reread.site(result.site.id).name == result.site.name
    assert [b.summary for b in reread.site(result.site.id).bindings] == [
        b.summary for b in result.site.bindings
    ]
    root = tree(after)
    assert len(elements(root, "//site[@id=$i]", i=str(result.site.id))) == 1
    assert new_problems(target(target_path), reread) == []  # type: ignore[arg-type]
    # In the file's style: its line end, indentation characters and quote.
    text = before.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\n"
    indent_char = "\t" if "\n\t" in text else " "
    quote = "'" if "name='" in text else '"'
    for line in added:
        assert line.endswith(newline)
        body = line.rstrip("\r\n")
        indentation = body[: len(body) - len(body.lstrip())]
        assert set(indentation) <= {indent_char}, repr(line)
        assert re.search(r"=[\"']", body) is None or f"={quote}" in body
    assert after.startswith(b"\xef\xbb\xbf") == before.startswith(b"\xef\xbb\xbf")
    assert after.endswith(b">") == before.endswith(b">")


# -- the mapping -----------------------------------------------------------------------------


def test_site_name_id_start_and_bindings() -> None:
    doc, result, root = converted("Store")
    # Id 2 is taken; 31 is one more than customMetadata's 30.
    assert (result.site.id, result.site.name, result.site.auto_start) == (31, "Store", True)
    assert result.source.id == 2
    store = site_element(root, "Store")
    assert store.get("serverAutoStart") == "true"
    assert [(b.get("protocol"), b.get("bindingInformation")) for b in store.iter("binding")] == [
        ("http", "*:80:store.example.com"),
        ("http", "10.0.0.8:80:"),
        ("https", "*:443:store.example.com"),
        ("https", "10.0.0.8:443:"),
    ]
    # The certificate goes to HTTP.sys, never into the file.
    assert b"9a3f5c7e1b2d4f6a8c0e9a3f5c7e1b2d4f6a8c0e" not in doc.to_bytes()
    _, archive, _ = converted("Archive")
    assert (archive.site.id, archive.site.auto_start) == (4, False)


def test_applications_virtual_directories_and_pools() -> None:
    _, result, root = converted("Store")
    store = site_element(root, "Store")
    apps = [
        (
            a.get("path"),
            a.get("applicationPool"),
            [(v.get("path"), v.get("physicalPath")) for v in a],
        )
        for a in store.iter("application")
    ]
    assert apps == [
        ("/", "StorePool", [("/", r"D:\Sites\Store & Co")]),
        ("/admin", "StoreAdmin", [("/", r"D:\Sites\StoreAdmin")]),
        ("/admin/reports", "StoreAdmin", [("/", r"D:\Sites\StoreAdmin\reports")]),
        ("/legacy", "StorePool", [("/", r"\\files01\legacy")]),
    ]
    assert result.pools == ("StorePool", "StoreAdmin")
    pools = {
        p.get("name"): p for p in elements(root, "system.applicationHost/applicationPools/add")
    }
    store_pool, admin = pools["StorePool"], pools["StoreAdmin"]
    assert attributes(store_pool) == {
        "name": "StorePool",
        "managedRuntimeVersion": "v2.0",
        "managedPipelineMode": "Classic",
    }
    assert attributes(child(store_pool, "processModel")) == {
        "identityType": "LocalSystem",
        "idleTimeout": "00:00:00",
    }
    # 1740 minutes, inherited from /LM/W3SVC/AppPools, and the pool's own 35000 requests.
    assert attributes(child(store_pool, "recycling/periodicRestart")) == {
        "time": "29:00:00",
        "requests": "35000",
    }
    assert admin.get("autoStart") == "false"
    assert attributes(child(admin, "processModel")) == {
        "identityType": "SpecificUser",
        "userName": r"STORE\svc-admin",
        "idleTimeout": "00:20:00",
    }
    assert child(admin, "recycling/periodicRestart").get("time") == "01:30:00"


@pytest.mark.parametrize(
    ("pipeline", "runtime", "mode"),
    [("integrated", "v4.0", "Integrated"), ("Classic", "", "Classic")],
)
def test_pipeline_and_runtime_of_new_pools(pipeline: str, runtime: str, mode: str) -> None:
    _, _, root = converted("Store", pipeline=pipeline, runtime=runtime)
    pool = elements(root, "system.applicationHost/applicationPools/add[@name='StorePool']")[0]
    assert (pool.get("managedPipelineMode"), pool.get("managedRuntimeVersion")) == (mode, runtime)


def test_pool_that_exists_is_used_as_it_is() -> None:
    before = LF.read_bytes()
    doc, result, root = converted("Clean")
    assert result.pools == ()
    assert len(elements(root, "system.applicationHost/applicationPools/add")) == 2
    assert (
        child(site_element(root, "Clean"), "application").get("applicationPool") == "DefaultAppPool"
    )
    assert [n.code for n in result.notes] == ["pool-exists"]
    assert before.count(b"<add name=") == doc.to_bytes().count(b"<add name=")


def test_root_that_is_no_application_becomes_one() -> None:
    _, _, root = converted("Archive")
    apps = site_element(root, "Archive").findall("application")
    assert [(a.get("path"), a.get("applicationPool")) for a in apps] == [("/", "DefaultAppPool")]
    assert [(v.get("path"), v.get("physicalPath")) for v in apps[0]] == [
        ("/", r"D:\Sites\archive"),
        ("/docs", r"D:\Docs"),
    ]


def settings_of(block: etree._Element | None) -> dict[str, dict[str, str]]:
    """Each element of a location block by its path below system.webServer, with attributes."""
    if block is None:
        return {}
    web = child(block, "system.webServer")
    result: dict[str, dict[str, str]] = {}
    for element in web.iter():
        if element is web or not isinstance(element.tag, str):
            continue
        path = web.getroottree().getelementpath(element).split("system.webServer/", 1)[1]
        result[re.sub(r"\[\d+\]", "", path)] = attributes(element)
    return result


AUTH = "security/authentication/"


def test_site_location_holds_what_differs_from_the_server_defaults() -> None:
    _, result, root = converted("Store")
    store = settings_of(location(root, "Store"))
    assert store[AUTH + "anonymousAuthentication"] == {"enabled": "false"}
    assert store[AUTH + "basicAuthentication"] == {"enabled": "true"}
    assert store[AUTH + "windowsAuthentication"] == {"enabled": "true"}
    assert store[AUTH + "digestAuthentication"] == {"enabled": "true"}
    assert store["security/access"] == {"sslFlags": "Ssl, SslNegotiateCert"}
    assert store["directoryBrowse"] == {"enabled": "true", "showFlags": "Date, Time"}
    files = elements(child(root, "location[@path='Store']"), ".//defaultDocument/files/*")
    assert [(f.tag, f.get("value")) for f in files] == [
        ("clear", None),
        ("add", "home.asp"),
        ("add", "index.asp"),
    ]
    # AccessFlags Read | Script is what the server already allows, and EnableDefaultDoc is on
    # there too: neither is written.
    assert "handlers" not in store
    assert "enabled" not in store["defaultDocument"]
    assert result.locations == (
        "Store",
        "Store/admin",
        "Store/images",
        "Store/old",
        "Store/moved.htm",
    )


def test_directory_and_file_locations_hold_what_differs_from_above() -> None:
    _, _, root = converted("Store")
    admin = settings_of(location(root, "Store/admin"))
    # AuthNTLM alone below AuthBasic | AuthNTLM | AuthMD5: basic and digest go off.
    assert admin == {
        "security": {},
        "security/authentication": {},
        AUTH + "basicAuthentication": {"enabled": "false"},
        AUTH + "digestAuthentication": {"enabled": "false"},
        "security/access": {"sslFlags": "Ssl, SslRequireCert, Ssl128"},
    }
    assert settings_of(location(root, "Store/images")) == {
        "directoryBrowse": {"enabled": "false", "showFlags": "None"},
        "defaultDocument": {"enabled": "false"},
    }
    assert settings_of(location(root, "Store/old")) == {
        "httpRedirect": {
            "enabled": "true",
            "destination": "http://new.example.com/store$S$Q",
            "exactDestination": "true",
            "httpResponseStatus": "Permanent",
        }
    }
    assert settings_of(location(root, "Store/moved.htm"))["httpRedirect"] == {
        "enabled": "true",
        "destination": "/new.htm",
        "childOnly": "true",
        "httpResponseStatus": "Temporary",
    }
    # Keys without settings of their own get no block.
    assert location(root, "Store/admin/reports") is None
    assert location(root, "Store/legacy") is None


def test_location_blocks_go_at_the_end_of_the_file() -> None:
    doc, _, root = converted("Store")
    paths = [child.get("path") for child in root if child.tag == "location"]
    assert paths[:2] == ["", "Intranet"]
    assert paths[2:] == ["Store", "Store/admin", "Store/images", "Store/old", "Store/moved.htm"]
    assert doc.to_bytes().rstrip().endswith(b"</location>\n\n</configuration>")


def test_export_file_with_inherited_properties() -> None:
    _, result, root = converted("Wiki", source=EXPORT)
    assert (result.site.id, result.site.name) == (118, "Wiki")
    assert child(site_element(root, "Wiki"), "application").get("applicationPool") == "WikiPool"
    wiki = settings_of(location(root, "Wiki"))
    # AuthAnonymous | AuthNTLM and start.aspx come from IIsInheritedProperties.
    assert wiki[AUTH + "windowsAuthentication"] == {"enabled": "true"}
    assert AUTH + "anonymousAuthentication" not in wiki
    assert [f.get("value") for f in child(root, "location[@path='Wiki']").iter("add")] == [
        "start.aspx"
    ]
    private = settings_of(location(root, "Wiki/private"))
    assert private == {
        "security": {},
        "security/authentication": {},
        AUTH + "anonymousAuthentication": {"enabled": "false"},
    }
    assert [n.code for n in result.notes] == ["pool-not-defined"]


def test_ftp_sites() -> None:
    _doc, result, root = converted("ftp/1")
    # FTP site 1 and web site 1 share IIS 7's ids: the next free one is taken.
    assert (result.site.id, result.site.kind) == (31, SiteKind.FTP)
    public = site_element(root, "Public FTP")
    assert [b.get("bindingInformation") for b in public.iter("binding")] == ["*:21:"]
    assert [(v.get("path"), v.get("physicalPath")) for v in public.iter("virtualDirectory")] == [
        ("/", r"D:\Ftp\public"),
        ("/upload", r"D:\Ftp\incoming"),
    ]
    assert child(public, "application").get("applicationPool") is None
    ssl = child(public, "ftpServer/security/ssl")
    assert attributes(ssl) == {"controlChannelPolicy": "SslAllow", "dataChannelPolicy": "SslAllow"}
    authentication = child(public, "ftpServer/security/authentication")
    assert [(a.tag, a.get("enabled")) for a in authentication] == [
        ("anonymousAuthentication", "true"),
        ("basicAuthentication", "true"),
    ]
    assert result.plan is None
    # IIS 7 FTP allows nothing without a rule: AccessFlags become authorization rules.
    assert result.locations == ("Public FTP", "Public FTP/upload")
    for path, permissions in (("Public FTP", "Read"), ("Public FTP/upload", "Write")):
        rules = elements(
            root, "location[@path=$p]/system.ftpServer/security/authorization/*", p=path
        )
        assert [(r.tag, attributes(r)) for r in rules] == [
            ("clear", {}),
            ("add", {"accessType": "Allow", "users": "*", "permissions": permissions}),
        ]
    assert result.notes == ()


def test_ftp_access_flags_beyond_read_and_write_are_noted() -> None:
    data = METABASE.read_bytes().replace(
        b'AccessFlags="AccessWrite"', b'AccessFlags="AccessWrite | AccessScript"'
    )
    doc = target()
    result = site_to_applicationhost(metaclone.loads(data), "ftp/1", doc)
    assert [n.message for n in result.notes] == [
        "/LM/MSFTPSVC/1/ROOT/upload: AccessFlags is only partly carried: "
        "IIS 7 has no place for AccessScript"
    ]


def test_ftp_certificate_is_stored_in_the_file() -> None:
    _doc, result, root = converted("Secure FTP")
    secure = site_element(root, "Secure FTP")
    ssl = child(secure, "ftpServer/security/ssl")
    assert ssl.get("serverCertHash") == "2b7e151628aed2a6abf7158809cf4f3c762e7160"
    assert ssl.get("serverCertStoreName") == "MY"
    assert child(secure, "ftpServer/security/authentication/basicAuthentication").get(
        "enabled"
    ) == ("false")
    assert result.plan is None
    assert result.site.certificate is not None
    assert result.site.certificate.thumbprint == "2b7e151628aed2a6abf7158809cf4f3c762e7160"


# -- certificates and the HTTP.sys plan ------------------------------------------------------


def test_certificate_becomes_an_http_sys_plan() -> None:
    _, result, _ = converted("Store")
    assert result.plan is not None
    changes = {str(c.endpoint): c for c in result.plan.changes}
    assert set(changes) == {"ipport=0.0.0.0:443", "ipport=10.0.0.8:443"}
    assert {c.action for c in changes.values()} == {"replace"}
    assert {c.thumbprint for c in changes.values()} == {"9a3f5c7e1b2d4f6a8c0e9a3f5c7e1b2d4f6a8c0e"}
    assert "netsh http add sslcert ipport=10.0.0.8:443" in result.plan.netsh()


def test_with_sslcert_shared_endpoints_are_updates_naming_the_other_sites() -> None:
    doc = target(FIXTURES / "iis7" / "applicationHost.config")
    doc.attach_sslcerts(load_netsh_sslcert(FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"))
    source = metaclone.load(FIXTURES / "iis6" / "MetaBase.xml")
    result = site_to_applicationhost(source, "Shop", doc, new_name="Shop 6")
    assert result.plan is not None
    changes = {str(c.endpoint): c for c in result.plan.changes}
    assert changes["ipport=10.0.0.5:443"].action == "update"
    assert changes["ipport=10.0.0.5:443"].also_affected == ("Shop", "Shop Old")
    assert changes["ipport=0.0.0.0:443"].also_affected == ("Shopping",)
    # The binding clash with the started site "Shop" is warned about as check words it.
    codes = [n.code for n in result.notes]
    assert codes.count("duplicate-binding") == 3
    assert "shared-sslcert-endpoint" in codes
    assert all(n in doc.notes for n in result.notes)


def test_site_waiting_for_a_certificate_gets_no_plan_but_a_note() -> None:
    source = metaclone.load(FIXTURES / "iis6" / "MetaBase.xml")
    doc = target()
    result = site_to_applicationhost(source, "Contrib", doc)
    assert result.plan is None
    assert "waiting-for-certificate" in [n.code for n in result.notes]


# -- notes and --strict ----------------------------------------------------------------------


def not_carried(result: Conversion) -> set[tuple[str, str]]:
    found = set()
    for note in result.notes:
        if note.code == "not-carried":
            where, _, rest = note.message.partition(": ")
            found.add((where, rest.split(" is ")[0]))
    return found


def test_every_property_without_an_iis7_place_is_noted() -> None:
    _, result, _ = converted("Store")
    assert not_carried(result) == {
        ("/LM/W3SVC/2", "Custom property UnknownName_9202 (ID 9202)"),
        ("/LM/W3SVC/2/Filters", "FilterLoadOrder"),
        ("/LM/W3SVC/2/Filters/Rewriter", "FilterDescription"),
        ("/LM/W3SVC/2/Filters/Rewriter", "FilterPath"),
        ("/LM/W3SVC/2/ROOT/admin", "AccessSSLFlags"),
        ("/LM/W3SVC/2/ROOT/admin", "AuthFlags"),
        ("/LM/W3SVC/2/ROOT/legacy", "AppIsolated"),
        ("/LM/W3SVC/2/ROOT/legacy", "AppPackageID"),
        ("/LM/W3SVC/2/ROOT/legacy", "AppWamClsid"),
        ("/LM/W3SVC/2/ROOT/legacy", "UNCPassword"),
        ("/LM/W3SVC/2/ROOT/legacy", "UNCUserName"),
        ("/LM/W3SVC/2/ROOT/moved.htm", "HttpRedirect"),
        ("/LM/W3SVC/AppPools/StoreAdmin", "WAMUserPass"),
    }
    messages = " ".join(n.message for n in result.notes)
    assert "AccessSSLMapCert" in messages
    assert "AuthPassport" in messages
    assert "FAST" in messages
    # Each note points at the metabase line of its property.
    text = METABASE.read_text(encoding="utf-8-sig")
    passport = next(n for n in result.notes if "AuthPassport" in n.message)
    assert passport.line is not None
    assert "AuthPassport" in text.splitlines()[passport.line - 1]


def test_strict_refuses_and_changes_nothing() -> None:
    doc = target()
    before = doc.to_bytes()
    with pytest.raises(ConversionError, match="--strict: 13 properties") as caught:
        site_to_applicationhost(metabase(), "Store", doc, strict=True)
    assert len(caught.value.notes) == 13
    assert doc.to_bytes() == before
    assert not doc.modified
    assert doc.notes == []


def test_strict_accepts_a_site_with_nothing_left_behind() -> None:
    doc = target()
    result = site_to_applicationhost(metabase(), "Clean", doc, strict=True)
    assert result.site.name == "Clean"
    assert [n.code for n in result.notes] == ["pool-exists"]


# -- several sites at once -------------------------------------------------------------------


def test_several_sites_go_in_together() -> None:
    doc = target()
    results = convert_sites(metabase(), ["Store", "Clean", "ftp/7"], doc)
    assert [(r.site.id, r.site.name) for r in results] == [
        (31, "Store"),
        (40, "Clean"),
        (7, "Secure FTP"),
    ]
    inserted(LF.read_bytes(), doc.to_bytes())


def test_several_sites_all_or_none() -> None:
    doc = target()
    before = doc.to_bytes()
    with pytest.raises(SiteNameError):
        convert_sites(metabase(), ["Store", "Shop: EU"], doc)
    assert doc.to_bytes() == before
    assert doc.notes == []


# -- small rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "text"),
    [(0, "00:00:00"), (20, "00:20:00"), (90, "01:30:00"), (1439, "23:59:00"), (1740, "29:00:00")],
)
def test_time_span(minutes: int, text: str) -> None:
    assert time_span(minutes) == text


# -- pools and site settings ---------------------------------------------------------------


def test_pool_identity_notes() -> None:
    data = re.sub(rb'\t\tWAMUserPass="[0-9a-f]+"\r\n', b"", METABASE.read_bytes())
    data = data.replace(b'AppPoolIdentityType="0"', b'AppPoolIdentityType="7"')
    doc = target()
    result = site_to_applicationhost(metaclone.loads(data), "Store", doc)
    messages = [n.message for n in result.notes]
    # The password is set nowhere in the file, yet the pool runs as a user: it needs one.
    assert (
        "application pool 'StoreAdmin': the password of STORE\\svc-admin is not carried: it is "
        "encrypted with the IIS 6 machine's key (WAMUserPass); set it with appcmd set apppool "
        "or IIS Manager"
    ) in messages
    assert any("AppPoolIdentityType 7 is not carried" in m for m in messages)
    pool = elements(tree(doc.to_bytes()), "//applicationPools/add[@name='StorePool']")[0]
    assert child(pool, "processModel").get("identityType") == "NetworkService"


def test_pool_keys_are_noted_only_for_pools_added() -> None:
    data = METABASE.read_bytes().replace(
        b'\t\tIdleTimeout="20"\r\n',
        b'\t\tIdleTimeout="20"\r\n\t\tLogEventOnRecycle="AppPoolRecycleTime"\r\n',
        1,
    )
    source = metaclone.loads(data)
    # DefaultAppPool exists in the target: its IIS 6 settings do not matter.
    clean = site_to_applicationhost(source, "Clean", target(), strict=True)
    assert [n.code for n in clean.notes] == ["pool-exists"]
    store = site_to_applicationhost(source, "Store", target())
    assert ("/LM/W3SVC/AppPools", "LogEventOnRecycle") in not_carried(store)


def test_binding_findings_are_check_findings_about_one_site() -> None:
    doc = target(FIXTURES / "iis7" / "applicationHost.config")
    old = doc.binding_findings("Shop Old")
    assert [f.code for f in old] == ["shared-sslcert-endpoint"]
    assert old[0] in doc.check()
    assert doc.binding_findings("Intranet") == []
    assert doc.last_site_element is not None
    assert doc.xml.get(doc.last_site_element, "name") == "Files"
    assert [loc.path for loc in doc.locations][-1] == "Legacy Portal"


CORPUS_METABASE = CORPUS / "iis6" / "modsic_metabaseSample.xml"


@pytest.mark.parametrize("path", corpus_params("iis7/*.config"))
def test_corpus_targets(path: Path) -> None:
    before = path.read_bytes()
    doc = metaclone.load(path)
    result = site_to_applicationhost(
        metaclone.load(CORPUS_METABASE), 1, doc, new_name="Moved from IIS 6"
    )
    inserted(before, doc.to_bytes())
    tree(doc.to_bytes())
    assert metaclone.loads(doc.to_bytes()).site("Moved from IIS 6").id == result.site.id


def test_other_pool_settings_written_where_they_differ_from_iis7() -> None:
    data = METABASE.read_bytes().replace(
        b'\t\tPeriodicRestartRequests="35000"\r\n',
        b'\t\tAppPoolQueueLength="4000"\r\n\t\tCPUAction="3"\r\n\t\tCPULimit="50000"\r\n'
        b'\t\tLoadBalancerCapabilities="1"\r\n\t\tPeriodicRestartMemory="0"\r\n'
        b'\t\tPingResponseTime="90"\r\n\t\tRapidFailProtection="FALSE"\r\n'
        b'\t\tRapidFailProtectionInterval="10"\r\n\t\tShutdownTimeLimit="3600"\r\n',
    )
    doc = target()
    result = site_to_applicationhost(metaclone.loads(data), "Store", doc)
    pool = elements(tree(doc.to_bytes()), "//applicationPools/add[@name='StorePool']")[0]
    assert pool.get("queueLength") == "4000"
    assert attributes(child(pool, "processModel")) == {
        "identityType": "LocalSystem",
        "idleTimeout": "00:00:00",
        "shutdownTimeLimit": "01:00:00",
    }
    # PeriodicRestartMemory 0 and PingResponseTime 90 are IIS 7's defaults: not written.
    assert attributes(child(pool, "recycling/periodicRestart")) == {"time": "29:00:00"}
    assert attributes(child(pool, "failure")) == {
        "loadBalancerCapabilities": "TcpLevel",
        "rapidFailProtection": "false",
        "rapidFailProtectionInterval": "00:10:00",
    }
    assert attributes(child(pool, "cpu")) == {"limit": "50000"}
    assert "application pool 'StorePool': CPUAction 3 is not carried: IIS 7 has no such value" in [
        n.message for n in result.notes
    ]


def test_site_logging_and_limits() -> None:
    data = METABASE.read_bytes().replace(
        b'\t\tLogFileDirectory="D:\\Logs"\r\n',
        b'\t\tConnectionTimeout="900"\r\n'
        b'\t\tLogExtFileFlags="LogExtFileDate | LogExtFileTime | LogExtFileClientIp"\r\n'
        b'\t\tLogFileDirectory="D:\\Logs"\r\n\t\tLogFilePeriod="4"\r\n'
        b'\t\tLogFileTruncateSize="20971520"\r\n'
        b'\t\tLogPluginClsid="{FF16065B-DE82-11CF-BC0A-00AA006111E0}"\r\n'
        b'\t\tMaxConnections="500"\r\n',
    )
    doc = target()
    result = site_to_applicationhost(metaclone.loads(data), "Store", doc)
    store = site_element(tree(doc.to_bytes()), "Store")
    # The truncate size is IIS 7's default; the NCSA module has no IIS 7 name metaclone trusts.
    assert attributes(child(store, "logFile")) == {
        "directory": "D:\\Logs",
        "period": "Hourly",
        "logExtFileFlags": "Date, Time, ClientIP",
    }
    assert attributes(child(store, "limits")) == {
        "connectionTimeout": "00:15:00",
        "maxConnections": "500",
    }
    assert ("/LM/W3SVC/2", "LogPluginClsid") in not_carried(result)


def test_site_settings_the_target_site_defaults_already_give_are_not_written() -> None:
    data = METABASE.read_bytes().replace(
        b'LogFileDirectory="D:\\Logs"', b'LogFileDirectory="%SystemDrive%\\inetpub\\logs\\LogFiles"'
    )
    doc = target()
    site_to_applicationhost(metaclone.loads(data), "Store", doc)
    assert site_element(tree(doc.to_bytes()), "Store").find("logFile") is None


def test_site_settings_on_other_keys_are_noted() -> None:
    data = METABASE.read_bytes().replace(
        b'\t\tDirBrowseFlags="0"\r\n',
        b'\t\tDirBrowseFlags="0"\r\n\t\tMaxConnections="10"\r\n'
        b'\t\tSSLCertHash="0011223344556677889900112233445566778899"\r\n',
    )
    result = site_to_applicationhost(metaclone.loads(data), "Store", target())
    assert ("/LM/W3SVC/2/ROOT/images", "MaxConnections") in not_carried(result)
    assert ("/LM/W3SVC/2/ROOT/images", "SSLCertHash") in not_carried(result)
    assert not any("LogExtFileFlags" in n.message for n in result.notes)


def test_iis_express_target_plans_under_its_own_application_id() -> None:
    _, result, _ = converted("Store", path=TARGETS["IIS Express"])
    assert result.plan is not None
    assert {change.app_id for change in result.plan.changes} == {IIS_EXPRESS_APP_ID}


def test_site_defaults_written_before_the_sites_are_found_too() -> None:
    text = LF.read_text()
    defaults = text[
        text.index("            <siteDefaults>") : text.index("            <applicationDefaults")
    ]
    moved = text.replace(defaults, "").replace(
        "        <sites>\n", "        <sites>\n" + defaults.replace("LogFiles", "Logs6"), 1
    )
    data = METABASE.read_bytes().replace(
        b'LogFileDirectory="D:\\Logs"', b'LogFileDirectory="E:\\Logs6"'
    )
    doc = metaclone.loads(
        moved.replace("%SystemDrive%\\inetpub\\logs\\Logs6", "E:\\Logs6").encode()
    )
    site_to_applicationhost(metaclone.loads(data), "Store", doc)
    assert site_element(tree(doc.to_bytes()), "Store").find("logFile") is None


def test_first_pool_and_blocks_after_a_trailing_section() -> None:
    text = LF.read_text()
    pools = text[
        text.index("            <add name=") : text.index("            <applicationPoolDefaults")
    ]
    changed = text.replace(pools, "").replace(
        "\n\n</configuration>", "\n    <system.webServer />\n\n</configuration>"
    )
    doc = metaclone.loads(changed.encode())
    result = site_to_applicationhost(metabase(), "Store", doc)
    assert result.pools == ("StorePool", "StoreAdmin")
    after = doc.to_bytes()
    inserted(changed.encode(), after)
    root = tree(after)
    names = [e.tag for e in elements(root, "system.applicationHost/applicationPools/*")]
    assert names == ["applicationPoolDefaults", "add", "add"]
    # Something follows the last location block: the new ones go at the very end.
    assert [e.tag for e in root if isinstance(e.tag, str)][-6:] == [
        "system.webServer",
        "location",
        "location",
        "location",
        "location",
        "location",
    ]


def test_custom_headers() -> None:
    data = (
        METABASE.read_bytes()
        .replace(
            b'\t\tDefaultDoc="home.asp,index.asp"\r\n',
            b'\t\tDefaultDoc="home.asp,index.asp"\r\n'
            b'\t\tHttpCustomHeaders="X-Frame-Options: DENY\r\n\t\t\tX-Powered-By: ASP.NET\r\n'
            b'\t\t\tnot a header"\r\n',
        )
        .replace(
            b'\t\tDirBrowseFlags="0"\r\n', b'\t\tDirBrowseFlags="0"\r\n\t\tHttpCustomHeaders=""\r\n'
        )
    )
    doc = target()
    result = site_to_applicationhost(metaclone.loads(data), "Store", doc)
    root = tree(doc.to_bytes())
    headers = elements(
        root, "location[@path='Store']/system.webServer/httpProtocol/customHeaders/*"
    )
    assert [(h.tag, attributes(h)) for h in headers] == [
        ("clear", {}),
        ("add", {"name": "X-Frame-Options", "value": "DENY"}),
        ("add", {"name": "X-Powered-By", "value": "ASP.NET"}),
    ]
    # An empty list below takes the headers away again.
    images = elements(
        root, "location[@path='Store/images']/system.webServer/httpProtocol/customHeaders/*"
    )
    assert [h.tag for h in images] == ["clear"]
    assert ("/LM/W3SVC/2/ROOT", "HttpCustomHeaders") in not_carried(result)


def test_custom_headers_the_server_already_sends_are_not_written() -> None:
    data = METABASE.read_bytes().replace(
        b'\t\tDefaultDoc="home.asp,index.asp"\r\n',
        b'\t\tDefaultDoc="home.asp,index.asp"\r\n\t\tHttpCustomHeaders="X-Powered-By: ASP.NET"\r\n',
    )
    text = LF.read_text().replace(
        '        <directoryBrowse enabled="false" />\n',
        '        <directoryBrowse enabled="false" />\n        <httpProtocol>\n'
        "            <customHeaders>\n                <clear />\n"
        '                <add value="ASP.NET" name="X-Powered-By" />\n'
        "            </customHeaders>\n        </httpProtocol>\n",
    )
    doc = metaclone.loads(text.encode())
    site_to_applicationhost(metaclone.loads(data), "Store", doc)
    assert b'<add name="X-Powered-By"' not in doc.to_bytes()
