"""IIS 6 metabase: the applications and virtual directories of a site, in the IIS 7 shape."""

from __future__ import annotations

from pathlib import Path

import pytest

import metaclone
from metaclone.errors import SiteNotFoundError
from metaclone.iis6.keys import KeyTable
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.lossless import Attribute
from metaclone.model.sites import Application, SiteKind, VirtualDirectory
from tests.conftest import FIXTURES, corpus_params

IIS6 = FIXTURES / "iis6"
MAIN = IIS6 / "MetaBase.xml"
APPS = IIS6 / "MetaBase_applications.xml"
V54 = IIS6 / "MetaBase_v54_crlf.xml"
PROBLEMS = IIS6 / "MetaBase_problems.xml"
EXPORT = IIS6 / "export_site_1962875481.xml"

PORTAL_ROOT = r"D:\Sites\Portal & Co\wwwroot"


def load(path: Path) -> MetabaseDocument:
    doc = metaclone.load(path)
    assert isinstance(doc, MetabaseDocument)
    return doc


def loads(data: bytes) -> MetabaseDocument:
    doc = metaclone.loads(data)
    assert isinstance(doc, MetabaseDocument)
    return doc


def app(
    path: str, pool: str | None, *directories: tuple[str, str], inherited: bool = False
) -> Application:
    """An application; ``inherited``: its pool comes from a key above it."""
    return Application(
        path,
        pool,
        tuple(VirtualDirectory(p, d) for p, d in directories),
        inherited=("application_pool",) if inherited else (),
    )


# -- the main fixture ------------------------------------------------------------------------


def test_main_fixture_root_applications() -> None:
    doc = load(MAIN)
    assert doc.applications(1) == (
        app("/", "DefaultAppPool", ("/", r"c:\inetpub\wwwroot")),
        app("/api", "DefaultAppPool", ("/", r"c:\inetpub\api")),
    )
    assert doc.applications("Intranet") == (
        app("/", "DefaultAppPool", ("/", r"D:\Sites\intranet")),
    )
    # No AppPoolId on the site: the WWW service's one.
    assert doc.applications(123) == (
        app("/", "DefaultAppPool", ("/", r"D:\Sites\partners"), inherited=True),
    )
    assert doc.applications(98004751) == (app("/", "AP", ("/", r"G:\CONTRIB")),)


def test_directory_without_approot_is_neither_application_nor_virtual_directory() -> None:
    # root/aspnet_client is an IIsWebDirectory without AppRoot; root/checkout an application.
    doc = load(MAIN)
    assert doc.applications("Shop") == (
        app("/", "ShopPool", ("/", r"C:\inetpub\shop")),
        app("/checkout", "ShopCheckoutPool", ("/", r"C:\inetpub\shop-checkout")),
    )


def test_ftp_site_gets_one_application_with_its_virtual_directories() -> None:
    doc = load(MAIN)
    assert doc.applications("ftp/1") == (app("/", None, ("/", r"C:\Inetpub\ftproot")),)
    apps = load(APPS)
    assert apps.site("ftp/3").kind is SiteKind.FTP
    assert apps.applications("ftp/3") == (
        app("/", None, ("/", r"D:\Ftp\portal"), ("/Incoming", r"\\files01\ftp incoming")),
    )


# -- nested applications ---------------------------------------------------------------------


def test_nested_applications_with_their_virtual_directories() -> None:
    doc = load(APPS)
    assert doc.applications("Portal") == (
        app(
            "/",
            "PortalPool",
            ("/", PORTAL_ROOT),
            ("/legacy", "E:\\Legacy\\"),
            ("/Media", r"\\files01\media"),
            ("/R&D", r"\\files01\r&d"),
            inherited=True,
        ),
        app("/reports", "ReportsPool", ("/", PORTAL_ROOT + r"\reports")),
        app(
            "/reports/2024/Archive",
            "ReportsPool",
            ("/", PORTAL_ROOT + r"\reports\2024\Archive"),
            inherited=True,
        ),
        app(
            "/Shop",
            "ShopPool",
            ("/", r"D:\Sites\Shop"),
            ("/images/Thumbs", r"E:\Thumbs"),
        ),
        app(
            "/Shop/api",
            "ShopPool",
            ("/", r"D:\Sites\Shop API"),
            ("/docs", "D:\\Docs\\Café"),
            inherited=True,
        ),
    )


