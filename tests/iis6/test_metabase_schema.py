"""The IIS 6 property table and the text forms of metabase values."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.iis6.schema import (
    PROPERTIES,
    PropertyType,
    format_flags,
    format_multisz,
    is_secure_blob,
    may_hold_path,
    parse_binary,
    parse_bool,
    parse_dword,
    parse_multisz,
    property_type,
    read_value,
)


def test_table_holds_the_schema_facts_the_model_relies_on() -> None:
    assert PROPERTIES["AppRoot"].id == 2103
    assert PROPERTIES["AppRoot"].type is PropertyType.STRING
    assert PROPERTIES["SSLCertHash"].id == 5506
    assert PROPERTIES["SSLCertHash"].type is PropertyType.BINARY
    assert PROPERTIES["SSLStoreName"].id == 5511
    assert PROPERTIES["SecureBindings"].id == 2021
    assert PROPERTIES["SecureBindings"].type is PropertyType.MULTISZ
    assert PROPERTIES["ServerBindings"].id == 1023
    assert PROPERTIES["ServerAutoStart"].type is PropertyType.BOOL
    assert PROPERTIES["ServerComment"].id == 1015
    assert PROPERTIES["MimeMap"].type is PropertyType.MIMEMAP
    assert PROPERTIES["AccessSSLFlags"].flags["AccessSSL128"] == 256
    assert PROPERTIES["AdminACL"].secure
    assert PROPERTIES["UNCPassword"].secure
    assert not PROPERTIES["Path"].secure


def test_unknown_properties_read_as_strings() -> None:
    assert property_type("SomethingNew") is PropertyType.STRING


@pytest.mark.parametrize(
    ("raw", "secure"),
    [
        ("49634462f0000000a400000040000000", True),
        ("49634b6298000000", True),
        ("NOLONGERVALID02eeb9eb376fc8ffad41b6b1", True),
        ("/LM/W3SVC/1/ROOT", False),
        ("", False),
        ("4963446 2", False),
    ],
)
def test_secure_blobs_are_recognised(raw: str, secure: bool) -> None:
    assert is_secure_blob(raw) is secure


def test_only_text_values_may_hold_a_path() -> None:
    assert may_hold_path("AppRoot", "/LM/W3SVC/1/Root")
    assert may_hold_path("UnknownString", "/LM/W3SVC/1")
    assert not may_hold_path("AdminACL", "anything")
    assert not may_hold_path("UNCPassword", "plain text")
    assert not may_hold_path("SSLCertHash", "40da7e66")
    assert not may_hold_path("AccessFlags", "AccessRead")
    assert not may_hold_path("Unknown", "49634462aabbcc")


def test_multisz_entries_are_read_from_raw_lines() -> None:
    raw = ":80:\r\n\t\t\t10.0.0.1:80:www.example.com\n\t\t\t:8080:"
    assert parse_multisz(raw) == [":80:", "10.0.0.1:80:www.example.com", ":8080:"]
    assert parse_multisz("") == []
    assert parse_multisz("a&amp;b") == ["a&b"]


def test_multisz_is_written_one_entry_per_line() -> None:
    text = format_multisz([":80:", "a&b"], newline="\r\n", indent="\t\t\t")
    assert text == ":80:\r\n\t\t\ta&amp;b"
    with pytest.raises(ValueError, match="line end"):
        format_multisz(["two\nlines"])


@given(
    st.lists(
        st.text(
            alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
            min_size=1,
        ).filter(lambda s: s == s.lstrip(" \t") and s.strip() != ""),
        max_size=6,
    ),
    st.sampled_from(["\n", "\r\n"]),
    st.sampled_from(["\t\t\t", "    "]),
)
def test_multisz_round_trips(entries: list[str], newline: str, indent: str) -> None:
    assert parse_multisz(format_multisz(entries, newline=newline, indent=indent)) == entries


def test_flags_read_and_written_by_name() -> None:
    assert parse_dword("AccessFlags", "AccessRead | AccessScript") == 513
    assert parse_dword("AccessFlags", "AccessRead | AccessScript ") == 513
    assert parse_dword("AccessFlags", "513") == 513
    assert parse_dword("MaxConnections", "4294967295") == 4294967295
    assert format_flags("AccessSSLFlags", 8 | 256) == "AccessSSL | AccessSSL128"
    assert format_flags("AccessFlags", 0) == "0"
    assert format_flags("AccessFlags", 1 | 1 << 20) == f"AccessRead | {1 << 20}"
    with pytest.raises(ValueError, match="not a flag"):
        parse_dword("AccessFlags", "AccessEverything")
    with pytest.raises(ValueError, match="DWORD"):
        parse_dword("MaxConnections", "4294967296")
    # Digits int() does not read are no number.
    with pytest.raises(ValueError, match="not a flag"):
        parse_dword("AccessFlags", "\u00b2")
    with pytest.raises(ValueError, match="not a BOOL"):
        parse_bool("\u00b2")


def test_bool_and_binary() -> None:
    assert parse_bool("TRUE") is True
    assert parse_bool("false") is False
    assert parse_bool("0") is False
    with pytest.raises(ValueError, match="BOOL"):
        parse_bool("maybe")
    assert parse_binary("40da7e66") == bytes.fromhex("40da7e66")


def test_read_value_by_type() -> None:
    assert read_value("ServerAutoStart", "FALSE") is False
    assert read_value("AuthFlags", "AuthAnonymous | AuthNTLM") == 5
    assert read_value("ScriptMaps", ".asp,a.dll\n\t\t\t.cer,a.dll") == [".asp,a.dll", ".cer,a.dll"]
    assert read_value("SSLCertHash", "40da") == b"\x40\xda"
    assert read_value("AdminACL", "49634462abcd") == "49634462abcd"
    assert read_value("ServerComment", "A &amp; B") == "A & B"
