"""The command line through main(argv): exit codes, messages, and what is (not) written."""

from __future__ import annotations

import argparse
import gc
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from metaclone.cli import EXIT_INTERNAL, EXIT_REFUSED, EXIT_USAGE, main
from metaclone.cli import sites as sites_module
from metaclone.cli.console import Console
from metaclone.cli.outputs import json_listing
from metaclone.cli.sites import site_line
from metaclone.escaping import visible
from metaclone.model.sites import Binding, CertificateRef, Site
from tests.conftest import FIXTURES, ROOT

GENERIC = FIXTURES / "xml" / "lexical_variants.xml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0
    for command in ("sites", "clone", "cert", "placeholder", "check"):
        assert command in out


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate", "x"],
        ["sites"],
        ["clone", "file.xml"],
        ["clone", "file.xml", "--site", "1", "--id", "abc"],
        # int() takes these; no IIS tool writes an id so.
        ["clone", "file.xml", "--site", "1", "--id", "1_000"],
        ["clone", "file.xml", "--site", "1", "--id", "+7"],
        ["clone", "file.xml", "--site", "1", "--id", " 7"],
        ["clone", "file.xml", "--site", "1", "--id", "\u0667"],
        ["clone", "file.xml", "--site", "1", "--id", "9" * 5000],
        ["clone", "file.xml", "--site", "1", "-o", "a", "--in-place"],
        ["cert", "set", "file.xml", "--site", "1"],
        ["cert", "set", "file.xml", "--site", "1", "--thumbprint", "ab", "--cert", "c.pem"],
        ["placeholder", "finish", "file.xml", "--site", "1", "--thumbprint", "ab"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    status, out, err = run(capsys, *argv)
    assert status == EXIT_USAGE
    assert "usage:" in err
    assert out == ""


def test_an_id_of_ascii_digits_is_taken_with_its_leading_zeros(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_file = tmp_path / "out.xml"
    source = FIXTURES / "iis7" / "applicationHost.config"
    status, _, err = run(
        capsys, "clone", str(source), "--site", "1", "--id", "0077", "-o", str(out_file)
    )
    assert status == 0, err
    assert "as site 77 " in err


def test_both_password_sources_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(
        capsys,
        "cert",
        "set",
        str(GENERIC),
        "--site",
        "1",
        "--cert",
        "c.pfx",
        "--password-env",
        "X",
        "--password-file",
        str(tmp_path / "p"),
    )
    assert status == EXIT_USAGE
    assert "not both" in err


def test_missing_file_is_refused_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "sites", "no/such/file.config")
    assert status == EXIT_REFUSED
    assert out == ""
    assert err == "metaclone: error: no/such/file.config: cannot read the file: no such file\n"


def test_malformed_file_names_line_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "applicationHost.config"
    bad.write_bytes(b"<configuration>\r\n  <sites>\r\n  </site>\r\n</configuration>\r\n")
    status, out, err = run(capsys, "sites", str(bad))
    assert status == EXIT_REFUSED
    assert out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"metaclone: error: {bad}:3:")
    assert "Traceback" not in err