def test_directory_application_is_served_from_the_folder_below_its_virtual_directory() -> None:
    doc = load(APPS)
    reports = {a.path: a for a in doc.applications(5)}["/reports"]
    assert reports.virtual_directories == (
        VirtualDirectory("/", r"D:\Sites\Portal & Co\wwwroot\reports"),
    )


def test_values_and_paths_are_decoded() -> None:
    doc = load(APPS)
    root = doc.applications(5)[0]
    # Location "R&amp;D", Path "\\files01\r&amp;d", "Portal &amp; Co", "Caf&#233;".
    assert VirtualDirectory("/R&D", r"\\files01\r&d") in root.virtual_directories
    assert root.virtual_directories[0].physical_path == PORTAL_ROOT
    api = doc.applications(5)[-1]
    assert api.virtual_directories[-1].physical_path.endswith("Caf\u00e9")


def test_blank_approot_and_web_file_approot_make_no_application() -> None:
    doc = load(APPS)
    paths = [a.path for a in doc.applications(5)]
    assert "/legacy" not in paths
    assert "/Shop/pay.aspx" not in paths


def test_pool_is_inherited_from_the_nearest_key_that_sets_it() -> None:
    doc = load(APPS)
    pools = {a.path: a.application_pool for a in doc.applications(5)}
    assert pools == {
        "/": "PortalPool",  # the site key
        "/reports": "ReportsPool",  # its own
        "/reports/2024/Archive": "ReportsPool",  # /reports, over a folder without a key
        "/Shop": "ShopPool",
        "/Shop/api": "ShopPool",  # the enclosing application
    }
    assert [a.application_pool for a in doc.applications(6)] == ["DefaultAppPool", "LowerApp"]


def test_pool_is_none_when_no_key_sets_it() -> None:
    doc = load(V54)
    assert doc.applications(70) == (app("/", None, ("/", r"E:\www\seventy")),)


def test_root_matched_in_any_case_and_paths_keep_their_case() -> None:
    doc = load(APPS)
    assert doc.key("/LM/W3SVC/6/ROOT") is not None
    assert doc.applications("Lower case") == (
        app("/", "DefaultAppPool", ("/", r"D:\Sites\lower"), inherited=True),
        app("/App", "LowerApp", ("/", r"D:\Sites\lower-app")),
    )


def test_site_without_root_key_has_no_applications() -> None:
    assert load(APPS).applications("No root") == ()
    assert load(V54).applications(7) == ()


def test_virtual_directories_outside_every_application_are_left_out() -> None:
    data = APPS.read_bytes().replace(b'\t\tAppRoot="/LM/W3SVC/5/ROOT"\r\n', b"")
    doc = loads(data)
    assert [a.path for a in doc.applications(5)] == [
        "/reports",
        "/reports/2024/Archive",
        "/Shop",
        "/Shop/api",
    ]
    assert doc.applications(5)[0].virtual_directories == (
        VirtualDirectory("/", PORTAL_ROOT + r"\reports"),
    )


def test_approot_naming_another_path_still_makes_an_application() -> None:
    # Site 6's ROOT was copied from site 5 with its AppRoot; neither ROOT has a Path.
    doc = load(PROBLEMS)
    assert doc.applications(6) == (app("/", None, ("/", "")),)
    assert [f.code for f in doc.check()].count("approot-outside-site") == 1


