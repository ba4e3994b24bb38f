"""Successive commits compose their patches onto the text the document was loaded with: the
document reads through the pieces, and makes the whole text only when asked for it whole.

Whatever the composed pieces give (the text, excerpts, bytes in chunks, line numbers, a
checkpoint rolled back to, a transaction undone) must be what applying the commits one at a
time to the whole text gives.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.lossless import XmlDocument
from metaclone.lossless import patches as patches_module
from metaclone.lossless.patches import (
    TEXTS_MADE,
    Patch,
    PatchedText,
    apply_patches,
    first_match,
)
from metaclone.lossless.undo import undoable

CHARACTERS = st.sampled_from(["a", "b", "<", "\n", "\r", "é", "Ω", "😀"])
TEXTS = st.lists(CHARACTERS, max_size=12).map("".join)
#: The loaded text: the patches are drawn on what lies between the root's tags.
HEAD, TAIL = "<r>", "</r>\n"
BODY = st.lists(st.sampled_from(["a", "b", "\n", "é"]), max_size=40).map("".join)


class StoppedError(Exception):
    """Raised inside a transaction to end it the way a failed operation does."""


@st.composite
def commit_on(draw: st.DrawFn, length: int) -> list[Patch]:
    """Patches (not overlapping, in any order) on a text of ``length`` characters: insertions,
    often several at one offset, deletions and replacements."""
    cuts = sorted(draw(st.lists(st.integers(0, length), max_size=8)))
    drawn: list[Patch] = []
    for start, end in zip(cuts[::2], cuts[1::2], strict=False):
        kind = draw(st.sampled_from(["insert", "insert twice", "delete", "replace"]))
        if kind.startswith("insert"):
            drawn += [Patch(start, start, draw(TEXTS)) for _ in range(kind.count(" ") + 1)]
        drawn.append(Patch(start, end, "" if kind == "delete" else draw(TEXTS)))
    return draw(st.permutations(drawn))


@st.composite
def commits(draw: st.DrawFn) -> tuple[str, list[list[Patch]]]:
    """A loaded text and one to eight commits, each drawn on the text the ones before made:
    so patches fall inside, across and at the edges of earlier patches' new text."""
    text = HEAD + draw(BODY) + TAIL
    made, drawn = text, []
    for _ in range(draw(st.integers(1, 8))):
        commit = draw(commit_on(len(made)))
        drawn.append(commit)
        made = apply_patches(made, commit)
    return text, drawn


def _committed(doc: XmlDocument, commit: list[Patch]) -> None:
    editor = doc.edit()
    for patch in commit:
        editor.replace(patch.start, patch.end, patch.new)
    editor.commit()


def _spans(length: int) -> Iterator[tuple[int, int]]:
    points = sorted({0, length, *range(0, length, 7), *range(3, length, 11)})
    return itertools.combinations(points[:12], 2)


@given(commits())
def test_the_composed_pieces_are_the_text_the_commits_make(
    case: tuple[str, list[list[Patch]]],
) -> None:
    text, drawn = case
    doc = XmlDocument.from_bytes(text.encode("utf-8"), "f.xml")
    made_before = TEXTS_MADE.count
    for commit in drawn:
        expected = apply_patches(doc.checkpoint().text, commit)
        _committed(doc, commit)
        assert len(doc.patched_text()) == len(expected)
        for start, end in _spans(len(expected)):
            assert doc.excerpt(start, end) == expected[start:end]
        for offset in range(0, len(expected) + 1, 5):
            line = expected.count("\n", 0, offset) + 1
            column = offset - (expected.rfind("\n", 0, offset) + 1) + 1
            assert doc.line_and_column(offset) == (line, column)
    assert TEXTS_MADE.count == made_before
    assert b"".join(doc.chunks(3)) == expected.encode("utf-8")
    assert doc.text == expected
    assert TEXTS_MADE.count == made_before + any(drawn)  # an empty commit changes nothing


