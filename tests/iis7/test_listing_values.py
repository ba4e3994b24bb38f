"""The listing pass of an applicationHost.config reads a site's state and bindings exactly as
the exact reader does, however they are written.

A web site with its own serverAutoStart and http or https bindings is read in one step; any
other (other protocols or cases, sslFlags with spaces or no number, no state of its own, an
FTP site, references and quotes the pass leaves to the exact reader) through the general
reader: the sites, or the error, must be those of ``loads(data, exact=True)``.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.errors import MetacloneError
from metaclone.model.sites import Site

_BINDINGS = [
    '<binding protocol="http" bindingInformation="*:80:a" />',
    '<binding protocol="https" bindingInformation="10.0.0.1:443:" />',
    '<binding protocol="https" bindingInformation="*:443:b" sslFlags="1" />',
    '<binding protocol="https" bindingInformation="*:443:c" sslFlags="65" />',
    '<binding protocol="https" bindingInformation="*:443:d" sslFlags=" 3" />',
    '<binding protocol="https" bindingInformation="*:443:e" sslFlags="x" />',
    '<binding protocol="HTTP" bindingInformation="*:81:f" />',
    '<binding protocol="ftp" bindingInformation="*:21:" />',
    '<binding protocol="net.tcp" bindingInformation="808:*" />',
    '<binding protocol="http" bindingInformation="" />',
    "<binding protocol='http' bindingInformation='*:82:g' />",
    '<binding protocol="http" bindingInformation="*:83:a&amp;b" />',
]
_STATES = ["", ' serverAutoStart="true"', ' serverAutoStart="false"', ' serverAutoStart=" False "']
_DEFAULTS = [
    "",
    "<siteDefaults serverAutoStart='false'><bindings><binding protocol='http' "
    "bindingInformation='*:8080:' /></bindings></siteDefaults>",
]


@st.composite
def _configs(draw: st.DrawFn) -> bytes:
    sites = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        state = draw(st.sampled_from(_STATES))
        bindings = draw(st.lists(st.sampled_from(_BINDINGS), max_size=4))
        listed = "".join(f"\r\n                    {b}" for b in bindings)
        children = f"<bindings>{listed}\r\n                </bindings>" if bindings else ""
        sites.append(
            f'<site name="s{number}" id="{number}"{state}>\r\n'
            '                <application path="/">'
            '<virtualDirectory path="/" physicalPath="D:\\s" />'
            f"</application>\r\n                {children}\r\n            </site>"
        )
    defaults = draw(st.sampled_from(_DEFAULTS))
    inner = "\r\n            ".join([defaults, *sites])
    return (
        "<configuration>\r\n    <system.applicationHost>\r\n"
        f"        <sites>\r\n            {inner}\r\n        </sites>\r\n"
        "    </system.applicationHost>\r\n</configuration>\r\n"
    ).encode()


def _sites(data: bytes, *, exact: bool) -> tuple[Site, ...] | tuple[type, str]:
    try:
        return metaclone.loads(data, "applicationHost.config", exact=exact).sites
    except MetacloneError as error:
        return (type(error), str(error))


@settings(max_examples=150, deadline=None)
@given(data=_configs())
def test_listed_sites_are_those_of_the_exact_reader(data: bytes) -> None:
    assert _sites(data, exact=False) == _sites(data, exact=True)


def test_a_web_site_with_its_own_state_and_bindings_is_read_whole() -> None:
    data = (
        b'<configuration><system.applicationHost><sites>\n<site name="a" id="3" '
        b'serverAutoStart="false"><bindings><binding protocol="http" bindingInformation="*:80:a" />'
        b'<binding protocol="https" bindingInformation="*:443:a" sslFlags="1" /></bindings></site>'
        b"\n</sites></system.applicationHost></configuration>"
    )
    (site,) = metaclone.loads(data, "applicationHost.config").sites
    assert (site.id, site.name, site.auto_start, site.line) == (3, "a", False, 2)
    assert site.inherited == ()
    assert [(b.summary, b.ssl_flags) for b in site.bindings] == [
        ("http/*:80:a", None),
        ("https/*:443:a", 1),
    ]
    assert site.certificate is None
    assert not site.certificate_known
