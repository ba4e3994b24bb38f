"""The HTTP.sys key a listing writes for a binding (``endpoint_text``) is the text of
``endpoint_for``'s key, and an address is written as the ipaddress module writes it, however
the binding is written."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.httpsys import Endpoint, EndpointKind, endpoint_for, endpoint_text
from metaclone.httpsys.endpoints import endpoint_from_text
from metaclone.model.sites import Binding

_ADDRESSES = [
    "",
    "*",
    " * ",
    "10.0.0.1",
    "010.0.0.1",
    "10.0.0.01",
    "255.255.255.255",
    "256.1.1.1",
    "1.2.3",
    "1.2.3.4.5",
    "0.0.0.0",
    " 10.0.0.1",
    " [0:0::1] ",
    "1.2.3.\u0664",
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[fe80::1%12]",
    "host",
]
_PORTS = ["443", "0443", "8443", "", "x", " 443 ", "99999", "\u0663"]
_HOSTS = ["", "Shop.Example.com", " spaced ", "caf\u00e9", "a:b"]
_PROTOCOLS = ["https", "HTTPS", "Https", "http", "ftp", "net.tcp"]


def _octets() -> st.SearchStrategy[str]:
    number = st.integers(0, 300).map(str) | st.sampled_from(["00", "01", "007", "", "a"])
    return st.lists(number, min_size=3, max_size=5).map(".".join)


@settings(max_examples=500, deadline=None)
@given(
    protocol=st.sampled_from(_PROTOCOLS),
    address=st.sampled_from(_ADDRESSES) | _octets() | st.text(max_size=8),
    port=st.sampled_from(_PORTS) | st.text(max_size=4),
    host=st.sampled_from(_HOSTS) | st.text(max_size=6),
    flags=st.none() | st.integers(0, 127),
)
def test_the_text_is_that_of_the_endpoint(
    protocol: str, address: str, port: str, host: str, flags: int | None
) -> None:
    binding = Binding.from_information(protocol, f"{address}:{port}:{host}", flags)
    endpoint = endpoint_for(binding)
    assert endpoint_text(binding) == (None if endpoint is None else str(endpoint))


def _as_ipaddress_writes(text: str) -> str | None:
    try:
        if text.startswith("[") and text.endswith("]"):
            return f"[{ipaddress.IPv6Address(text[1:-1]).compressed}]"
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


@settings(max_examples=500, deadline=None)
@given(address=_octets() | st.sampled_from(_ADDRESSES))
def test_an_address_is_written_as_ipaddress_writes_it(address: str) -> None:
    bound = address.strip()
    binding = Binding.from_information("https", f"{address}:443:", 0)
    if bound not in ("", "*"):
        assert endpoint_text(binding) == f"ipport={_as_ipaddress_writes(bound) or bound}:443"
    written = _as_ipaddress_writes(address)
    expected = None if written is None else Endpoint(EndpointKind.IPPORT, f"{written}:443")
    assert endpoint_from_text(EndpointKind.IPPORT, f"{address}:443") == expected
