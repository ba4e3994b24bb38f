"""IIS's rules for names, ids, host names, addresses and ports."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.model.rules import (
    MAX_IIS6_SITE_ID,
    MAX_IIS7_SITE_ID,
    POOL_NAME_FORBIDDEN,
    SITE_NAME_FORBIDDEN,
    address_problem,
    ctl_identifier_problem,
    host_name_problem,
    ip_problem,
    name_key,
    name_keys,
    pool_name_problem,
    port_problem,
    site_id_problem,
    site_name_problem,
    store_name_problem,
)


@pytest.mark.parametrize("name", ["Default Web Site", "Shop (placeholder)", "shop.example.com"])
def test_site_names_iis_accepts(name: str) -> None:
    assert site_name_problem(name) is None


@pytest.mark.parametrize("character", list(SITE_NAME_FORBIDDEN))
def test_each_forbidden_site_name_character_is_refused(character: str) -> None:
    problem = site_name_problem(f"Shop{character}placeholder")
    assert problem is not None
    assert f"IIS does not allow {character} in a site name" in problem


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", "cannot be empty"),
        ("   ", "cannot be empty"),
        ("Shop\r\ncalc.exe", "control characters"),
        ("Shop\x1b[2J", "control characters"),
        ("Shop\x85", "control characters"),
    ],
)
def test_empty_and_control_site_names_are_refused(name: str, expected: str) -> None:
    problem = site_name_problem(name)
    assert problem is not None
    assert expected in problem


@pytest.mark.parametrize("character", list(POOL_NAME_FORBIDDEN))
def test_each_forbidden_pool_name_character_is_refused(character: str) -> None:
    problem = pool_name_problem(f"Pool{character}1")
    assert problem is not None
    assert "application pool name" in problem


def test_pool_names_may_hold_what_site_names_may_not() -> None:
    assert pool_name_problem("Shop AppPool (2) $x") is None
    assert site_name_problem("Shop $x") is not None


@pytest.mark.parametrize(
    ("site_id", "maximum", "ok"),
    [
        (1, MAX_IIS6_SITE_ID, True),
        (MAX_IIS6_SITE_ID, MAX_IIS6_SITE_ID, True),
        (MAX_IIS6_SITE_ID + 1, MAX_IIS6_SITE_ID, False),
        (MAX_IIS6_SITE_ID + 1, MAX_IIS7_SITE_ID, True),
        (MAX_IIS7_SITE_ID + 1, MAX_IIS7_SITE_ID, False),
        (0, MAX_IIS7_SITE_ID, False),
        (-1, MAX_IIS7_SITE_ID, False),
    ],
)
def test_site_id_ranges(site_id: int, maximum: int, ok: bool) -> None:
    assert (site_id_problem(site_id, maximum) is None) == ok


@pytest.mark.parametrize(
    "host",
    [
        "shop.example.com",
        "*.example.com",
        "localhost",
        "PaymentStatus",
        "xn--bcher-kva.example",
        "a" * 63 + ".example",
        "10.0.0.5",
    ],
)
def test_host_names_accepted(host: str) -> None:
    assert host_name_problem(host) is None


@pytest.mark.parametrize(
    "host",
    [
        "",
        "*",
        "*.",
        "a.*.example.com",
        "-shop.example.com",
        "shop-.example.com",
        "shop..example.com",
        "shop.example.com.",
        "a" * 64 + ".example",
        ("a" * 60 + ".") * 5,
        'x" & calc.exe & "y',
        "shop%PATH%",
        "shop_site",
        "bücher.example",
        "shop\r\nexample",
    ],
)
def test_host_names_refused(host: str) -> None:
    assert host_name_problem(host) is not None


@pytest.mark.parametrize("ip", ["", "*", "10.0.0.5", "[::1]", "[2001:db8::5]", "0.0.0.0"])
def test_addresses_accepted(ip: str) -> None:
    assert ip_problem(ip) is None


@pytest.mark.parametrize("ip", ["::1", "[10.0.0.5]", "10.0.0.256", "host", "10.0.0.5 & calc"])
def test_addresses_refused(ip: str) -> None:
    assert ip_problem(ip) is not None


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("1", True),
        ("65535", True),
        ("0", False),
        ("65536", False),
        ("", False),
        ("4\uff143", False),
        ("-1", False),
        ("443 ", False),
    ],
)
def test_ports(text: str, ok: bool) -> None:
    assert (port_problem(text) is None) == ok


@pytest.mark.parametrize(
    ("information", "ok"),
    [
        ("*:443:shop.example.com", True),
        (":80:", True),
        ("[::1]:443:", True),
        ("10.0.0.5:8443:*.example.com", True),
        ("*:443", False),
        ("443", False),
        ("*:0:", False),
        ("*:443:bad host", False),
        ("bad:443:", False),
    ],
)
def test_address_information(information: str, ok: bool) -> None:
    assert (address_problem(information) is None) == ok


def test_name_key_is_ordinal_upper_casing_per_character() -> None:
    assert name_key("Shop") == name_key("SHOP") == name_key("shop")
    assert name_key("Straße") != name_key("STRASSE")
    assert name_key("straße") == name_key("STRAßE")
    assert name_key("Ärger") == name_key("ärger")


@given(st.text())
def test_name_key_keeps_the_length_and_is_idempotent(name: str) -> None:
    key = name_key(name)
    assert len(key) == len(name)
    assert name_key(key) == key


_NAMES = st.lists(st.text(st.sampled_from(["a", "B", " ", "\0", "ß", "ǆ", "ﬀ", "K"])) | st.text())


@given(_NAMES)
def test_name_keys_are_the_name_key_of_each(names: list[str]) -> None:
    assert name_keys(names) == [name_key(name) for name in names]


@pytest.mark.parametrize("names", [[], [""], ["", ""], ["a\0b", "c"], ["a", "b\0"], ["ǆ", "x"]])
def test_name_keys_of_empty_names_and_names_holding_the_separator(names: list[str]) -> None:
    assert name_keys(names) == [name_key(name) for name in names]


@pytest.mark.parametrize(
    "name",
    ["MY", "My", "WebHosting", "Root", "CA", "Remote Desktop", "AdfsTrustedDevices", "Trust"],
)
def test_real_store_names_are_accepted(name: str) -> None:
    assert store_name_problem(name) is None
    assert ctl_identifier_problem(name) is None


@pytest.mark.parametrize(
    "name",
    [
        *("", " MY", "MY ", "Remote  Desktop", "MY&calc", 'My"', "%STORE%", "Störe", "a\tb"),
        *("x" * 65, "..", "My -x", ".hidden"),
    ],
)
def test_store_names_outside_the_grammar_are_refused(name: str) -> None:
    problem = store_name_problem(name)
    assert problem is not None
    assert "certificate store name" in problem
    assert ctl_identifier_problem(name) is not None
