"""A certificate plan reads only the sites that may share an HTTP.sys entry with its targets,
and is the plan made from every site."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone import httpsys
from metaclone.httpsys import Endpoint, EndpointKind
from metaclone.iis7 import sharing
from metaclone.iis7.index import index_applicationhost
from metaclone.iis7.sharing import NeedleSearch, sharing_candidates
from metaclone.model.sites import Binding, CertificateRef
from tests.conftest import FIXTURES

IIS7 = FIXTURES / "iis7" / "applicationHost.config"
THUMB = "ab" * 20

#: Host names that differ only in case or by a character reference spell one SNI entry.
_HOSTS = ["shop.example", "SHOP.example", "sh&#x6F;p.example", "Other.Example"]
_BINDINGS = st.tuples(
    st.sampled_from(["https", "https", "HTTPS", "http"]),
    st.sampled_from(["*", "", "10.0.0.1", "10.0.0.&#x31;", "10.0.0.2"]),
    st.sampled_from(["443", "443", "8443", " 0443", "4&#x34;3"]),
    st.sampled_from(_HOSTS),
    st.sampled_from(["1", "1", "1", None, "0", "3"]),
)


def _binding(values: tuple[str, str, str, str, str | None]) -> str:
    protocol, ip, port, host, flags = values
    ssl = f' sslFlags="{flags}"' if flags is not None else ""
    return f'<binding protocol="{protocol}" bindingInformation="{ip}:{port}:{host}"{ssl} />'


def _config(sites: list[list[tuple[str, str, str, str, str | None]]], defaults: str) -> bytes:
    body = []
    for number, bindings in enumerate(sites, 1):
        own = "".join(map(_binding, bindings))
        inner = f"<bindings>{own}</bindings>" if bindings else "<!-- inherits -->"
        body.append(f'<site name="S{number}" id="{number}">{inner}</site>')
    return (
        "<configuration><system.applicationHost><sites>"
        + "".join(body)
        + f"<siteDefaults><bindings>{defaults}</bindings></siteDefaults>"
        + "</sites></system.applicationHost></configuration>"
    ).encode()


_SHOP = ("https", "*", "443", "shop.example", "1")
_SHOP_DEFAULT = _binding(_SHOP)


@example(sites=[[_SHOP], [("https", "", "443", "sh&#x6F;p.example", "1")]], defaults="", target=1)
@example(sites=[[("http", "*", "80", "x", None)], [_SHOP], [_SHOP]], defaults="", target=3)
@example(sites=[[("https", "*", "443", "SHOP.example", "1")], [_SHOP]], defaults="", target=1)
@example(sites=[[_SHOP], []], defaults=_SHOP_DEFAULT, target=1)
@example(
    sites=[[("https", "10.0.0.1", "443", "", None)], [("https", "10.0.0.&#x31;", "443", "a", "0")]],
    defaults="",
    target=1,
)
@example(
    sites=[[("https", "*", "443", "shop.example", "3")], [("https", "", "443", "a.example", "3")]],
    defaults="",
    target=1,
).via("a target on the central store, which plans name no sharing site of")
@example(
    sites=[[("https", "*", "443", "shop.example", "3"), _SHOP], [_SHOP]], defaults="", target=1
).via("a target on the central store and an SNI entry another site shares")
@example(
    sites=[
        [("https", "*", "443", "shop.example", None)],
        [_SHOP],
        [("https", "", "443", "a.example", "0")],
        [("https", "10.0.0.&#x31;", "443", "", None)],
    ],
    defaults="",
    target=1,
).via("a target on the entry of every address, which the sites holding 443 may share")
@settings(deadline=None)
@given(
    sites=st.lists(st.lists(_BINDINGS, max_size=2), min_size=1, max_size=5),
    defaults=st.sampled_from(["", _SHOP_DEFAULT]),
    target=st.integers(min_value=1, max_value=5),
)
def test_a_plan_is_the_plan_made_from_every_site(
    sites: list[list[tuple[str, str, str, str, str | None]]], defaults: str, target: int
) -> None:
    doc = metaclone.loads(_config(sites, defaults), name="applicationHost.config")
    target = min(target, len(sites))
    everyone = doc.sites
    try:
        expected = httpsys.plan_certificates(everyone, {target: CertificateRef(THUMB, "MY")})
    except metaclone.MetacloneError as error:
        with pytest.raises(type(error), match=re.escape(str(error))):
            doc.set_certificate(target, THUMB)
        return
    assert doc.set_certificate(target, THUMB) == expected


def test_only_the_sites_that_mention_the_host_are_candidates() -> None:
    doc = metaclone.load(IIS7)
    entries = index_applicationhost(doc.xml).sites
    text = doc.xml.text
    sni = Endpoint(EndpointKind.HOSTNAMEPORT, "no-such-host.example:443")
    assert sharing_candidates(text, entries, {sni}, ()) == []
    shop = next(e for e in entries if e.name == "Shop")
    hosts = [b.host for b in doc.site("Shop").bindings if b.host]
    assert hosts
    mentioned = Endpoint(EndpointKind.HOSTNAMEPORT, f"{hosts[0].upper()}:443")
    assert shop in (sharing_candidates(text, entries, {mentioned}, ()) or [])
    address = Endpoint(EndpointKind.IPPORT, "192.0.2.77:443")
    assert sharing_candidates(text, entries, {address, sni}, ()) == []
    # Every address and IPv6 addresses: the sites that hold the port's digits.
    holding = [e for e in entries if "443" in text[e.start : e.end]]
    assert shop in holding
    assert len(holding) < len(entries)
    for endpoint in (
        Endpoint(EndpointKind.IPPORT, "0.0.0.0:443"),
        Endpoint(EndpointKind.IPPORT, "[::1]:443"),
    ):
        assert sharing_candidates(text, entries, {endpoint, sni}, ()) == holding
    # The central store and inherited bindings on the entry leave every site possible.
    ccs = Endpoint(EndpointKind.CCS, "443")
    assert sharing_candidates(text, entries, {ccs, sni}, ()) is None
    inherited = Binding.from_information("https", f"*:443:{hosts[0]}", 1)
    mentioned = Endpoint(EndpointKind.HOSTNAMEPORT, f"{hosts[0]}:443")
    assert sharing_candidates(text, entries, {mentioned}, [inherited]) is None


def test_sites_that_share_an_id_are_planned_from_every_site() -> None:
    shared = ("https", "*", "443", "shop.example", "1")
    data = _config([[shared], [shared]], "").replace(b'id="2"', b'id="1"')
    doc = metaclone.loads(data, name="applicationHost.config")
    expected = httpsys.plan_certificates(doc.sites, {1: CertificateRef(THUMB, "MY")})
    assert doc.set_certificate("S1", THUMB) == expected


HOST_CHARACTERS = st.sampled_from(["a", "k", "s", "i", "E", "0", "9", ".", "-"])
#: Text around the names: ASCII, and characters that ``re`` folds onto ASCII letters (the
#: Kelvin sign onto k, the long s onto s, the dotted capital I) or not (é, the dotless i).
TEXT_CHARACTERS = st.sampled_from(
    ["a", "K", "S", "I", "e", "0", ".", "&", "<", "\u212a", "\u017f", "\u0130", "\u0131", "é"]
)


@example(["s"], "\u017f", 9, 0, 9).via("the long s, which re pairs with s, lower() not")
@example(["a"], "\u0130a", 9, 0, 9).via("the dotted capital I, lower-cased in two")
@example(["ka", "sk"], "ska", 9, 0, 9).via("a later name that starts before an earlier hit")
@given(
    st.lists(st.text(HOST_CHARACTERS, min_size=1, max_size=5), min_size=1, max_size=3),
    st.text(TEXT_CHARACTERS, max_size=60),
    st.integers(1, 9),
    st.integers(0, 70),
    st.integers(0, 70),
)
def test_the_names_are_found_where_the_case_insensitive_expression_finds_them(
    needles: list[str], text: str, window: int, start: int, stop: int
) -> None:
    """Lower-cased ASCII windows searched with str.find, others with the expression: the first
    hit is where the expression finds it in the whole text, however small the windows."""
    expression = re.compile("|".join(map(re.escape, needles)) + "|&", re.IGNORECASE)
    start = min(start, len(text))
    end = min(max(stop, start), len(text))
    expected = expression.search(text, start, end)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sharing, "WINDOW", window)
        search = NeedleSearch(needles)
        found = search.first(text, start, end)
        assert found == (-1 if expected is None else expected.start())
        # Searched on from each hit, as the sites are: the window read last serves again.
        while found >= 0:
            expected = expression.search(text, found + 1, end)
            found = search.first(text, found + 1, end)
            assert found == (-1 if expected is None else expected.start())
