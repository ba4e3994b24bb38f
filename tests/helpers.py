"""Assertions shared by the edit and refusal tests of every format.

``assert_edit`` states an edit as the lines it changes (a unified diff without its headers),
so that a test shows exactly which bytes moved and proves that nothing else did;
``assert_refused`` proves that a refused operation left the document exactly as it was.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import metaclone
from metaclone.document import ConfigDocument
from metaclone.errors import MetacloneError
from metaclone.lossless.diff import unified_diff
from tests.conftest import FIXTURES

Fixture = str | Path | bytes


def load_fixture(fixture: Fixture) -> ConfigDocument:
    """The document of ``fixture``: bytes, or a path (relative ones under ``fixtures/``)."""
    if isinstance(fixture, bytes):
        return metaclone.loads(fixture)
    path = Path(fixture)
    return metaclone.load(path if path.is_absolute() else FIXTURES / path)


def changed_lines(before: str, after: str) -> str:
    """The diff of ``before`` and ``after`` without context or headers, ``\\r`` removed."""
    diff = unified_diff(before, after, "x", context=0)
    kept = [
        line
        for line in diff.splitlines(keepends=True)
        if not line.startswith(("--- ", "+++ ", "@@ "))
    ]
    return "".join(kept).replace("\r", "")


def assert_edit(
    fixture: Fixture, operation: Callable[[ConfigDocument], object], expected_diff: str
) -> ConfigDocument:
    """Run ``operation`` on the document of ``fixture`` and check that it changed exactly the
    lines of ``expected_diff`` (``-``/``+`` lines, indented as the test likes).

    Also: every added line ends in the file's own newline, and the result reloads, saves
    byte for byte as it was, and parses with lxml.  Returns the edited document.
    """
    doc = load_fixture(fixture)
    before = doc.xml.text
    newline = doc.xml.dominant_newline()
    operation(doc)
    after = doc.xml.text
    expected = textwrap.dedent(expected_diff).lstrip("\n")
    assert changed_lines(before, after) == expected
    diff = unified_diff(before, after, "x", context=0)
    for line in diff.split("\n")[:-1]:
        if line.startswith("+") and not line.startswith("+++ "):
            ending = line + "\n"
            assert ending.endswith(newline), (line, newline)
            assert newline != "\n" or not line.endswith("\r"), line
    data = doc.to_bytes()
    again = metaclone.loads(data)
    assert again.to_bytes() == data
    assert again.format == doc.format
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    etree.fromstring(data, parser)
    return doc


def assert_refused(
    fixture: Fixture,
    operation: Callable[[ConfigDocument], object],
    error: type[BaseException],
    match: str | None = None,
) -> pytest.ExceptionInfo[Any]:
    """Check that ``operation`` on the document of ``fixture`` raises ``error`` (its message
    matching ``match``) and leaves the document as it was: the same bytes, the same sites,
    not modified.  Returns what ``pytest.raises`` caught."""
    doc = load_fixture(fixture)
    before = doc.to_bytes()
    sites_before = _sites(doc)
    with pytest.raises(error, match=match) as caught:
        operation(doc)
    assert doc.to_bytes() == before
    assert not doc.modified
    assert _sites(doc) == sites_before
    return caught


def _sites(doc: ConfigDocument) -> object:
    try:
        return doc.sites
    except MetacloneError as problem:
        return type(problem).__name__
