"""``check``'s findings on HTTP.sys endpoints read from the endpoints' text, when no HTTP.sys
entries are attached, against those read through :class:`~metaclone.httpsys.Endpoint` values,
which an attached capture needs: the same endpoints shared by the same sites, in order."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.iis7.endpoint_checks import certificate_findings
from metaclone.model.sites import Binding, Site

# Binding information as IIS, appcmd and hands write it: one endpoint written several ways.
INFORMATION = [
    "*:443:",
    ":443:",
    " * :443:",
    "0.0.0.0:443:",
    "10.0.0.1:443:",
    "010.0.0.1:443:",
    " 10.0.0.1 :443:shop",
    "[::1]:443:",
    "[0:0::1]:443:",
    "*:0443:",
    "*: 443 :",
    "*:443:Shop",
    "*:443:shop",
    "*:x:",
    "host:443:",
    "*:8443:",
]
PROTOCOLS = ["https", "HTTPS", " Https ", "http", "ftp", "net.tcp"]

_BINDINGS = st.builds(
    Binding.from_information,
    st.sampled_from(PROTOCOLS),
    st.sampled_from(INFORMATION) | st.text(max_size=8),
    st.none() | st.integers(0, 7),
)


@st.composite
def _sites(draw: st.DrawFn) -> list[Site]:
    written = draw(
        st.lists(st.tuples(st.sampled_from(["a", "b", "A"]), st.lists(_BINDINGS, max_size=4)))
    )
    sites = [
        Site(number, name, True, tuple(bindings), line=number)
        for number, (name, bindings) in enumerate(written, start=1)
    ]
    # A site may be listed twice: it is one user of its endpoints.
    return sites + draw(st.lists(st.sampled_from(sites), max_size=2)) if sites else sites


@settings(max_examples=300, deadline=None)
@given(sites=_sites())
def test_endpoints_read_from_their_text_are_shared_by_the_same_sites(sites: list[Site]) -> None:
    through_endpoints = certificate_findings(sites, {})
    shared = [f for f in through_endpoints if f.code == "shared-sslcert-endpoint"]
    assert certificate_findings(sites, None) == shared
