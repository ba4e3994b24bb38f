"""Plans and listings that untrusted text cannot subvert, and plans that are safe to run twice.

Every value in a plan comes from a configuration or a netsh capture.  These tests feed hostile
names, host names, addresses, ports, store names and netsh labels, and check the generated
scripts line by line against the forms in :mod:`tests.plan_grammar`: a comment in which nothing
can act, or a known command line whose values come from a closed alphabet.  A model of HTTP.sys
runs the cmd plans to show they do the right thing whether the capture is current or stale, and
when run twice.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.cli.console import error_lines
from metaclone.errors import NetshParseError, PlanValueError
from metaclone.escaping import (
    cmd_comment,
    is_invisible,
    powershell_comment,
    powershell_literal,
    visible,
)
from metaclone.httpsys import (
    IIS_APP_ID,
    Endpoint,
    EndpointKind,
    HttpSysPlan,
    PlannedChange,
    SslCertEntry,
    load_netsh_sslcert,
    parse_netsh_sslcert,
    plan_certificates,
)
from metaclone.httpsys.scripts import MAX_COMMENT_LINE
from metaclone.model.sites import CertificateRef
from tests.conftest import FIXTURES
from tests.httpsys.test_httpsys import corpus_captures, site
from tests.plan_grammar import (
    HttpSysModel,
    delete_commands,
    run_cmd,
    run_powershell,
    set_commands,
    unknown_cmd_lines,
    unknown_powershell_lines,
)

HOSTILE = FIXTURES / "iis7" / "hostile_names_applicationHost.config"
HOSTILE_CAPTURE = FIXTURES / "netsh" / "sslcert_hostile_labels.txt"
APPHOST = FIXTURES / "iis7" / "applicationHost.config"
CAPTURE = FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"
NEW = "9f1c2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b"
OLD = "40da7e6686d698efae7172220f4da438025dfeea"
HEADER = "SSL Certificate bindings:\n-------------------------\n\n"

# Characters that end, reorder or restyle a terminal line.
_TERMINAL_ACTIVE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


# -- escaping ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Shop", "Shop"),
        ("Shop\r\ncalc.exe", "Shop\\x0d\\x0acalc.exe"),
        ("\x1b[2J\x9b2J", "\\x1b[2J\\x9b2J"),
        ("\u202egnp.exe\u202c", "\\u202egnp.exe\\u202c"),
        ("a\u2066b\u2069c\u200fd\u2028e", "a\\u2066b\\u2069c\\u200fd\\u2028e"),
        ("Straße \u2019 é", "Straße \u2019 é"),
        ("lone \udcff surrogate", "lone \\udcff surrogate"),
    ],
)
def test_visible_escapes_what_moves_the_cursor_or_reorders_text(text: str, shown: str) -> None:
    assert visible(text) == shown


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_visible_text_is_one_line_with_nothing_invisible(text: str) -> None:
    shown = visible(text)
    assert not any(is_invisible(c) for c in shown)
    assert len(shown.splitlines()) <= 1
    assert shown == text or not text.isprintable()


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_cmd_comment_text_is_inert_ascii(text: str) -> None:
    shown = cmd_comment(text)
    assert shown.isascii()
    assert not re.search(r'[\^&|<>!"\x00-\x1f\x7f]', shown)
    assert "%" not in shown.replace("%%", "")


def test_cmd_comment_leaves_nothing_cmd_acts_on() -> None:
    assert cmd_comment('50% ^ & | < > ! "x" Straße\r\n') == (
        "50%% \\x5e \\x26 \\x7c \\x3c \\x3e \\x21 'x' Stra\\xdfe\\x0d\\x0a"
    )


def test_powershell_literal_doubles_every_quote_powershell_ends_a_string_at() -> None:
    assert powershell_literal("O'Brien \u2018a\u2019 \u201ab\u201b $(calc) `n") == (
        "'O''Brien \u2018\u2018a\u2019\u2019 \u201a\u201ab\u201b\u201b $(calc) `n'"
    )
    assert powershell_comment("a\r\n# b") == "a\\x0d\\x0a# b"


# -- values refused before they are planned ----------------------------------------------------


@pytest.mark.parametrize(
    ("binding", "flags", "problem"),
    [
        ('*:443:x" & calc.exe & "y', 1, "is not a host name label"),
        ("*:443:shop.example.com%PATH%", 1, "is not a host name label"),
        ("10.0.0.7&calc:443:", None, "an IPv4 address"),
        ("[::1]|calc:443:", None, "an IPv4 address"),
        ("*:99999:", None, "the port is a number from 1 to 65535"),
        ("*:0:", None, "the port is a number from 1 to 65535"),
    ],
)
def test_bindings_that_break_their_grammar_are_refused(
    binding: str, flags: int | None, problem: str
) -> None:
    sites = [site(4, "Evil", ("https", binding, flags))]
    with pytest.raises(PlanValueError) as caught:
        plan_certificates(sites, {4: CertificateRef(NEW)})
    assert f"site 4 'Evil' binding {'https/' + binding!r} cannot be planned" in caught.value.message
    assert problem in caught.value.message


def test_a_host_name_outside_sni_is_not_planned_and_not_refused() -> None:
    # The host of a binding without SNI plays no part in the HTTP.sys key.
    sites = [site(4, "Odd", ("https", "10.0.0.9:443:not a host", None))]
    plan = plan_certificates(sites, {4: CertificateRef(NEW)})
    assert set_commands(plan.netsh()) == [
        f"ipport=10.0.0.9:443 certhash={NEW} appid={IIS_APP_ID} certstorename=MY"
    ]


@pytest.mark.parametrize("store", ["MY & calc", 'My"', "%STORE%", "Web\tHosting", "Störe", ""])
def test_store_names_that_break_their_grammar_are_refused(store: str) -> None:
    sites = [site(4, "Shop", ("https", "*:443:", None))]
    with pytest.raises(PlanValueError, match=r"certificate store .* for site 4 'Shop' is refused"):
        plan_certificates(sites, {4: CertificateRef(NEW, store)})


def test_a_captured_ctl_identifier_that_could_act_is_refused() -> None:
    capture = parse_netsh_sslcert(
        HEADER + f"IP:port : 0.0.0.0:443\nCertificate Hash : {OLD}\n"
        f"Application ID : {IIS_APP_ID}\nCertificate Store Name : MY\n"
        "Ctl Identifier : trust & calc.exe\n"
    )
    sites = [site(4, "Shop", ("https", "*:443:", None))]
    with pytest.raises(PlanValueError) as caught:
        plan_certificates(sites, {4: CertificateRef(NEW)}, capture)
    assert "ipport=0.0.0.0:443: the captured value 'trust & calc.exe' of sslctlidentifier" in (
        caught.value.message
    )
    assert caught.value.line == 4


_hostile = st.text(alphabet="0123456789abcdef.:[]*-_ &|%\"'^x\r\n", max_size=8)
_ip = st.sampled_from(["", "*", "10.0.0.5", "[::1]", "[0:0::5]", "10.0.0.5&calc", "1.2"]) | _hostile
_port = st.sampled_from(["443", "8443", "0", "99999", "443&x", "4 43"])
_host = st.sampled_from(["", "shop.example.com", "*.example.com", 'x" & calc & "y']) | _hostile
_address_text = st.builds(lambda ip, port, host: f"{ip}:{port}:{host}", _ip, _port, _host)


@settings(max_examples=200, deadline=None)
@given(
    information=st.lists(_address_text, min_size=1, max_size=3),
    flags=st.sampled_from([None, 0, 1, 2, 3]),
    store=st.sampled_from(["MY", "Remote Desktop", "My Store ", "a&b", "WebHosting"]),
)
def test_a_plan_is_refused_or_renders_as_known_lines(
    information: list[str], flags: int | None, store: str
) -> None:
    bindings = [("https", text, flags) for text in information]
    sites = [site(1, "Site", *bindings)]
    try:
        plan = plan_certificates(sites, {1: CertificateRef(NEW, store)})
    except PlanValueError:
        return
    assert unknown_cmd_lines(plan.netsh()) == []
    assert unknown_powershell_lines(plan.powershell()) == []


def _change(**changes: object) -> PlannedChange:
    fields: dict[str, object] = {
        "action": "update",
        "endpoint": Endpoint(EndpointKind.IPPORT, "0.0.0.0:443"),
        "thumbprint": NEW,
        "store": "MY",
        "app_id": IIS_APP_ID,
        "sites": ("Shop",),
    }
    fields.update(changes)
    return PlannedChange(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "change",
    [
        _change(endpoint=Endpoint(EndpointKind.HOSTNAMEPORT, 'x" & calc & "y:443')),
        _change(endpoint=Endpoint(EndpointKind.IPPORT, "0.0.0.0:443\r\ncalc.exe")),
        _change(store="MY%TEMP%"),
        _change(store=".."),
        _change(thumbprint="aa & calc"),
        _change(thumbprint="{" + "a" * 38 + "}"),
        _change(options=(("sslctlidentifier", "a' ; calc ; '"),)),
        _change(options=(("x=1 & calc & rem", "enable"),)),
        _change(action="delete", endpoint=Endpoint(EndpointKind.CCS, "443 | calc")),
    ],
)
def test_rendering_refuses_hand_made_changes_with_values_that_could_act(
    change: PlannedChange,
) -> None:
    plan = HttpSysPlan((change,))
    with pytest.raises(PlanValueError):
        plan.netsh()
    with pytest.raises(PlanValueError):
        plan.powershell()


# -- free text ---------------------------------------------------------------------------------

# Names that try to end the comment line, expand, chain a command, or end a literal.
HOSTILE_NAMES = [
    "Shop\r\ncalc.exe & rem",
    "Shop\ncalc.exe",
    "Shop\rcalc.exe",
    "50% %PATH% %~f0",
    "end with a caret ^",
    'quote " & calc & "',
    "O'Brien \u2019 \u2018 \u201a \u201b $(calc) `whoami` ${x} @{a=1}",
    "\u202egnp.exe\u202c \x1b[2J\x9b2J\x85 \u2028 \u2029",
    "#> <# comment games",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_site_names_stay_inside_comments(name: str) -> None:
    sites = [
        site(1, name, ("https", "*:443:", None)),
        site(2, name + " too", ("https", "*:443:", None)),
        site(3, "Wiki", ("https", "*:443:wiki.example.com", 1)),
    ]
    plan = plan_certificates(sites, {1: CertificateRef(NEW), 3: CertificateRef(NEW)})
    netsh, powershell = plan.netsh(), plan.powershell()
    assert unknown_cmd_lines(netsh) == []
    assert unknown_powershell_lines(powershell) == []
    assert netsh.isascii()
    assert cmd_comment(name) in netsh
    assert powershell_comment(name) in powershell


def test_a_long_name_is_continued_on_comment_lines_cmd_reads_whole() -> None:
    name = "A" * 5000 + "\r\n" + "calc.exe & " * 1000
    sites = [site(1, name, ("https", "*:443:", None)), site(2, name, ("https", "*:443:", None))]
    netsh = plan_certificates(sites, {1: CertificateRef(NEW)}).netsh()
    assert unknown_cmd_lines(netsh) == []
    assert max(len(line) for line in netsh.split("\n")) <= MAX_COMMENT_LINE
    continued = [line for line in netsh.split("\n") if line.startswith("rem ... ")]
    assert len(continued) >= 2 * 8
    joined = "".join(line.removeprefix("rem ... ") for line in continued)
    assert "calc.exe \\x26 calc.exe" in joined


def _commands(script: str, comment: str) -> list[str]:
    return [line for line in script.split("\n") if not line.startswith(comment)]


def _two_site_plan(name: str, other: str) -> HttpSysPlan:
    sites = [
        site(1, name, ("https", "*:443:", None)),
        site(2, other, ("https", "*:443:", None), ("https", "*:443:b.example.com", 1)),
    ]
    return plan_certificates(sites, {1: CertificateRef(NEW), 2: CertificateRef(NEW)})


@settings(max_examples=150, deadline=None)
@given(name=st.text(min_size=1, max_size=40), other=st.text(max_size=20))
def test_any_site_name_reaches_the_plans_only_as_a_comment(name: str, other: str) -> None:
    plan = _two_site_plan(name, other)
    netsh, powershell = plan.netsh(), plan.powershell()
    assert unknown_cmd_lines(netsh) == []
    assert unknown_powershell_lines(powershell) == []
    assert netsh.isascii()
    assert cmd_comment(name) in netsh
    assert powershell_comment(name) in powershell
    # Whatever the names, every line that is not a comment is the same.
    plain = _two_site_plan("Shop", "Blog")
    assert _commands(netsh, "rem ") == _commands(plain.netsh(), "rem ")
    assert _commands(powershell, "# ") == _commands(plain.powershell(), "# ")


# -- what runs: a stale capture, and running twice ---------------------------------------------

SITES = (
    site(1, "Shop", ("https", "*:443:", None)),
    site(2, "Blog", ("https", "*:443:blog", None)),
    site(3, "Wiki", ("https", "10.0.0.5:443:", 0)),
    site(4, "Api", ("https", "*:443:api.example.com", 1)),
    site(5, "V6", ("https", "[::1]:8443:", None)),
)
KEYS = (
    "ipport=0.0.0.0:443",
    "ipport=10.0.0.5:443",
    "hostnameport=api.example.com:443",
    "ipport=[::1]:8443",
)


def _entry(key: str, thumbprint: str, negotiate: bool) -> SslCertEntry:
    kind, _, value = key.partition("=")
    label = "Hostname:port" if kind == "hostnameport" else "IP:port"
    fields = (
        (label, value),
        ("Certificate Hash", thumbprint),
        ("Application ID", IIS_APP_ID),
        ("Certificate Store Name", "MY"),
        ("Negotiate Client Certificate", "Enabled" if negotiate else "Disabled"),
    )
    return SslCertEntry(
        Endpoint(EndpointKind(kind), value), thumbprint, "MY", IIS_APP_ID, fields, 1
    )


_states = st.dictionaries(st.sampled_from(KEYS), st.sampled_from([OLD, NEW]))


@settings(max_examples=120, deadline=None)
@given(
    captured=_states,
    actual=_states,
    targets=st.dictionaries(st.sampled_from([1, 3, 4, 5]), st.booleans(), min_size=1),
    negotiate=st.booleans(),
    with_capture=st.booleans(),
)
def test_plans_do_the_right_thing_on_a_stale_capture_and_when_run_twice(
    captured: dict[str, str],
    actual: dict[str, str],
    targets: dict[int, bool],
    negotiate: bool,
    with_capture: bool,
) -> None:
    capture = [_entry(key, thumb, negotiate) for key, thumb in captured.items()]
    wanted = {site_id: CertificateRef(NEW) if keep else None for site_id, keep in targets.items()}
    plan = plan_certificates(SITES, wanted, capture if with_capture else None)
    script = plan.netsh()
    assert script == plan_certificates(SITES, wanted, capture if with_capture else None).netsh()
    assert unknown_cmd_lines(script) == []
    initial = {key: f"certhash={thumb}" for key, thumb in actual.items()}
    model = HttpSysModel(entries=dict(initial), certificates={("MY", NEW)})
    planned = {str(change.endpoint) for change in plan.changes}
    assert run_cmd(script, model) == 0
    after_first = dict(model.entries)
    assert run_cmd(script, model) == 0
    assert model.entries == after_first
    for arguments in set_commands(script):
        key, _, settings_ = arguments.partition(" ")
        assert model.entries[key] == settings_
        assert f"certhash={NEW}" in settings_
    for key in delete_commands(script):
        assert key not in model.entries
    for key, value in initial.items():
        assert key in planned or model.entries[key] == value
    # The PowerShell plan does the same, and is as safe to run twice.
    twin = HttpSysModel(entries=dict(initial), certificates={("MY", NEW)})
    powershell = plan.powershell()
    assert run_powershell(powershell, twin) == 0
    assert run_powershell(powershell, twin) == 0
    assert twin.entries == model.entries


def test_an_update_carries_the_captured_settings_into_the_add_too() -> None:
    capture = [_entry("ipport=10.0.0.5:443", OLD, negotiate=True)]
    plan = plan_certificates(SITES, {3: CertificateRef(NEW)}, capture)
    (arguments,) = set_commands(plan.netsh())
    assert arguments.endswith("certstorename=MY clientcertnegotiation=enable")
    model = HttpSysModel(entries={}, certificates={("MY", NEW)})  # deleted since the capture
    assert run_cmd(plan.netsh(), model) == 0
    assert model.entries["ipport=10.0.0.5:443"].endswith("clientcertnegotiation=enable")


def test_a_failing_update_stops_the_plan_before_the_next_entry() -> None:
    plan = plan_certificates(SITES, {3: CertificateRef(NEW), 4: CertificateRef(NEW)})

    class Failing(HttpSysModel):
        def netsh(self, verb: str, arguments: str) -> int:
            status = super().netsh(verb, arguments)
            return 1 if verb == "update" else status

    for run in (run_cmd, run_powershell):
        model = Failing(entries={"ipport=10.0.0.5:443": "x"}, certificates={("MY", NEW)})
        script = plan.netsh() if run is run_cmd else plan.powershell()
        assert run(script, model) == 1
        assert model.commands[-1].startswith("update ipport=10.0.0.5:443")
        assert not any("api.example.com" in command for command in model.commands)


@pytest.mark.parametrize(
    ("elevated", "certificates"), [(False, {("MY", NEW)}), (True, set()), (True, {("ROOT", NEW)})]
)
def test_plans_change_nothing_unless_elevated_with_the_certificate_in_its_store(
    elevated: bool, certificates: set[tuple[str, str]]
) -> None:
    plan = plan_certificates(SITES, {1: CertificateRef(NEW), 3: None})
    model = HttpSysModel(entries={}, certificates=certificates, elevated=elevated)
    assert run_cmd(plan.netsh(), model) == 1
    assert run_powershell(plan.powershell(), model) == 1
    assert model.commands == []


def test_a_plan_that_only_deletes_checks_no_certificate() -> None:
    plan = plan_certificates(SITES, {3: None})
    model = HttpSysModel(entries={"ipport=10.0.0.5:443": "x"}, certificates=set())
    assert run_cmd(plan.netsh(), model) == 0
    assert model.entries == {}
    assert run_cmd(plan.netsh(), model) == 0
    assert "certutil" not in plan.netsh()
    assert "Test-Path" not in plan.powershell()


def _binding_for(endpoint: Endpoint) -> tuple[str, str, int | None]:
    address, _, port = endpoint.value.rpartition(":")
    if endpoint.kind is EndpointKind.HOSTNAMEPORT:
        return ("https", f"*:{port}:{address}", 1)
    return ("https", f"{'*' if address == '0.0.0.0' else address}:{port}:", None)


@pytest.mark.parametrize("path", corpus_captures())
def test_plans_from_real_captures_carry_their_settings_in_known_lines(path: Path) -> None:
    entries = [e for e in load_netsh_sslcert(path) if e.endpoint.kind is not EndpointKind.CCS]
    sites = [site(n, f"Site {n}", _binding_for(e.endpoint)) for n, e in enumerate(entries, 1)]
    targets = {s.id: CertificateRef(NEW) for s in sites}
    plan = plan_certificates(sites, targets, entries, app_id=entries[0].app_id or IIS_APP_ID)
    netsh, powershell = plan.netsh(), plan.powershell()
    assert unknown_cmd_lines(netsh) == []
    assert unknown_powershell_lines(powershell) == []
    assert len(set_commands(netsh)) == len({e.endpoint for e in entries})
    for change in plan.changes:
        for name, value in change.options:
            assert f"{name}={value}" in netsh
    if "adfs" in path.name:
        # ADFS keeps its trusted device CTL in a store of its own; an update must repeat it.
        assert "sslctlstorename=adfstrusteddevices" in netsh


# -- through the command line ------------------------------------------------------------------


def _captured_model(capture: Path) -> HttpSysModel:
    return HttpSysModel(
        entries={str(e.endpoint): f"certhash={e.thumbprint}" for e in load_netsh_sslcert(capture)},
        certificates={("MY", NEW), ("MY", OLD)},
    )


def test_readme_walkthrough_one_capture_for_begin_and_finish(tmp_path: Path) -> None:
    begin, finish = tmp_path / "begin.cmd", tmp_path / "finish.cmd"
    placeholder, done = tmp_path / "placeholder.config", tmp_path / "done.config"
    common = ["--sslcert", str(CAPTURE)]
    status, _, _ = run(
        "placeholder", "begin", str(APPHOST), "--site", "Shop", "--thumbprint", OLD,
        *common, "--plan", str(begin), "-o", str(placeholder),
    )  # fmt: skip
    assert status == EXIT_OK
    status, _, _ = run(
        "placeholder", "finish", str(placeholder), "--site", "Shop", "--placeholder",
        "Shop (placeholder)", "--thumbprint", NEW, "--delete",
        *common, "--plan", str(finish), "-o", str(done),
    )  # fmt: skip
    assert status == EXIT_OK
    model = _captured_model(CAPTURE)
    for script in (begin, finish, finish):
        data = script.read_bytes()
        assert b"\r\n" in data
        assert data.isascii()
        assert run_cmd(data.decode().replace("\r\n", "\n"), model) == 0
    assert model.entries["ipport=10.0.0.5:443"].startswith(f"certhash={NEW}")
    assert model.entries["hostnameport=shop.example.com:443"].startswith(f"certhash={NEW}")


@pytest.mark.parametrize("suffix", [".cmd", ".ps1"])
def test_hostile_fixture_plans_hold_names_only_in_comments(tmp_path: Path, suffix: str) -> None:
    plan = tmp_path / f"plan{suffix}"
    status, _, _ = run(
        "cert", "set", str(HOSTILE), "--site", "2", "--thumbprint", NEW,
        "--sslcert", str(HOSTILE_CAPTURE), "--plan", str(plan), "--dry-run",
    )  # fmt: skip
    assert status == EXIT_OK
    assert not plan.exists()
    status, _, err = run(
        "cert", "set", str(HOSTILE), "--site", "2", "--thumbprint", NEW,
        "--sslcert", str(HOSTILE_CAPTURE), "--plan", str(plan), "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert status == EXIT_OK, err
    data = plan.read_bytes()
    if suffix == ".cmd":
        text = data.decode("ascii").replace("\r\n", "\n")
        assert unknown_cmd_lines(text) == []
        assert "site 'Shop\\x0d\\x0acalc.exe \\x26 rem'" in text
        assert "'\\u202egnp.exe\\u202c \\x9b2J\\x85done'" in text
        assert "\\x1b[2J\\x1b[HSpoofed \\x26 calc \\u202e : Enabled" in text
        assert set_commands(text) == [
            f"ipport=0.0.0.0:443 certhash={NEW} appid={IIS_APP_ID} certstorename=MY "
            "clientcertnegotiation=enable"
        ]
    else:
        assert data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
        assert unknown_powershell_lines(text) == []
        assert 'site "Shop\\x0d\\x0acalc.exe & rem"' in text
        assert "certstorename=MY clientcertnegotiation=enable }" in text


def test_hostile_fixture_plan_on_stderr_is_the_same_inert_script() -> None:
    status, _, err = run(
        "cert", "set", str(HOSTILE), "--site", "7", "--thumbprint", NEW, "--dry-run"
    )
    assert status == EXIT_OK
    plan = [line for line in err.split("\n") if line and not line.startswith("metaclone:")]
    assert unknown_cmd_lines("\n".join(plan)) == []
    assert any(line.startswith("rem ipport=10.0.0.8:443 (replace)") for line in plan)
    assert "site 'O'Brien \\u2019; $(calc) `whoami` @{x=1}'" in err
    assert not _TERMINAL_ACTIVE.search(err)


@pytest.mark.parametrize(
    ("site_key", "named"),
    [
        ("5", "site 5 'Evil Host' binding 'https/*:443:x\" & calc.exe & \"y' cannot be planned"),
        ("6", "site 6 'Evil IP' binding 'https/10.0.0.7&calc:443:' cannot be planned"),
        ("7", "site 7 \"O'Brien \u2019; $(calc) `whoami` @{x=1}\" binding 'https/*:99999:' cannot"),
    ],
)
def test_hostile_bindings_are_refused_through_main(
    tmp_path: Path, site_key: str, named: str
) -> None:
    config = tmp_path / "applicationHost.config"
    # A port out of range is not valid binding information, so it is not in the fixture.
    config.write_bytes(HOSTILE.read_bytes().replace(b'"10.0.0.8:443:"', b'"*:99999:"'))
    plan, out = tmp_path / "plan.cmd", tmp_path / "out.config"
    status, stdout, err = run(
        "cert", "set", str(config), "--site", site_key, "--thumbprint", NEW,
        "--plan", str(plan), "-o", str(out),
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert err.count("\n") == 1
    assert named in err
    assert stdout == ""
    assert not plan.exists()
    assert not out.exists()


def test_hostile_store_name_is_refused_through_main(tmp_path: Path) -> None:
    plan = tmp_path / "plan.ps1"
    status, _, err = run(
        "cert", "set", str(HOSTILE), "--site", "3", "--thumbprint", NEW,
        "--store", "MY & calc", "--plan", str(plan), "-o", str(tmp_path / "out"),
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert "the certificate store 'MY & calc' for site 3" in err
    assert not plan.exists()


def test_listing_shows_one_line_per_site_whatever_its_name() -> None:
    status, out, err = run("sites", str(HOSTILE), "--sslcert", str(HOSTILE_CAPTURE))
    assert status == EXIT_OK, err
    lines = out.split("\n")
    assert len(lines) == 1 + 7 + 1
    assert lines[-1] == ""
    assert [line.split()[0] for line in lines[1:-1]] == [str(n) for n in range(1, 8)]
    assert "Shop\\x0d\\x0acalc.exe & rem  [started]" in lines[2]
    assert "\\u202egnp.exe\\u202c \\x9b2J\\x85done" in lines[4]
    assert not _TERMINAL_ACTIVE.search(out)


def test_cert_show_and_json_listings_cannot_be_forged() -> None:
    status, out, _ = run("cert", "show", str(HOSTILE), "--sslcert", str(HOSTILE_CAPTURE))
    assert status == EXIT_OK
    assert not _TERMINAL_ACTIVE.search(out)
    assert "Shop\\x0d\\x0acalc.exe & rem" in out
    status, out, _ = run("sites", str(HOSTILE), "--json")
    assert status == EXIT_OK
    assert out.isascii()
    assert not _TERMINAL_ACTIVE.search(out)
    assert '"name": "Shop\\r\\ncalc.exe & rem"' in out


def test_cert_audit_report_shows_each_finding_on_one_line() -> None:
    status, out, _ = run("cert", "audit", str(HOSTILE), "--sslcert", str(HOSTILE_CAPTURE))
    assert status == 1  # a binding without a certificate is a problem
    assert not _TERMINAL_ACTIVE.search(out)
    lines = out.split("\n")
    assert len(lines) == 1 + 2 * 6 + 4 + 1 + 1  # heading, 2 per binding, findings, summary
    findings = [line for line in lines if ": info: " in line or ": warning: " in line]
    assert len(findings) == 4
    assert any('site "Shop\\x0d\\x0acalc.exe & rem" (id 2)' in line for line in findings)


def test_messages_escape_what_the_user_typed_and_what_the_file_holds() -> None:
    status, _, err = run("rename", str(HOSTILE), "--site", "no\x1b[2Jsuch\r\nsite", "--name", "x")
    assert status == EXIT_REFUSED
    assert err.count("\n") == 1
    assert not _TERMINAL_ACTIVE.search(err)


def test_parse_error_shows_the_line_escaped_with_the_caret_under_the_column(
    tmp_path: Path,
) -> None:
    error = NetshParseError("bad", path="x.txt", line=3, column=4, source_line="a\x1b\u202eb c")
    assert error_lines(error) == [
        "metaclone: error: x.txt:3:4: bad",
        "    a\\x1b\\u202eb c",
        "    " + " " * len("a\\x1b\\u202e") + "^",
    ]
    capture = tmp_path / "sslcert.txt"
    capture.write_text(HEADER + "    IP:port : 0.0.0.0:443\n    \x1b[31mbroken\u202e\n")
    status, _, err = run("sites", str(APPHOST), "--sslcert", str(capture))
    assert status == EXIT_REFUSED
    assert err.split("\n")[1:] == ["        \\x1b[31mbroken\\u202e", "        ^", ""]


def test_a_plan_the_scripts_refuse_stops_the_command_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: HttpSysPlan) -> str:
        raise PlanValueError("hostnameport='x&y:443' cannot be written into a plan")

    monkeypatch.setattr(HttpSysPlan, "powershell", refuse)
    out, plan = tmp_path / "out.config", tmp_path / "plan.cmd"
    status, _, err = run(
        "cert", "set", str(HOSTILE), "--site", "7", "--thumbprint", NEW,
        "--plan", str(plan), "-o", str(out),
    )  # fmt: skip
    assert status == EXIT_REFUSED
    assert "cannot be written into a plan" in err
    assert not out.exists()
    assert not plan.exists()
