"""Undoing the commits of a transaction from what they replaced, without the text before them."""

from __future__ import annotations

import contextlib
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.lossless import XmlDocument
from metaclone.lossless.undo import undoable

SOURCE = (
    '<?xml version="1.0" encoding="windows-1252"?>\r\n<root>\r\n  <a id="1" name="caf\xe9"/>\r\n'
    '  <b id="2">text</b>\r\n</root>\r\n'
).encode("windows-1252")


class StoppedError(Exception):
    """Raised inside a transaction to end it the way a failed operation does."""


def _document() -> XmlDocument:
    return XmlDocument.from_bytes(SOURCE, "sample.xml")


def _set_id(doc: XmlDocument, child: int, value: str) -> None:
    tags = list(doc.child_tags(doc.root))
    editor = doc.edit()
    editor.set_attribute(tags[child], "id", value)
    editor.commit()


def test_an_exception_undoes_every_commit_made_inside() -> None:
    doc = _document()

    def two_commits() -> None:
        with undoable(doc):
            _set_id(doc, 0, "10")
            assert 'id="10"' in doc.text  # the first commit's text made between the two
            _set_id(doc, 1, "twenty\nlines")
            raise StoppedError

    with pytest.raises(StoppedError):
        two_commits()
    assert doc.to_bytes() == SOURCE
    assert not doc.modified
    assert b"".join(doc.chunks()) == SOURCE


def test_the_commits_stay_when_it_ends_without_an_exception() -> None:
    doc = _document()
    with undoable(doc):
        _set_id(doc, 0, "10")
    assert 'id="10"' in doc.text
    assert doc.modified


def test_an_undo_of_an_already_changed_document_returns_to_its_changes() -> None:
    doc = _document()
    _set_id(doc, 0, "10")
    changed = doc.to_bytes()

    def one_commit() -> None:
        with undoable(doc):
            _set_id(doc, 1, "20")
            raise StoppedError

    with pytest.raises(StoppedError):
        one_commit()
    assert doc.to_bytes() == changed
    assert doc.modified


def test_an_inner_undo_is_not_undone_again_by_the_outer_one() -> None:
    doc = _document()

    def nested() -> None:
        with undoable(doc):
            _set_id(doc, 0, "10")
            after_first = doc.text
            with contextlib.suppress(ValueError), undoable(doc):
                _set_id(doc, 1, "20")
                raise ValueError
            assert doc.text == after_first
            _set_id(doc, 1, "30")
            raise StoppedError

    with pytest.raises(StoppedError):
        nested()
    assert doc.to_bytes() == SOURCE


def test_after_an_inner_undo_the_outer_keeps_its_own_commits() -> None:
    doc = _document()
    with undoable(doc):
        _set_id(doc, 0, "10")
        with contextlib.suppress(ValueError), undoable(doc):
            _set_id(doc, 1, "20")
            raise ValueError
    assert 'id="10"' in doc.text
    assert 'id="2"' in doc.text


def test_it_holds_no_reference_to_the_text_before_the_commits() -> None:
    doc = _document()
    text = doc.text
    references = sys.getrefcount(text)
    with undoable(doc):
        assert sys.getrefcount(text) == references
        _set_id(doc, 0, "10")
        assert doc.text != text  # the new text made: the document let go of the old one
        assert sys.getrefcount(text) == references - 1


@given(
    st.lists(
        st.tuples(st.integers(0, 1), st.text(st.sampled_from("ab\n\xe9&<'\""), max_size=8)),
        min_size=1,
        max_size=6,
    ),
    st.booleans(),
)
def test_any_run_of_commits_is_undone_to_the_same_bytes(
    edits: list[tuple[int, str]], make_text_between: bool
) -> None:
    doc = _document()

    def commits() -> None:
        with undoable(doc):
            for child, value in edits:
                _set_id(doc, child, value)
                if make_text_between:
                    assert doc.text
            raise StoppedError

    with pytest.raises(StoppedError):
        commits()
    assert doc.to_bytes() == SOURCE
    assert doc.text == SOURCE.decode("windows-1252")
