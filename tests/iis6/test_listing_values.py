"""The one-pass listing of an IIS 6 metabase reads every value a site is made of exactly as the
exact reader does, however the value is written.

The listing pass reads the properties of every server key from its start tag and takes
shortcuts where a value needs no decoding: values with references, tabs, carriage returns,
other spellings of TRUE and FALSE, single quotes, other attribute orders, comments and CDATA
between the keys must give the same sites as ``loads(data, exact=True)``, or the same error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.cli.sites import inherited_legend, listed_line, site_line
from metaclone.errors import MetacloneError
from metaclone.model.sites import Site
from tests.iis6.server_keys import (
    BINDINGS,
    FLAGS,
    HASHES,
    STORES,
    THREE_SITES,
    ServerKeyValues,
    metabases,
)

_COMMENTS = ["Shop", "", "a &amp; b", "tab\there", "line&#xA;end", "caf\u00e9 &#x263A;", " pad "]
_VALUES = ServerKeyValues(_COMMENTS, FLAGS, BINDINGS, HASHES, STORES)


_SERVICES = ["", '\t\tSSLCertHash="' + "cd" * 20 + '"\r\n']


def _sites(data: bytes, *, exact: bool) -> tuple[Site, ...] | tuple[type, str]:
    try:
        return metaclone.loads(data, "MetaBase.xml", exact=exact).sites
    except MetacloneError as error:
        return (type(error), str(error))


@settings(max_examples=150, deadline=None)
@given(data=metabases(_VALUES, _SERVICES))
def test_listed_sites_are_those_of_the_exact_reader(data: bytes) -> None:
    assert _sites(data, exact=False) == _sites(data, exact=True)


def _listing(data: bytes, *, from_sites: bool) -> list[str] | tuple[type, str]:
    """The lines of the plain listing (with its legend), from the sites or read in one pass."""
    try:
        doc = metaclone.loads(data, "MetaBase.xml")
        if from_sites:
            sites = doc.sites
            return [*map(site_line, sites), str(inherited_legend(sites))]
        listed = doc.listed_sites()
        assert listed is not None  # the one pass reads every file of the strategy
        return [*map(listed_line, listed), str(inherited_legend(listed))]
    except MetacloneError as error:
        return (type(error), str(error))


@settings(max_examples=150, deadline=None)
@given(data=metabases(_VALUES, _SERVICES))
def test_listed_lines_are_those_of_the_sites(data: bytes) -> None:
    assert _listing(data, from_sites=False) == _listing(data, from_sites=True)


def test_oddly_written_values_are_read_as_an_xml_parser_reads_them() -> None:
    data = (
        b'<?xml version ="1.0"?>\r\n<configuration>\r\n<MBProperty>\r\n'
        b"<IIsWebServer\tLocation ='/LM/W3SVC/7'\r\n\t\tServerComment='a &amp; b'\r\n"
        b'\t\tServerBindings=":80:x&#xA;\t:81:tab"\r\n\t\tServerAutoStart=" FALSE"\r\n'
        b'\t\tSecureBindings=":443:"\r\n\t\tSSLCertHash="AB AB ' + b"AB" * 18 + b'"'
        b"\r\n\t>\r\n</IIsWebServer>\r\n"
        b'<IIsWebServer\tLocation ="/LM/W3SVC/8"\r\n\t\tServerBindings=":80:plain"\r\n\t>\r\n'
        b"</IIsWebServer>\r\n</MBProperty>\r\n</configuration>\r\n"
    )
    first, second = metaclone.loads(data, "MetaBase.xml").sites
    assert first.name == "a & b"
    assert not first.auto_start
    assert [b.summary for b in first.bindings] == ["http/:80:x", "http/:81:tab", "https/:443:"]
    assert first.certificate is not None
    assert first.certificate.thumbprint == "ab ab " + "ab" * 18
    assert first.bindings[2].certificate == first.certificate
    assert (second.name, second.auto_start, second.certificate) == ("", True, None)
    assert [b.summary for b in second.bindings] == ["http/:80:plain"]
    assert first.line == 4
    assert second.line == 12


def test_a_tab_inside_a_binding_reads_as_a_space_however_it_is_written() -> None:
    data = (
        b'<?xml version ="1.0"?>\r\n<configuration>\r\n<MBProperty>\r\n'
        b'<IIsWebServer\tLocation ="/LM/W3SVC/7"\r\n\t\tServerBindings=":80:in&#x9;side\n'
        b'\t\t\t:81:lit\teral"\r\n\t\tSecureBindings=":443:a&amp;b\tc"\r\n\t>\r\n'
        b"</IIsWebServer>\r\n"
        b'<IIsWebServer\tLocation ="/LM/W3SVC/8"\r\n\t\tServerBindings=":80:\tin\tside\t\n'
        b'\t\t\t:81:"\r\n\t>\r\n</IIsWebServer>\r\n</MBProperty>\r\n</configuration>\r\n'
    )
    doc = metaclone.loads(data, "MetaBase.xml")
    expected = "http/:80:in side, http/:81:lit eral, https/:443:a&b c"
    first, second = doc.sites
    assert ", ".join(b.summary for b in first.bindings) == expected
    assert ", ".join(b.summary for b in second.bindings) == "http/:80: in side, http/:81:"
    listed = doc.listed_sites()
    assert listed is not None
    assert [site.bindings for site in listed] == [expected, "http/:80: in side, http/:81:"]


def test_the_sites_command_lists_the_lines_of_the_sites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "MetaBase.xml"
    path.write_bytes(THREE_SITES)
    sites = metaclone.loads(THREE_SITES, "MetaBase.xml").sites
    assert main(["sites", str(path)]) == EXIT_OK
    out = capsys.readouterr().out
    legend = inherited_legend(sites)
    assert legend is not None
    assert out.splitlines() == [
        f"{path}: iis6-metabase, 3 site(s)",
        *map(site_line, sites),
        legend,
    ]
    assert out.splitlines()[1:4] == [
        "         7  Shop  [started]  http/:80:shop, https/:443:  cert: " + "cd" * 20 + " (MY)*",
        "         7   ftp  [stopped]  ftp/:21:  cert: -",
        "         8    [started]  https/:443:  cert: waiting for a certificate",
    ]


def test_the_sites_command_refuses_a_site_it_cannot_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "MetaBase.xml"
    path.write_bytes(THREE_SITES.replace(b'"FALSE"', b'"maybe"'))
    assert main(["sites", str(path)]) == EXIT_REFUSED
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{path}:15:20: ServerAutoStart" in err
    assert "ServerAutoStart" in err
    assert "Traceback" not in err


def test_cert_show_lists_the_https_bindings_of_the_sites_that_have_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "MetaBase.xml"
    path.write_bytes(THREE_SITES)
    assert main(["cert", "show", str(path)]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    sites = metaclone.loads(THREE_SITES, "MetaBase.xml").sites
    shop, ftp, waiting = map(site_line, sites)
    assert lines == [
        shop,
        "            https/:443:  HTTP.sys ipport=0.0.0.0:443  cert: " + "cd" * 20 + " (MY)",
        ftp,
        waiting,
        "            https/:443:  HTTP.sys ipport=0.0.0.0:443  cert: not known",
        inherited_legend(sites),
    ]
