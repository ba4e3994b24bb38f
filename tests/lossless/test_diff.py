"""Unified diffs that ``patch`` applies exactly, CRLF and missing final newlines included."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.lossless.diff import unified_diff

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


# -- the edit script, without patch(1) ----------------------------------------------------------


def _apply_hunks(before: str, diff: str) -> str:
    """``before`` with the hunks of a unified ``diff`` applied (each hunk checked line by line)."""
    old = before.split("\n")
    old_lines = [line + "\n" for line in old[:-1]] + ([old[-1]] if old[-1] else [])
    rows = diff.split("\n")[2:]
    out: list[str] = []
    at = 0
    index = 0
    while index < len(rows) and rows[index].startswith("@@"):
        start = int(rows[index].split()[1][1:].split(",")[0])
        length = rows[index].split()[1].split(",")
        start = start if len(length) == 1 or int(length[1]) else start + 1
        out.extend(old_lines[at : start - 1])
        at = start - 1
        index += 1
        body: list[tuple[str, str]] = []
        while index < len(rows) and rows[index][:1] in (" ", "-", "+", "\\"):
            row = rows[index]
            if row.startswith("\\"):
                sign, text = body.pop()
                body.append((sign, text[:-1]))
            else:
                body.append((row[0], row[1:] + "\n"))
            index += 1
        for sign, text in body:
            if sign in (" ", "-"):
                assert old_lines[at] == text
                at += 1
            if sign in (" ", "+"):
                out.append(text)
    out.extend(old_lines[at:])
    return "".join(out)


_REPEATED = st.sampled_from(["<a>", "</a>", "  <b/>", "", "x", "y"])
_UNIQUE = st.integers(0, 40).map(lambda n: f"  <site id='{n}'/>")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_REPEATED, _UNIQUE), max_size=30),
    st.lists(st.one_of(_REPEATED, _UNIQUE), max_size=30),
    st.tuples(st.sampled_from(["\n", "\r\n"]), st.booleans(), st.booleans()),
    st.integers(0, 4),
)
def test_hunks_rebuild_the_new_text(
    old: list[str], new: list[str], ends: tuple[str, bool, bool], context: int
) -> None:
    newline, final_old, final_new = ends
    before = newline.join(old) + (newline if final_old and old else "")
    after = newline.join(new) + (newline if final_new and new else "")
    diff = unified_diff(before, after, "f", context)
    if before == after:
        assert diff == ""
        return
    assert _apply_hunks(before, diff) == after


def test_an_inserted_block_in_a_repetitive_file_is_one_small_hunk() -> None:
    sites = [
        f"    <site name='s{i}' id='{i}'>\n        <bindings/>\n    </site>\n" for i in range(500)
    ]
    block = "    <site id='999'>\n        <bindings/>\n    </site>\n"
    before = "<sites>\n" + "".join(sites) + "</sites>\n"
    after = "<sites>\n" + "".join(sites[:250]) + block + "".join(sites[250:]) + "</sites>\n"
    diff = unified_diff(before, after, "f")
    assert [line for line in diff.splitlines() if line.startswith("@@")] == ["@@ -749,6 +749,9 @@"]
    added = [line for line in diff.splitlines() if line.startswith("+") and line != "+++ f"]
    removed = [line for line in diff.splitlines() if line.startswith("-") and line != "--- f"]
    assert removed == []
    assert len(added) == 3
    assert _apply_hunks(before, diff) == after


def test_distant_edits_give_separate_hunks() -> None:
    lines = [f"line {i}\n" for i in range(100)]
    changed = list(lines)
    changed[10] = "first change\n"
    changed[80] = "second change\n"
    diff = unified_diff("".join(lines), "".join(changed), "f")
    assert "@@ -8,7 +8,7 @@" in diff
    assert "@@ -78,7 +78,7 @@" in diff


def test_a_stretch_too_large_to_match_is_replaced_whole() -> None:
    from metaclone.lossless import diff as diff_module

    before = "".join("same\n" if i % 2 else "other\n" for i in range(3000))
    after = "".join("same\n" if i % 3 else "third\n" for i in range(3000))
    text = unified_diff(before, after, "f")
    assert _apply_hunks(before, text) == after
    assert diff_module._MATCHER_LIMIT < 3000 * 3000


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("x\nSAME\n", "xyz SAME\n"),
        ("A\nX\nB\n", "A\nY\nB\n"),
        ("SAME", "X\nSAME"),
        ("a\nb\nc", "a\nb\nc\n"),
        ("a\nb\nc\n", "a\nb\nc"),
        ("\n\n\n", "\n\n"),
        ("head\nmid\ntail", "head\ntail"),
    ],
)
def test_shared_head_and_tail_are_cut_at_lines_both_sides_share(before: str, after: str) -> None:
    assert _apply_hunks(before, unified_diff(before, after, "f")) == after
    assert _apply_hunks(after, unified_diff(after, before, "f")) == before


@settings(max_examples=400, deadline=None)
@given(
    st.text("ab\n\r", max_size=40),
    st.text("ab\n\r", max_size=40),
    st.text("ab\n\r", max_size=40),
    st.text("ab\n\r", max_size=8),
)
def test_any_character_splice_is_diffed_exactly(
    head: str, tail: str, removed: str, inserted: str
) -> None:
    before = head + removed + tail
    after = head + inserted + tail
    diff = unified_diff(before, after, "f", 1)
    assert (diff == "") == (before == after)
    if diff:
        assert _apply_hunks(before, diff) == after
