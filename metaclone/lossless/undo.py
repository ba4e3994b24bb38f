"""Undoing the commits made to a document since a point, without the text from before them.

A :class:`~metaclone.lossless.patches.Checkpoint` keeps the text it was taken on.  Held through
the edits of a large file, that text stays beside each new text as the new one is made, which
for a run of edits is one more copy of the file at the peak.  An :class:`UndoLog` keeps what
each commit replaced instead, as the patches that put it back: all that undoing needs.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

from metaclone.lossless.document import XmlDocument
from metaclone.lossless.patches import Checkpoint, Patch

if TYPE_CHECKING:
    from metaclone.lossless.text_edit import TextEdit

__all__ = ["UndoLog", "undoable"]

#: The logs open on each document, oldest first.
_OPEN: weakref.WeakKeyDictionary[XmlDocument, list[UndoLog]] = weakref.WeakKeyDictionary()


class UndoLog:
    """The commits made to ``xml`` while the log is open, each as the patches that undo it."""

    def __init__(self, xml: XmlDocument) -> None:
        self._xml = xml
        self._unchanged = not xml.modified
        #: Per commit, in order: patches in the offsets of the text that commit made.
        self._undoing: list[tuple[Patch, ...]] = []

    def record(self, edit: TextEdit) -> None:
        """Keep what ``edit`` replaced, as patches on the text it made (never that text)."""
        undoing, delta = [], 0
        for (start, end, new), old in zip(edit.patches, edit.replaced, strict=True):
            undoing.append(Patch(start + delta, start + delta + len(new), old))
            delta += len(new) - (end - start)
        self._undoing.append(tuple(undoing))

    def undo(self) -> None:
        """Return the document to its state when the log was opened: each commit's text is made
        in turn (an undo is rare, and only then is a text made for it)."""
        xml = self._xml
        while self._undoing:
            undoing = self._undoing.pop()
            xml.rollback(Checkpoint(xml.text, undoing, self._unchanged))
            # The logs opened before this one recorded the commit too: it is undone for them.
            for log in _OPEN.get(xml, ()):
                if log is not self and log._undoing:
                    log._undoing.pop()


@contextlib.contextmanager
def undoable(xml: XmlDocument) -> Iterator[None]:
    """Commits made inside are undone if it is left by an exception (see :class:`UndoLog`)."""
    log = UndoLog(xml)
    logs = _OPEN.setdefault(xml, [])
    logs.append(log)
    xml.commit_observers.append(log.record)
    try:
        yield
    except BaseException:
        log.undo()
        raise
    finally:
        xml.commit_observers.remove(log.record)
        logs.remove(log)
