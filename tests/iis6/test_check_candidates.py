"""``check`` reads whole only the sites a finding may name (Hypothesis).

The checks of every site are run on the candidates :class:`~metaclone.iis6.site_columns.
SiteColumns` tells from the raw values; the reference runs them on every site read whole.
Generated sites share ids, names (in other cases, with references) and endpoints, have values
IIS refuses, ServerAutoStart values that read as a flag or not, and https bindings with and
without a certificate of their own or inherited; both must give the same findings in the same
order, or the same error.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone.errors import MetacloneError
from metaclone.iis6.checks import check_findings
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.iis6.server_columns import server_columns
from metaclone.iis6.site_columns import SiteColumns
from metaclone.model.sites import Finding

_NAMES = ["Shop", "shop", "SHOP", "", "Stra&#223;e", "STRASSE", "a/b", " ", "x&amp;y", "t\tab"]
_IDS = [1, 2, 3, 0, 4294967295, 4294967296]
_FLAGS = [None, "TRUE", "FALSE", "true", "1", "0", "maybe"]
_PLAIN = [":80:", "*:80:", ":80:shop", ":80:SHOP", "10.0.0.1:80:", " :80:a ", ":99999:", ":80:a\tb"]
_SECURE = [":443:", "10.0.0.1:443:", ":443:shop", "*:443:"]
_SEPARATORS = ["\n\t\t\t", "&#xA;", "\r\n", "\n", "\n\t \n"]
_HASHES = [None, "", "AB12", " ", "&#32;", "&#x41;"]


def _multisz(draw: st.DrawFn, entries: list[str], port: int, *, plain: bool) -> str | None:
    # Host names of their own too: a site may share no endpoint.
    own = st.from_regex(rf":{port}:h[0-9]", fullmatch=True)
    chosen = draw(st.lists(own if plain else st.sampled_from(entries) | own, max_size=3))
    if not chosen and draw(st.booleans()):
        return None
    return draw(st.sampled_from(_SEPARATORS)).join(chosen)


def _site(draw: st.DrawFn) -> str:
    service, server = draw(
        st.sampled_from([("W3SVC", "IIsWebServer"), ("MSFTPSVC", "IIsFtpServer")])
    )
    # Plain sites too, of distinct names and ids most often: a site that is a candidate for
    # one reason only.
    plain = draw(st.booleans())
    ident = draw(st.integers(10, 30) if plain else st.sampled_from(_IDS))
    # Paths as written other ways, and server keys that are no site: below a site, or of the
    # other service's type.
    other = "MSFTPSVC" if service == "W3SVC" else "W3SVC"
    path = f"/LM/{service}/{ident}"
    if not plain:
        path = draw(
            st.sampled_from(
                [path, path.lower(), f"/LM/{service}/0{ident}", f"{path}/x", f"/LM/{other}/{ident}"]
            )
        )
    attributes = [f'Location="{path}"']
    names = st.sampled_from(["Shop", "shop"]) | st.from_regex(r"s[0-9]{2}", fullmatch=True)
    values = {
        "ServerComment": draw(names if plain else st.sampled_from([None, *_NAMES])),
        "ServerAutoStart": draw(st.sampled_from([None, "TRUE"] if plain else _FLAGS)),
        "ServerBindings": _multisz(draw, _PLAIN, 80, plain=plain),
        "SecureBindings": _multisz(draw, _SECURE, 443, plain=plain),
        "SSLCertHash": draw(st.sampled_from(_HASHES)),
        "SSLStoreName": draw(st.sampled_from([None, "MY", ""])),
    }
    attributes += [f'{name}="{value}"' for name, value in values.items() if value is not None]
    return f"<{server}\t{chr(10).join(attributes)}\n>\n</{server}>"


@st.composite
def metabases(draw: st.DrawFn) -> bytes:
    inherited = draw(st.sampled_from(["", ' SSLCertHash="CD34"', ' SSLCertHash=""']))
    keys = [f'<IIsWebService Location="/LM/W3SVC"{inherited}>\n</IIsWebService>']
    keys += [_site(draw) for _ in range(draw(st.integers(1, 6)))]
    if draw(st.booleans()):
        # A site below a site: the general path pairs it with its key.
        keys.append('<IIsWebVirtualDir Location="/LM/W3SVC/1/ROOT" AppRoot="/LM/W3SVC/2/ROOT"/>')
    body = "\n".join(keys)
    return (
        '<?xml version ="1.0"?>\n<configuration>\n<MBProperty>\n'
        f"{body}\n</MBProperty>\n</configuration>\n"
    ).encode()


def _checked(data: bytes, *, every_site: bool) -> list[Finding] | str:
    doc = metaclone.loads(data, "generated.xml")
    assert isinstance(doc, MetabaseDocument)
    try:
        if every_site:
            return check_findings(doc.xml, doc._index(), lambda: doc.sites, lambda: doc.sites)
        return doc.check()
    except MetacloneError as error:
        return f"{type(error).__name__}: {error}"


@given(metabases())
def test_the_candidates_give_the_findings_of_every_site(data: bytes) -> None:
    assert _checked(data, every_site=False) == _checked(data, every_site=True)


@given(metabases(), st.booleans())
def test_server_columns_are_the_site_entries(data: bytes, exact: bool) -> None:
    doc = metaclone.loads(data, "generated.xml", exact=exact)
    assert isinstance(doc, MetabaseDocument)
    columns = server_columns(doc._index())
    entries = doc._index().site_entries
    assert columns == (
        [e.position for e in entries],
        [e.service for e in entries],
        [e.id for e in entries],
    )


def _columns(data: bytes) -> tuple[MetabaseDocument, SiteColumns]:
    doc = metaclone.loads(data, "generated.xml")
    assert isinstance(doc, MetabaseDocument)
    return doc, SiteColumns(doc._reader, doc._index(), doc.xml.text)


def _metabase(*sites: str) -> bytes:
    return (
        '<?xml version ="1.0"?>\n<configuration>\n<MBProperty>\n'
        + "\n".join(sites)
        + "\n</MBProperty>\n</configuration>\n"
    ).encode()


def test_plain_distinct_sites_are_no_candidates() -> None:
    doc, columns = _columns(
        _metabase(
            '<IIsWebServer Location="/LM/W3SVC/1" ServerComment="a" ServerBindings=":80:a"/>',
            '<IIsWebServer Location="/LM/W3SVC/2" ServerComment="b" ServerBindings=":80:b"/>',
        )
    )
    assert columns.candidates() == []
    assert doc.check() == []


@pytest.mark.parametrize(
    "separator", ["&#xA;", "\r\n", "\n\t\t\t"], ids=["reference", "crlf", "indented"]
)
def test_bindings_read_per_site_where_a_value_needs_decoding(separator: str) -> None:
    shared = f":80:x{separator}:80:a"
    _, columns = _columns(
        _metabase(
            f'<IIsWebServer Location="/LM/W3SVC/1" ServerBindings="{shared}"/>',
            '<IIsWebServer Location="/LM/W3SVC/2" ServerBindings=":80:A"/>',
            '<IIsWebServer Location="/LM/W3SVC/3" ServerBindings=":80:c"/>',
        )
    )
    assert columns.candidates() == [0, 1]


def test_a_stopped_site_shares_no_endpoint_and_an_odd_flag_is_read_in_full() -> None:
    _, columns = _columns(
        _metabase(
            '<IIsWebServer Location="/LM/W3SVC/1" ServerAutoStart="0" ServerBindings=":80:"/>',
            '<IIsWebServer Location="/LM/W3SVC/2" ServerBindings=":80:"/>',
        )
    )
    assert columns.started == [False, True]
    assert columns.candidates() == []


def test_a_refused_server_auto_start_raises_as_reading_every_site() -> None:
    data = _metabase(
        '<IIsWebServer Location="/LM/W3SVC/1" ServerBindings=":80:"/>',
        '<IIsWebServer Location="/LM/W3SVC/2" ServerAutoStart="maybe"/>',
    )
    found = _checked(data, every_site=False)
    assert isinstance(found, str)
    assert "ServerAutoStart" in found
    assert found == _checked(data, every_site=True)


def test_https_sites_without_a_certificate_are_candidates() -> None:
    _, columns = _columns(
        _metabase(
            '<IIsWebServer Location="/LM/W3SVC/1" SecureBindings=":443:a"/>',
            '<IIsWebServer Location="/LM/W3SVC/2" SecureBindings=":443:b" SSLCertHash="AB"/>',
            '<IIsWebServer Location="/LM/W3SVC/3" SecureBindings=":443:c" SSLCertHash="&#32;"/>',
            '<IIsWebServer Location="/LM/W3SVC/4" SecureBindings=":443:d" SSLCertHash="&#x41;"/>',
        )
    )
    assert columns.candidates() == [0, 2]
