"""The JSON text ``sites --json`` writes of an applicationHost.config straight from the listing
pass (:meth:`ConfigDocument.listed_json`) is, site by site, ``json.dumps(site.to_json())`` of
the exact reader's sites with their settings, however the file is written; an error is that of
the exact reader; and an error in a late site leaves nothing printed."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.cli import EXIT_REFUSED, main
from metaclone.cli.site_json import SiteJson
from metaclone.errors import MetacloneError
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.model.sites import Site
from tests.conftest import corpus_files, fixture_files

_NAMES = [
    "shop",
    "caf\u00e9 \u00fcber",
    "a&amp;b",
    "q&quot;uote",
    "back\\slash",
    "tab&#9;name",
    "\U0001f600 smile",
    "it's",
    "",
]
_INFORMATION = [
    "*:80:a",
    "*:443:",
    ":80:",
    "10.0.0.1:443:",
    "[::1]:8443:v6.example",
    "[fe80::1%12]:80:",
    "*:080:zero",
    "*:x:noport",
    " * : 81 : spaced ",
    "*",
    "",
    "808:*",
    "*:80:caf\u00e9",
    "*:80:a&amp;b",
    "*:80:\\back",
    "*:99999999999999999999999:big",
]
_PROTOCOLS = ["http", "https", "HTTP", " https", "ftp", "net.tcp", "net.pipe", "Http", ""]
_FLAGS = ["0", "1", "3", "65", "007", " 3", "x", "\u0663", "4294967295"]
_STATES = ["true", "false", " False ", "", "TRUE"]
_SETTINGS = [
    "",
    '<limits maxBandwidth="1048576" maxConnections="100" connectionTimeout="00:01:00" />',
    '<logFile directory="D:\\Logs\\x" />',
    "<logFile><customFields><add logFieldName='X' sourceName='X' /></customFields></logFile>",
    '<logFile logFormat="IIS" enabled="false" custom="c" />',
    '<traceFailedRequestsLogging enabled="true" directory="D:\\Logs\\&quot;x&quot;" />',
    "<!-- <limits maxConnections='1' /> -->",
    '<limits maxConnections="5" /><limits maxConnections="6" />',
    "<a><b><c><d><e><f><g /></f></e></d></c></b></a>",
]
_SITE_DEFAULTS = [
    "",
    '<siteDefaults serverAutoStart="false" />',
    "<siteDefaults><logFile logFormat='W3C' directory='%SystemDrive%\\logs' />"
    "<traceFailedRequestsLogging directory='D:\\freb' /></siteDefaults>",
    '<siteDefaults serverAutoStart="true"><limits maxBandwidth="5" /><bindings>'
    '<binding protocol="http" bindingInformation="*:8080:" /></bindings></siteDefaults>',
]


def _mostly(plain: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """One of ``plain`` nine times in ten (most sites are written as IIS writes them), else
    one of ``odd``."""
    return st.sampled_from([*plain * (9 * len(odd) // len(plain)), *odd])


def _attribute(name: str, value: str, quote: str) -> str:
    escaped = value.replace(quote, "&apos;" if quote == "'" else "&quot;")
    return f" {name}={quote}{escaped}{quote}"


@st.composite
def _bindings(draw: st.DrawFn) -> str:
    listed = []
    for _ in range(int(draw(_mostly(["1", "2", "3"], ["0", "4", "9"])))):
        quote = draw(_mostly(['"'], ["'"]))
        pairs = [
            _attribute("protocol", draw(_mostly(["http", "https"], _PROTOCOLS)), quote),
            _attribute("bindingInformation", draw(st.sampled_from(_INFORMATION)), quote),
        ]
        flags = draw(st.none() | _mostly(["1", "3"], _FLAGS))
        if flags is not None:
            pairs.append(_attribute("sslFlags", flags, quote))
        if draw(_mostly(["in order"], ["reversed"])) == "reversed":
            pairs.reverse()
        listed.append(f"\n                    <binding{''.join(pairs)} />")
    if not listed and draw(_mostly(["empty"], ["none"])) == "none":
        return ""
    return f"<bindings>{''.join(listed)}\n                </bindings>"


@st.composite
def _sites(draw: st.DrawFn, number: int) -> str:
    quote = draw(_mostly(['"'], ["'"]))
    pairs = [
        _attribute("name", draw(_mostly(_NAMES[:2], _NAMES)) + str(number), quote),
        _attribute("id", draw(_mostly([str(number)], [f"0{number}", "7"])), quote),
    ]
    state = draw(st.none() | _mostly(["true", "false"], _STATES))
    if state is not None:
        pairs.append(_attribute("serverAutoStart", state, quote))
    if draw(_mostly(["in order"], ["reversed"])) == "reversed":
        pairs.reverse()
    before = draw(_mostly([""], _SETTINGS))
    after = draw(_mostly(_SETTINGS[:3], _SETTINGS))
    return (
        f"<site{''.join(pairs)}>\n                {before}"
        '<application path="/"><virtualDirectory path="/" physicalPath="D:\\s" /></application>'
        f"\n                {draw(_bindings())}{after}\n            </site>"
    )


@st.composite
def _configs(draw: st.DrawFn) -> bytes:
    sites = [draw(_sites(number)) for number in range(1, draw(st.integers(1, 4)) + 1)]
    inner = "\n            ".join([draw(st.sampled_from(_SITE_DEFAULTS)), *sites])
    return (
        "<configuration>\n    <system.applicationHost>\n"
        f"        <sites>\n            {inner}\n        </sites>\n"
        "    </system.applicationHost>\n</configuration>\n"
    ).encode()


def _listed(data: bytes) -> list[str] | tuple[type, str] | None:
    """The texts of :meth:`listed_json` (each Site encoded as ``sites --json`` encodes it)."""
    try:
        listed = metaclone.loads(data, "applicationHost.config").listed_json()
    except MetacloneError as error:
        return (type(error), str(error))
    if listed is None:
        return None
    assert len(listed.ids) == len(set(listed.ids))
    encoder = SiteJson()
    texts = [
        item if isinstance(item, str) else encoder.site(item, item.settings)
        for item in listed.texts
    ]
    assert [json.loads(text)["id"] for text in texts] == list(listed.ids)
    return texts


def _exact(data: bytes) -> list[str] | tuple[type, str]:
    doc = metaclone.loads(data, "applicationHost.config", exact=True)
    try:
        return [json.dumps(doc.with_settings(site).to_json()) for site in doc.sites]
    except MetacloneError as error:
        return (type(error), str(error))


def _written_whole(data: bytes) -> int:
    """How many sites :meth:`listed_json` writes from the listing pass's values."""
    listed = metaclone.loads(data, "applicationHost.config").listed_json()
    return 0 if listed is None else sum(isinstance(item, str) for item in listed.texts)


