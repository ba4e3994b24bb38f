"""``check`` on sites written as IIS writes them (read whole) against the exact walk.

:mod:`metaclone.iis7.clean_shapes` recognises a site, the application pools and a location tag
whose schema check is known without reading them element by element; anything else is read
exactly.  Whatever a site looks like, ``check()`` must give the same findings (code, severity,
message, line, order) as the exact document of ``metaclone.loads(..., exact=True)``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.errors import DuplicateDefaultsError, MetacloneError
from metaclone.iis7 import clean_shapes
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.iis7.schema import ssl_flag_bits
from metaclone.model.sites import ListedApplication
from metaclone.model.validation import SSL_FLAGS_ANY, SSL_FLAGS_IIS8, SSL_FLAGS_IIS10

# As IIS writes a site: recognised whole.
IIS_SITE = (
    '<site name="shop.example" id="4294967295" serverAutoStart="true">\r\n'
    '    <application path="/" applicationPool="Shop">\r\n'
    '        <virtualDirectory path="/" physicalPath="D:\\Sites\\shop" />\r\n'
    '        <virtualDirectory path="/media" physicalPath="\\\\fs01\\media" userName="HOST\\m" '
    'password="[enc:IISWASOnlyAesProvider:ab12:enc]" />\r\n'
    "    </application>\r\n"
    '    <application path="/api" applicationPool="Elsewhere" enabledProtocols="http">\r\n'
    '        <virtualDirectory path="/" physicalPath="D:\\Sites\\api" />\r\n'
    "    </application>\r\n"
    "    <bindings>\r\n"
    '        <binding protocol="http" bindingInformation="*:80:shop.example" />\r\n'
    '        <binding protocol="https" bindingInformation="10.0.0.1:443:shop.example" '
    'sslFlags="1" />\r\n'
    '        <binding protocol="net.tcp" bindingInformation="808:*" />\r\n'
    "    </bindings>\r\n"
    '    <applicationDefaults applicationPool="Shop" />\r\n'
    '    <limits maxBandwidth="1048576" connectionTimeout="00:01:00" />\r\n'
    "    <logFile>\r\n"
    "        <customFields>\r\n"
    '            <add logFieldName="X-Forwarded-For" sourceType="RequestHeader" />\r\n'
    "        </customFields>\r\n"
    "    </logFile>\r\n"
    "</site>"
)

# Each a variation of one part; the invalid ones make findings appear.
SITE_TAGS = [
    '<site name="s{n}" id="{n}">',
    '<site name="s{n}" id="{n}" serverAutoStart="false">',
    '<site name="s{n}" id="{n}" serverAutoStart=" False ">',
    '<site name="s{n}" id="{n}" serverAutoStart="yes">',
    "<site id='{n}' name='s{n}'>",
    '<site id="{n}" name="s{n}">',
    '<site name="s{n}&amp;co" id="{n}">',
    '<site name="s{n}:co" id="{n}">',
    '<site name="s{n}"\r\n      id="{n}" >',
    '<site name="s{n}" id="0{n}">',
    '<site name="s{n}" id="{n}" lockItem="true">',
    '<site name="s{n}" id="{n}" colour="blue">',
]
#: How many of SITE_TAGS come first that the shapes read whole.
SITE_TAGS_VALID = 2
APPLICATIONS = [
    '<application path="/" applicationPool="P"><virtualDirectory path="/"'
    ' physicalPath="D:\\a" /></application>',
    # Attributes in another order than IIS writes them, or others between them.
    '<application path="/o" enabledProtocols="https" applicationPool="O"><virtualDirectory'
    ' path="/" userName="u" physicalPath="D:\\o" /></application>',
    '<application path="/p" preloadEnabled="true" applicationPool="P"><virtualDirectory'
    ' path="/" physicalPath="D:\\p" allowSubDirConfig="false" /></application>',
    '<application path="/" applicationPool="Q" />',
    '<application path="/a" applicationPool=""><virtualDirectory path="/"'
    ' physicalPath="" /><virtualDirectory path="/m" /></application>',
    '<application path="/A" applicationPool="p" preloadEnabled="true" />',
    '<application path="/q" enabledProtocols="http" applicationPool="Undefined" />',
    # Several directories: a path again in another case, in this application or another one.
    '<application path="/d" applicationPool="P"><virtualDirectory path="/" /><virtualDirectory'
    ' path="/m" /><virtualDirectory path="/n" /></application>',
    '<application path="/D" applicationPool="P"><virtualDirectory path="/" /><virtualDirectory'
    ' path="/n" /><virtualDirectory path="/M" /></application>',
    # Compared as IIS compares names: "/STRAßE" is "/straße" again, "/STRASSE" is not.
    '<application path="/straße" applicationPool="P" />',
    '<application path="/STRAßE" applicationPool="P" />',
    '<application path="/STRASSE" applicationPool="P" />',
    '<application applicationPool="P" path="/order" />',
    "<application path='/single' applicationPool='P' />",
    '<application path="no-slash" applicationPool="P" />',
    '<application path="/bad-pool" applicationPool="a:b" />',
    '<application path="/x" applicationPool="P" preloadEnabled="maybe" />',
    '<application path="/y" applicationPool="P" unknown="1" />',
    '<application path="/g&amp;h" applicationPool="P&#65;" />',
    '<application path="/t" applicationPool="tab\there" />',
    '<application path="/v" applicationPool="P"><virtualDirectory'
    ' path="/" /><virtualDirectory path="/" /></application>',
    '<application path="/V" applicationPool="P"><virtualDirectory path="/" /><virtualDirectory'
    ' path="/x" /><virtualDirectory path="/X" /></application>',
    '<application path="/w" applicationPool="P"><virtualDirectory'
    ' path="/" logonMethod="Bogus" allowSubDirConfig="x" /></application>',
    '<application path="/z" applicationPool="P"><virtualDirectory'
    ' path="z" logonMethod="Network" /><virtualDirectoryDefaults userName="u"'
    " /></application>",
    '<application path="/c" applicationPool="P"><!-- <virtualDirectory'
    ' path="/" /> --><virtualDirectory path="/" physicalPath="D:\\c"'
    " /></application>",
    '<application path="/n" applicationPool="P"><virtualDirectory'
    ' path="/" physicalPath="a&#x0A;b" /></application>',
    '<application path="/e" enabledProtocols="http applicationPool=" applicationPool="P" />',
    '<application path="/u" applicationPool="P"><virtualDirectory path="/" userName="u"'
    ' logonMethod="Network" /><virtualDirectory path="/v" password="[enc:A::enc]"'
    " /></application>",
]
#: How many of APPLICATIONS come first that the shapes read whole.
APPLICATIONS_VALID = 12
BINDINGS = [
    '<binding protocol="http" bindingInformation="*:80:s.example" />',
    '<binding protocol="https" bindingInformation="*:443:s.example" sslFlags="1" />',
    '<binding protocol="https" bindingInformation="*:443:" sslFlags="2" />',
    '<binding protocol="https" bindingInformation=":443:s.example" sslFlags="4" />',
    '<binding protocol="http" bindingInformation="10.0.0.1:8080:" />',
    '<binding protocol="http" bindingInformation="*:65535:a" />',
    '<binding protocol="http" bindingInformation="*:80:*.wild.example" />',
    '<binding protocol="net.tcp" bindingInformation="808:*" />',
    '<binding protocol="http" bindingInformation="*:80:S.EXAMPLE" />',
    '<binding protocol="https" bindingInformation="*:443:" sslFlags="1" />',
    '<binding protocol="https" bindingInformation="*:443:s.example" sslFlags="128" />',
    '<binding protocol="https" bindingInformation="*:443:s.example" sslFlags="03" />',
    '<binding protocol="https" bindingInformation="*:443:s.example" sslFlags="x" />',
    '<binding protocol="http" bindingInformation="256.0.0.1:80:" />',
    '<binding protocol="http" bindingInformation="01.2.3.4:80:" />',
    '<binding protocol="http" bindingInformation="[::1]:80:" />',
    '<binding protocol="http" bindingInformation="*:0:" />',
    '<binding protocol="http" bindingInformation="*:65536:a" />',
    '<binding protocol="http" bindingInformation="*:080:a" />',
    '<binding protocol="http" bindingInformation="*:80:-bad" />',
    '<binding protocol="http" bindingInformation="*:80:a..b" />',
    f'<binding protocol="http" bindingInformation="*:80:{"a" * 64}.example" />',
    f'<binding protocol="http" bindingInformation="*:80:{"a" * 63}.example" />',
    f'<binding protocol="http" bindingInformation="*:80:{"a." * 127}a" />',
    f'<binding protocol="http" bindingInformation="*:80:{"a." * 126}a" />',
    f'<binding protocol="http" bindingInformation="*:80:*.{"a." * 126}a" />',
    '<binding protocol="HTTP" bindingInformation="*:80:upper" />',
    '<binding protocol="net.pipe" bindingInformation=" " />',
    '<binding protocol="" bindingInformation="*:80:" />',
    '<binding protocol="http" />',
    '<binding bindingInformation="*:80:order" protocol="http" />',
    '<binding protocol="https" bindingInformation="*:443:c" certificateHash="AB" />',
    "<binding protocol='http' bindingInformation='*:81:' />",
    '<binding protocol="ftp" bindingInformation="*:21:" sslFlags="1" />',
]
#: How many of BINDINGS come first that the shapes read whole.
BINDINGS_VALID = 8
EMPTY_BINDINGS = ["<bindings />", "<bindings/>", "<bindings>\r\n</bindings>", "<bindings\n/>"]
OTHERS = [
    '<limits maxBandwidth="1048576" maxConnections="1000" />',
    '<logFile directory="D:\\Logs" />',
    "<logFile><customFields><add logFieldName=\"X\" sourceType='RequestHeader'"
    " /></customFields></logFile>",
    '<traceFailedRequestsLogging enabled="true"></traceFailedRequestsLogging>',
    '<applicationDefaults applicationPool="P" />',
    '<virtualDirectoryDefaults allowSubDirConfig="true" />',
    "<!-- <application path='commented' /> -->",
    "<ftpServer><![CDATA[<application path='cdata' />]]></ftpServer>",
    '<applicationDefaults applicationPool="a:b" />',
    '<applicationDefaults applicationPool="P"></applicationDefaults>',
    '<virtualDirectoryDefaults logonMethod="Bogus" />',
    '<hsts enabled="true"><nested><hsts /></nested></hsts>',
    '<unknownChild><add name="P" /></unknownChild>',
    "<?pi inside a site?>",
    # Elements IIS does not read as a site's own: they must not count as its directories or
    # bindings.
    '<virtualDirectory path="/" physicalPath="D:\\stray" />',
    '<binding protocol="http" bindingInformation="*:80:s.example" />',
    '<virtualDirectoryDefaults userName="site" />',
]
#: How many of OTHERS come first that the shapes read whole.
OTHERS_VALID = 6
# Applications with no pool and directories with no settings of their own, next to defaults
# IIS does not read as the site's (nested in another element, or of a longer name): what they
# inherit shows which defaults were read.
INHERITING = [
    '<application path="/i"><virtualDirectory path="/" physicalPath="D:\\i" /></application>',
    '<application path="/j" enabledProtocols="http" />',
]
NOT_THE_SITES_DEFAULTS = [
    '<limits maxBandwidth="1"><applicationDefaults applicationPool="Nested" /></limits>',
    '<logFile><virtualDirectoryDefaults userName="nested" /></logFile>',
    '<unknownChild><applicationDefaults enabledProtocols="nested" /><virtualDirectoryDefaults'
    ' logonMethod="Batch" /></unknownChild>',
    '<hsts><unknownChild><virtualDirectoryDefaults allowSubDirConfig="false"'
    " /></unknownChild></hsts>",
    '<applicationDefaults-x applicationPool="Longer" />',
    '<virtualDirectoryDefaults.x userName="longer" />',
]
POOLS = [
    '<add name="P" />',
    '<add name="P" managedRuntimeVersion="v4.0" startMode="AlwaysRunning" />',
    '<add name="Shared" queueLength="4294967295" autoStart="true" />',
    '<add name="p" />',
    '<add name="U"><recycling><periodicRestart><schedule><add value="03:00:00"'
    " /></schedule></periodicRestart></recycling></add>",
    '<applicationPoolDefaults managedRuntimeVersion="v4.0"><processModel'
    " /></applicationPoolDefaults>",
    '<add name="Q" managedPipelineMode="Sideways" />',
    '<add name="R" queueLength="-1" />',
    '<add name="a:b" />',
    '<add name="S" colour="blue" />',
    "<add name='T' />",
    '<add managedRuntimeVersion="" />',
    '<add name="V"><!-- <add name="W" /> --></add>',
]
#: How many of POOLS come first that the shapes read whole.
POOLS_VALID = 6
LOCATIONS = [
    '<location path="s1" overrideMode="Allow"><system.webServer /></location>',
    '<location path="s2" inheritInChildApplications="false" />',
    "<location path='s5' allowOverride='true' />",
    '<location path="gone" />',
    '<location path="s3" overrideMode="Sideways"><system.webServer /></location>',
    '<location path="s4" colour="blue" />',
]
SITES_DEFAULTS = [
    '<applicationDefaults applicationPool="P" enabledProtocols="http,net.tcp" />',
    '<virtualDirectoryDefaults allowSubDirConfig="false" />',
    '<virtualDirectoryDefaults userName="all" logonMethod="Batch" password="x" />',
]
#: How many of LOCATIONS come first that the shapes read whole.
LOCATIONS_VALID = 4
SEPARATORS = ["", "\r\n    ", "\n", " ", "\t"]


def _pick(items: list[str], valid: int) -> st.SearchStrategy[str]:
    """One of ``items``, half the time one of the first ``valid``, which the shapes read."""
    return st.sampled_from(items[:valid]) | st.sampled_from(items)


@st.composite
def _sites(draw: st.DrawFn, number: int) -> str:
    separator = draw(st.sampled_from(SEPARATORS))
    children = draw(
        st.lists(
            _pick(APPLICATIONS, APPLICATIONS_VALID)
            | st.lists(_pick(BINDINGS, BINDINGS_VALID), max_size=4).map(
                lambda b: f"<bindings>{separator}{separator.join(b)}{separator}</bindings>"
            )
            | st.sampled_from(EMPTY_BINDINGS)
            | _pick(OTHERS, OTHERS_VALID)
            | st.tuples(st.sampled_from(INHERITING), st.sampled_from(NOT_THE_SITES_DEFAULTS)).map(
                separator.join
            ),
            max_size=6,
        )
    )
    tag = draw(_pick(SITE_TAGS, SITE_TAGS_VALID)).format(n=number)
    if not children and draw(st.booleans()):
        return tag.replace(">", " />") if tag.endswith('">') else tag[:-1] + "/>"
    return f"{tag}{separator}{separator.join(children)}{separator}</site>"


@st.composite
def _documents(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 4))
    sites = [draw(_sites(number)) for number in range(1, count + 1)]
    pools = draw(st.none() | st.lists(_pick(POOLS, POOLS_VALID), max_size=4))
    locations = draw(st.lists(_pick(LOCATIONS, LOCATIONS_VALID), max_size=3))
    # IIS 10, IIS 8 (sslFlags 1 and 2 only) or unknown.
    marks = draw(st.sampled_from(["", "<hsts />", '<section name="webSocket" />']))
    pool_section = "" if pools is None else f"<applicationPools>{''.join(pools)}</applicationPools>"
    # What every site's applications and directories inherit, when they do not say.
    defaults = "".join(draw(st.lists(st.sampled_from(SITES_DEFAULTS), max_size=2, unique=True)))
    return (
        "<configuration>\r\n<system.applicationHost>\r\n"
        f"{pool_section}\r\n<sites>\r\n{chr(10).join(sites)}\r\n"
        f"<siteDefaults>{marks}</siteDefaults>{defaults}</sites>\r\n"
        "</system.applicationHost>\r\n"
        f"{''.join(locations)}\r\n</configuration>\r\n"
    )


def _outcome(operation: Callable[[], object]) -> object:
    try:
        return operation()
    except MetacloneError as error:
        return (type(error), str(error))


def _applications_json(doc: metaclone.ConfigDocument, site_id: int) -> list[object]:
    """The applications of a site with every value (a directory compares by path and folder
    alone)."""
    return [application.to_json() for application in doc.applications(site_id)]


def _check_and_applications(data: bytes, *, exact: bool) -> list[object]:
    """``check()``, then each site's applications (or the class and message of an error)."""
    doc = metaclone.loads(data, "generated.config", exact=exact)
    found: list[object] = [_outcome(doc.check)]
    sites = _outcome(lambda: doc.sites)
    found.append(sites)
    for site in sites if isinstance(sites, tuple) else ():
        if isinstance(site, metaclone.Site):  # else the sites are an error's class and message
            found.append(_outcome(functools.partial(_applications_json, doc, site.id)))
    return found


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_documents())
def test_sites_read_whole_give_the_findings_and_applications_of_the_exact_walk(
    text: str,
) -> None:
    data = text.encode()
    fast = _check_and_applications(data, exact=False)
    assert fast == _check_and_applications(data, exact=True)