@given(commits(), st.integers(0, 8))
def test_a_rollback_and_an_undo_return_to_the_text_of_their_commit(
    case: tuple[str, list[list[Patch]]], kept: int
) -> None:
    text, drawn = case
    kept = min(kept, len(drawn))
    doc = XmlDocument.from_bytes(text.encode("utf-8"), "f.xml")
    for commit in drawn[:kept]:
        _committed(doc, commit)
    checkpoint = doc.checkpoint()
    at_checkpoint = checkpoint.text
    try:
        with undoable(doc):
            for commit in drawn[kept:]:
                _committed(doc, commit)
            raise StoppedError
    except StoppedError:
        pass
    assert doc.text == at_checkpoint
    assert doc.modified == any(drawn[:kept])
    for commit in drawn[kept:]:
        _committed(doc, commit)
    doc.rollback(checkpoint)
    assert b"".join(doc.chunks(5)) == at_checkpoint.encode("utf-8")
    assert doc.text == at_checkpoint


@given(commits())
def test_composing_gives_the_patches_applying_in_turn_gives(
    case: tuple[str, list[list[Patch]]],
) -> None:
    text, drawn = case
    view = PatchedText(text, ())
    made = text
    for commit in drawn:
        ordered = sorted(commit, key=lambda p: (p.start, p.end))
        made = apply_patches(made, commit)
        view = PatchedText(text, view.composed(ordered))
        assert apply_patches(text, view.patches) == made
        starts = [p.start for p in view.patches]
        assert starts == sorted(starts)


def test_many_pieces_make_the_text_once_past_the_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(patches_module, "MAX_PIECES", 3)
    doc = XmlDocument.from_bytes(b"<r>" + b"abcdefgh" * 4 + b"</r>", "f.xml")
    expected = doc.text
    made_before = TEXTS_MADE.count
    for number, offset in enumerate((30, 20, 10, 5)):  # four pieces apart from each other
        _committed(doc, [Patch(offset, offset + 1, str(number))])
        expected = expected[:offset] + str(number) + expected[offset + 1 :]
        assert doc.excerpt(0, len(expected)) == expected
        assert TEXTS_MADE.count == made_before + (number == 3)
    assert doc.text == expected
    assert TEXTS_MADE.count == made_before + 1


def test_new_text_past_its_share_of_the_text_makes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patches_module, "MIN_PIECE_TEXT", 10)
    doc = XmlDocument.from_bytes(b"<r>" + b"a" * 80 + b"</r>", "f.xml")
    made_before = TEXTS_MADE.count
    _committed(doc, [Patch(5, 5, "b" * 10)])
    assert TEXTS_MADE.count == made_before
    expected = doc.excerpt(0, 50) + "c" + doc.excerpt(50, 97)
    _committed(doc, [Patch(50, 50, "c")])  # 11 characters of new text: more than 87 / 8
    assert TEXTS_MADE.count == made_before + 1
    assert doc.text == expected


NEEDLES = st.lists(
    st.lists(st.sampled_from(["a", "A", "b", "é", "É", "\n"]), min_size=1, max_size=4).map("".join),
    min_size=1,
    max_size=3,
)


@given(commits(), NEEDLES, st.integers(1, 6), st.data())
def test_a_search_in_windows_finds_what_a_search_of_the_made_text_finds(
    case: tuple[str, list[list[Patch]]], needles: list[str], window: int, data: st.DataObject
) -> None:
    """However small the windows, the first match in a stretch of the text read in pieces
    starts where it starts in the text made whole (matches that cross a window's end too)."""
    text, drawn = case
    view, made = PatchedText(text, ()), text
    for commit in drawn:
        made = apply_patches(made, commit)
        view = PatchedText(text, view.composed(sorted(commit, key=lambda p: (p.start, p.end))))
    pattern = re.compile("|".join(map(re.escape, needles)), re.IGNORECASE)
    start = data.draw(st.integers(0, len(made)))
    end = data.draw(st.integers(start, len(made)))
    expected = pattern.search(made, start, end)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(patches_module, "_SEARCH_WINDOW", window)
        found = first_match(view, pattern, start, end, max(map(len, needles)))
    assert found == (-1 if expected is None else expected.start())
    assert first_match(made, pattern, start, end, 1) == found
