"""Command-line habits: --quiet, and colour only on a terminal and never with NO_COLOR."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from metaclone.cli import EXIT_OK, EXIT_REFUSED, Console, main
from tests.conftest import FIXTURES

IIS6 = FIXTURES / "iis6" / "MetaBase.xml"
IIS7 = FIXTURES / "iis7" / "applicationHost.config"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def _run(argv: list[str | Path], stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    status = main([str(a) for a in argv], stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_quiet_leaves_out_what_was_done(tmp_path: Path) -> None:
    target = tmp_path / "out.xml"
    status, _, loud = _run(["stop", IIS6, "--site", "Shop", "-o", target])
    assert status == EXIT_OK
    assert "marked stopped" in loud
    assert f"wrote {target}" in loud
    status, _, quiet = _run(["stop", IIS6, "--site", "Shop", "-o", target, "-q"])
    assert status == EXIT_OK
    assert quiet == ""
    assert target.read_bytes() != IIS6.read_bytes()


def test_quiet_keeps_warnings_and_next_steps(tmp_path: Path) -> None:
    status, _, err = _run(
        ["placeholder", "begin", IIS7, "--site", "Shop", "-o", tmp_path / "o.config", "--quiet"]
    )
    assert status == EXIT_OK, err
    assert "next steps on the server:" in err
    assert "warning:" in err
    assert "cloned site" not in err
    assert "wrote" not in err


def test_quiet_keeps_errors() -> None:
    status, _, err = _run(["stop", IIS6, "--site", "no such site", "-q"])
    assert status == EXIT_REFUSED
    assert "metaclone: error: " in err
    assert "no site named 'no such site'" in err


def test_quiet_is_an_option_of_every_command_not_of_groups() -> None:
    for words in (["sites"], ["cert", "show"], ["check"]):
        assert _run([*words, IIS6, "-q"])[0] in (0, 1)
    assert _run(["cert", "-q", "show", IIS6])[0] == 2


def test_severities_are_coloured_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = Terminal()
    _run(["stop", IIS6, "--site", "nope"], stderr=terminal)
    assert "metaclone: \x1b[31merror\x1b[0m: " in terminal.getvalue()


@pytest.mark.parametrize(("variable", "value"), [("NO_COLOR", "1"), ("TERM", "dumb")])
def test_no_colour_when_asked_not_to(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    terminal = Terminal()
    _run(["stop", IIS6, "--site", "nope"], stderr=terminal)
    assert "\x1b[" not in terminal.getvalue()
    assert "metaclone: error: " in terminal.getvalue()


def test_no_colour_into_a_file_or_pipe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    _, _, err = _run(["stop", IIS6, "--site", "nope"])
    assert "\x1b[" not in err


def test_colour_cannot_be_forged_by_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    terminal = Terminal()
    Console(io.StringIO(), terminal).say("metaclone: note: site 'x\x1b[2Jy' warning: z")
    shown = terminal.getvalue()
    assert "\x1b[2J" not in shown
    assert shown.count("\x1b[0m") == 1


def test_quiet_in_place_still_keeps_the_backup(tmp_path: Path) -> None:
    copy = tmp_path / IIS6.name
    shutil.copyfile(IIS6, copy)
    _run(["stop", copy, "--site", "Shop", "--in-place", "-q"])
    assert copy.read_bytes() != IIS6.read_bytes()
    assert (tmp_path / f"{IIS6.name}.bak").read_bytes() == IIS6.read_bytes()


def test_sites_lists_only_the_named_sites_in_the_order_given() -> None:
    status, out, _ = _run(["sites", IIS7, "shopping", "2", "Shop"])
    assert status == EXIT_OK
    rows = out.splitlines()
    assert rows[0].endswith("2 site(s)")
    assert [row.split()[0] for row in rows[1:]] == ["7", "2"]


def test_sites_json_of_named_sites(tmp_path: Path) -> None:
    import json

    status, out, _ = _run(["sites", IIS6, "Shop", "--json", "--applications"])
    assert status == EXIT_OK
    listed = json.loads(out)["sites"]
    assert [s["name"] for s in listed] == ["Shop"]
    assert listed[0]["applications"]


def test_sites_with_an_unknown_site_is_refused() -> None:
    status, out, err = _run(["sites", IIS7, "Shop", "Nope"])
    assert status == EXIT_REFUSED
    assert out == ""
    assert "no site named 'Nope'" in err


def test_every_help_example_is_on_its_command_page() -> None:
    from metaclone.cli.options import EXAMPLES
    from tests.conftest import ROOT

    pages = "".join(p.read_text() for p in (ROOT / "docs" / "commands").glob("*.md"))
    missing = [line for words, lines in EXAMPLES.items() if words for line in lines]
    assert [line for line in missing if line not in pages] == []


def test_sites_json_names_the_entry_that_serves_each_https_binding(tmp_path: Path) -> None:
    import json

    import metaclone

    doc = metaclone.load(IIS7)
    shop = doc.site("Shop")
    doc.set_bindings(shop, [*(b.summary for b in shop.bindings), "https/10.0.0.99:443:"])
    copy = tmp_path / "applicationHost.config"
    doc.save(copy)
    capture = FIXTURES / "netsh" / "sslcert_iis10_mixed_crlf.txt"
    status, out, _ = _run(["sites", copy, "Shop", "--json", "--sslcert", capture])
    assert status == EXIT_OK
    bindings = {b["binding_information"]: b for b in json.loads(out)["sites"][0]["bindings"]}
    # No entry for 10.0.0.99:443: HTTP.sys serves it from the wildcard entry.
    assert bindings["10.0.0.99:443:"]["endpoint"] == "ipport=10.0.0.99:443"
    assert bindings["10.0.0.99:443:"]["served_by"] == "ipport=0.0.0.0:443"
    assert bindings["*:443:shop.example.com"]["served_by"] == "hostnameport=shop.example.com:443"
    assert "served_by" not in bindings["*:80:shop.example.com"]
    status, out, _ = _run(["sites", copy, "Shop", "--json"])
    assert "served_by" not in out