def _shown_applications(doc: metaclone.ConfigDocument, *, listed: bool) -> list[object]:
    """What the listing of applications shows of each site (listed: read by
    ``listed_applications``, else from ``applications``), up to the first error."""
    shown: list[object] = []
    try:
        if listed:
            every = doc.listed_applications()
            assert every is not None
            shown.extend(every)
        else:
            for site in doc.sites:
                shown.append(tuple(map(ListedApplication.of, doc.applications(site))))
    except MetacloneError as error:
        shown.append((type(error), str(error)))
    return shown


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_documents())
def test_the_applications_a_listing_shows_are_those_of_applications(text: str) -> None:
    try:
        doc = metaclone.loads(text.encode(), "generated.config")
        doc.sites  # noqa: B018 (the listing reads the sites first)
    except MetacloneError:
        return
    shown = _shown_applications(doc, listed=True)
    fresh = metaclone.loads(text.encode(), "generated.config")
    assert shown == _shown_applications(fresh, listed=False)


def _document(site: str, pools: str = '<add name="Shop" />') -> AppHostDocument:
    text = (
        f"<configuration><system.applicationHost><applicationPools>{pools}</applicationPools>"
        f"<sites>{site}</sites></system.applicationHost></configuration>"
    )
    doc = metaclone.loads(text.encode(), "site.config")
    assert isinstance(doc, AppHostDocument)
    return doc


