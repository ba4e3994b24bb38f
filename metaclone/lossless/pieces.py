"""A text kept as the text it was loaded (or last made) with and the patches of every commit
since, composed: read by windows near an offset, made whole only when asked for it whole.

:class:`TextPieces` is the reading half of :class:`~metaclone.lossless.XmlDocument`.  A commit
composes its patches (in the offsets of the text it changed) onto the pending ones (in the
offsets of the base text), so that successive edits of a large file cost in proportion to the
edits: the replaced text, a tag's attributes, an element's children, a line's start and line
end are read from the pieces.  The text is made when something reads it whole (and then the
pieces are one again), or when a long run of edits leaves too many pieces
(:func:`~metaclone.lossless.patches.too_many_pieces`).  :data:`~metaclone.lossless.patches.
TEXTS_MADE` counts how often that happens.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import TypeVar

from metaclone.lazy import lazy_pattern
from metaclone.lossless import markup, tokens
from metaclone.lossless.patches import TEXTS_MADE, Patch, PatchedText, handed_over
from metaclone.lossless.shift import moved, moved_tag
from metaclone.lossless.tokens import Attribute, Element, Tag

__all__ = ["WINDOW_LIMIT", "TextPieces"]

_LINE_ENDS = ("\r\r\n", "\r\n", "\n")

#: A whole tag, start or end (its ``>`` is the first outside quotes).
_TAG = lazy_pattern(lambda: re.compile(rf"</?{markup.NAME}{markup.TAG_REST}"))

#: The largest element whose children are read from a copy of it (rather than from the whole
#: text, made for them) while the text is in pieces.
WINDOW_LIMIT = 1 << 20

_T = TypeVar("_T")


class TextPieces:
    """A text: ``_base`` with the ``_pending`` patches (sorted, in its offsets) applied."""

    def __init__(self, text: str) -> None:
        # Written out in pieces straight from ``_base``; read by windows through ``_view``.
        self._base = text
        self._pending: tuple[Patch, ...] = ()
        self._view: PatchedText | None = None

    @property
    def text(self) -> str:
        if self._pending:
            TEXTS_MADE.made()
            self._view = None
            texts, self._base = [self._base], ""
            try:
                self._base = handed_over(texts, self._pending)
            except BaseException:
                if texts:  # given back before it was let go of
                    self._base = texts.pop()
                raise
            self._pending = ()
        return self._base

    def line_start(self, offset: int) -> int:
        return self.readable().rfind("\n", 0, offset) + 1

    def indentation_before(self, offset: int) -> str:
        """The white space between the start of the line and ``offset`` ('' if not only space)."""
        start = self.line_start(offset)
        prefix = self.excerpt(start, offset)
        return prefix if prefix.strip() == "" else ""

    def newline_near(self, offset: int) -> str:
        """The line end used by the line at ``offset``, else the file's most common one."""
        text = self.readable()
        pos = text.find("\n", offset, len(text))
        if pos < 0:
            pos = text.rfind("\n", 0, offset)
        if pos < 0:
            return self.dominant_newline()
        before = self.excerpt(max(pos - 2, 0), pos + 1)
        if before.endswith("\r\r\n") and pos >= 2:
            return "\r\r\n"
        if before.endswith("\r\n"):
            return "\r\n"
        return "\n"

    def dominant_newline(self) -> str:
        """The line end most lines use; CRLF (IIS's own) when the file has none."""
        text = self.text
        lf = text.count("\n")
        if lf == 0:
            return "\r\n"
        crlf = text.count("\r\n")
        crcrlf = text.count("\r\r\n")
        counts = {"\r\r\n": crcrlf, "\r\n": crlf - crcrlf, "\n": lf - crlf}
        return max(_LINE_ENDS, key=lambda ending: counts[ending])

    # -- the scanner ---------------------------------------------------------------------

    def children(self, parent: Element) -> Iterator[Element]:
        return self._scanned(parent, tokens.iter_children, moved)

    def child_tags(self, parent: Element) -> Iterator[Tag]:
        """The start (or empty-element) tags of the children of ``parent``, in document order.

        Each child's end is found only when the next one is asked for.
        """
        return self._scanned(parent, tokens.iter_child_tags, moved_tag)

    def _scanned(
        self,
        parent: Element,
        scan: Callable[[str, Element], Iterator[_T]],
        place: Callable[[_T, int], _T],
    ) -> Iterator[_T]:
        """What ``scan`` finds in ``parent``: in a window of it while the text is in pieces,
        each found thing then ``place``d at its offset in the text."""
        window = self._window_of(parent)
        if window is None:
            return scan(self.text, parent)
        text, origin = window
        return _windowed(
            scan(text, moved(parent, -origin)),
            lambda found: place(found, origin),
            lambda: scan(self.text, parent),
        )

    def _window_of(self, element: Element) -> tuple[str, int] | None:
        """``element`` whole (read from the pieces) and where it starts; None when the text is
        made, or when the element is too large to copy rather than make the text once."""
        if not self._pending or element.end - element.start > WINDOW_LIMIT:
            return None
        return self.excerpt(element.start, element.end), element.start

    def child(self, parent: Element, name: str) -> Element | None:
        """The first child of ``parent`` named ``name``."""
        return next((c for c in self.children(parent) if c.name == name), None)

    def element_at(self, tag: Tag) -> Element:
        return tokens.element_at(self.text, tag)

    def last_element_at(self, tag: Tag, limit: int) -> Element | None:
        """See :func:`metaclone.lossless.tokens.last_element_at`."""
        return tokens.last_element_at(self.text, tag, limit)

    def attributes(self, element: Element | Tag) -> tuple[Attribute, ...]:
        tag = element.start_tag if isinstance(element, Element) else element
        if self._pending:
            return tokens.parse_attributes(self.excerpt(tag.start, tag.end), tag, tag.start)
        return tokens.parse_attributes(self._base, tag)

    def attribute(self, element: Element | Tag, name: str) -> Attribute | None:
        """The attribute called ``name`` (XML names are case-sensitive)."""
        tag = element.start_tag if isinstance(element, Element) else element
        if self._pending:
            return tokens.find_attribute(self.excerpt(tag.start, tag.end), tag, name, tag.start)
        return tokens.find_attribute(self._base, tag, name)

    def get(self, element: Element | Tag, name: str, default: str | None = None) -> str | None:
        """The decoded value of attribute ``name``, or ``default``."""
        found = self.attribute(element, name)
        return found.value if found is not None else default

    def slice(self, start: int, end: int) -> str:
        return self.excerpt(start, end)

    def readable(self) -> str | PatchedText:
        """The text if it is made, else read by windows: what ``[a:b]``, ``find``, ``rfind``
        and ``count`` of a stretch near an offset read."""
        return self.patched_text() if self._pending else self._base

    def patched_text(self) -> PatchedText:
        """The text, read by slices without making it whole (see :meth:`excerpt`)."""
        if self._view is None:
            self._view = PatchedText(self._base, self._pending)
        return self._view

    def excerpt(self, start: int, end: int) -> str:
        """``text[start:end]``, made from the pieces if the text is not made."""
        if not self._pending:
            return self._base[start:end]
        return self.patched_text()[start:end]

    def tag_text(self, offset: int) -> tuple[str, int]:
        """A text holding the tag at ``offset`` (no tag there: the rest of the text) and where
        ``offset`` is in it: the whole text once made, else the tag alone.  A pattern that never
        reads past the tag's ``>`` reads the same in either."""
        if not self._pending:
            return self._base, offset
        size = 1 << 12
        while True:
            window = self.excerpt(offset, offset + size)
            found = _TAG.match(window)
            if found is not None or len(window) < size:
                return (window if found is None else window[: found.end()]), 0
            size <<= 4


def _windowed(
    found: Iterator[_T], placed: Callable[[_T], _T], whole: Callable[[], Iterator[_T]]
) -> Iterator[_T]:
    """What the scanner ``found`` in a window, ``placed`` in the text; should it fail, the rest
    from the ``whole`` text, so that the error is the one the whole text gives (its offsets)."""
    done = 0
    try:
        for item in found:
            yield placed(item)
            done += 1
    except ValueError:
        yield from itertools.islice(whole(), done, None)
