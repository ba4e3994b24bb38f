"""HTTP.sys: netsh output parsing, endpoint keys, and certificate plans rendered as scripts."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.errors import (
    CertificateError,
    NetshParseError,
    ParseError,
    SiteNotFoundError,
    ThumbprintError,
)
from metaclone.httpsys import (
    IIS_APP_ID,
    IIS_EXPRESS_APP_ID,
    Endpoint,
    EndpointKind,
    HttpSysPlan,
    PlannedChange,
    SslCertEntry,
    carried_settings,
    central_store_file,
    certificate_for,
    decode_netsh_output,
    endpoint_for,
    index_entries,
    load_netsh_sslcert,
    normalize_app_id,
    parse_netsh_sslcert,
    plan_certificates,
    resolution_order,
    served_by,
    wildcard_of,
)
from metaclone.model.sites import Binding, CertificateRef, Site
from tests.conftest import CORPUS, FIXTURES
from tests.plan_grammar import set_commands

NETSH = FIXTURES / "netsh"
MIXED = NETSH / "sslcert_iis10_mixed_crlf.txt"
LOCALIZED = NETSH / "sslcert_localized_quoted.txt"

OLD_SHARED = "40da7e6686d698efae7172220f4da438025dfeea"
OLD_WIKI = "5226dc6c54559761cd471b86eb51c096252c90f2"
OLD_V6 = "d0013e91aab93f437a4443b13e6d18bd60f0279c"
OLD_SNI = "2d125f4d735def823178e8f17e6579d04fb97b7a"
NEW_A = "aa" * 20
NEW_B = "bb" * 20


def ipport(value: str) -> Endpoint:
    return Endpoint(EndpointKind.IPPORT, value)


def site(site_id: int, name: str, *bindings: tuple[str, str, int | None]) -> Site:
    return Site(
        site_id,
        name,
        True,
        tuple(Binding.from_information(p, info, flags) for p, info, flags in bindings),
    )


#: Sites of one server: Shop and Blog share 0.0.0.0:443, the others have keys of their own.
SITES = (
    site(1, "Shop", ("https", "*:443:", None), ("http", "*:80:shop", None)),
    site(2, "Blog", ("https", "*:443:blog", None)),
    site(3, "Wiki", ("https", "10.0.0.5:443:wiki", 0)),
    site(4, "Api", ("https", "*:443:api.example.com", 1)),
    site(5, "Store", ("https", "*:443:store.example.com", 3), ("https", "*:443:*.example.net", 2)),
    site(6, "V6", ("https", "[0:0::0]:8443:", None)),
    site(7, "Plain", ("http", "*:80:plain", None)),
    site(8, "Docs", ("https", "10.0.0.6:443:", None)),
    site(9, "Shop SNI", ("https", "*:443:Shop.Example.com", 1)),
)


@pytest.fixture(scope="module")
def existing() -> tuple[SslCertEntry, ...]:
    return load_netsh_sslcert(MIXED)


# -- endpoint keys -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("information", "flags", "expected"),
    [
        ("*:443:", None, "ipport=0.0.0.0:443"),
        (":443:", 0, "ipport=0.0.0.0:443"),
        ("10.0.0.5:443:host", 0, "ipport=10.0.0.5:443"),
        ("*:443:Shop.Example.com", 1, "hostnameport=shop.example.com:443"),
        ("*:443:shop.example.com", 3, "ccs=443"),
        ("*:8443:shop.example.com", 2, "ccs=8443"),
        ("[::1]:443:", 0, "ipport=[::1]:443"),
        ("[0:0:0:0:0:0:0:1]:443:", 0, "ipport=[::1]:443"),
        ("*:443:", 1, "ipport=0.0.0.0:443"),
        ("*:443:host", 4 | 8 | 64, "ipport=0.0.0.0:443"),
    ],
)
def test_endpoint_for_https_bindings(information: str, flags: int | None, expected: str) -> None:
    endpoint = endpoint_for(Binding.from_information("https", information, flags))
    assert str(endpoint) == expected


def test_endpoint_for_other_protocols_is_none() -> None:
    assert endpoint_for(Binding.from_information("http", "*:80:")) is None
    assert endpoint_for(Binding.from_information("net.tcp", "808:*")) is None
    assert endpoint_for(Binding.from_information("https", "*:notaport:")) is None


def test_central_store_file_names_wildcards_with_underscore() -> None:
    assert central_store_file("Shop.Example.com") == "shop.example.com.pfx"
    assert central_store_file("*.example.com") == "_.example.com.pfx"


@pytest.mark.parametrize(
    "text", ["{4DC3E181-E14B-4A21-B022-59FC669B0914}", "4dc3e181-e14b-4a21-b022-59fc669b0914"]
)
def test_normalize_app_id(text: str) -> None:
    assert normalize_app_id(text) == IIS_APP_ID


def test_normalize_app_id_rejects_non_guid() -> None:
    with pytest.raises(CertificateError, match="not an application id"):
        normalize_app_id("{not-a-guid}")


# -- parsing -----------------------------------------------------------------------------------


def test_parse_fixture_exact_values(existing: tuple[SslCertEntry, ...]) -> None:
    summary = [(str(e.endpoint), e.thumbprint, e.store, e.app_id, e.line) for e in existing]
    assert summary == [
        ("ipport=0.0.0.0:443", OLD_SHARED, "MY", IIS_APP_ID, 7),
        ("ipport=10.0.0.5:443", OLD_WIKI, None, IIS_APP_ID, 32),
        ("ipport=[::]:8443", OLD_V6, "WebHosting", IIS_APP_ID, 46),
        ("hostnameport=shop.example.com:443", OLD_SNI, "My", IIS_APP_ID, 60),
        ("ccs=443", None, None, IIS_APP_ID, 76),
    ]


def test_parse_keeps_every_field_including_unknown_ones(
    existing: tuple[SslCertEntry, ...],
) -> None:
    first = existing[0]
    assert first.fields[0] == ("IP:port", "0.0.0.0:443")
    assert first.fields[3] == ("Certificate Store Name", "MY")
    assert first.fields[-2:] == (
        ("Enable Session Ticket", "Not Set"),
        ("Frobnicate Widgets", "Sometimes"),
    )
    assert len(first.fields) == 24
    assert existing[1].fields[9] == ("Ctl Identifier", "(null)")
    assert existing[1].fields[1] == ("Certificate Hash", "5226DC6C54559761CD471B86EB51C096252C90F2")


def test_entry_ref_and_json(existing: tuple[SslCertEntry, ...]) -> None:
    assert existing[1].ref == CertificateRef(OLD_WIKI, "MY")
    assert existing[4].ref is None
    data = existing[3].to_json()
    assert data["endpoint"] == "hostnameport=shop.example.com:443"
    assert data["kind"] == "hostnameport"
    assert data["key"] == "shop.example.com:443"
    assert data["store"] == "My"
    assert data["line"] == 60
    assert data["fields"] == [list(field) for field in existing[3].fields]


def test_utf16_and_utf8_bom_copies_parse_the_same(
    tmp_path: Path, existing: tuple[SslCertEntry, ...]
) -> None:
    text = MIXED.read_bytes().decode("ascii")
    utf16 = tmp_path / "sslcert_utf16.txt"
    utf16.write_bytes(text.encode("utf-16"))  # with BOM, as PowerShell 5 redirection writes
    assert utf16.read_bytes()[:2] == b"\xff\xfe"
    utf8_bom = tmp_path / "sslcert_utf8_bom.txt"
    utf8_bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert load_netsh_sslcert(utf16) == existing
    assert load_netsh_sslcert(utf8_bom) == existing


def test_lf_and_crlf_parse_the_same(existing: tuple[SslCertEntry, ...]) -> None:
    text = MIXED.read_bytes().decode("ascii").replace("\r\n", "\n")
    assert parse_netsh_sslcert(text, str(MIXED)) == existing


def test_parse_localized_output_in_markdown_quote() -> None:
    entries = load_netsh_sslcert(LOCALIZED)
    assert [(str(e.endpoint), e.thumbprint, e.store, e.app_id, e.line) for e in entries] == [
        ("ipport=0.0.0.0:443", OLD_SHARED, "MY", IIS_APP_ID, 7),
        ("hostnameport=shop.example.com:443", OLD_SNI, None, IIS_APP_ID, 13),
        ("ccs=443", None, None, IIS_APP_ID, 18),
    ]
    assert entries[0].fields[4] == ("Clientzertifikatsperrung überprüfen", "Aktiviert")
    assert not entries[0].english


def test_parse_output_without_bindings() -> None:
    assert load_netsh_sslcert(NETSH / "sslcert_empty.txt") == ()


def test_parse_block_without_blank_line_after_header() -> None:
    text = (
        "SSL Certificate bindings:\n-------------------------\n"
        "IP:port : 0.0.0.0:443\nCertificate Hash : (null)\nApplication ID : (null)\n"
        "IP:port : 0.0.0.0:444\nCertificate Hash : " + OLD_SHARED + "\nApplication ID : (null)\n"
    )
    entries = parse_netsh_sslcert(text)
    assert [(str(e.endpoint), e.thumbprint, e.app_id) for e in entries] == [
        ("ipport=0.0.0.0:443", None, None),
        ("ipport=0.0.0.0:444", OLD_SHARED, None),
    ]


def test_parse_headings_inside_a_block_are_fields() -> None:
    text = (
        "SSL Certificate bindings:\n-------------------------\n\n"
        "    IP:port : 0.0.0.0:443\n    Certificate Hash : " + OLD_SHARED + "\n"
        "    Application ID : " + IIS_APP_ID + "\n    Extended Properties:\n"
        "    PropertyId                   : 0\n    Receive Window               : 1048576\n"
    )
    (entry,) = parse_netsh_sslcert(text)
    assert entry.fields[3:] == (
        ("Extended Properties", ""),
        ("PropertyId", "0"),
        ("Receive Window", "1048576"),
    )


def corpus_captures() -> list[object]:
    captures = sorted(CORPUS.glob("**/netsh_show_*.txt")) if CORPUS.is_dir() else []
    if not captures:
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/corpus not present"))]
    return [pytest.param(path, id=path.name) for path in captures]


@pytest.mark.parametrize("path", corpus_captures())
def test_parse_corpus_captures(path: Path) -> None:
    entries = load_netsh_sslcert(path)
    text = path.read_text()
    keys = sum(
        text.count(label) for label in ("IP:port ", "Hostname:port ", "Central Certificate Store")
    )
    assert len(entries) == keys >= 1
    for entry in entries:
        assert entry.thumbprint is not None
        assert len(entry.thumbprint) == 40
        assert entry.app_id is not None


@pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present")
def test_parse_corpus_known_values() -> None:
    iis7 = CORPUS / "iis7"
    adfs = load_netsh_sslcert(
        iis7 / "netsh_show_sslcert_hostnameport_adfs_AdfsAnalyzer-issue41_truncated.txt"
    )
    assert [str(e.endpoint) for e in adfs] == [
        "hostnameport=sts.margiestravel.com:443",
        "hostnameport=sts.margiestravel.com:49443",
    ]
    assert {e.thumbprint for e in adfs} == {OLD_SNI}
    assert adfs[0].store == "my"
    assert adfs[0].fields[10] == ("Ctl Store Name", "adfstrusteddevices")
    (azure,) = load_netsh_sslcert(
        iis7 / "netsh_show_sslcert_ipport_azure-pipelines-extensions-issue140.txt"
    )
    assert (azure.endpoint, azure.thumbprint, azure.store, azure.app_id) == (
        ipport("0.0.0.0:443"),
        OLD_WIKI,
        None,
        IIS_APP_ID,
    )


# -- parse errors ------------------------------------------------------------------------------

HEADER = "SSL Certificate bindings:\n-------------------------\n\n"


def parse_error(text: str) -> NetshParseError:
    with pytest.raises(NetshParseError) as caught:
        parse_netsh_sslcert(text, "capture.txt")
    assert isinstance(caught.value, ParseError)
    assert caught.value.path == "capture.txt"
    return caught.value


def test_error_block_not_starting_with_a_key() -> None:
    error = parse_error(HEADER + "    Certificate Hash : " + OLD_SHARED + "\n")
    assert (error.line, error.column) == (4, 5)
    assert "expected it to start with 'IP:port'" in error.message
    assert "capture.txt:4:5" in str(error)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("IP:port : 300.0.0.1:443", "an IP address and port"),
        ("IP:port : 0.0.0.0:99999", "an IP address and port"),
        ("IP:port : shop.example.com:443", "an IP address and port"),
        ("Hostname:port : shop.example.com", "a host name and port"),
        ("Central Certificate Store : port443", "a port number"),
    ],
)
def test_error_bad_key_value(key: str, expected: str) -> None:
    error = parse_error(HEADER + key + "\nCertificate Hash : (null)\nApplication ID : (null)\n")
    assert error.line == 4
    assert error.column == key.index(" : ") + 4
    assert expected in error.message


def test_error_bad_hash_points_at_the_value() -> None:
    error = parse_error(
        HEADER + "IP:port : 0.0.0.0:443\nCertificate Hash     : 12345\nApplication ID : (null)\n"
    )
    assert (error.line, error.column) == (5, 24)
    assert "not 40 hexadecimal digits" in error.message
    assert "    Certificate Hash     : 12345\n" in str(error)


def test_error_bad_app_id() -> None:
    error = parse_error(
        HEADER + "IP:port : 0.0.0.0:443\nCertificate Hash : (null)\nApplication ID : {x}\n"
    )
    assert (error.line, error.column) == (6, 18)
    assert error.message == f"application id '{{x}}' is not a GUID such as {IIS_APP_ID}"


def test_error_prose_inside_a_block() -> None:
    error = parse_error(HEADER + "IP:port : 0.0.0.0:443\n  something else\n")
    assert (error.line, error.column) == (5, 3)
    assert "starts at line 4" in error.message


def test_error_truncated_block() -> None:
    error = parse_error(HEADER + "IP:port : 0.0.0.0:443\nCertificate Hash : (null)\n")
    assert error.line == 4
    assert "no Application ID line" in error.message
    assert "truncated" in error.message


def test_error_localized_block_too_short() -> None:
    error = parse_error(HEADER + "IP:Anschluss : 0.0.0.0:443\n")
    assert "no Certificate Hash line" in error.message


def test_error_key_shown_twice() -> None:
    block = "IP:port : 0.0.0.0:443\nCertificate Hash : (null)\nApplication ID : (null)\n"
    error = parse_error(HEADER + block + "\n" + block)
    assert error.line == 8
    assert "appears twice (first at line 4)" in error.message


@pytest.mark.parametrize("text", ["", "hello world\n", "Usage: add sslcert ipport=<ipaddr:port>\n"])
def test_error_not_netsh_output(text: str) -> None:
    error = parse_error(text)
    assert (error.line, error.column) == (1, 1)
    assert "no 'netsh http show sslcert' output found" in error.message


def test_error_undecodable_bytes() -> None:
    with pytest.raises(NetshParseError) as caught:
        decode_netsh_output(b"SSL:\r\n  ab\xff\xfecd\r\n", "capture.txt")
    assert (caught.value.line, caught.value.column) == (2, 5)
    assert "Out-File -Encoding utf8" in caught.value.message


def test_error_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    with pytest.raises(NetshParseError) as caught:
        load_netsh_sslcert(missing)
    assert caught.value.path == str(missing)
    assert "cannot read netsh output" in caught.value.message


def test_index_entries_rejects_repeats(existing: tuple[SslCertEntry, ...]) -> None:
    index = index_entries(existing)
    assert index[ipport("10.0.0.5:443")] is existing[1]
    with pytest.raises(NetshParseError, match="given twice"):
        index_entries([existing[0], existing[0]])


def test_certificate_for_bindings(existing: tuple[SslCertEntry, ...]) -> None:
    index = index_entries(existing)
    shop, _ = SITES[0].bindings
    assert certificate_for(shop, index) == CertificateRef(OLD_SHARED, "MY")
    assert certificate_for(SITES[8].bindings[0], index) == CertificateRef(OLD_SNI, "My")
    assert certificate_for(SITES[5].bindings[0], index) == CertificateRef(OLD_V6, "WebHosting")
    assert certificate_for(SITES[4].bindings[0], index) is None  # central store
    # 10.0.0.6:443 has no entry of its own: HTTP.sys falls back to the wildcard 0.0.0.0:443.
    assert certificate_for(SITES[7].bindings[0], index) == CertificateRef(OLD_SHARED, "MY")
    assert certificate_for(SITES[0].bindings[1], index) is None  # http
    assert certificate_for(Binding.from_information("https", "10.0.0.6:8443:"), index) is None


@pytest.mark.parametrize(
    ("information", "flags", "expected"),
    [
        ("*:443:", None, ["ipport=0.0.0.0:443"]),
        ("10.0.0.5:443:wiki", 0, ["ipport=10.0.0.5:443", "ipport=0.0.0.0:443"]),
        ("[2001:db8::5]:443:", 0, ["ipport=[2001:db8::5]:443", "ipport=[::]:443"]),
        ("[::]:443:", 0, ["ipport=[::]:443"]),
        ("*:443:Api.Example.com", 1, ["hostnameport=api.example.com:443", "ipport=0.0.0.0:443"]),
        (
            "10.0.0.5:443:store.example.com",
            3,
            [
                "hostnameport=store.example.com:443",
                "ccs=443",
                "ipport=10.0.0.5:443",
                "ipport=0.0.0.0:443",
            ],
        ),
        ("*:443:", 1, ["ipport=0.0.0.0:443"]),  # SNI without a host name is not SNI
        ("*:notaport:", 0, []),
    ],
)
def test_resolution_order(information: str, flags: int | None, expected: list[str]) -> None:
    binding = Binding.from_information("https", information, flags)
    assert [str(e) for e in resolution_order(binding)] == expected


def test_resolution_order_of_other_protocols_is_empty() -> None:
    assert resolution_order(Binding.from_information("http", "10.0.0.5:80:")) == ()


def test_served_by_takes_the_first_entry_in_resolution_order(
    existing: tuple[SslCertEntry, ...],
) -> None:
    index = index_entries(existing)
    sni = Binding.from_information("https", "*:443:shop.example.com", 1)
    served = served_by(sni, index)
    assert served is not None
    assert str(served.endpoint) == "hostnameport=shop.example.com:443"
    other_host = Binding.from_information("https", "*:443:other.example.com", 1)
    fallback = served_by(other_host, index)
    assert fallback is not None
    assert str(fallback.endpoint) == "ipport=0.0.0.0:443"
    exact = served_by(Binding.from_information("https", "10.0.0.5:443:", 0), index)
    assert exact is not None
    assert str(exact.endpoint) == "ipport=10.0.0.5:443"
    only_sni = index_entries([e for e in existing if e.endpoint.kind is EndpointKind.HOSTNAMEPORT])
    assert served_by(other_host, only_sni) is None


def test_wildcard_of() -> None:
    assert str(wildcard_of(ipport("10.0.0.5:443"))) == "ipport=0.0.0.0:443"
    assert str(wildcard_of(ipport("[::1]:443"))) == "ipport=[::]:443"
    assert wildcard_of(ipport("0.0.0.0:443")) is None
    assert wildcard_of(Endpoint(EndpointKind.CCS, "443")) is None


# -- round trip property -----------------------------------------------------------------------

_hex = st.text("0123456789abcdef", min_size=40, max_size=40)
_ipv4 = st.ip_addresses(v=4).map(str)
_ipv6 = st.ip_addresses(v=6).map(lambda a: f"[{a.compressed}]")
_host = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z][a-z0-9-]{0,10}){0,3}", fullmatch=True)
_port = st.integers(1, 65535)


@st.composite
def _entries(draw: st.DrawFn) -> list[tuple[str, str, str | None, str | None]]:
    count = draw(st.integers(0, 5))
    result: list[tuple[str, str, str | None, str | None]] = []
    seen: set[str] = set()
    for _ in range(count):
        kind = draw(st.sampled_from(["IP:port", "Hostname:port", "Central Certificate Store"]))
        if kind == "IP:port":
            key = f"{draw(st.one_of(_ipv4, _ipv6))}:{draw(_port)}"
        elif kind == "Hostname:port":
            key = f"{draw(_host)}:{draw(_port)}"
        else:
            key = str(draw(_port))
        if key in seen:
            continue
        seen.add(key)
        thumbprint = draw(st.one_of(st.none(), _hex))
        store = draw(st.sampled_from([None, "MY", "WebHosting"]))
        result.append((kind, key, thumbprint, store))
    return result


@settings(max_examples=60, deadline=None)
@given(
    entries=_entries(),
    newline=st.sampled_from(["\n", "\r\n"]),
    indent=st.sampled_from(["", "    ", "\t", "> ", ">     "]),
    pad=st.integers(1, 30),
)
def test_rendered_output_parses_back(
    entries: list[tuple[str, str, str | None, str | None]], newline: str, indent: str, pad: int
) -> None:
    lines = ["SSL Certificate bindings:", "-------------------------", ""]
    for kind, key, thumbprint, store in entries:
        rows = [
            (kind, key),
            ("Certificate Hash", thumbprint or "(null)"),
            ("Application ID", IIS_EXPRESS_APP_ID),
            ("Certificate Store Name", store or "(null)"),
            ("Some Future Field", "Not Set"),
        ]
        lines.extend(indent + f"{label:<{pad}} : {value}" for label, value in rows)
        lines.append(indent.rstrip())
    parsed = parse_netsh_sslcert(newline.join(lines))
    assert [(e.fields[0], e.thumbprint, e.store, e.app_id) for e in parsed] == [
        ((kind, key), thumbprint, store, IIS_EXPRESS_APP_ID)
        for kind, key, thumbprint, store in entries
    ]


@settings(max_examples=60, deadline=None)
@given(address=st.ip_addresses(v=6), port=_port)
def test_ipv6_binding_key_equals_netsh_key(address: ipaddress.IPv6Address, port: int) -> None:
    binding = Binding.from_information("https", f"[{address.exploded}]:{port}:")
    text = f"{HEADER}IP:port : [{address.compressed}]:{port}\nCertificate Hash : (null)\n"
    (entry,) = parse_netsh_sslcert(text + "Application ID : (null)\n")
    assert endpoint_for(binding) == entry.endpoint


# -- planning ----------------------------------------------------------------------------------


def test_plan_update_on_shared_ipport_names_the_other_sites(
    existing: tuple[SslCertEntry, ...],
) -> None:
    plan = plan_certificates(SITES, {1: CertificateRef(NEW_A)}, existing)
    assert plan.changes == (
        PlannedChange(
            action="update",
            endpoint=ipport("0.0.0.0:443"),
            thumbprint=NEW_A,
            store="MY",
            app_id=IIS_APP_ID,
            sites=("Shop",),
            also_affected=("Blog",),
            previous_thumbprint=OLD_SHARED,
        ),
    )
    assert plan.warnings == (
        'ipport=0.0.0.0:443 is shared: site "Blog" will get the new certificate too '
        "(HTTP.sys holds one certificate per IP address and port)",
    )


def test_plan_same_certificate_for_two_sites_on_one_endpoint(
    existing: tuple[SslCertEntry, ...],
) -> None:
    plan = plan_certificates(
        SITES, {1: CertificateRef(NEW_A), 2: CertificateRef(NEW_A.upper(), "my")}, existing
    )
    (change,) = plan.changes
    assert change.sites == ("Shop", "Blog")
    assert change.also_affected == ()
    assert plan.warnings == ()


def test_plan_unknown_existing_replaces(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(SITES, {1: CertificateRef(NEW_A)})
    (change,) = plan.changes
    assert change.action == "replace"
    assert change.previous_thumbprint is None
    assert change.also_affected == ("Blog",)
    assert any("not known" in w and "resets its other settings" in w for w in plan.warnings)


def test_plan_nothing_when_certificate_already_there(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(SITES, {1: CertificateRef(OLD_SHARED.upper(), "my")}, existing)
    assert not plan
    assert plan.changes == ()
    assert plan.warnings == ()


def test_plan_add_when_absent(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(SITES, {8: CertificateRef(NEW_A, "WebHosting")}, existing)
    (change,) = plan.changes
    assert (change.action, str(change.endpoint), change.store, change.previous_thumbprint) == (
        "add",
        "ipport=10.0.0.6:443",
        "WebHosting",
        None,
    )
    assert set_commands(plan.netsh()) == [
        f"ipport=10.0.0.6:443 certhash={NEW_A} appid={IIS_APP_ID} certstorename=WebHosting"
    ]


def test_plan_sni_uses_hostnameport(existing: tuple[SslCertEntry, ...]) -> None:
    added = plan_certificates(SITES, {4: CertificateRef(NEW_A)}, existing)
    assert [(c.action, str(c.endpoint)) for c in added.changes] == [
        ("add", "hostnameport=api.example.com:443")
    ]
    updated = plan_certificates(SITES, {9: CertificateRef(NEW_A)}, existing)
    (change,) = updated.changes
    assert (change.action, str(change.endpoint), change.previous_thumbprint) == (
        "update",
        "hostnameport=shop.example.com:443",
        OLD_SNI,
    )
    assert change.also_affected == ()
    assert set_commands(updated.netsh()) == [
        f"hostnameport=shop.example.com:443 certhash={NEW_A} appid={IIS_APP_ID} certstorename=MY"
    ]


def test_plan_ipv6_update_repeats_current_settings(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(SITES, {6: CertificateRef(NEW_B)}, existing)
    (change,) = plan.changes
    assert str(change.endpoint) == "ipport=[::]:8443"
    assert change.options == (("clientcertnegotiation", "enable"),)
    assert set_commands(plan.netsh()) == [
        f"ipport=[::]:8443 certhash={NEW_B} appid={IIS_APP_ID} certstorename=MY "
        "clientcertnegotiation=enable"
    ]
    assert f"ipport='[::]:8443' certhash={NEW_B}" in plan.powershell()


def test_plan_central_store_warns_with_file_names(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(SITES, {5: CertificateRef(NEW_A)}, existing)
    assert plan.changes == ()
    assert plan.warnings == (
        'site "Store" binding *:443:store.example.com takes its certificate from the central '
        "certificate store (ccs=443); HTTP.sys is not changed: the store must contain "
        f"store.example.com.pfx holding certificate {NEW_A}",
        'site "Store" binding *:443:*.example.net takes its certificate from the central '
        "certificate store (ccs=443); HTTP.sys is not changed: the store must contain "
        f"_.example.net.pfx holding certificate {NEW_A}",
    )
    removed = plan_certificates(SITES, {5: None})
    assert removed.changes == ()
    assert "remove store.example.com.pfx from the store" in removed.warnings[0]


def test_plan_central_store_binding_without_host() -> None:
    sites = [site(1, "NoHost", ("https", "*:443:", 2))]
    plan = plan_certificates(sites, {1: CertificateRef(NEW_A)})
    assert plan.changes == ()
    assert "has no host name" in plan.warnings[0]


def test_plan_remove(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(SITES, {3: None}, existing)
    (change,) = plan.changes
    assert (change.action, change.thumbprint, change.previous_thumbprint) == (
        "delete",
        None,
        OLD_WIKI,
    )
    assert plan.netsh().split("\n")[-5:] == [
        "net session >nul 2>&1 || (echo This plan needs an elevated command prompt: run it as "
        "administrator. & exit /b 1)",
        f"rem ipport=10.0.0.5:443 (delete): remove the certificate for site 'Wiki' "
        f"(was {OLD_WIKI})",
        "netsh http show sslcert ipport=10.0.0.5:443 >nul 2>&1 && "
        "(netsh http delete sslcert ipport=10.0.0.5:443 || exit /b 1)",
        "exit /b 0",
        "",
    ]
    unknown = plan_certificates(SITES, {3: None})
    assert [c.action for c in unknown.changes] == ["delete"]
    absent = plan_certificates(SITES, {8: None}, existing)
    assert not absent


def test_plan_remove_on_shared_endpoint_warns(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(SITES, {2: None}, existing)
    (change,) = plan.changes
    assert change.also_affected == ("Shop",)
    assert 'site "Shop" will lose their certificate too' in plan.warnings[0]
    assert "shared with site 'Shop', which gets no certificate either" in plan.netsh()
    assert 'shared with site "Shop", which gets no certificate either' in plan.powershell()


def test_plan_swap_across_two_ipport_endpoints(existing: tuple[SslCertEntry, ...]) -> None:
    plan = plan_certificates(
        SITES, {3: CertificateRef(NEW_A), 8: CertificateRef(OLD_WIKI)}, existing
    )
    assert [(c.action, str(c.endpoint), c.thumbprint, c.sites) for c in plan.changes] == [
        ("update", "ipport=10.0.0.5:443", NEW_A, ("Wiki",)),
        ("add", "ipport=10.0.0.6:443", OLD_WIKI, ("Docs",)),
    ]


def test_plan_swap_on_one_shared_endpoint_is_refused(existing: tuple[SslCertEntry, ...]) -> None:
    with pytest.raises(CertificateError) as caught:
        plan_certificates(SITES, {1: CertificateRef(NEW_A), 2: CertificateRef(NEW_B)}, existing)
    message = caught.value.message
    assert 'sites "Shop" and "Blog" both use the HTTP.sys entry ipport=0.0.0.0:443' in message
    assert f"certificate {NEW_A} and certificate {NEW_B}" in message
    assert "own IP address" in message
    assert "SNI" in message


def test_plan_set_and_remove_on_one_endpoint_is_refused() -> None:
    with pytest.raises(CertificateError, match=r"certificate .* and no certificate"):
        plan_certificates(SITES, {1: CertificateRef(NEW_A), 2: None})


def test_plan_site_without_https_binding_warns() -> None:
    plan = plan_certificates(SITES, {7: CertificateRef(NEW_A)})
    assert not plan
    assert plan.warnings == (
        'site "Plain" (id 7) has no https binding, so there is no HTTP.sys certificate '
        "binding to change",
    )


def test_plan_warns_when_entry_belongs_to_another_application() -> None:
    (adfs,) = parse_netsh_sslcert(
        HEADER + "IP:port : 10.0.0.5:443\nCertificate Hash : " + OLD_WIKI + "\n"
        "Application ID : {5d89a20c-beab-4389-9447-324788eb944a}\n"
    )
    plan = plan_certificates(SITES, {3: CertificateRef(NEW_A)}, [adfs])
    assert plan.warnings == (
        "ipport=10.0.0.5:443 is registered by application "
        "{5d89a20c-beab-4389-9447-324788eb944a}, not " + IIS_APP_ID + "; changing it affects "
        "that application too",
    )


def test_plan_iis_express_app_id() -> None:
    plan = plan_certificates(SITES, {3: CertificateRef(NEW_A)}, app_id=IIS_EXPRESS_APP_ID.upper())
    assert plan.changes[0].app_id == IIS_EXPRESS_APP_ID


def test_plan_errors() -> None:
    with pytest.raises(SiteNotFoundError, match="no site has id 42"):
        plan_certificates(SITES, {42: CertificateRef(NEW_A)})
    with pytest.raises(ThumbprintError):
        plan_certificates(SITES, {3: CertificateRef("xyz")})
    with pytest.raises(CertificateError, match="not an application id"):
        plan_certificates(SITES, {3: CertificateRef(NEW_A)}, app_id="iis")


def test_carried_settings_warn_about_unreadable_values() -> None:
    (entry,) = parse_netsh_sslcert(
        HEADER + "IP:port : 0.0.0.0:443\nCertificate Hash : (null)\nApplication ID : (null)\n"
        "Verify Client Certificate Revocation : Disabled\nUsage Check : Maybe\n"
        "Revocation Freshness Time : 30\nURL Retrieval Timeout : soon\n"
        "Ctl Identifier : (null)\nCtl Store Name : Trusted\nDisable QUIC : Set\n"
        "Brand New Switch : Enabled\nBrand New Number : 7\n"
    )
    options, warnings = carried_settings(entry)
    assert options == (
        ("verifyclientcertrevocation", "disable"),
        ("revocationfreshnesstime", "30"),
        ("sslctlstorename", "Trusted"),
        ("disablequic", "enable"),
    )
    assert warnings == (
        "ipport=0.0.0.0:443: these settings could not be repeated on the command line and "
        "'netsh http update sslcert' may reset them: Usage Check : Maybe; "
        "URL Retrieval Timeout : soon; Brand New Switch : Enabled",
    )


def test_carried_settings_of_localized_output_warn() -> None:
    entry = load_netsh_sslcert(LOCALIZED)[0]
    options, warnings = carried_settings(entry)
    assert options == ()
    assert "another language" in warnings[0]
    plan = plan_certificates(SITES, {1: CertificateRef(NEW_A)}, [entry])
    assert "another language" in plan.warnings[0]


# -- rendering ---------------------------------------------------------------------------------


def small_plan() -> HttpSysPlan:
    return plan_certificates(SITES, {1: CertificateRef(NEW_A), 6: CertificateRef(NEW_B)})


SHARED_WARNING = (
    'ipport=0.0.0.0:443 is shared: site "Blog" will get the new certificate too '
    "(HTTP.sys holds one certificate per IP address and port)"
)
REPLACE_WARNING = (
    "the current HTTP.sys entries are not known: each change updates the entry (or adds it), "
    "which resets its other settings (client certificate negotiation, revocation checks) to the "
    "defaults; give the 'netsh http show sslcert' output to plan updates that keep them"
)
SHOP_COMMENT = (
    f'ipport=0.0.0.0:443 (replace): set certificate {NEW_A} for site "Shop"; '
    'shared with site "Blog", which gets it too'
)
V6_COMMENT = f'ipport=[::]:8443 (replace): set certificate {NEW_B} for site "V6"'
ABOUT = (
    "It checks that it runs elevated and that each certificate is in its store, then updates",
    "each entry (or adds it) or deletes it (if present); it stops at the first failure and is",
    "safe to run again.",
)


def cmd_text(text: str) -> str:
    return text.replace('"', "'")


def test_render_netsh_exactly() -> None:
    shop = f"ipport=0.0.0.0:443 certhash={NEW_A} appid={IIS_APP_ID} certstorename=MY"
    v6 = f"ipport=[::]:8443 certhash={NEW_B} appid={IIS_APP_ID} certstorename=MY"
    assert small_plan().netsh() == (
        "rem HTTP.sys certificate plan: run in an elevated command prompt\n"
        + "".join(f"rem {line}\n" for line in ABOUT)
        + f"rem warning: {cmd_text(SHARED_WARNING)}\n"
        f"rem warning: {REPLACE_WARNING}\n"
        "net session >nul 2>&1 || (echo This plan needs an elevated command prompt: run it as "
        "administrator. & exit /b 1)\n"
        f"certutil -store MY {NEW_A} >nul 2>&1 || (echo Certificate {NEW_A} is not in the local "
        "machine store MY: import it first. & exit /b 1)\n"
        f"certutil -store MY {NEW_B} >nul 2>&1 || (echo Certificate {NEW_B} is not in the local "
        "machine store MY: import it first. & exit /b 1)\n"
        f"rem {cmd_text(SHOP_COMMENT)}\n"
        "netsh http show sslcert ipport=0.0.0.0:443 >nul 2>&1\n"
        f"if errorlevel 1 (netsh http add sslcert {shop}) else (netsh http update sslcert {shop})\n"
        "if errorlevel 1 exit /b 1\n"
        f"rem {cmd_text(V6_COMMENT)}\n"
        "netsh http show sslcert ipport=[::]:8443 >nul 2>&1\n"
        f"if errorlevel 1 (netsh http add sslcert {v6}) else (netsh http update sslcert {v6})\n"
        "if errorlevel 1 exit /b 1\n"
        "exit /b 0\n"
    )


def test_render_powershell_exactly() -> None:
    app = f"appid='{IIS_APP_ID}'"
    shop = f"ipport=0.0.0.0:443 certhash={NEW_A} {app} certstorename=MY"
    v6 = f"ipport='[::]:8443' certhash={NEW_B} {app} certstorename=MY"
    assert small_plan().powershell() == (
        "# HTTP.sys certificate plan: run in an elevated PowerShell session\n"
        + "".join(f"# {line}\n" for line in ABOUT)
        + f"# warning: {SHARED_WARNING}\n"
        f"# warning: {REPLACE_WARNING}\n"
        "$ErrorActionPreference = 'Stop'\n"
        "$PSNativeCommandUseErrorActionPreference = $false\n"
        "$principal = [Security.Principal.WindowsPrincipal]"
        "[Security.Principal.WindowsIdentity]::GetCurrent()\n"
        "if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) "
        "{ throw 'This plan needs an elevated PowerShell session: run it as administrator' }\n"
        f"if (-not (Test-Path -LiteralPath 'Cert:\\LocalMachine\\MY\\{NEW_A.upper()}')) "
        f"{{ throw 'Certificate {NEW_A} is not in the local machine store MY: import it first' }}\n"
        f"if (-not (Test-Path -LiteralPath 'Cert:\\LocalMachine\\MY\\{NEW_B.upper()}')) "
        f"{{ throw 'Certificate {NEW_B} is not in the local machine store MY: import it first' }}\n"
        "\n"
        f"# {SHOP_COMMENT}\n"
        "netsh http show sslcert ipport=0.0.0.0:443 | Out-Null\n"
        f"if ($LASTEXITCODE -eq 0) {{ netsh http update sslcert {shop} }} "
        f"else {{ netsh http add sslcert {shop} }}\n"
        "if ($LASTEXITCODE -ne 0) { throw 'setting the certificate of ipport=0.0.0.0:443 failed: "
        "exit code ' + $LASTEXITCODE }\n"
        "\n"
        f"# {V6_COMMENT}\n"
        "netsh http show sslcert ipport='[::]:8443' | Out-Null\n"
        f"if ($LASTEXITCODE -eq 0) {{ netsh http update sslcert {v6} }} "
        f"else {{ netsh http add sslcert {v6} }}\n"
        "if ($LASTEXITCODE -ne 0) { throw 'setting the certificate of ipport=[::]:8443 failed: "
        "exit code ' + $LASTEXITCODE }\n"
    )


def test_render_quotes_store_names_with_spaces() -> None:
    change = PlannedChange(
        action="add",
        endpoint=ipport("0.0.0.0:443"),
        thumbprint=NEW_A,
        store="Remote Desktop",
        app_id=IIS_APP_ID,
        sites=("O'Brien",),
        options=(("sslctlstorename", "Trusted Devices"),),
    )
    plan = HttpSysPlan((change,))
    netsh, powershell = plan.netsh(), plan.powershell()
    assert 'certstorename="Remote Desktop" sslctlstorename="Trusted Devices"' in netsh
    assert f'certutil -store "Remote Desktop" {NEW_A} >nul 2>&1' in netsh
    assert "certstorename='Remote Desktop' sslctlstorename='Trusted Devices'" in powershell
    assert f"'Cert:\\LocalMachine\\Remote Desktop\\{NEW_A.upper()}'" in powershell


def test_render_empty_plan() -> None:
    plan = HttpSysPlan()
    assert not plan
    assert plan.netsh().endswith("rem nothing to change in HTTP.sys\n")
    assert plan.powershell().endswith("# nothing to change in HTTP.sys\n")
    assert plan.to_json() == {"changes": [], "warnings": []}


def test_plan_to_json() -> None:
    data = small_plan().to_json()
    assert data["warnings"] == [SHARED_WARNING, REPLACE_WARNING]
    changes = data["changes"]
    assert isinstance(changes, list)
    assert changes[0] == {
        "action": "replace",
        "endpoint": "ipport=0.0.0.0:443",
        "kind": "ipport",
        "key": "0.0.0.0:443",
        "thumbprint": NEW_A,
        "store": "MY",
        "app_id": IIS_APP_ID,
        "sites": ["Shop"],
        "also_affected": ["Blog"],
        "previous_thumbprint": None,
        "options": {},
    }


def test_merged_plans_later_change_wins_per_endpoint() -> None:
    first = plan_certificates(SITES, {1: CertificateRef(NEW_A), 3: CertificateRef(NEW_A)})
    second = plan_certificates(SITES, {2: CertificateRef(NEW_B), 8: CertificateRef(NEW_B)})
    merged = first.merged(second)
    assert [(str(c.endpoint), c.thumbprint, c.sites) for c in merged.changes] == [
        ("ipport=0.0.0.0:443", NEW_B, ("Blog",)),
        ("ipport=10.0.0.5:443", NEW_A, ("Wiki",)),
        ("ipport=10.0.0.6:443", NEW_B, ("Docs",)),
    ]
    assert merged.warnings.count(REPLACE_WARNING) == 1
    assert len(merged.warnings) == 3
    assert HttpSysPlan().merged(first) == first


def test_carried_settings_read_only_ascii_numbers() -> None:
    (entry,) = parse_netsh_sslcert(
        HEADER + "IP:port : 0.0.0.0:443\nCertificate Hash : (null)\nApplication ID : (null)\n"
        "Revocation Freshness Time : \u00b2\n"
    )
    options, warnings = carried_settings(entry)
    assert options == ()
    assert warnings == (
        "ipport=0.0.0.0:443: these settings could not be repeated on the command line and "
        "'netsh http update sslcert' may reset them: Revocation Freshness Time : \u00b2",
    )


_LINE_PREFIX = st.from_regex(r"[ \t]{0,3}(>[ \t]{0,2}){0,2}", fullmatch=True)


@given(prefixes=st.lists(_LINE_PREFIX, min_size=8, max_size=8))
def test_each_line_may_have_its_own_indentation_and_quote_prefix(prefixes: list[str]) -> None:
    lines = [
        "SSL Certificate bindings:",
        "-------------------------",
        "",
        "IP:port                 : 0.0.0.0:443",
        f"Certificate Hash        : {OLD_SHARED}",
        f"Application ID          : {IIS_APP_ID}",
        "Certificate Store Name  : My",
        "",
    ]
    plain = parse_netsh_sslcert("\n".join(lines))
    quoted_lines = [prefix + line for prefix, line in zip(prefixes, lines, strict=True)]
    assert parse_netsh_sslcert("\n".join(quoted_lines)) == plain
    # A value is located after its line's own prefix.
    quoted_lines[4] = prefixes[4] + "Certificate Hash        : not-a-hash"
    with pytest.raises(NetshParseError) as caught:
        parse_netsh_sslcert("\r\n".join(quoted_lines))
    assert (caught.value.line, caught.value.column) == (5, len(prefixes[4]) + 27)
    assert caught.value.source_line == quoted_lines[4]