def _clean(site: str) -> list[tuple[str, str]] | None:
    doc = _document(site)
    start = doc.xml.text.index("<site ")
    end = doc.xml.text.index("</sites>")
    return clean_shapes.clean_site(doc.xml.text, start, end, SSL_FLAGS_ANY)


def test_a_site_written_as_iis_writes_it_is_read_whole() -> None:
    assert _clean(IIS_SITE) == [("/", "Shop"), ("/api", "Elsewhere")]
    doc = _document(IIS_SITE)
    start = doc.xml.text.index("<site ")
    read = clean_shapes.clean_applications(doc.xml.text, start, doc.xml.text.index("</sites>"))
    assert read is not None
    assert read.application_defaults == {"applicationPool": "Shop"}
    assert [app["path"] for app, _ in read.applications] == ["/", "/api"]
    assert read.applications[0][1][1]["userName"] == "HOST\\m"
    assert doc.applications(4294967295) == metaclone.loads(
        doc.xml.text.encode(), exact=True
    ).applications(4294967295)
    findings = _document(IIS_SITE).check()
    assert [(f.code, f.line) for f in findings] == [("undefined-pool", 6)]
    assert findings == metaclone.loads(_document(IIS_SITE).xml.text.encode(), exact=True).check()


def test_anything_else_is_left_to_the_exact_walk() -> None:
    changed = [
        IIS_SITE.replace('id="4294967295"', 'id="4294967296"'),
        IIS_SITE.replace('sslFlags="1"', 'sslFlags="1" certificateHash="AB"'),
        IIS_SITE.replace("<limits", "<!-- --><limits"),
        IIS_SITE.replace('path="/api"', 'path="/API" preloadEnabled="true" x="1"'),
        IIS_SITE.replace('path="/api"', 'path="/"'),
        IIS_SITE.replace('path="/media"', 'path="/"'),
        IIS_SITE.replace('"808:*"', '"*:80:SHOP.example"').replace("net.tcp", "http"),
        IIS_SITE.replace('"Shop" />', '"Shop" /><applicationDefaults />'),
        IIS_SITE.replace('applicationPool="Shop">', "applicationPool='Shop'>"),
        IIS_SITE.replace('shop.example" />', 'shop.example" sslFlags="1" />').replace(
            "*:80:shop.example", "*:80:"
        ),
    ]
    for site in changed:
        assert _clean(site) is None, site
        doc = _document(site)
        exact = metaclone.loads(doc.xml.text.encode(), "site.config", exact=True)
        assert doc.check() == exact.check()


