"""Reading a site's ``<limits>``, ``<logFile>`` and ``<traceFailedRequestsLogging>`` the fast
way (one match of the site's text) gives what the exact reader gives, however the elements are
written: comments around them and decoys inside comments, single quotes, character references,
newlines and spaces inside tags, empty-element or start and end tags, CRLF, repeated elements
(the last one counts), the same names nested deeper (never read) and sites nested too deeply
for the one match (read the exact way).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone.cli import EXIT_OK, main
from metaclone.iis7.schema import SITE_SETTING_DEFAULTS
from metaclone.iis7.site_settings import SETTING_PARTS, own_setting_texts

_SCHEMA_NAMES = {
    "limits": ["maxBandwidth", "maxConnections", "connectionTimeout", "maxUrlSegments"],
    "logFile": ["directory", "period", "enabled", "logFormat", "localTimeRollover"],
    "traceFailedRequestsLogging": ["enabled", "directory", "maxLogFiles"],
}

# Raw attribute values (as written between the quotes), some needing decoding.
_RAW_VALUES = st.sampled_from(
    ["D:\\L&amp;gs", "Hourly", "false", "100", "&#x41;&#10;b", "a&lt;b>c", "", "x\ty", "00:01:00"]
)


@st.composite
def _attribute(draw: st.DrawFn, name: str) -> str:
    raw = draw(_RAW_VALUES)
    quote = draw(st.sampled_from(['"', "'"]))
    if quote == "'":
        raw += draw(st.sampled_from(["", '"q"']))
    before = draw(st.sampled_from([" ", "\n\t\t", "  "]))
    equals = draw(st.sampled_from(["=", " = ", "=\n"]))
    return f"{before}{name}{equals}{quote}{raw}{quote}"


# An element's own content: a comment with a decoy, then an end tag with a space.
_COMMENTED_CONTENT = ">\n<!-- <{0} maxLogFiles='9'/> --></{0} >"
_FIELD = '<add logFieldName="a" sourceName="b" sourceType="RequestHeader" />'


@st.composite
def _setting(draw: st.DrawFn, element: str) -> str:
    names = draw(st.lists(st.sampled_from([*_SCHEMA_NAMES[element], "extra"]), unique=True))
    attributes = "".join([draw(_attribute(name)) for name in names])
    close = draw(
        st.sampled_from(["/>", " />", "></{0}>", ">\n<!-- <{0} maxLogFiles='9'/> --></{0} >"])
    )
    if element == "logFile" and draw(st.booleans()):
        close = (
            '>\n<customFields><add logFieldName="a" sourceName="b" /></customFields>\n</logFile>'
        )
    return f"<{element}{attributes}{close.format(element)}"


_DECOYS = st.sampled_from(
    [
        '<!-- <logFile directory="commented" /> -->',
        '<application path="/"><limits maxConnections="7" />'
        '<virtualDirectory path="/" physicalPath="D:\\x" /></application>',
        '<bindings><binding protocol="http" bindingInformation="*:80:" /></bindings>',
        '<limitsExtra maxConnections="8" />',
        "<![CDATA[<traceFailedRequestsLogging enabled='true'/>]]>",
        "<?pi <limits maxBandwidth='1'/> ?>",
        # Nested deeper than the one match follows: the site is read the exact way.
        "<a><b><c><d><e><f><g><logFile period='Weekly'/></g></f></e></d></c></b></a>",
    ]
)


@st.composite
def _children(draw: st.DrawFn) -> str:
    parts = draw(
        st.lists(st.one_of(_DECOYS, *(_setting(element) for element in SETTING_PARTS)), max_size=6)
    )
    return "".join(f"\n\t\t\t\t{part}" for part in parts)


@st.composite
def _config(draw: st.DrawFn) -> str:
    sites = [
        f'\n\t\t\t<site name="s{n}" id="{n}">{draw(_children())}\n\t\t\t</site>'
        for n in range(1, 4)
    ]
    defaults = draw(_children())
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<configuration>\n\t<system.applicationHost>\n'
        f"\t\t<sites>{''.join(sites)}\n\t\t\t<siteDefaults>{defaults}\n\t\t\t</siteDefaults>\n"
        "\t\t</sites>\n\t</system.applicationHost>\n</configuration>\n"
    )
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


@given(_config())
def test_the_fast_reading_equals_the_exact_one(text: str) -> None:
    data = text.encode()
    fast = metaclone.loads(data, "settings.config")
    exact = metaclone.loads(data, "settings.config", exact=True)
    fast_settings = [fast.with_settings(site).settings for site in fast.sites]
    assert fast_settings == [exact.with_settings(site).settings for site in exact.sites]
    # Each value is the site's own, else the defaults', else the schema's, as lxml reads the
    # last direct child of each name.
    root = etree.fromstring(data)
    site_defaults = root.find("system.applicationHost/sites/siteDefaults")
    assert site_defaults is not None
    for element, settings in zip(root.iter("site"), fast_settings, strict=True):
        assert settings is not None
        inherited: list[str] = []
        for name, part in SETTING_PARTS.items():
            own, defaults = (_last_attributes(e, name) for e in (element, site_defaults))
            expected = dict(SITE_SETTING_DEFAULTS[name]) | defaults | own
            assert getattr(settings, part) == tuple(expected.items())
            inherited += [f"{part}.{a}" for a in expected if a in defaults and a not in own]
        assert settings.inherited == tuple(inherited)


def _last_attributes(parent: etree._Element, name: str) -> dict[str, str]:
    found = parent.findall(name)
    return {str(a): str(v) for a, v in found[-1].attrib.items()} if found else {}


def test_the_last_direct_child_of_each_name_is_read() -> None:
    text = (
        "<site><!-- <limits a='0'/> --><logFile a='1'/><limits b=\"2\">"
        "<limits c='3'/></limits><x><logFile d='4'/></x><logFile e='5'></logFile></site>"
    )
    start, end = text.index(">") + 1, text.rindex("<")
    assert own_setting_texts(text, start, end) == (' b="2"', " e='5'", None)


def test_a_site_nested_too_deeply_is_left_to_the_exact_reader() -> None:
    deep = "<a>" * 8 + "</a>" * 8
    text = f"<site><logFile a='1'/>{deep}</site>"
    assert own_setting_texts(text, 6, text.rindex("<")) is None
    # Read from the first mention on, what comes before it may nest as deeply as it likes.
    text = f"<site>{deep}<logFile a='1'/></site>"
    assert own_setting_texts(text, 6, text.rindex("<")) == (None, " a='1'", None)


def test_a_deeply_nested_site_gets_the_same_settings_both_ways() -> None:
    data = (
        "<configuration><system.applicationHost><sites>"
        "<site name='a' id='1'>" + "<n>" * 9 + "<logFile period='Weekly'/>" + "</n>" * 9 + ""
        "<logFile directory='&#x45;:\\L'/></site>"
        "<siteDefaults><logFile period='Hourly'/></siteDefaults>"
        "</sites></system.applicationHost></configuration>"
    ).encode()
    fast, exact = (metaclone.loads(data, exact=e) for e in (False, True))
    settings = fast.with_settings(fast.sites[0]).settings
    assert settings == exact.with_settings(exact.sites[0]).settings
    assert settings is not None
    assert settings.value("log_file.directory") == "E:\\L"
    assert settings.value("log_file.period") == "Hourly"


def test_sites_json_gives_the_settings_read_the_fast_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "s.config"
    path.write_bytes(
        b"<configuration><system.applicationHost><sites>"
        b"<site name='a' id='1'><!-- <limits maxConnections='1'/> -->"
        b"<limits\r\n maxConnections = '5' /></site>"
        b"<siteDefaults><limits maxBandwidth='9'/></siteDefaults>"
        b"</sites></system.applicationHost></configuration>"
    )
    assert main(["sites", str(path), "--json"]) == EXIT_OK
    settings = json.loads(capsys.readouterr().out)["sites"][0]["settings"]
    assert settings["limits"]["maxConnections"] == "5"
    assert settings["limits"]["maxBandwidth"] == "9"
    assert settings["limits"]["maxUrlSegments"] == "32"
    assert settings["inherited"] == ["limits.maxBandwidth"]