def test_first_of_two_keys_with_one_path_is_read() -> None:
    duplicate = (
        b'<IIsWebVirtualDir\tLocation ="/LM/W3SVC/5/Root/Media"\r\n'
        b'\t\tPath="X:\\second"\r\n\t>\r\n</IIsWebVirtualDir>\r\n'
    )
    data = APPS.read_bytes().replace(
        b'<IIsWebServer\tLocation ="/LM/W3SVC/6"',
        duplicate + b'<IIsWebServer\tLocation ="/LM/W3SVC/6"',
    )
    doc = loads(data)
    directories = doc.applications(5)[0].virtual_directories
    assert [d for d in directories if d.path.lower() == "/media"] == [
        VirtualDirectory("/Media", r"\\files01\media")
    ]


# -- export files ----------------------------------------------------------------------------


def test_export_file() -> None:
    doc = load(EXPORT)
    assert doc.is_export
    # checkout sets no AppPoolId: it inherits the one of root.
    assert doc.applications(1962875481) == (
        app("/", "ShopPool", ("/", r"C:\inetpub\shop")),
        app("/checkout", "ShopPool", ("/", r"C:\inetpub\shop-checkout"), inherited=True),
    )


def test_export_pool_from_inherited_properties() -> None:
    data = EXPORT.read_bytes().replace(b'\t\tAppPoolId="ShopPool"\r\n', b"")
    assert [a.application_pool for a in loads(data).applications(1962875481)] == [None, None]
    inherited = data.replace(
        b"</MBProperty>",
        b'<IIsInheritedProperties\r\n\t\tAppPoolId="Inherited&#32;Pool"\r\n\t>\r\n'
        b"</IIsInheritedProperties>\r\n</MBProperty>",
    )
    doc = loads(inherited)
    assert [a.application_pool for a in doc.applications(1962875481)] == [
        "Inherited Pool",
        "Inherited Pool",
    ]


# -- after edits, and errors -----------------------------------------------------------------


def test_clone_has_the_applications_of_its_source() -> None:
    doc = load(APPS)
    source = doc.applications("Portal")
    clone = doc.clone_site("Portal", new_id=50)
    assert doc.applications(clone) == source
    assert doc.applications(50) == source
    assert doc.applications("Portal") == source


def test_clone_of_main_fixture_site() -> None:
    doc = load(MAIN)
    source = doc.applications(1962875481)
    clone = doc.clone_site(1962875481)
    assert doc.applications(clone) == source
    assert doc.applications(clone.id)[1].virtual_directories[0].physical_path == (
        r"C:\inetpub\shop-checkout"
    )


def test_unknown_site_raises() -> None:
    doc = load(APPS)
    with pytest.raises(SiteNotFoundError):
        doc.applications("nope")
    with pytest.raises(SiteNotFoundError):
        doc.applications(404)


def test_reads_only_the_keys_of_the_site(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = load(APPS)
    read: list[str] = []
    properties = KeyTable.properties

    def recording(table: KeyTable, position: int, names: tuple[str, ...]) -> dict[str, Attribute]:
        read.append(table.locations[position])
        return properties(table, position, names)

    monkeypatch.setattr(KeyTable, "properties", recording)
    doc.applications(6)
    # The WWW service's pool is read with the other inherited values, once per version.
    assert read == ["/LM/W3SVC/6/root", "/LM/W3SVC/6/root/App", "/LM/W3SVC/6"]


# -- the real files --------------------------------------------------------------------------


@pytest.mark.parametrize("path", corpus_params("iis6/*.xml"))
def test_corpus_applications(path: Path | None) -> None:
    assert path is not None
    doc = loads(path.read_bytes())
    web_sites = [s for s in doc.sites if s.kind is SiteKind.WEB]
    assert web_sites
    for site in web_sites:
        applications = doc.applications(site)
        paths = [a.path for a in applications]
        assert len(set(paths)) == len(paths)
        for application in applications:
            assert application.path.startswith("/")
            assert application.virtual_directories[0].path == "/"
        root = doc.key(f"/LM/W3SVC/{site.id}/ROOT")
        if root is not None and doc.value(root, "AppRoot"):
            assert applications[0].path == "/"
            assert applications[0].virtual_directories[0].physical_path == doc.value(root, "Path")
