"""Values derived from a document's text: kept until the text changes, dropped when it does."""

from __future__ import annotations

import pytest

from metaclone.lossless import Memo, XmlDocument

_DATA = b'<configuration>\n  <site name="Shop" id="1"/>\n</configuration>\n'
_NAMES: Memo[list[str]] = Memo("names")
_OTHER: Memo[int] = Memo("other")


def _names(doc: XmlDocument, calls: list[int]) -> list[str]:
    def compute() -> list[str]:
        calls.append(doc.version)
        return [doc.get(child, "name") or "" for child in doc.children(doc.root)]

    return doc.memo(_NAMES, compute)


def test_a_memo_is_computed_once_per_version_of_the_text() -> None:
    doc = XmlDocument.from_bytes(_DATA)
    calls: list[int] = []
    assert _names(doc, calls) == ["Shop"]
    assert _names(doc, calls) == ["Shop"]
    assert calls == [0]
    editor = doc.edit()
    editor.set_attribute(next(doc.children(doc.root)), "name", "Shop2")
    editor.commit()
    assert _names(doc, calls) == ["Shop2"]
    assert calls == [0, 1]


def test_a_rollback_drops_every_memo_of_the_abandoned_text() -> None:
    doc = XmlDocument.from_bytes(_DATA)
    calls: list[int] = []
    before = doc.checkpoint()
    editor = doc.edit()
    editor.set_attribute(next(doc.children(doc.root)), "name", "Gone")
    editor.commit()
    assert _names(doc, calls) == ["Gone"]
    doc.remember(_OTHER, 7)
    doc.rollback(before)
    assert _names(doc, calls) == ["Shop"]
    assert doc.memo(_OTHER, lambda: 8) == 8
    assert doc.to_bytes() == _DATA


def test_a_rollback_to_the_same_text_keeps_the_memos() -> None:
    doc = XmlDocument.from_bytes(_DATA)
    calls: list[int] = []
    before = doc.checkpoint()
    _names(doc, calls)
    doc.rollback(before)
    _names(doc, calls)
    assert calls == [0]


def test_remember_and_forget_set_and_empty_one_slot_only() -> None:
    doc = XmlDocument.from_bytes(_DATA)
    doc.remember(_NAMES, ["kept up to date"])
    doc.remember(_OTHER, 1)
    assert doc.memo(_NAMES, pytest.fail) == ["kept up to date"]
    doc.forget(_NAMES)
    doc.forget(_NAMES)  # an empty slot stays empty
    assert doc.memo(_NAMES, lambda: ["again"]) == ["again"]
    assert doc.memo(_OTHER, pytest.fail) == 1


def test_slots_of_the_same_name_are_distinct() -> None:
    doc = XmlDocument.from_bytes(_DATA)
    twin: Memo[int] = Memo("other")
    doc.remember(_OTHER, 1)
    assert doc.memo(twin, lambda: 2) == 2
    assert doc.memo(_OTHER, lambda: 3) == 1


_LENGTHS: Memo[tuple[int, int]] = Memo(
    "lengths carried", carry=lambda value, edit: (value[0] + 1, len(edit.text))
)


def test_a_memo_with_carry_follows_a_commit_when_next_asked_for() -> None:
    doc = XmlDocument.from_bytes(_DATA)
    calls: list[int] = []

    def compute() -> tuple[int, int]:
        calls.append(doc.version)
        return 0, len(doc.text)

    assert doc.memo(_LENGTHS, compute) == (0, len(_DATA))
    for step, name in enumerate(("Shop2", "Shop33"), start=1):
        editor = doc.edit()
        editor.set_attribute(next(doc.children(doc.root)), "name", name)
        editor.commit()
        # Carried through the commit, never computed again.
        assert doc.memo(_LENGTHS, compute) == (step, len(doc.text))
    assert calls == [0]


def test_a_memo_not_read_between_two_commits_is_computed_again() -> None:
    # Waiting through a second commit would keep the text of the first alive.
    doc = XmlDocument.from_bytes(_DATA)
    doc.memo(_LENGTHS, lambda: (0, 0))
    for name in ("Shop2", "Shop33"):
        editor = doc.edit()
        editor.set_attribute(next(doc.children(doc.root)), "name", name)
        editor.commit()
    assert doc.memo(_LENGTHS, lambda: (5, 5)) == (5, 5)


def test_a_rollback_drops_carried_memos_too() -> None:
    doc = XmlDocument.from_bytes(_DATA)
    before = doc.checkpoint()
    doc.memo(_LENGTHS, lambda: (0, 0))
    editor = doc.edit()
    editor.set_attribute(next(doc.children(doc.root)), "name", "Gone")
    editor.commit()
    doc.rollback(before)
    assert doc.memo(_LENGTHS, lambda: (7, 7)) == (7, 7)


@pytest.mark.parametrize("offset", [0, 5, 16, 30, 44, 45])
def test_line_numbers_follow_an_edit_that_adds_lines(offset: int) -> None:
    doc = XmlDocument.from_bytes(_DATA)
    # Known lines all over the text before the edit, moved by it.
    for known in range(0, len(doc.text), 7):
        doc.line_and_column(known)
    editor = doc.edit()
    editor.insert(16, "\n\n  <!-- two more lines -->")
    editor.commit()
    text = doc.text
    expected = (text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1)
    assert doc.line_and_column(offset) == expected


def test_to_bytes_drops_a_memo_still_waiting_to_follow_an_edit() -> None:
    # The waiting value may hold the text before the edit: not kept beside the output.
    doc = XmlDocument.from_bytes(_DATA)
    doc.memo(_LENGTHS, lambda: (0, 0))
    editor = doc.edit()
    editor.set_attribute(next(doc.children(doc.root)), "name", "Shop2")
    editor.commit()
    assert doc.to_bytes() == _DATA.replace(b'"Shop"', b'"Shop2"')
    assert doc.memo(_LENGTHS, lambda: (9, 9)) == (9, 9)
