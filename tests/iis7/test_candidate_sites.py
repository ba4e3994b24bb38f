"""A site that may share an HTTP.sys entry with a plan's targets is read from the values the
listing pass reads of its own stretch of the text, and is the site the exact reader reads,
however it is written, before and after an edit, with HTTP.sys entries attached or not.

An entry of every address (``ipport=0.0.0.0:443``) makes every site that holds the port's
digits a candidate: that is most https sites of a large file, read one by one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone import httpsys
from metaclone.cli import main
from metaclone.errors import MetacloneError
from metaclone.iis7 import certificates
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.iis7.listing import quick_values
from metaclone.iis7.reading import SiteReading
from metaclone.model.sites import Site

THUMB = "ab" * 20

#: Bindings as IIS writes them, and written otherwise: other attribute orders and quotes,
#: references, spaces, flags that are no number, other protocols and cases.
_BINDINGS = [
    '<binding protocol="https" bindingInformation="*:443:" />',
    '<binding protocol="https" bindingInformation=":443:" sslFlags="0" />',
    '<binding protocol="https" bindingInformation="*:443:a" sslFlags="1" />',
    '<binding protocol="https" bindingInformation="*:443:b" sslFlags="3" />',
    '<binding protocol="https" bindingInformation="10.0.0.1:443:" />',
    '<binding protocol="https" bindingInformation="[::1]:443:" />',
    '<binding protocol="http" bindingInformation="*:80:a" />',
    '<binding protocol="HTTPS" bindingInformation="*: 0443:" />',
    '<binding bindingInformation="*:443:" protocol="https" />',
    "<binding protocol='https' bindingInformation='*:443:' />",
    '<binding protocol="https" bindingInformation="&#x2A;:443:" />',
    '<binding protocol="https" bindingInformation="*:443:" sslFlags=" 1" />',
    '<binding protocol="https" bindingInformation="*:443:" sslFlags="x" />',
    '<binding protocol="ftp" bindingInformation="*:21:" />',
    '<binding protocol="https" bindingInformation="*:443:" sslFlags="0" extra="1" />',
    "<clear />",
    "<!-- <binding protocol='https' bindingInformation='*:443:' /> -->",
]
#: What may stand before a site's <bindings>: nothing, an application, a child holding a
#: <bindings> of its own, FTP settings, a comment, or a second <bindings>.
_BEFORE = [
    "",
    '<application path="/"><virtualDirectory path="/" physicalPath="D:\\s" /></application>',
    '<other><bindings><binding protocol="https" bindingInformation="*:443:" /></bindings></other>',
    '<ftpServer><security><ssl serverCertHash="' + THUMB + '" /></security></ftpServer>',
    "<!-- <bindings> -->",
    '<bindings><binding protocol="https" bindingInformation="*:443:z" /></bindings>',
]
_STATES = ["", ' serverAutoStart="true"', ' serverAutoStart="false"', " serverAutoStart='false'"]
_DEFAULTS = [
    "",
    "<siteDefaults><bindings><binding protocol='https' bindingInformation='*:443:' />"
    "</bindings></siteDefaults>",
]
_SSLCERT = (
    "SSL Certificate bindings:\n-------------------------\n\n"
    f"    IP:port : 0.0.0.0:443\n    Certificate Hash : {THUMB}\n"
    "    Application ID : {4dc3e181-e14b-4a21-b022-59fc669b0914}\n"
    "    Certificate Store Name : MY\n"
)


@st.composite
def _configs(draw: st.DrawFn) -> bytes:
    sites = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        state = draw(st.sampled_from(_STATES))
        before = draw(st.sampled_from(_BEFORE))
        bindings = draw(st.lists(st.sampled_from(_BINDINGS), max_size=3))
        listed = "".join(f"\r\n                    {b}" for b in bindings)
        own = f"<bindings>{listed}\r\n                </bindings>" if bindings else ""
        sites.append(
            f'<site name="s{number}" id="{number}"{state}>\r\n'
            f"                {before}\r\n                {own}\r\n            </site>"
        )
    defaults = draw(st.sampled_from(_DEFAULTS))
    inner = "\r\n            ".join([*sites, defaults])
    return (
        "<configuration>\r\n    <system.applicationHost>\r\n"
        f"        <sites>\r\n            {inner}\r\n        </sites>\r\n"
        "    </system.applicationHost>\r\n</configuration>\r\n"
    ).encode()


def _read(doc: AppHostDocument, *, candidate: bool) -> list[Site | tuple[type, str]]:
    """Every site of ``doc`` read as a candidate or exactly (an error where it is refused)."""
    index = doc._index()
    found: list[Site | tuple[type, str]] = []
    for entry in index.sites:
        try:
            if candidate:
                found.append(doc._candidate_sites([entry], index)[0])
            else:
                found.append(doc._read_site(entry, index))
        except MetacloneError as error:
            found.append((type(error), str(error)))
    return found


@example(
    data=b'<configuration><system.applicationHost><sites><site name="s1" id="1"><other>'
    b'<bindings><binding protocol="https" bindingInformation="*:443:" /></bindings></other>'
    b"<bindings></bindings></site></sites></system.applicationHost></configuration>",
    edit=False,
    attached=False,
    window=1,
).via("a <bindings> inside another child is not the site's")
@settings(max_examples=200, deadline=None)
@given(data=_configs(), edit=st.booleans(), attached=st.booleans(), window=st.integers(1, 900))
def test_a_candidate_is_the_site_the_exact_reader_reads(
    data: bytes, edit: bool, attached: bool, window: int
) -> None:
    doc = metaclone.loads(data, "applicationHost.config")
    assert isinstance(doc, AppHostDocument)
    if attached:
        doc.attach_sslcerts(httpsys.parse_netsh_sslcert(_SSLCERT))
    if edit:
        try:
            # The clone goes after the first site: the others are read from a text in pieces.
            doc.clone_site(1, new_name="copy")
        except MetacloneError:
            return
        assert doc.xml.modified
    exact = _read(doc, candidate=False)
    assert _read(doc, candidate=True) == exact
    if all(isinstance(site, Site) for site in exact):
        # All at once, from windows of the text that hold one site or more.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(certificates, "_WINDOW", window)
            assert doc._candidate_sites(doc._index().sites, doc._index()) == exact
    try:
        planned = doc._plan_sites([1])
    except MetacloneError:
        return
    # The sites a plan looks at are sites of the file, in file order, on their lines.
    places = [exact.index(site) for site in planned]
    assert places == sorted(places)


def test_a_site_written_as_iis_writes_it_is_read_from_its_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = (
        b'<configuration><system.applicationHost><sites>\n<site name="a" id="3" '
        b'serverAutoStart="false"><application path="/" /><bindings><binding protocol="http" '
        b'bindingInformation="*:80:a" /><binding protocol="https" bindingInformation="*:443:" />'
        b"</bindings></site>\n</sites></system.applicationHost></configuration>"
    )
    doc = metaclone.loads(data, "applicationHost.config")
    assert isinstance(doc, AppHostDocument)
    index = doc._index()
    (entry,) = index.sites
    assert quick_values(doc.xml.text, entry.start, entry.end) is not None
    expected = doc._read_site(entry, index)

    def refused(*_: object) -> Site:
        raise AssertionError("read exactly")

    monkeypatch.setattr(SiteReading, "_read_site", refused)
    (site,) = doc._candidate_sites([entry], index)
    assert site == expected
    assert (site.line, site.auto_start, [b.summary for b in site.bindings]) == (
        2,
        False,
        ["http/*:80:a", "https/*:443:"],
    )


def _every_address_sites(flags: str = "") -> bytes:
    """Four https sites: ``*:443:`` (with ``flags`` on its binding), an IPv4 address, an empty
    address with a host name, and another port."""
    sites = "".join(
        f'<site name="s{n}" id="{n}"><bindings><binding protocol="https" '
        f'bindingInformation="{information}"{flags if n == 1 else ""} /></bindings></site>'
        for n, information in enumerate(["*:443:", "10.0.0.1:443:", ":443:x", "*:444:"], 1)
    )
    return (
        f"<configuration><system.applicationHost><sites>{sites}</sites>"
        "</system.applicationHost></configuration>"
    ).encode()


def test_a_plan_for_every_address_names_the_sites_that_share_it(tmp_path: Path) -> None:
    doc = metaclone.loads(_every_address_sites(), "applicationHost.config")
    plan = doc.set_certificate(1, THUMB)
    assert plan is not None
    assert [(str(c.endpoint), c.also_affected) for c in plan.changes] == [
        ("ipport=0.0.0.0:443", ("s3",))
    ]


def test_a_plan_for_every_address_builds_only_the_sites_on_its_entry() -> None:
    doc = metaclone.loads(_every_address_sites(), "applicationHost.config")
    assert isinstance(doc, AppHostDocument)
    # Every site's text holds the port: all four are candidates, but s2 (an address of its
    # own) and s4 (another port) are on other entries, so only s1 and s3 are built.
    assert [site.name for site in doc._plan_sites([1])] == ["s1", "s3"]
    # A target is kept whatever its bindings.
    assert [site.name for site in doc._plan_sites([1, 4])] == ["s1", "s3", "s4"]


def test_through_main_a_plan_names_the_sharers_of_every_address_and_none_of_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "applicationHost.config"
    path.write_bytes(_every_address_sites())
    argv = ["cert", "set", str(path), "--site", "s1", "--thumbprint", THUMB, "--dry-run"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert 'ipport=0.0.0.0:443 is shared: site "s3" will get the new certificate too' in err
    assert "shared with site 's3', which gets it too" in err
    # On the central store (sslFlags 2: no SNI) the plan changes no entry and names no site.
    path.write_bytes(_every_address_sites(' sslFlags="2"'))
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "ccs=443" in err
    assert "s3" not in err