def test_pools_and_location_tags_written_as_iis_writes_them() -> None:
    text = (
        '<applicationPools><add name="A" startMode="OnDemand" /><add name="b" /></applicationPools>'
    )
    doc = metaclone.loads(f"<configuration>{text}</configuration>".encode())
    pools = doc.xml.child(doc.xml.root, "applicationPools")
    assert pools is not None
    assert clean_shapes.clean_pool_names(doc.xml.text, pools) == ["A", "b"]
    twice = text.replace('"b"', '"a"')
    doc = metaclone.loads(f"<configuration>{twice}</configuration>".encode())
    pools = doc.xml.child(doc.xml.root, "applicationPools")
    assert pools is not None
    assert clean_shapes.clean_pool_names(doc.xml.text, pools) is None
    tag = '<location path="Shop" overrideMode="Deny" inheritInChildApplications="false">'
    assert clean_shapes.clean_location_tag(tag, 0, len(tag))
    assert not clean_shapes.clean_location_tag(tag.replace("Deny", "deny "), 0, len(tag) + 1)


def test_the_iis_version_is_told_by_what_the_file_holds() -> None:
    assert ssl_flag_bits("<a/>") == SSL_FLAGS_ANY
    assert ssl_flag_bits('<add name="IISCngProvider" />') == SSL_FLAGS_IIS10
    assert ssl_flag_bits('<add type="X" name="IISWASOnlyCngProvider" />') == SSL_FLAGS_IIS10
    assert ssl_flag_bits('<add name="OtherCngProvider" />') == SSL_FLAGS_ANY
    assert ssl_flag_bits("<hsts\r\n/>") == SSL_FLAGS_IIS10
    assert ssl_flag_bits("<hstsPolicy />") == SSL_FLAGS_ANY
    assert ssl_flag_bits('<section name="a" /><section  name="webSocket" />') == SSL_FLAGS_IIS8
    assert ssl_flag_bits('<section name="websocket" />') == SSL_FLAGS_ANY
    assert ssl_flag_bits("<hsts/>", iis_express=True) == SSL_FLAGS_ANY


