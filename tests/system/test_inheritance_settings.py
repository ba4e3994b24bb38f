"""What IIS 7 sites and virtual directories inherit beyond their state and bindings: the
attributes of ``<limits>``, ``<logFile>`` and ``<traceFailedRequestsLogging>``, those of the
nearest ``<virtualDirectoryDefaults>``, an FTP site's ``<ftpServer serverAutoStart>``; and a
``<sites>`` that repeats a default element, which has no defined values.

Fixture: ``iis7/applicationHost_settings.config`` (shaped like IIS 10 files): site 1 sets some
log, limits and tracing attributes and has virtual directory defaults at site and application
level, site 2 sets none, FTP site 3 starts by its own ``ftpServer`` although its web
``serverAutoStart`` is false, FTP site 4 inherits ``<siteDefaults><ftpServer
serverAutoStart="false">``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone.cli import EXIT_OK, EXIT_PROBLEMS, EXIT_REFUSED, main
from metaclone.cli.sites import INHERITED_LEGEND, inherited_legend, site_line
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.model.sites import SiteKind
from tests.conftest import FIXTURES, corpus_params
from tests.helpers import assert_edit, assert_refused

SETTINGS = FIXTURES / "iis7" / "applicationHost_settings.config"
FTP_HASH = "1f3a5c7e9b2d4f6a8c0e1f3a5c7e9b2d4f6a8c0e"
SECRET = "hAe2SMzVx4fFN7tDcYDJsVAXA5KbfU8sUUWyqRzEhhZb2U/WJjmJW0ZFOoG3ST1T"


def load() -> AppHostDocument:
    doc = metaclone.load(SETTINGS)
    assert isinstance(doc, AppHostDocument)
    return doc


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def text_with(old: str, new: str) -> bytes:
    text = SETTINGS.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1).encode()


# -- limits, logFile, traceFailedRequestsLogging ----------------------------------------------


def test_site_settings_merge_with_site_defaults_attribute_by_attribute() -> None:
    doc = load()
    shop = doc.with_settings(doc.site("Shop"))
    settings = shop.settings
    assert settings is not None
    # Own, from <siteDefaults>, schema default: one of each in every element.
    assert settings.value("limits.connectionTimeout") == "00:00:45"
    assert settings.value("limits.maxBandwidth") == "1048576"
    assert settings.value("limits.maxUrlSegments") == "32"
    assert settings.value("log_file.directory") == r"E:\Logs"
    assert settings.value("log_file.period") == "Hourly"
    assert settings.value("log_file.enabled") == "true"
    assert settings.value("trace_failed_requests_logging.enabled") == "true"
    assert settings.value("trace_failed_requests_logging.maxLogFiles") == "20"
    assert settings.value("trace_failed_requests_logging.maxLogFileSizeKB") == "1024"
    assert settings.inherited == (
        "limits.maxBandwidth",
        "log_file.logFormat",
        "log_file.period",
        "trace_failed_requests_logging.maxLogFiles",
    )
    assert settings.value("log_file.nosuch") is None
    assert settings.value("nosuch.directory") is None
    # The site's other values are those of the listing.
    assert shop == doc.with_settings(doc.sites[0])
    assert shop.inherited == doc.site("Shop").inherited == ()


def test_a_site_that_sets_nothing_gets_the_site_defaults_and_the_schema_defaults() -> None:
    doc = load()
    blog = doc.with_settings(doc.site("Blog")).settings
    assert blog is not None
    assert blog.value("log_file.directory") == r"%SystemDrive%\inetpub\logs\LogFiles"
    assert blog.value("trace_failed_requests_logging.enabled") == "false"
    assert blog.value("limits.connectionTimeout") == "00:02:00"
    assert "log_file.directory" in blog.inherited
    assert "limits.connectionTimeout" not in blog.inherited
    # Without <siteDefaults> children everything is the schema's and nothing is inherited.
    bare = metaclone.loads(
        text_with('<limits maxBandwidth="1048576" />', "")
        .replace(b'<logFile logFormat="W3C" directory', b"<x directory")
        .replace(b"<traceFailedRequestsLogging directory", b"<y directory"),
        "bare.config",
    )
    plain = bare.with_settings(bare.site("Blog")).settings
    assert plain is not None
    assert plain.inherited == ()
    assert plain.value("trace_failed_requests_logging.directory") == (
        r"%SystemDrive%\inetpub\FailedReqLogFiles"
    )


def test_settings_are_read_only_when_asked_for() -> None:
    doc = load()
    assert all(site.settings is None for site in doc.sites)
    assert doc.site(1).settings is None


def test_iis6_sites_have_no_settings() -> None:
    doc = metaclone.load(FIXTURES / "iis6" / "MetaBase_inherit.xml")
    site = doc.sites[0]
    assert doc.with_settings(site) is site
    assert site.to_json()["settings"] is None


def test_sites_json_reports_settings_and_directory_values(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "sites", SETTINGS, "--json", "--applications")
    assert status == EXIT_OK
    sites = {s["name"]: s for s in json.loads(out)["sites"]}
    settings = sites["Shop"]["settings"]
    assert settings["log_file"]["directory"] == r"E:\Logs"
    assert settings["limits"]["maxConnections"] == "500"
    assert "log_file.period" in settings["inherited"]
    root, media = sites["Shop"]["applications"][0]["virtual_directories"]
    assert root["user_name"] == r"CORP\shop-content"
    assert root["password_set"] is True
    assert media["logon_method"] == "Batch"
    assert "logon_method" not in media["inherited"]
    assert SECRET not in out
    # The text listing never shows a password either.
    status, out, _ = run(capsys, "sites", SETTINGS, "--applications")
    assert status == EXIT_OK
    assert SECRET not in out


# -- virtualDirectoryDefaults ------------------------------------------------------------------


def test_the_nearest_virtual_directory_defaults_win_attribute_by_attribute() -> None:
    doc = load()
    shop_root, shop_api = doc.applications("Shop")
    root, media = shop_root.virtual_directories
    # userName and password from the application's, logonMethod and allowSubDirConfig from
    # the site's (which overrides allowSubDirConfig="true" of <sites>).
    assert (root.user_name, root.password_set, root.logon_method, root.allow_sub_dir_config) == (
        r"CORP\shop-content",
        True,
        "Network",
        False,
    )
    assert root.inherited == ("user_name", "password_set", "logon_method", "allow_sub_dir_config")
    assert (media.logon_method, "logon_method" in media.inherited) == ("Batch", False)
    # Its own empty userName and the encrypted empty password: no user, no password.
    (api,) = shop_api.virtual_directories
    assert (api.user_name, api.password_set, api.inherited) == (
        "",
        False,
        ("logon_method", "allow_sub_dir_config"),
    )
    (blog_root,) = doc.applications("Blog")[0].virtual_directories
    assert (blog_root.user_name, blog_root.logon_method, blog_root.allow_sub_dir_config) == (
        r"CORP\web-content",
        "ClearText",
        True,
    )
    assert blog_root.inherited == ("user_name", "allow_sub_dir_config")


def test_virtual_directories_compare_by_path_and_folder() -> None:
    (blog_root,) = load().applications("Blog")[0].virtual_directories
    assert blog_root == metaclone.VirtualDirectory("/", r"D:\Sites\blog")
    assert metaclone.VirtualDirectory("/", "x").to_json() == {"path": "/", "physical_path": "x"}


# -- FTP sites: ftpServer/@serverAutoStart ----------------------------------------------------


def test_ftp_sites_start_as_their_ftp_server_says() -> None:
    doc = load()
    uploads, archive = doc.site("Uploads"), doc.site("Archive")
    assert (uploads.kind, uploads.auto_start, uploads.inherited) == (SiteKind.FTP, True, ())
    assert (archive.kind, archive.auto_start, archive.inherited) == (
        SiteKind.FTP,
        False,
        ("auto_start",),
    )
    # Without <siteDefaults><ftpServer serverAutoStart> the schema's default: true.
    default = metaclone.loads(text_with('<ftpServer serverAutoStart="false" />', ""))
    assert (default.site("Archive").auto_start, default.site("Archive").inherited) == (True, ())


def test_stopping_an_ftp_site_writes_its_ftp_server() -> None:
    assert_edit(
        SETTINGS,
        lambda doc: doc.set_auto_start("Uploads", False),
        """\
        -                <ftpServer serverAutoStart="true">
        +                <ftpServer serverAutoStart="false">
        """,
    )


def test_starting_an_ftp_site_without_ftp_server_gives_it_one() -> None:
    doc = assert_edit(
        SETTINGS,
        lambda doc: doc.set_auto_start("Archive", True),
        """\
        +                <ftpServer serverAutoStart="true" />
        """,
    )
    assert doc.site("Archive").auto_start is True
    assert doc.site("Archive").inherited == ()


def test_an_ftp_clone_is_stopped_or_started_by_its_ftp_server() -> None:
    doc = load()
    stopped = doc.clone_site("Uploads", new_id=30, new_name="Uploads copy")
    started = doc.clone_site("Archive", new_id=31, new_name="Archive copy", auto_start=True)
    assert (stopped.auto_start, started.auto_start) == (False, True)
    again = metaclone.loads(doc.to_bytes())
    assert again.site(30).auto_start is False
    assert again.site(31).auto_start is True
    # The source's own values stay as they were.
    assert again.site("Uploads").auto_start is True
    assert again.site("Archive").auto_start is False


_FTP_VALUES = st.sampled_from([None, "true", "false", " FALSE "])


@given(default=_FTP_VALUES, own=_FTP_VALUES, web=_FTP_VALUES, wanted=st.booleans())
def test_start_and_stop_give_an_ftp_site_the_asked_state(
    default: str | None, own: str | None, web: str | None, wanted: bool
) -> None:
    text = SETTINGS.read_text(encoding="utf-8").replace(
        '<ftpServer serverAutoStart="false" />',
        f'<ftpServer serverAutoStart="{default}" />' if default is not None else "",
    )
    site_tag = '<site name="Uploads" id="3" serverAutoStart="false">'
    web_value = f' serverAutoStart="{web}"' if web is not None else ""
    text = text.replace(site_tag, f'<site name="Uploads" id="3"{web_value}>')
    own_value = f' serverAutoStart="{own}"' if own is not None else ""
    text = text.replace('<ftpServer serverAutoStart="true">', f"<ftpServer{own_value}>")
    doc = metaclone.loads(text.encode(), "ftp.config")
    before = doc.site("Uploads")
    value = own if own is not None else default
    assert before.auto_start is (value is None or value.strip().lower() != "false")
    unchanged = doc.to_bytes()
    doc.set_auto_start("Uploads", wanted)
    assert metaclone.loads(doc.to_bytes()).site("Uploads").auto_start is wanted
    assert (doc.to_bytes() == unchanged) is (before.auto_start is wanted)
    # The web server's own attribute is never touched for an FTP site.
    assert web_value in doc.xml.text


def test_the_placeholder_of_an_ftp_site_starts_and_the_original_stops(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "applicationHost.config"
    source.write_bytes(
        text_with(
            '<basicAuthentication enabled="true" />\n                        </authentication>',
            '<basicAuthentication enabled="true" />\n'
            "                        </authentication>\n"
            f'                        <ssl serverCertHash="{FTP_HASH}" />',
        )
    )
    status, _, err = run(capsys, "placeholder", "begin", source, "--site", "Uploads", "--in-place")
    assert status == EXIT_OK, err
    doc = metaclone.load(source)
    assert doc.site("Uploads").auto_start is False
    assert doc.site("Uploads (placeholder)").auto_start is True
    assert '<site name="Uploads" id="3" serverAutoStart="false">' in doc.xml.text


# -- a repeated default element -----------------------------------------------------------------

_SECOND_DEFAULTS = [
    (
        "siteDefaults",
        "<siteDefaults>",
        '<siteDefaults serverAutoStart="false" />\n            <siteDefaults>',
    ),
    (
        "applicationDefaults",
        '<applicationDefaults applicationPool="DefaultAppPool" />',
        '<applicationDefaults applicationPool="DefaultAppPool" />\n'
        '            <applicationDefaults applicationPool="ShopPool" />',
    ),
    (
        "virtualDirectoryDefaults",
        "<sites>",
        '<sites>\n            <virtualDirectoryDefaults userName="CORP\\other" />',
    ),
]


@pytest.mark.parametrize(("name", "old", "new"), _SECOND_DEFAULTS, ids=lambda v: v[:20])
def test_a_repeated_default_element_is_refused_and_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, old: str, new: str
) -> None:
    data = text_with(old, new)
    with pytest.raises(
        metaclone.DuplicateDefaultsError, match=f"<{name}> more than once"
    ) as caught:
        _ = metaclone.loads(data, "twice.config").sites
    assert caught.value.line is not None
    (finding,) = [f for f in metaclone.loads(data).check() if f.code == "duplicate-defaults"]
    assert finding.severity is metaclone.Severity.ERROR
    assert finding.line == caught.value.line
    assert f"<{name}>" in finding.message
    caught = assert_refused(
        data, lambda doc: doc.set_auto_start("Blog", False), metaclone.DuplicateDefaultsError
    )
    path = tmp_path / "twice.config"
    path.write_bytes(data)
    status, _, err = run(capsys, "sites", path)
    assert status == EXIT_REFUSED
    assert f"{path}:{finding.line}:" in err
    assert "more than once" in err
    status, out, _ = run(capsys, "check", path)
    assert status == EXIT_PROBLEMS
    assert "[duplicate-defaults]" in out
    status, _, err = run(capsys, "stop", path, "--site", "Blog", "--in-place")
    assert status == EXIT_REFUSED
    assert path.read_bytes() == data


def test_one_default_element_of_each_kind_is_no_finding() -> None:
    assert "duplicate-defaults" not in [f.code for f in load().check()]


@pytest.mark.parametrize("path", corpus_params("iis7/*applicationHost*.config"))
def test_real_files_have_one_default_element_of_each_kind(path: Path) -> None:
    doc = metaclone.load(path)
    assert "duplicate-defaults" not in [f.code for f in doc.check()]
    for site in doc.sites:
        settings = doc.with_settings(site).settings
        assert settings is not None
        assert settings.value("log_file.directory")


# -- the text listing marks inherited values ---------------------------------------------------


def test_sites_text_marks_inherited_values_with_one_legend_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    defaults = FIXTURES / "iis7" / "applicationHost_defaults.config"
    status, out, _ = run(capsys, "sites", defaults, "--applications")
    assert status == EXIT_OK
    lines = out.splitlines()
    shop = next(line for line in lines if "  Shop  " in line)
    assert "[stopped]*  http/*:80:shop.example.com" in shop
    blog = next(line for line in lines if "  Blog  " in line)
    assert "[started]  (http/*:8080:)*  cert: -" in blog
    files = next(line for line in lines if "  Files ftp  " in line)
    assert files.endswith(f"{'9f3c1a0b7d2e4f6a8b0c1d2e3f4a5b6c7d8e9f01'} (WebHosting)*")
    strasse = next(line for line in lines if "  Straße  " in line)
    assert "*" not in strasse.replace("*:80:", "")
    assert "pool: ShopPool*" in out
    assert "pool: ApiPool  " in out
    assert lines[-1] == INHERITED_LEGEND
    assert out.count(INHERITED_LEGEND) == 1


def test_sites_text_has_no_legend_when_nothing_is_inherited(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "sites", SETTINGS, "Shop", "Uploads")
    assert status == EXIT_OK
    assert INHERITED_LEGEND not in out
    assert "*" not in out.replace("*:80:", "").replace("*:21:", "")
    status, out, _ = run(capsys, "sites", SETTINGS, "Archive")
    assert "[stopped]*" in out
    assert out.splitlines()[-1] == INHERITED_LEGEND


def test_site_line_marks_only_what_is_inherited() -> None:
    site = metaclone.Site(
        5, "e", False, (metaclone.Binding.parse("http/*:80:e"),), inherited=("bindings",)
    )
    assert site_line(site).endswith("e  [stopped]  (http/*:80:e)*  cert: -")
    assert inherited_legend([site]) == INHERITED_LEGEND
    plain = metaclone.Site(5, "e", False, (metaclone.Binding.parse("http/*:80:e"),))
    assert site_line(plain).endswith("e  [stopped]  http/*:80:e  cert: -")
    assert inherited_legend([plain]) is None


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        (
            '<virtualDirectoryDefaults logonMethod="Network" allowSubDirConfig="false" />',
            '<virtualDirectoryDefaults logonMethod="Network" allowSubDirConfig="false" />\n'
            '                <virtualDirectoryDefaults logonMethod="Batch" />',
            "virtualDirectoryDefaults",
        ),
        (
            "<limits connectionTimeout",
            '<applicationDefaults applicationPool="A" />\n'
            '                <applicationDefaults applicationPool="B" />\n'
            "                <limits connectionTimeout",
            "applicationDefaults",
        ),
        (
            '<virtualDirectory path="/" physicalPath="D:\\Sites\\shop" />',
            '<virtualDirectoryDefaults userName="CORP\\again" />\n'
            '                    <virtualDirectory path="/" physicalPath="D:\\Sites\\shop" />',
            "virtualDirectoryDefaults",
        ),
    ],
    ids=["site-directory", "site-application", "application-directory"],
)
def test_a_default_element_repeated_in_a_site_refuses_its_applications(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, old: str, new: str, name: str
) -> None:
    data = text_with(old, new)
    doc = metaclone.loads(data, "twice.config")
    # The site's own values do not depend on it.
    assert doc.site("Shop").auto_start is True
    with pytest.raises(metaclone.DuplicateDefaultsError, match=f"<{name}> more than once"):
        doc.applications("Shop")
    (finding,) = [f for f in doc.check() if f.code == "duplicate-defaults"]
    assert finding.site_id == 1
    assert finding.line is not None
    # The line is that of the repeated element; the message names the first one's, above it.
    assert data.decode().splitlines()[finding.line - 1].strip().startswith(f"<{name} ")
    first = int(finding.message.split("first at line ")[1].split(")")[0])
    assert data.decode().splitlines()[first - 1].strip().startswith(f"<{name} ")
    assert first < finding.line
    path = tmp_path / "twice.config"
    path.write_bytes(data)
    status, _, err = run(capsys, "sites", path, "Shop", "--applications")
    assert status == EXIT_REFUSED
    assert "more than once" in err
    status, out, _ = run(capsys, "check", path)
    assert status == EXIT_PROBLEMS
    assert f":{finding.line}:" in out


_LOG_ATTRIBUTES = st.dictionaries(
    st.sampled_from(["directory", "period", "enabled", "logFormat", "localTimeRollover"]),
    st.sampled_from(["D:\\L&amp;gs", "Hourly", "false", "IIS", "true", ""]),
    max_size=4,
)


@given(own=_LOG_ATTRIBUTES, default=_LOG_ATTRIBUTES)
def test_each_log_file_attribute_is_the_sites_else_the_defaults_else_the_schemas(
    own: dict[str, str], default: dict[str, str]
) -> None:
    def element(values: dict[str, str]) -> str:
        return "<logFile" + "".join(f' {k}="{v}"' for k, v in values.items()) + " />"

    text = SETTINGS.read_text(encoding="utf-8")
    text = text.replace(
        '<logFile logFormat="W3C" directory="%SystemDrive%\\inetpub\\logs\\LogFiles" '
        'period="Hourly" />',
        element(default),
    )
    text = text.replace(
        '<binding protocol="http" bindingInformation="*:80:blog.example.com" />\n'
        "                </bindings>",
        '<binding protocol="http" bindingInformation="*:80:blog.example.com" />\n'
        f"                </bindings>\n                {element(own)}",
    )
    for exact in (False, True):
        doc = metaclone.loads(text.encode(), "log.config", exact=exact)
        settings = doc.with_settings(doc.site("Blog")).settings
        assert settings is not None
        schema = {"directory": r"%SystemDrive%\inetpub\logs\LogFiles", "period": "Daily"}
        schema |= {"enabled": "true", "logFormat": "W3C", "localTimeRollover": "false"}
        for name, fallback in schema.items():
            expected = own.get(name, default.get(name, fallback)).replace("&amp;", "&")
            assert settings.value(f"log_file.{name}") == expected
            inherited = f"log_file.{name}" in settings.inherited
            assert inherited is (name not in own and name in default)
