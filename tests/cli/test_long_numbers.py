"""Numbers of thousands of digits in a file or a netsh capture: ``int()`` refuses to read more
than Python's digit limit (4,300 digits unless set otherwise), so a run of more than
:data:`~metaclone.model.sites.MOST_DIGITS` digits is read as no number.  Every command then
answers as it does for another value that is no number or out of range: a finding, a clear
error, or the text as written; never an internal error."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.cli import main
from metaclone.model.rules import port_problem
from metaclone.model.sites import MOST_DIGITS, is_ascii_number, split_address
from tests.conftest import FIXTURES

HUGE = "9" * 5000
METABASE = FIXTURES / "iis6" / "MetaBase_v54_crlf.xml"
APPLICATION_HOST = FIXTURES / "iis7" / "applicationHost.config"
APPCMD = FIXTURES / "iis7" / "appcmd_sites.xml"
NETSH = FIXTURES / "netsh" / "sslcert_audit_server_crlf.txt"
INTERNAL = 123


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def _written(tmp_path: Path, source: Path, old: str, new: str) -> Path:
    data = source.read_bytes()
    assert old.encode() in data
    tmp_path.mkdir(exist_ok=True)
    path = tmp_path / source.name
    path.write_bytes(data.replace(old.encode(), new.encode(), 1))
    return path


def test_a_number_is_at_most_the_digits_every_python_reads() -> None:
    assert is_ascii_number("1" * MOST_DIGITS)
    assert int("1" * MOST_DIGITS) > 0
    assert not is_ascii_number("1" * (MOST_DIGITS + 1))
    assert split_address(f":{HUGE}:shop") == ("", None, "shop")
    assert split_address(":999999:shop") == ("", 999999, "shop")
    assert port_problem(HUGE) == port_problem("999999") == "the port is a number from 1 to 65535"
    assert port_problem("0" * 5000 + "443") is None


@pytest.mark.parametrize(
    ("binding", "port"), [("ServerBindings", "8070"), ("SecureBindings", "443")]
)
def test_metabase_port_of_thousands_of_digits_is_no_number(
    tmp_path: Path, binding: str, port: str
) -> None:
    written = f'{binding}=":{port}:'
    six = _written(tmp_path / "six", METABASE, written, written.replace(port, "999999"))
    huge = _written(tmp_path / "huge", METABASE, written, written.replace(port, HUGE))
    (site,) = [s for s in metaclone.load(str(huge)).sites if s.id == 70]
    assert None in [b.port for b in site.bindings]
    status, out, err = _run("sites", str(huge), "--json")
    assert (status, err) == (0, "")
    bindings = json.loads(out)["sites"][-1]["bindings"]
    assert [b["port"] for b in bindings if HUGE in b["binding_information"]] == [None]
    status, out, _ = _run("sites", str(huge))
    assert status == 0
    assert f":{HUGE}:" in out
    # check reports the port as it reports one of six digits.
    six_status, six_out, _ = _run("check", str(six))
    huge_status, huge_out, _ = _run("check", str(huge))
    assert (huge_status, huge_out.replace(HUGE, "X")) == (
        six_status,
        six_out.replace("999999", "X").replace(str(six), str(huge)),
    )


@pytest.mark.parametrize(
    ("source", "old", "new"),
    [
        (APPLICATION_HOST, '"*:80:"', f'"*:{HUGE}:"'),
        (APPLICATION_HOST, 'sslFlags="65"', f'sslFlags="{HUGE}"'),
        (APPLICATION_HOST, 'id="1"', f'id="{HUGE}"'),
        (APPLICATION_HOST, '"LM/W3SVC/2"', f'"LM/W3SVC/{HUGE}"'),
        (APPCMD, "*:443:api.shop.example", f"*:{HUGE}:api.shop.example"),
        (APPCMD, 'sslFlags="97"', f'sslFlags="{HUGE}"'),
        (METABASE, "/LM/W3SVC/70", f"/LM/W3SVC/{HUGE}"),
    ],
    ids=["iis7-port", "iis7-sslflags", "iis7-id", "iis7-key", "appcmd-port", "appcmd-flags", "id"],
)
@pytest.mark.parametrize(
    "command",
    [["sites"], ["sites", "--json"], ["check", "--json"], ["cert", "audit"], ["diff", "SOURCE"]],
    ids=" ".join,
)
def test_thousands_of_digits_are_no_internal_error(
    tmp_path: Path, source: Path, old: str, new: str, command: list[str]
) -> None:
    path = _written(tmp_path, source, old, new)
    argv = [a for a in command if a != "SOURCE"]
    files = [str(source), str(path)] if "SOURCE" in command else [str(path)]
    status, _, err = _run(*argv[:2], *files, *argv[2:])
    assert status != INTERNAL, err
    assert "internal error" not in err


def test_iis7_values_of_thousands_of_digits_are_refused_as_no_number(tmp_path: Path) -> None:
    flags = _written(tmp_path, APPLICATION_HOST, 'sslFlags="65"', f'sslFlags="{HUGE}"')
    status, _, err = _run("sites", str(flags))
    assert status == 3
    assert "is not a number (IIS stores a uint bit set)" in err
    ident = _written(tmp_path, APPLICATION_HOST, 'id="1"', f'id="{HUGE}"')
    status, _, err = _run("sites", str(ident))
    assert status == 3
    assert "an id is a positive integer" in err


def test_netsh_numbers_of_thousands_of_digits_are_no_internal_error(tmp_path: Path) -> None:
    capture = NETSH.read_text(encoding="utf-8")
    for old in ("10.0.0.5:443", "Revocation Freshness Time    : 0"):
        assert old in capture
        new = old.replace("443", HUGE) if ":443" in old else old.replace(": 0", f": {HUGE}")
        path = tmp_path / "sslcert.txt"
        path.write_text(capture.replace(old, new, 1), encoding="utf-8")
        for command in ("audit", "show"):
            status, _, err = _run("cert", command, str(APPLICATION_HOST), "--sslcert", str(path))
            assert status != INTERNAL, err


_METABASE_TEXT = METABASE.read_text(encoding="utf-8")
_DIGITS = st.text("0123456789", min_size=1, max_size=8) | st.builds(
    lambda digit, count: digit * count,
    st.sampled_from("09"),
    st.integers(MOST_DIGITS - 2, 6000),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(port=_DIGITS)
def test_any_digits_as_a_metabase_port_are_no_internal_error(port: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "MetaBase.xml"
        path.write_text(_METABASE_TEXT.replace(":8070:", f":{port}:", 1), encoding="utf-8")
        for argv in (["sites", str(path), "--json"], ["check", str(path)]):
            status, _, err = _run(*argv)
            assert status != INTERNAL, err


@pytest.mark.parametrize(
    ("source", "old", "reference", "decoded"),
    [
        (METABASE, "Secure only", "Secure&#{}65;only", "SecureAonly"),
        (METABASE, "Secure only", "Secure&#x{}41;only", "SecureAonly"),
        (
            APPLICATION_HOST,
            'name="Default Web Site"',
            'name="Default&#{}65;Web Site"',
            "DefaultAWeb Site",
        ),
    ],
)
def test_character_reference_with_thousands_of_leading_zeros_is_read(
    tmp_path: Path, source: Path, old: str, reference: str, decoded: str
) -> None:
    path = _written(tmp_path, source, old, reference.format("0" * 5000))
    assert decoded in [site.name for site in metaclone.load(str(path)).sites]
    status, out, err = _run("sites", str(path))
    assert (status, err) == (0, "")
    assert decoded in out


def test_metabase_site_id_of_thousands_of_digits_is_read_as_one_with_letters(
    tmp_path: Path,
) -> None:
    letters = _written(tmp_path / "letters", METABASE, "/LM/W3SVC/70", "/LM/W3SVC/7x0")
    huge = _written(tmp_path / "huge", METABASE, "/LM/W3SVC/70", f"/LM/W3SVC/{HUGE}")
    for command in (["sites"], ["check"]):
        expected = _run(command[0], str(letters))
        assert _run(command[0], str(huge)) == tuple(
            part.replace(str(letters), str(huge)).replace("/7x0:", f"/{HUGE}:")
            if isinstance(part, str)
            else part
            for part in expected
        )
    # Neither is a site: check says so (unnumbered-site-key), sites leaves it out.
    assert (
        "/LM/W3SVC/7x0: an IIsWebServer key named by no site id" in _run("check", str(letters))[1]
    )
