"""Unified diffs that ``patch`` applies exactly, CRLF and missing final newlines included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.diff import unified_diff

needs_patch = pytest.mark.skipif(shutil.which("patch") is None, reason="patch(1) not installed")


def _apply(tmp_path: Path, before: str, after: str) -> bytes:
    target = tmp_path / "file.config"
    target.write_bytes(before.encode())
    diff = unified_diff(before, after, "file.config")
    subprocess.run(
        ["patch", "-p0", "--quiet", "--binary"],
        input=diff.encode(),
        cwd=tmp_path,
        check=True,
    )
    return target.read_bytes()


def test_equal_texts_give_no_diff() -> None:
    assert unified_diff("a\r\nb", "a\r\nb", "x") == ""


def test_crlf_lines_keep_their_line_ends() -> None:
    diff = unified_diff("<a>\r\n  <b/>\r\n</a>\r\n", "<a>\r\n  <b/>\r\n  <c/>\r\n</a>\r\n", "f")
    assert "+  <c/>\r\n" in diff
    assert diff.startswith("--- f\n+++ f\n")


def test_missing_final_newline_is_marked() -> None:
    diff = unified_diff("<a>\n</a>", "<a>\n<b/>\n</a>", "f")
    assert diff.endswith("\n </a>\n\\ No newline at end of file\n")


@needs_patch
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r\r\n"])
@pytest.mark.parametrize("final", [True, False])
def test_patch_applies_the_diff(tmp_path: Path, newline: str, final: bool) -> None:
    lines = [f"    <site id='{i}'/>" for i in range(8)]
    before = newline.join(["<sites>", *lines, "</sites>"]) + (newline if final else "")
    changed = [*lines[:4], "    <site id='99'/>", *lines[4:]]
    after = newline.join(["<sites>", *changed, "</sites>"]) + (newline if final else "")
    assert _apply(tmp_path, before, after) == after.encode()


_LINE = st.sampled_from(["<a>", "  <b x='1'/>", "\t<c/>", "", "text \u2028 sep", "</a>"])


@needs_patch
@settings(max_examples=30, deadline=None)
@given(
    st.lists(_LINE, min_size=1, max_size=8),
    st.lists(_LINE, min_size=1, max_size=8),
    st.sampled_from(["\n", "\r\n", "\r\r\n"]),
    st.booleans(),
)
def test_patch_reproduces_any_edit(
    tmp_path_factory: pytest.TempPathFactory,
    old: list[str],
    new: list[str],
    newline: str,
    final: bool,
) -> None:
    before = newline.join(old) + (newline if final else "")
    after = newline.join(new) + (newline if not final else "")
    if before == after:
        return
    assert _apply(tmp_path_factory.mktemp("p"), before, after) == after.encode()