@settings(max_examples=300, deadline=None)
@given(data=_configs())
def test_the_listed_json_is_that_of_the_exact_reader(data: bytes) -> None:
    listed = _listed(data)
    if listed is not None:  # None: two sites share an id, or a settings error
        assert listed == _exact(data)
    # Past the settings texts kept whole, each site's is put together when it is printed.
    with mock.patch("metaclone.iis7.site_settings._KEPT_JSON", 0):
        assert _listed(data) == listed


_PLAIN = (
    b"<configuration><system.applicationHost><sites>\n"
    b"<siteDefaults><logFile directory='D:\\logs' /></siteDefaults>\n"
    b'<site name="a" id="1" serverAutoStart="true"><bindings>'
    b'<binding protocol="http" bindingInformation="*:80:a" />'
    b'<binding protocol="https" bindingInformation="[::1]:443:" sslFlags="1" />'
    b'<binding protocol="net.tcp" bindingInformation="808:*" /></bindings>'
    b'<limits maxConnections="9" /></site>\n'
    b'<site name="b" id="2"><bindings><binding protocol="http" bindingInformation=":81:" />'
    b"</bindings></site>\n"
    b"</sites></system.applicationHost></configuration>"
)


def test_sites_written_as_iis_writes_them_are_written_from_the_listing_pass() -> None:
    assert _written_whole(_PLAIN) == 2
    listed = _listed(_PLAIN)
    assert isinstance(listed, list)
    assert listed == _exact(_PLAIN)
    first = json.loads(listed[0])
    assert [(b["protocol"], b.get("ip"), b.get("port")) for b in first["bindings"]] == [
        ("http", "*", 80),
        ("https", "[::1]", 443),
        ("net.tcp", None, None),
    ]
    assert first["settings"]["limits"]["maxConnections"] == "9"
    assert "log_file.directory" in first["settings"]["inherited"]


@pytest.mark.parametrize(
    "change",
    [
        (b'id="2"', b'id="1"'),  # two sites with one id
        (b"<siteDefaults>", b"<siteDefaults><limits /><limits />"),  # no defined defaults
    ],
)
def test_what_only_the_sites_tell_is_left_to_them(change: tuple[bytes, bytes]) -> None:
    data = _PLAIN.replace(*change)
    assert _listed(data) in (None, _exact(data))


def test_a_site_not_written_as_iis_writes_it_is_handed_on_as_a_site() -> None:
    data = _PLAIN.replace(b'name="b" id="2"', b"id='2' name='b'")
    listed = metaclone.loads(data, "applicationHost.config").listed_json()
    assert listed is not None
    assert [type(item) for item in listed.texts] == [str, Site]
    assert _listed(data) == _exact(data)


_IIS7_FILES = [
    path
    for path in [*fixture_files("**/*.config"), *corpus_files("**/*.config")]
    if b"<sites" in path.read_bytes()
]


@pytest.mark.parametrize("path", _IIS7_FILES, ids=lambda path: path.name)
@pytest.mark.parametrize("applications", [[], ["--applications"]])
def test_the_listing_is_that_of_the_sites_read_whole(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    path: Path,
    applications: list[str],
) -> None:
    argv = ["sites", str(path), "--json", *applications]
    status = main(argv)
    listed = capsys.readouterr()
    monkeypatch.setattr(AppHostDocument, "listed_json", lambda self, **_: None)
    assert (main(argv), capsys.readouterr()) == (status, listed)


def test_an_error_in_a_late_site_prints_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    last = b'<site name="z" id="9"><bindings><binding protocol="https" bindingInformation="*:443:"'
    data = _PLAIN.replace(b"</sites>", last + b' sslFlags="x" /></bindings></site>\n</sites>')
    path = tmp_path / "applicationHost.config"
    path.write_bytes(data)
    status = main(["sites", str(path), "--json"])
    out, err = capsys.readouterr()
    assert status == EXIT_REFUSED
    assert out == ""
    assert f"{path}:5:" in err
    assert "sslFlags='x' is not a number" in err
