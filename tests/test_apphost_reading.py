"""Reading the parts of a <site>: the fast path agrees with full nesting and with lxml."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone import apphost_index
from metaclone.apphost import AppHostDocument
from metaclone.errors import ParseError
from metaclone.lossless import XmlDocument

# Child elements a <site> may hold, as (markup, site parts it contributes when read).
CHILDREN = [
    '<bindings>\n<binding protocol="http" bindingInformation="*:80:a" />\n</bindings>',
    '<bindings><binding protocol="https" bindingInformation="*:443:b" sslFlags="1"/></bindings>',
    "<bindings><binding bindingInformation='*:81:q' protocol='http' /></bindings>",
    '<bindings><binding protocol="http" bindingInformation="*:82:a&amp;b"></binding></bindings>',
    '<bindings><binding protocol="net.tcp" bindingInformation="808:*" extra="x" /></bindings>',
    '<application path="/" applicationPool="P">\n<virtualDirectory path="/" physicalPath="D:\\a" />'
    "\n</application>",
    '<application path="/x" enabledProtocols="http" applicationPool="Q" />',
    '<application path="/y"><virtualDirectory physicalPath="D:\\y" path="/" userName="u" />'
    '<virtualDirectoryDefaults logonMethod="Network" /></application>',
    '<application path="/z" applicationPool="R" enabledProtocols="http,net.tcp">'
    '<virtualDirectory path="/" physicalPath="D:\\z" /></application>',
    '<applicationDefaults applicationPool="Defaults" />',
    '<logFile directory="D:\\Logs"><customFields><add logFieldName="X" /></customFields></logFile>',
    '<limits maxBandwidth="1" />',
    '<!-- <bindings><binding protocol="http" bindingInformation="*:80:hidden" /></bindings> -->',
    '<!-- <application path="/hidden" /> -->',
    '<ftpServer><security><ssl serverCertHash="AB" /></security></ftpServer>',
    '<ftpServer><security><authentication><basicAuthentication enabled="true" />'
    "</authentication><ssl serverCertHash='cd' serverCertStoreName=\"WebHosting\" /></security>"
    "</ftpServer>",
    # Site parts nested where they do not count.
    '<wrapper><bindings><binding protocol="http" bindingInformation="*:80:wrapped" /></bindings>'
    "</wrapper>",
    '<wrapper><application path="/wrapped" /></wrapper>',
    '<logFile><application path="/in-log" /></logFile>',
    '<bindings><wrapper><binding protocol="http" bindingInformation="*:80:deep" /></wrapper>'
    "</bindings>",
    '<hsts enabled="true"><a><b><c><d><e><binding protocol="x" bindingInformation="y" /></e></d>'
    "</c></b></a></hsts>",
    "<![CDATA[ <application path='/cdata' /> ]]>",
    "<?pi <application path='/pi' /> ?>",
]


def _oracle(site: etree._Element) -> dict[str, Any]:
    """The site parts as lxml reads them: direct children only, comments never."""

    def values(element: etree._Element) -> dict[str, str]:
        return {str(k): str(v) for k, v in element.attrib.items()}

    bindings = [
        values(b)
        for container in site
        if container.tag == "bindings"
        for b in container
        if b.tag == "binding"
    ]
    applications = [
        (values(app), [values(v) for v in app if v.tag == "virtualDirectory"])
        for app in site
        if app.tag == "application"
    ]
    defaults = [values(d) for d in site if d.tag == "applicationDefaults"]
    ssl = [
        values(s)
        for ftp in site
        if ftp.tag == "ftpServer"
        for security in ftp
        if security.tag == "security"
        for s in security
        if s.tag == "ssl"
    ]
    return {
        "bindings": bindings,
        "applications": applications,
        "defaults": defaults[-1] if defaults else None,
        "ssl": ssl[-1] if ssl else None,
    }


def _read(parts: apphost_index.SiteParts) -> dict[str, Any]:
    return {
        "bindings": list(parts.bindings),
        "applications": [(app, list(vdirs)) for app, vdirs in parts.applications],
        "defaults": parts.application_defaults,
        "ssl": parts.ftp_ssl,
    }


def _site_document(children: list[str], newline: str) -> str:
    body = newline.join("    " + child for child in children)
    return f'<sites>{newline}<site name="S" id="1">{newline}{body}{newline}</site>{newline}</sites>'


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    children=st.lists(st.sampled_from(CHILDREN), max_size=8),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_site_parts_agree_with_lxml_and_full_nesting(children: list[str], newline: str) -> None:
    text = _site_document(children, newline)
    xml = XmlDocument.from_bytes(text.encode())
    element = xml.child(xml.root, "site")
    assert element is not None
    parts = apphost_index.read_site_parts(xml.text, element)
    full, offsets = apphost_index._read_all(xml.text, element.content_start, element.content_end)
    assert parts == full
    assert len(offsets) == len(parts.bindings)
    assert all(xml.text.startswith("<binding", offset) for offset in offsets)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    site = etree.fromstring(text.encode(), parser)[0]
    assert _read(parts) == _oracle(site)


@pytest.mark.parametrize(
    ("child", "fast"),
    [
        ('<bindings><binding protocol="http" bindingInformation="*:80:a" /></bindings>', True),
        ('<logFile><customFields><add a="1" /></customFields></logFile>', True),
        # An element with content that is not tracked, a comment: full nesting instead.
        ('<wrapper><application path="/w" /></wrapper>', False),
        ("<!-- x -->", False),
    ],
)
def test_fast_path_declines_what_it_cannot_read_exactly(child: str, fast: bool) -> None:
    xml = XmlDocument.from_bytes(_site_document([child], "\n").encode())
    element = xml.child(xml.root, "site")
    assert element is not None
    tracked = apphost_index._read_tracked(xml.text, element.content_start, element.content_end)
    assert (tracked is not None) is fast


def test_attribute_splitting_matches_the_general_reader() -> None:
    cases = [
        ' a="1" b = "x y" c="&amp;&#10;"',
        " a='1' b=\"it's\"",
        ' a="1"\r\n\tb="2" /',
        "",
    ]
    for attribute_text in cases:
        general = {
            name: double or single
            for name, double, single in apphost_index._ATTRIBUTE.findall(attribute_text)
        }
        assert apphost_index._attributes_of(attribute_text) == general


def test_bad_ssl_flags_are_located_at_their_binding() -> None:
    text = (
        "<configuration>\n<system.applicationHost>\n<sites>\n"
        '<site name="A" id="1">\n<bindings>\n'
        '<binding protocol="http" bindingInformation="*:80:a" />\n'
        '<binding protocol="https" bindingInformation="*:443:a" sslFlags="Sni" />\n'
        "</bindings>\n</site>\n</sites>\n</system.applicationHost>\n</configuration>\n"
    )
    doc = metaclone.loads(text.encode(), "flags.config")
    assert isinstance(doc, AppHostDocument)
    with pytest.raises(ParseError, match="is not a number") as caught:
        _ = doc.sites
    assert caught.value.line == 7


def test_site_lines_are_counted_in_one_pass() -> None:
    crlf = "\r\n"
    sites = "".join(f'<site name="s{i}" id="{i}">{crlf * i}</site>{crlf}' for i in range(1, 6))
    text = (
        "<configuration>\r\n<system.applicationHost>\r\n<sites>\r\n"
        + sites
        + "</sites>\r\n</system.applicationHost>\r\n</configuration>\r\n"
    )
    doc = metaclone.loads(text.encode(), "lines.config")
    assert [s.line for s in doc.sites] == [doc.xml.line_of(e.start) for e in doc._index().sites]
    assert [s.line for s in doc.sites] == [4, 6, 9, 13, 18]