def test_doctype_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "MetaBase.xml"
    bad.write_bytes(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    status, _, err = run(capsys, "check", str(bad))
    assert status == EXIT_REFUSED
    assert f"{bad}:1:1: DOCTYPE" in err
    assert "root:" not in err


def test_site_operations_on_a_generic_xml_file_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for argv in (
        ["sites", str(GENERIC)],
        ["clone", str(GENERIC), "--site", "1"],
        ["check", str(GENERIC)],
    ):
        status, out, err = run(capsys, *argv)
        assert status == EXIT_REFUSED, argv
        assert out == ""
        assert "not" in err
        assert len(err.splitlines()) == 1


def test_internal_errors_exit_123_without_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr("metaclone.cli.inputs.load", broken)
    status, _, err = run(capsys, "sites", str(GENERIC))
    assert status == EXIT_INTERNAL
    assert "internal error" in err
    assert "RuntimeError: boom" in err
    assert "Traceback" not in err


def test_python_dash_m_runs_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "metaclone", "sites", str(GENERIC)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == EXIT_REFUSED
    assert result.stderr.startswith("metaclone: error:")


def test_json_is_valid_for_empty_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # A minimal applicationHost.config without sites still checks cleanly.
    minimal = tmp_path / "applicationHost.config"
    minimal.write_bytes(
        b"<configuration>\n  <system.applicationHost>\n    <sites>\n    </sites>\n"
        b"  </system.applicationHost>\n</configuration>\n"
    )
    status, out, _ = run(capsys, "check", str(minimal), "--json")
    data = json.loads(out)
    assert data["format"] == "iis7-applicationhost"
    assert status == (0 if data["ok"] else 1)


def test_a_closed_pipe_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    class ClosedPipe(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    status = main(["sites", str(FIXTURES / "iis6" / "MetaBase.xml")], stdout=ClosedPipe())
    assert status == 0
    assert capsys.readouterr().err == ""


_SHOP_CERT = CertificateRef("ab" * 20, "WebHosting")


@pytest.mark.parametrize(
    ("site", "shown"),
    [
        (Site(1, "a", True, (Binding.parse("http/*:80:a"),)), "cert: -"),
        (
            Site(2, "b", True, (Binding.parse("https/*:443:b"),), certificate_known=False),
            "cert: in HTTP.sys (give --sslcert to show it)",
        ),
        (Site(3, "c", False, (Binding.parse("https/*:443:c"),)), "cert: waiting for a certificate"),
        (
            Site(4, "d", True, (Binding.parse("https/*:443:d"),), certificate=_SHOP_CERT),
            f"cert: {'ab' * 20} (WebHosting)",
        ),
        (
            Site(
                5,
                "e",
                True,
                (
                    Binding.from_information("https", "*:443:e", certificate=_SHOP_CERT),
                    Binding.from_information("https", "*:8443:e", certificate=_SHOP_CERT),
                ),
                certificate_known=False,
            ),
            f"cert: {'ab' * 20} (WebHosting)",
        ),
    ],
)
def test_site_line_shows_what_is_known_of_the_certificate(site: Site, shown: str) -> None:
    line = site_line(site)
    assert line.endswith(shown)
    if shown in ("cert: -", "cert: waiting for a certificate"):
        assert site.waiting_for_certificate is (shown != "cert: -")
    assert f"[{'started' if site.auto_start else 'stopped'}]" in line


@pytest.mark.parametrize(
    "items",
    [[], [{"id": 1}], [{"name": 'quo"te\nline', "café": "ü"}, {"list": [1, {"a": None}]}]],
)
def test_json_listing_is_the_object_with_one_item_per_line(items: list[object]) -> None:
    fields: dict[str, object] = {"format": "iis6-metabase", "path": "C:\\x\\MetaBase.xml"}
    text = json_listing(fields, "sites", items)
    assert json.loads(text) == {**fields, "sites": items}
    assert text.endswith("\n")
    lines = text.splitlines()
    assert len(lines) == (1 if not items else len(items) + 2)
    assert [json.loads(line.strip().rstrip(",")) for line in lines[1:-1]] == items


class _CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, text: str) -> int:
        self.sizes.append(len(text))
        return super().write(text)


def test_a_long_listing_is_written_whole_in_bounded_pieces() -> None:
    stream = _CountingStream()
    console = Console(stream, io.StringIO())
    lines = [f"{i:>10}  caf\u00e9 \x1b[31m\u202e  [started]" for i in range(50_000)]
    console.out_lines(lines)
    assert stream.getvalue() == "".join(visible(line) + "\n" for line in lines)
    assert len(stream.sizes) > 1
    assert max(stream.sizes) <= 1 << 20


def test_lines_given_one_by_one_are_written_some_thousands_at_a_time() -> None:
    taken: list[int] = []

    class Watching(_CountingStream):
        """Also records how many lines had been made at each write."""

        made: list[int] = []  # noqa: RUF012 - one instance

        def write(self, text: str) -> int:
            self.made.append(len(taken))
            return super().write(text)

    def line(i: int) -> str:
        # A line to escape only in the last thousands: each batch is judged alone.
        return f"site {i}" if i < 19_000 else f"site {i} \x1b[2J"

    def lines() -> Iterator[str]:
        for i in range(20_000):
            taken.append(i)
            yield line(i)

    stream = Watching()
    Console(stream, io.StringIO()).out_lines(lines())
    assert stream.getvalue() == "".join(visible(line(i)) + "\n" for i in range(20_000))
    # Neither a write per line nor one write after every line was made.
    assert 1 < len(stream.sizes) < 20
    assert stream.made[0] < 20_000


@pytest.mark.parametrize(
    "lines",
    [[], ["plain", "caf\u00e9 ok"], ["plain", "one \x1b[2J escape", "\u202eturned"], ["a\nb"]],
)
def test_listed_lines_are_each_one_line_whether_or_not_one_needs_an_escape(
    lines: list[str],
) -> None:
    stream = io.StringIO()
    Console(stream, io.StringIO()).out_lines(iter(lines))
    assert stream.getvalue() == "".join(visible(line) + "\n" for line in lines)
    assert stream.getvalue().count("\n") == len(lines)


@pytest.mark.parametrize(
    "argv",
    [
        ["sites", str(FIXTURES / "iis7" / "applicationHost.config"), "--json"],
        ["cert", "show", str(FIXTURES / "iis6" / "MetaBase.xml"), "--json"],
    ],
    ids=["sites", "cert-show"],
)
def test_json_listings_printed_in_pieces_are_the_whole_document(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # In this process Console.json receives the pieces joined (tests/json_contract.py checks
    # them against the schema); a fresh process writes them as they come.
    assert main(argv) == 0
    whole = capsys.readouterr().out
    streamed = subprocess.run(
        [sys.executable, "-m", "metaclone", *argv],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert streamed.returncode == 0, streamed.stderr
    assert streamed.stdout == whole
    assert json.loads(whole)["sites"]


def test_data_given_in_pieces_is_written_whole_in_bounded_batches() -> None:
    stream = _CountingStream()
    console = Console(stream, io.StringIO())
    pieces = ['{"sites": [', *(f'\n  {{"id": {i}, "name": "s\u00e9"}},' for i in range(60_000))]
    pieces.append('\n  {"id": 0}\n]}\n')
    console.out_data(iter(pieces))
    assert stream.getvalue() == "".join(pieces)
    assert len(json.loads(stream.getvalue())["sites"]) == 60_001
    assert len(stream.sizes) > 1
    assert max(stream.sizes) <= 1 << 20


def test_the_collector_pauses_for_a_command_and_keeps_its_state_afterwards(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[bool] = []
    listing = sites_module.cmd_sites

    def watched(args: argparse.Namespace, console: Console) -> int:
        seen.append(gc.isenabled())
        return listing(args, console)

    monkeypatch.setattr(sites_module, "cmd_sites", watched)
    fixture = str(FIXTURES / "iis6" / "MetaBase.xml")
    assert gc.isenabled()
    assert main(["sites", fixture]) == 0
    assert gc.isenabled()
    gc.disable()
    try:
        assert main(["sites", fixture]) == 0
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert seen == [False, False]
    capsys.readouterr()


def test_only_the_process_entry_leaves_its_objects_to_exit(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Called with arguments (by a program or a test) the collector keeps its say afterwards.
    frozen = gc.get_freeze_count()
    assert main(["sites", str(FIXTURES / "iis6" / "MetaBase.xml")]) == 0
    assert gc.get_freeze_count() == frozen
    capsys.readouterr()
    # As the command line, the objects it read are left for the exit to free, uncollected.
    script = (
        "import gc, sys\n"
        "from metaclone.cli import main\n"
        "sys.argv[1:] = ['sites', sys.argv[1]]\n"
        "status = main()\n"
        "print(status, gc.get_freeze_count() > 0, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(FIXTURES / "iis6" / "MetaBase.xml")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert done.stderr.split() == ["0", "True"]
    assert "MetaBase.xml: iis6-metabase" in done.stdout