def test_a_listing_reads_the_applications_of_a_site_written_as_iis_writes_it() -> None:
    site = (
        '<site name="s" id="1"><application path="/" applicationPool="P" />'
        '<virtualDirectory path="/stray" physicalPath="D:\\stray" />'
        '<application path="/o" enabledProtocols="https"><virtualDirectory path="/"'
        ' userName="u" physicalPath="D:\\o" /><virtualDirectory path="/m" /></application>'
        '<applicationDefaults applicationPool="Site" /></site>'
    )
    doc = _document(site)
    start = doc.xml.text.index("<site ")
    end = doc.xml.text.index("</sites>")
    assert clean_shapes.listed_applications(doc.xml.text, start, end) == (
        [("/", "P", "", []), ("/o", "", "https", [("/", "D:\\o"), ("/m", "")])],
        {"applicationPool": "Site"},
    )
    assert _shown_applications(doc, listed=True) == [
        (
            ListedApplication("/", "P", (), ()),
            ListedApplication("/o", "Site", ("application_pool",), (("/", "D:\\o"), ("/m", ""))),
        )
    ]
    assert _shown_applications(doc, listed=True) == _shown_applications(doc, listed=False)


def test_a_listing_reads_any_other_site_as_applications_does() -> None:
    sites = [
        IIS_SITE,
        IIS_SITE.replace("<limits", "<!-- --><limits").replace("4294967295", "2"),
        IIS_SITE.replace("<limits", "<applicationDefaults /><limits").replace("4294967295", "3"),
        IIS_SITE.replace("4294967295", "4"),
    ]
    doc = _document("".join(sites))
    start = doc.xml.text.index('<site name="shop.example" id="2"')
    assert clean_shapes.listed_applications(doc.xml.text, start, len(doc.xml.text)) is None
    shown = _shown_applications(doc, listed=True)
    # The third site's applications inherit nothing defined: the error comes where it is.
    assert len(shown) == 3
    assert shown[2][0] is DuplicateDefaultsError  # type: ignore[index]
    assert shown == _shown_applications(_document("".join(sites)), listed=False)


def test_a_listing_leaves_applications_to_tell_when_ids_repeat_or_reading_is_exact() -> None:
    twice = _document(IIS_SITE + IIS_SITE.replace('name="shop.example"', 'name="other"'))
    assert twice.listed_applications() is None
    exact = metaclone.loads(_document(IIS_SITE).xml.text.encode(), "site.config", exact=True)
    assert exact.listed_applications() is None
