"""Successive edits never make the whole text of the file: each commit is composed onto the
pieces, and the index, the copied site and the notes are read from windows around the edits.

:data:`~metaclone.lossless.patches.TEXTS_MADE` counts how often a document made its whole
text; a reader that makes it would make every later edit cost in proportion to the file.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

import metaclone
from benchmarks.generate import generate
from metaclone.cli import main
from metaclone.lossless.patches import TEXTS_MADE

SITES = 300
SUFFIXES = {"iis6": ".xml", "iis7": ".config"}


@pytest.fixture
def made() -> Iterator[list[str]]:
    """Where each whole text was made while the test ran (a traceback each)."""
    found: list[str] = []
    before = TEXTS_MADE.count, TEXTS_MADE.on_made
    TEXTS_MADE.on_made = lambda: found.append("".join(traceback.format_stack(limit=12)))
    try:
        yield found
    finally:
        TEXTS_MADE.on_made = before[1]
    assert TEXTS_MADE.count - before[0] == len(found)


def _generated(tmp_path: Path, file_format: str) -> Path:
    path = tmp_path / f"generated{SUFFIXES[file_format]}"
    path.write_bytes(generate(file_format, SITES, 1))
    return path


@pytest.mark.parametrize("file_format", list(SUFFIXES))
def test_ten_clones_never_make_the_whole_text(
    tmp_path: Path, file_format: str, made: list[str]
) -> None:
    path = _generated(tmp_path, file_format)
    doc = metaclone.load(path)
    for number in range(10):
        clone = doc.clone_site(1, new_name=f"bench-clone.example-{number}")
        # The clone as a fresh load of the bytes written in pieces reads it.
        fresh = metaclone.loads(b"".join(doc.xml.chunks()), str(path))
        assert fresh.site(clone.id) == clone
    assert made == []
    assert doc.to_bytes() == fresh.to_bytes()


def _secure_site(path: Path) -> tuple[str, str]:
    doc = metaclone.load(path)
    secure = next(s for s in doc.sites if s.secure_bindings and s.kind.value == "web")
    certificate = secure.certificate or secure.secure_bindings[0].certificate
    return str(secure.id), certificate.thumbprint if certificate else "ab" * 20


def _placeholder_id(path: Path, site_id: str) -> str:
    doc = metaclone.load(path)
    original = doc.site(int(site_id))
    placeholder = next(s for s in doc.sites if s.name == f"{original.name} (placeholder)")
    return str(placeholder.id)


@pytest.mark.parametrize("file_format", list(SUFFIXES))
def test_placeholder_begin_and_finish_never_make_the_whole_text(
    tmp_path: Path, file_format: str, made: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The first https site of the generated IIS 7 file is on the central store: a plan
    changes no entry there, so it reads no other site (an entry of every address or of an
    IPv6 address would have it read every site after the clone)."""
    path = _generated(tmp_path, file_format)
    site_id, thumbprint = _secure_site(path)
    if file_format == "iis7":
        assert metaclone.load(path).site(int(site_id)).secure_bindings[0].ssl_flags == 3
    begun, finished = tmp_path / f"begun{path.suffix}", tmp_path / f"finished{path.suffix}"
    argv = ["placeholder", "begin", str(path), "--site", site_id, "--thumbprint", thumbprint]
    made_before = len(made)
    assert main([*argv, "-o", str(begun)]) == 0
    assert len(made) == made_before, made
    placeholder = _placeholder_id(begun, site_id)
    made_before = len(made)
    argv = ["placeholder", "finish", str(begun), "--site", site_id, "--placeholder", placeholder]
    assert main([*argv, "--thumbprint", "cd" * 20, "-o", str(finished)]) == 0
    assert len(made) == made_before, made
    capsys.readouterr()


@pytest.mark.parametrize(
    ("site_id", "binding"),
    [("22", "*:443:vault00015.example"), ("14", "10.91.225.116:443:"), ("14", "*:443:")],
)
def test_an_iis7_plan_for_an_sni_or_address_entry_makes_no_whole_text(
    tmp_path: Path, site_id: str, binding: str, made: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The sites that may share such an entry are found by a search of the text in windows,
    and the IIS Express mark the same way: begin and finish leave the text in pieces.  For an
    entry of every address (``*:443:``, written here in place of site 14's address) that is
    every site whose text holds the port's digits."""
    path = _generated(tmp_path, "iis7")
    data = path.read_bytes()
    if binding == "*:443:":
        written = b'bindingInformation="10.91.225.116:443:"'
        assert data.count(written) == 1
        path.write_bytes(data.replace(written, b'bindingInformation="*:443:"'))
    site = metaclone.load(path).site(int(site_id))
    assert [b.binding_information for b in site.secure_bindings] == [binding]
    begun, finished = tmp_path / "begun.config", tmp_path / "finished.config"
    argv = ["placeholder", "begin", str(path), "--site", site_id, "--thumbprint", "ab" * 20]
    assert main([*argv, "-o", str(begun)]) == 0
    assert made == []
    placeholder = _placeholder_id(begun, site_id)
    argv = ["placeholder", "finish", str(begun), "--site", site_id, "--placeholder", placeholder]
    assert main([*argv, "--thumbprint", "cd" * 20, "-o", str(finished)]) == 0
    assert made == []
    capsys.readouterr()
