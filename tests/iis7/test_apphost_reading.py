"""Reading the parts of a <site>: the fast path agrees with full nesting and with lxml."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone import httpsys
from metaclone.errors import ParseError
from metaclone.iis7 import index as apphost_index
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.iis7.children import attributes_of
from metaclone.iis7.defaults import read_defaults
from metaclone.iis7.listing import scan_applicationhost, scan_checked_applicationhost
from metaclone.iis7.site_parts import (
    SiteParts,
    binding_offsets,
    read_site_parts,
    read_tracked_parts,
)
from metaclone.lossless import XmlDocument
from metaclone.lossless.tokens import element_by_search
from metaclone.model.validation import SSL_FLAGS_ANY

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


def _read(parts: SiteParts) -> dict[str, Any]:
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
    parts = read_site_parts(xml.text, element)
    full = read_site_parts(xml.text, element, exact=True)
    offsets = binding_offsets(xml.text, element)
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
    tracked = read_tracked_parts(xml.text, element)
    assert (tracked is not None) is fast


# Any attribute, double- or single-quoted: the reader the fast double-quoted split must equal.
_GENERAL_ATTRIBUTE = re.compile(r"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")


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
            for name, double, single in _GENERAL_ATTRIBUTE.findall(attribute_text)
        }
        assert attributes_of(attribute_text) == general


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
    assert isinstance(doc, AppHostDocument)
    starts = [e.start for e in apphost_index.index_applicationhost(doc.xml).sites]
    assert [s.line for s in doc.sites] == [doc.xml.line_of(start) for start in starts]
    assert [s.line for s in doc.sites] == [4, 6, 9, 13, 18]


# -- the listing pass: every site in one pass agrees with the exact readers ------------------

# Children as IIS writes them (read by the listing pass itself) and children it leaves to the
# exact readers: values to decode, other attribute orders, too many parts, comments.
LISTED_CHILDREN = [
    *CHILDREN,
    '<application path="/" applicationPool="P">\n<virtualDirectory path="/" physicalPath="D:\\a" '
    'userName="u" password="[enc:x:enc]" />\n<virtualDirectory path="/m" '
    'physicalPath="\\\\fs\\m" />\n</application>',
    '<application path="/two" applicationPool="">\n<virtualDirectory path="/" '
    'physicalPath="D:\\b" />'
    '<virtualDirectory path="/c" physicalPath="D:\\c" /><virtualDirectory path="/d" '
    'physicalPath="D:\\d" /></application>',
    '<application path="/e" enabledProtocols="http" applicationPool="AfterOther" />',
    '<application path="/f" preloadEnabled="true" />',
    '<application path="/g&amp;h" applicationPool="P" />',
    '<application path="/i" applicationPool="tab\there" />',
    '<bindings>\n    <binding protocol="http" bindingInformation="*:80:x" />\n'
    '    <binding protocol="https" bindingInformation="*:443:x" sslFlags="3" />\n'
    '    <binding protocol="net.tcp" bindingInformation="808:*" />\n'
    '    <binding protocol="ftp" bindingInformation="*:21:" />\n</bindings>',
    '<bindings><binding protocol="HTTP " bindingInformation=" [::1]:8080:h " /></bindings>',
    '<bindings><binding protocol="https" bindingInformation="*:443:n" sslFlags=" 65" /></bindings>',
    '<bindings><binding protocol="ftp" bindingInformation="*:21:" /></bindings>',
    "<bindings></bindings>",
    "<bindings />",
    '<limits maxBandwidth="1" maxConnections="100" />',
    '<logFile directory="D:\\L&amp;s" />',
    '<traceFailedRequestsLogging enabled="true" directory="D:\\Logs\\FREB" />',
    "<!-- a comment between children -->",
    "text between children",
    '<applicationDefaults applicationPool="SiteDefault" />',
    '<site name="Inner" id="99"><bindings><binding protocol="http" bindingInformation="*:1:i" />'
    "</bindings></site>",
    "<sites><site name='deeper' id='98' /></sites>",
    # What string search must not be fooled by: a <bindings> that is not the site's own, more
    # than one <bindings>, ">" and "/>" in values and text, FTP settings.
    '<logFile><bindings><binding protocol="http" bindingInformation="*:81:nested" /></bindings>'
    "</logFile>",
    '<limits note="a > b" />',
    '<limits note="a/>b" />',
    '<logFile note="x/>"><customFields /></logFile>',
    "a > b",
    '<bindings><binding protocol="http" bindingInformation="*:82:second" /></bindings>',
    "<bindings><clear /></bindings>",
    '<ftpServer><security><ssl serverCertHash="AB12" /></security></ftpServer>',
    '<bindings>\n    <binding protocol="ftp" bindingInformation="*:21:" />\n</bindings>',
]
# Children the listing pass reads itself, in a site that holds nothing else.
QUICK_CHILDREN = [
    '<application path="/" applicationPool="P">\n<virtualDirectory path="/" physicalPath="D:\\a" '
    'userName="u" password="[enc:x:enc]" />\n<virtualDirectory path="/m" '
    'physicalPath="\\\\fs\\m" />\n</application>',
    '<application path="/z" applicationPool="R" enabledProtocols="http,net.tcp">'
    '<virtualDirectory path="/" physicalPath="D:\\z" /></application>',
    '<application path="/f" preloadEnabled="true" />',
    '<application path="/x" applicationPool="">\n<virtualDirectory path="/" physicalPath="" />'
    "</application>",
    '<bindings>\n    <binding protocol="http" bindingInformation="*:80:x" />\n'
    '    <binding protocol="https" bindingInformation="*:443:x" sslFlags="3" />\n'
    '    <binding protocol="net.tcp" bindingInformation="808:*" />\n</bindings>',
    '<bindings><binding protocol="ftp" bindingInformation="*:21:" /></bindings>',
    '<bindings><binding protocol="HTTP " bindingInformation=" [::1]:8080:h " /></bindings>',
    '<limits maxBandwidth="1" maxConnections="100" />',
    '<logFile directory="D:\\L&amp;s"><customFields><add logFieldName="X" /></customFields>'
    "</logFile>",
]
SITE_TAGS = [
    '<site name="{name}" id="{id}">',
    '<site name="{name}" id="{id}" serverAutoStart="false">',
    '<site name="{name}" id="{id}" serverAutoStart=" False ">',
    "<site id='{id}' name='{name}'>",
    '<site name="{name}&amp;co" id="{id}">',
    '<site name="{name}"\n      id="{id}"\n      serverAutoStart="true" >',
    '<site name="{name}" id=" {id}">',
]
GAPS = [
    "",
    "<!-- <site name='commented' id='500' /> -->",
    "<siteDefaults><logFile logFormat='W3C' /></siteDefaults>",
    '<applicationDefaults applicationPool="SitesDefault" />',
    '<virtualDirectoryDefaults allowSubDirConfig="true" />',
    '<site name="empty{id}" id="{id}0" />',
    "<siteDefaults serverAutoStart='false'><bindings><binding protocol='http' "
    "bindingInformation='*:8080:' /></bindings><ftpServer><security><ssl serverCertHash='AB{id}' "
    "/></security></ftpServer></siteDefaults>",
    "<!-- <siteDefaults serverAutoStart='true' /> -->",
]


def _listing_document(sites: list[tuple[int, list[str], int]], gaps: list[int]) -> str:
    parts = []
    for number, (tag, children, gap) in enumerate(sites, start=1):
        parts.append(GAPS[gaps[number - 1] if number <= len(gaps) else gap].format(id=number))
        body = "\r\n".join("                " + child for child in children)
        start = SITE_TAGS[tag].format(name=f"site{number}", id=number)
        parts.append(f"{start}\r\n{body}\r\n            </site>")
    inner = "\r\n            ".join(parts)
    return (
        "<configuration>\r\n    <system.applicationHost>\r\n"
        '        <applicationPools><add name="P" /></applicationPools>\r\n'
        f"        <sites>\r\n            {inner}\r\n        </sites>\r\n"
        "        <customMetadata><key path='LM/W3SVC/1'><property id='2102' value='x' /></key>"
        "</customMetadata>\r\n"
        "    </system.applicationHost>\r\n"
        '    <location path="site1"><system.webServer /></location>\r\n'
        "</configuration>\r\n"
    )


def _default_pool_gap_by_gap(xml: XmlDocument, index: apphost_index.SiteIndex) -> str | None:
    """The default application pool read by the exact reader: the last ``applicationDefaults``
    child of ``<sites>`` that names one."""
    assert index.sites_element is not None
    pool: str | None = None
    for child in xml.children(index.sites_element):
        if child.name == "applicationDefaults":
            found = xml.get(child, "applicationPool")
            pool = found if found is not None else pool
    return pool


def _site_defaults_start(xml: XmlDocument, index: apphost_index.SiteIndex) -> str | None:
    """``serverAutoStart`` of the last ``<siteDefaults>`` child of ``<sites>``, read exactly."""
    assert index.sites_element is not None
    found: str | None = None
    for child in xml.children(index.sites_element):
        if child.name == "siteDefaults":
            found = xml.get(child, "serverAutoStart")
    return found


def _exact_sites(
    doc: AppHostDocument, sslcerts: list[httpsys.SslCertEntry] | None = None
) -> tuple[Any, ...]:
    """The sites of ``doc`` as the exact readers read them (with the same HTTP.sys entries)."""
    exact = metaclone.loads(doc.to_bytes(), doc.path, exact=True)
    if sslcerts is not None:
        exact.attach_sslcerts(sslcerts)
    return exact.sites


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    sites=st.lists(
        st.tuples(
            st.integers(0, len(SITE_TAGS) - 1),
            st.lists(st.sampled_from(QUICK_CHILDREN), max_size=8)
            | st.lists(st.sampled_from(LISTED_CHILDREN), max_size=6),
            st.integers(0, len(GAPS) - 1),
        ),
        max_size=5,
    ),
    gaps=st.lists(st.integers(0, len(GAPS) - 1), max_size=5),
)
def test_listing_pass_agrees_with_the_exact_readers(
    sites: list[tuple[int, list[str], int]], gaps: list[int]
) -> None:
    text = _listing_document(sites, gaps)
    doc = metaclone.loads(text.encode(), "listing.config")
    assert isinstance(doc, AppHostDocument)
    scanned, values = scan_applicationhost(doc.xml)
    assert scanned == apphost_index.index_applicationhost(doc.xml)
    assert len(values) == len(scanned.sites)
    # As check lists them: the sites it reads whole matched by the listing pass alone.
    checked, checked_values, clean = scan_checked_applicationhost(doc.xml, SSL_FLAGS_ANY)
    assert checked == scanned
    assert len(checked_values) == len(values)
    assert clean <= {site.start for site in scanned.sites}
    assert scanned.default_pool == _default_pool_gap_by_gap(doc.xml, scanned)
    assert read_defaults(scanned).server_auto_start == _site_defaults_start(doc.xml, scanned)
    try:
        exact: tuple[Any, ...] | ParseError = _exact_sites(doc)
    except ParseError as error:
        exact = error
    if isinstance(exact, ParseError):
        with pytest.raises(ParseError) as caught:
            _ = doc.sites
        assert (caught.value.line, str(caught.value)) == (exact.line, str(exact))
    else:
        assert doc.sites == exact
        for_check = metaclone.loads(text.encode(), "listing.config")
        assert isinstance(for_check, AppHostDocument)
        assert for_check.checked_sites()[0] == exact


def test_listing_pass_reads_sites_as_iis_writes_them_itself() -> None:
    site = [
        '<application path="/" applicationPool="P">\n<virtualDirectory path="/" '
        'physicalPath="D:\\a" />\n</application>',
        '<bindings>\n<binding protocol="https" bindingInformation="*:443:a" sslFlags="1" />\n'
        "</bindings>",
        '<logFile><customFields><add logFieldName="X" /></customFields></logFile>',
    ]
    doc = metaclone.loads(_listing_document([(1, site, 0)], []).encode(), "quick.config")
    assert isinstance(doc, AppHostDocument)
    _, values = scan_applicationhost(doc.xml)
    assert values[0] is not None
    (listed,) = doc.sites
    assert listed == _exact_sites(doc)[0]
    assert listed.auto_start is False
    assert listed.bindings[0].ssl_flags == 1
    assert doc.applications(listed)[0].virtual_directories[0].physical_path == "D:\\a"


def test_listing_pass_leaves_values_to_decode_to_the_exact_reader() -> None:
    site = ['<bindings><binding protocol="http" bindingInformation="*:80:a&amp;b" /></bindings>']
    doc = metaclone.loads(_listing_document([(0, site, 0)], []).encode(), "decode.config")
    assert isinstance(doc, AppHostDocument)
    _, values = scan_applicationhost(doc.xml)
    assert values == (None,)
    assert doc.sites[0].bindings[0].host == "a&b"


_OWN_BINDINGS = '<bindings><binding protocol="http" bindingInformation="*:80:own" /></bindings>'
_APPLICATION = (
    '<application path="/" applicationPool="P"><virtualDirectory path="/" '
    'physicalPath="D:\\a" /></application>'
)


@pytest.mark.parametrize(
    ("children", "read_whole"),
    [
        ([_APPLICATION, _OWN_BINDINGS, '<limits note="a > b/>c" />'], True),
        ([_APPLICATION.replace('"P"', '"a > b"'), _OWN_BINDINGS], False),
        (['<limits note="a/>b" />', _OWN_BINDINGS], False),
        (["<logFile>a > b</logFile>", _OWN_BINDINGS], False),
        (['<logFile note="a > b" />', _OWN_BINDINGS], False),
        (["<logFile>" + _OWN_BINDINGS + "</logFile>"], False),
        (["<logFile>" + _OWN_BINDINGS + "</logFile>", _OWN_BINDINGS], False),
        ([_OWN_BINDINGS, _OWN_BINDINGS], False),
        (["<!-- <bindings/> -->", _OWN_BINDINGS], False),
        (['<ftpServer><security><ssl serverCertHash="AB" /></security></ftpServer>'], False),
        ([_APPLICATION, "<limits />"], True),
    ],
    ids=[
        "gt-after-bindings",
        "gt-before-bindings",
        "empty-tag-mark-in-value",
        "gt-in-text",
        "gt-in-value",
        "only-nested-bindings",
        "nested-then-own-bindings",
        "two-bindings",
        "comment",
        "ftp-settings",
        "no-bindings",
    ],
)
def test_listing_pass_reads_a_site_whole_only_when_string_search_is_exact(
    children: list[str], read_whole: bool
) -> None:
    doc = metaclone.loads(_listing_document([(0, children, 0)], []).encode(), "whole.config")
    assert isinstance(doc, AppHostDocument)
    _, values = scan_applicationhost(doc.xml)
    assert (values[0] is not None) is read_whole
    assert doc.sites == _exact_sites(doc)


def test_listing_pass_attaches_http_sys_certificates() -> None:
    site = [
        '<bindings><binding protocol="https" bindingInformation="*:443:a" sslFlags="1" />'
        "</bindings>"
    ]
    doc = metaclone.loads(_listing_document([(0, site, 0)], []).encode(), "certs.config")
    assert isinstance(doc, AppHostDocument)
    endpoint = httpsys.endpoint_for(doc.sites[0].bindings[0])
    assert endpoint is not None
    entries = [
        httpsys.SslCertEntry(
            endpoint=endpoint,
            thumbprint="ab" * 20,
            store="MY",
            app_id=httpsys.IIS_APP_ID,
            fields=((endpoint.kind.value, endpoint.value),),
            line=1,
        )
    ]
    doc.attach_sslcerts(entries)
    assert doc.sites == _exact_sites(doc, entries)
    assert doc.sites[0].bindings[0].certificate is not None


@pytest.mark.parametrize(
    "inner",
    [
        "<add name='a' /><add name='b'></add>",
        "<!-- </pools> -->",
        "<pools><add /></pools>",
        "<poolsX></poolsX>",
        "<![CDATA[ </pools> ]]>",
        "<?pi </pools> ?>",
        "",
    ],
)
def test_skipping_a_section_finds_the_same_end_as_the_tokenizer(inner: str) -> None:
    xml = XmlDocument.from_bytes(f"<root><pools a='1'>{inner}</pools ><next /></root>".encode())
    pools = xml.child(xml.root, "pools")
    assert pools is not None
    assert element_by_search(xml.text, pools.start_tag) == pools
