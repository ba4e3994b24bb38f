"""``sites --json --applications``: an error found in the last site's applications leaves
nothing printed."""

from __future__ import annotations

from pathlib import Path

import pytest

import metaclone
from metaclone.cli import EXIT_REFUSED, main
from tests.conftest import FIXTURES

IIS7 = FIXTURES / "iis7" / "applicationHost.config"


def _repeated_defaults_in_last_site(tmp_path: Path) -> Path:
    """The IIS 7 fixture with <virtualDirectoryDefaults> twice in the last site's root
    application: every site reads, but that site's applications are refused."""
    data = IIS7.read_bytes()
    last_root = data.rindex(b'<application path="/">')
    line_end = data.index(b"\n", last_root) + 1
    twice = b'                <virtualDirectoryDefaults userName="CORP\\web" />\r\n' * 2
    path = tmp_path / "late.config"
    path.write_bytes(data[:line_end] + twice + data[line_end:])
    return path


def test_an_error_in_the_last_sites_applications_prints_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _repeated_defaults_in_last_site(tmp_path)
    doc = metaclone.load(path)
    assert len(doc.sites) > 1
    with pytest.raises(metaclone.DuplicateDefaultsError, match="more than once") as caught:
        doc.applications(doc.sites[-1])
    status = main(["sites", str(path), "--json", "--applications"])
    out, err = capsys.readouterr()
    assert status == EXIT_REFUSED
    assert out == ""
    assert f"{path}:{caught.value.line}:" in err
    assert "more than once" in err
