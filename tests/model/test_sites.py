"""Value types: binding text, thumbprints, and their bulk builders."""

from __future__ import annotations

import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone import Binding, BindingError, ThumbprintError, normalize_thumbprint
from metaclone.model.build import build_binding, build_site
from metaclone.model.sites import CertificateRef, Site, SiteKind, split_address


@pytest.mark.parametrize(
    ("information", "expected"),
    [
        ("*:443:shop.example.com", ("*", 443, "shop.example.com")),
        (":80:", ("", 80, "")),
        ("10.0.0.5:443:", ("10.0.0.5", 443, "")),
        ("[::1]:443:", ("[::1]", 443, "")),
        ("[fe80::1%4]:8080:host", ("[fe80::1%4]", 8080, "host")),
        ("*:\u00b2:h", ("*", None, "h")),
        ("*:port:h", ("*", None, "h")),
        ("808:*", ("", 808, "*")),
    ],
)
def test_split_address(information: str, expected: tuple[str, int | None, str]) -> None:
    assert split_address(information) == expected


def test_binding_parse_and_summary() -> None:
    binding = Binding.parse("https/*:443:shop")
    assert (binding.protocol, binding.port, binding.host) == ("https", 443, "shop")
    assert binding.summary == "https/*:443:shop"
    other = Binding.parse("net.tcp/808:*")
    assert (other.ip, other.port, other.host) == (None, None, None)
    with pytest.raises(BindingError, match="protocol/information"):
        Binding.parse("*:443:shop")


@pytest.mark.parametrize(
    ("protocol", "information", "parts"),
    [
        ("https", "[::1]:443:v6.example", ("[::1]", 443, "v6.example")),
        ("HTTP", " 10.0.0.1 : 80 : a ", ("10.0.0.1", 80, "a")),
        ("ftp", ":21:", ("", 21, "")),
        ("http", "*:port:h", ("*", None, "h")),
        ("net.tcp", "808:*", (None, None, None)),
        ("net.pipe", "*", (None, None, None)),
    ],
)
def test_binding_parts_come_from_its_information(
    protocol: str, information: str, parts: tuple[str | None, int | None, str | None]
) -> None:
    binding = Binding(protocol, information)
    assert (binding.ip, binding.port, binding.host) == parts
    # Parts are not fields: equal information means equal bindings, however they were read.
    copy = pickle.loads(pickle.dumps(binding))
    assert copy == binding
    assert (copy.ip, copy.port, copy.host) == parts
    assert attrs.evolve(binding, ssl_flags=1).port == parts[1]
    assert binding.to_json().get("port") == parts[1]


@pytest.mark.parametrize(
    "text",
    [
        "40 da 7e 66 86 d6 98 ef ae 71 72 22 0f 4d a4 38 02 5d fe ea",
        "40:DA:7E:66:86:D6:98:EF:AE:71:72:22:0F:4D:A4:38:02:5D:FE:EA",
        "\u200e40da7e6686d698efae7172220f4da438025dfeea",
    ],
)
def test_thumbprint_spellings(text: str) -> None:
    assert normalize_thumbprint(text) == "40da7e6686d698efae7172220f4da438025dfeea"


@pytest.mark.parametrize("bad", ["40da", "zz" * 20, b"\x00" * 19])
def test_bad_thumbprints(bad: str | bytes) -> None:
    with pytest.raises(ThumbprintError):
        normalize_thumbprint(bad)


@pytest.mark.parametrize("cls", [Binding, Site])
def test_bulk_builders_may_skip_init(cls: type[object]) -> None:
    """The bulk builders write slots directly: that equals calling the class only while it
    has no validators, converters or hooks."""
    assert attrs.has(cls)
    for field in attrs.fields(cls):
        assert field.validator is None
        assert field.converter is None
    assert not hasattr(cls, "__attrs_post_init__")
    assert not hasattr(cls, "__attrs_pre_init__")


def test_bulk_builders_equal_the_constructors() -> None:
    certificate = CertificateRef("ab" * 20, "WebHosting")
    args = ("https", "*:443:a", 65, certificate)
    built = build_binding(*args)
    assert built == Binding(*args)
    assert hash(built) == hash(Binding(*args))
    assert repr(built) == repr(Binding(*args))
    assert (built.ip, built.port, built.host) == ("*", 443, "a")
    site_args = (7, "Shop", False, (built,), certificate, SiteKind.FTP, 12, False)
    site = build_site(*site_args)
    assert site == Site(*site_args)
    assert attrs.asdict(site) == attrs.asdict(Site(*site_args))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        site.name = "other"  # type: ignore[misc]


_INFORMATION = st.lists(
    st.sampled_from(["*", "", "10.0.0.5", "[::1]", ":", "443", " 80 ", "x", "shop.example", "٣"]),
    max_size=6,
).map("".join)


@given(
    protocol=st.sampled_from(["http", "HTTPS", "https", "Ftp", "net.tcp", "net.pipe", ""]),
    information=_INFORMATION,
    ssl_flags=st.none() | st.integers(0, 3),
    certificate=st.none() | st.just(CertificateRef("ab" * 20, "WebHosting")),
)
def test_binding_json_has_the_parts_of_its_address(
    protocol: str, information: str, ssl_flags: int | None, certificate: CertificateRef | None
) -> None:
    binding = Binding(protocol, information, ssl_flags, certificate)
    data = binding.to_json()
    assert data["protocol"] == protocol
    assert data["binding_information"] == information
    if protocol.lower() in ("http", "https", "ftp"):
        ip, port, host = split_address(information)
        assert (data["ip"], data["port"], data["host"]) == (ip, port, host)
        assert (binding.ip, binding.port, binding.host) == (ip, port, host)
    else:
        assert not {"ip", "port", "host"} & data.keys()
    assert data.get("ssl_flags") == ssl_flags
    assert ("ssl_flags" in data) is (ssl_flags is not None)
    if protocol.lower() == "https" or certificate is not None:
        assert data["certificate"] == (certificate.to_json() if certificate else None)
    else:
        assert "certificate" not in data
