"""The lossless document and its editor.

:class:`XmlDocument` holds the exact text of a file.  Reading never changes it; edits are
collected by an :class:`Editor` as patches (offsets in the current text plus new text) and
applied all at once by :meth:`Editor.commit`.  An operation that fails before committing leaves
the document exactly as it was, and a commit changes only the bytes the patches cover.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

import attrs

from metaclone.errors import MetacloneError, ParseError
from metaclone.lossless import gate, tokens
from metaclone.lossless.lines import LineAnchors
from metaclone.lossless.patches import (
    Checkpoint,
    Patch,
    apply_patches,
    encoded,
    ordered_patches,
    too_many_pieces,
)
from metaclone.lossless.pieces import TextPieces
from metaclone.lossless.shift import Shift, TextReader
from metaclone.lossless.tokens import Attribute, Element, Tag
from metaclone.lossless.values import encode_attribute_value

if TYPE_CHECKING:
    # What a commit did: loaded by the first commit (a listing or a check makes none).
    from metaclone.lossless.text_edit import TextEdit

#: How many characters of text are encoded and written at a time.
CHUNK = 1 << 20

_T = TypeVar("_T")


@attrs.frozen(eq=False)
class Memo(Generic[_T]):
    """A named slot for a value derived from a document's text (an index, the sites).

    Slots compare by identity: each module that caches something declares its own
    (``_SITES: Memo[tuple[Site, ...]] = Memo("sites")``).  See :meth:`XmlDocument.memo`.
    """

    name: str
    #: How the value follows a commit: the value for the new text, or None to compute it
    #: again.  A slot without one is emptied by every commit.
    carry: Callable[[_T, TextEdit], _T | None] | None = None
    #: Called on a value as it starts waiting to follow a commit, to let go of what its
    #: ``carry`` does not need (the text before the commit, say).
    release: Callable[[_T], None] | None = None

    def __repr__(self) -> str:
        return f"Memo({self.name!r})"


class XmlDocument(TextPieces):
    """A well-formed XML document kept byte for byte, with a scanner and an editor."""

    def __init__(self, decoded: gate.DecodedText, path: str) -> None:
        super().__init__(decoded.text)
        self.path = path
        self.bom = decoded.bom
        self.encoding = decoded.encoding
        self._unchanged = True
        # The input's bytes are not kept: the text encodes back to exactly them (see
        # gate.DecodedText), and a listing of a large file then holds one copy of it, not two.
        # They are encoded again when first asked for, and kept until the text changes.
        self._input: bytes | None = None
        self._version = 0
        self._lines = LineAnchors()
        self._root: Element | None = decoded.root
        self._memos: dict[Memo[Any], Any] = {}
        # Values of slots with a ``carry`` and the commit made since they were computed, brought
        # up to date when next asked for, so that an edit nobody reads after costs nothing.
        self._carried: dict[Memo[Any], tuple[Any, TextEdit]] = {}
        self.commit_observers: list[Callable[[TextEdit], None]] = []  # see lossless.undo

    @classmethod
    def from_bytes(cls, data: bytes, path: str = "<bytes>") -> XmlDocument:
        """Check and decode ``data``; raise ParseError unless it is safe, well-formed XML."""
        return cls(gate.read_document(data, path), path)

    # -- the text --------------------------------------------------------------------------

    @property
    def version(self) -> int:
        """Increases with every committed edit; caches built on the text compare it."""
        return self._version

    @property
    def modified(self) -> bool:
        return not self._unchanged

    def to_bytes(self) -> bytes:
        """The document's bytes: those of the input until something is changed."""
        if self._unchanged:
            if self._input is None:
                self._input = self.bom + self.text.encode(self.encoding)
            return self._input
        # A value waiting to follow an edit may hold the text before it: dropped rather than
        # kept beside the text and its encoded copy (it is computed again if asked for).
        self._carried.clear()
        # A character the file's encoding cannot hold (a new name in a us-ascii file) becomes a
        # character reference, so that the file stays readable in the encoding it declares.
        return self.bom + self.text.encode(self.encoding, errors=gate.CHARACTER_REFERENCES)

    def chunks(self, size: int = CHUNK) -> Iterator[bytes]:
        """:meth:`to_bytes` in pieces of at most ``size`` characters, encoded from the text and
        the last commit's patches as they are reached (neither new text nor bytes made whole)."""
        if self._input is not None:
            yield self._input
            return
        if self.bom:
            yield self.bom
        yield from encoded(
            self._base, self._pending, self.encoding, gate.CHARACTER_REFERENCES, size
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the document to ``path`` atomically (see :mod:`metaclone.lossless.output`).

        The bytes go to a temporary file in the same folder, which is flushed to disk and then
        renamed over ``path``: a crash leaves either the old file or the new one, never a mix.
        A symbolic link is followed; a folder, device, FIFO or socket is refused.
        """
        # Only a document that is written loads the writing code (and pathlib).
        from metaclone.lossless.output import write_atomic  # noqa: PLC0415

        write_atomic(path, self.chunks())

    # -- values derived from the text ------------------------------------------------------

    def memo(self, slot: Memo[_T], compute: Callable[[], _T]) -> _T:
        """The value in ``slot``, computed by ``compute()`` the first time it is asked for
        since the text last changed (every slot is emptied by a commit or a rollback)."""
        memos = self._memos
        if slot in memos:
            value: _T = memos[slot]
            return value
        carried = self._carried.pop(slot, None)
        if carried is not None:
            found: _T | None = _carry(slot, carried[0], carried[1])
            if found is not None:
                memos[slot] = found
                return found
        value = compute()
        memos[slot] = value
        return value

    def remember(self, slot: Memo[_T], value: _T) -> None:
        """Put ``value`` in ``slot`` (a value kept up to date by an edit, say)."""
        self._memos[slot] = value

    def forget(self, slot: Memo[Any]) -> None:
        """Empty ``slot``: what it held no longer holds (other inputs changed, not the text)."""
        self._memos.pop(slot, None)
        self._carried.pop(slot, None)

    # -- positions -------------------------------------------------------------------------

    def line_and_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset`` (lines counted at ``\\n``); before the text
        is made, counted in windows from the nearest offset already known."""
        if self._pending:
            return self._lines.line_and_column(self.patched_text(), offset)
        return self._lines.line_and_column(self._base, offset)

    def line_of(self, offset: int) -> int:
        return self.line_and_column(offset)[0]

    def parse_error(self, offset: int, message: str) -> ParseError:
        """A ParseError pointing at ``offset``, with the source line and caret."""
        return gate.error_at(self.text, offset, message, self.path)

    def located(self, error: type[MetacloneError], offset: int, message: str) -> MetacloneError:
        """An error of class ``error`` located at ``offset`` of this document."""
        line, column = self.line_and_column(offset)
        return error(message, path=self.path, line=line, column=column)

    # -- the scanner -----------------------------------------------------------------------

    @property
    def root(self) -> Element:
        if self._root is None:
            self._root = tokens.root_element(self.text)
        return self._root

    # -- editing ---------------------------------------------------------------------------

    def edit(self) -> Editor:
        return Editor(self)

    def checkpoint(self) -> Checkpoint:
        """The current state, for :meth:`rollback` when a multi-step change fails half-way."""
        return Checkpoint(self._base, self._pending, self._unchanged)

    def rollback(self, checkpoint: Checkpoint) -> None:
        """Return to ``checkpoint``: the text, and the exact input bytes if nothing had changed."""
        if checkpoint.base is self._base and checkpoint.pending == self._pending:
            return
        self._base, self._pending = checkpoint.base, checkpoint.pending
        self._view = None
        self._unchanged = checkpoint.unchanged
        self._input = None
        self._version += 1
        self._lines = LineAnchors()
        self._root = None
        self._memos.clear()
        self._carried.clear()

    def _apply(self, patches: list[Patch]) -> None:
        if not patches:
            return
        from metaclone.lossless.text_edit import TextEdit  # noqa: PLC0415 - see TYPE_CHECKING

        # The text is not made: what the commit replaced is read through the pieces, and the
        # commit's patches are composed onto those of the commits before it.
        view = self.patched_text()
        ordered = tuple(ordered_patches(patches, 0, len(view)))
        spans = tuple((p.start, p.end, p.new) for p in ordered)
        replaced = tuple(view[p.start : p.end] for p in ordered)
        self._pending = view.composed(ordered) if self._pending else ordered
        self._view = None
        del view
        self._unchanged = False
        self._input = None
        self._version += 1
        self._lines = self._lines.moved(spans, replaced)
        if self._root is not None:  # moved, unless the patches touch its tags
            self._root = Shift(spans).parent(self._root)
        if too_many_pieces(self._pending, len(self._base)):
            self.text  # noqa: B018 (made now, so that the pieces stay few)
        # A value brought through the edit reads the document through a weak reference: an
        # index held in the document's slots makes no reference cycle with it.
        reader = cast(TextReader, weakref.proxy(self))
        edit = TextEdit(spans, self._version, lambda: self.text, replaced, self.excerpt, reader)
        for observe in self.commit_observers:
            observe(edit)
        # Only values read since the last commit follow this one: one still waiting holds the
        # text before that commit, which must not be kept through another.
        self._carried = {
            slot: (value, edit) for slot, value in self._memos.items() if slot.carry is not None
        }
        for slot, (value, _) in self._carried.items():
            if slot.release is not None:
                slot.release(value)
        self._memos.clear()


def _carry(slot: Memo[_T], value: _T, edit: TextEdit) -> _T | None:
    """``value`` brought through ``edit`` by the slot's ``carry``, or None."""
    return None if slot.carry is None else slot.carry(value, edit)


class Editor:
    """Collects patches against one version of a document and applies them together.

    Nothing changes until :meth:`commit`; an editor whose operation fails is simply dropped.
    New text follows the style around it: the line end of the neighbouring line, the
    indentation of the neighbouring element, the quote character and spacing of the
    neighbouring attribute.
    """

    def __init__(self, document: XmlDocument) -> None:
        self.document = document
        self._version = document.version
        self._patches: list[Patch] = []

    @property
    def patches(self) -> tuple[Patch, ...]:
        return tuple(self._patches)

    def replace(self, start: int, end: int, new: str) -> None:
        self._patches.append(Patch(start, end, new))

    def insert(self, offset: int, new: str) -> None:
        self._patches.append(Patch(offset, offset, new))

    def delete(self, start: int, end: int) -> None:
        self._patches.append(Patch(start, end, ""))

    def set_attribute(
        self,
        element: Element | Tag,
        name: str,
        value: str,
        *,
        raw: bool = False,
        before: str | None = None,
    ) -> None:
        """Set attribute ``name`` to ``value``.

        An existing attribute keeps its place, spacing and quote character; only the text
        between the quotes changes, and not at all if the value is already that.  A new one is
        inserted before the attribute named ``before`` (or after the last one), spaced and
        quoted like its neighbours.  With ``raw=True``, ``value`` is written as is (it must be
        valid attribute text for the quote character in use).
        """
        doc = self.document
        tag = element.start_tag if isinstance(element, Element) else element
        attributes = doc.attributes(tag)
        existing = next((a for a in attributes if a.name == name), None)
        if existing is not None:
            # An equal value keeps its spelling (a reference such as &#xA; stays a reference).
            unchanged = existing.raw == value if raw else existing.value == value
            if not unchanged:
                new_raw = value if raw else encode_attribute_value(value, existing.quote)
                self.replace(existing.value_start, existing.value_end, new_raw)
            return
        index = next((i for i, a in enumerate(attributes) if a.name == before), len(attributes))
        donor = _style_donor(attributes, index)
        if donor is None:
            leading, equals, quote = " ", "=", '"'
        else:
            leading, equals, quote = donor.leading, donor.equals, donor.quote
        new_raw = value if raw else encode_attribute_value(value, quote)
        text = f"{name}{equals}{quote}{new_raw}{quote}"
        if index < len(attributes):
            # At the start of the next attribute's leading space, not inside it: an edit of
            # the same operation may delete that attribute, leading space included.
            self.insert(attributes[index].start, f"{leading}{text}")
            return
        offset = attributes[-1].end if attributes else tag.start + 1 + len(tag.name)
        self.insert(offset, f"{leading}{text}")

    def remove_attribute(self, element: Element | Tag, name: str) -> bool:
        """Remove attribute ``name`` with the white space before it; False if it was absent."""
        found = self.document.attribute(element, name)
        if found is None:
            return False
        self.delete(found.start, found.end)
        return True

    def insert_after(self, element: Element, text: str) -> None:
        """Insert ``text`` on a new line after ``element``, at the element's indentation.

        ``text`` is markup whose later lines already carry their own indentation, such as the
        exact text of a run of sibling elements.
        """
        doc = self.document
        indent = doc.indentation_before(element.start)
        self.insert(element.end, f"{doc.newline_near(element.start)}{indent}{text}")

    def remove_element(self, element: Element) -> None:
        """Remove ``element``; when it stands on lines of its own, remove those lines."""
        start, end = self.lines_span(element.start, element.end)
        self.delete(start, end)

    def lines_span(self, start: int, end: int) -> tuple[int, int]:
        """Widen ``start..end`` to whole lines when nothing else stands on them."""
        text = self.document.text
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip(" \t") != "":
            return start, end
        after = end
        while after < len(text) and text[after] in " \t\r":
            after += 1
        if after < len(text) and text[after] == "\n":
            return line_start, after + 1
        if after == len(text) and line_start > 0:
            # Last line of a file without a final newline: take the line end before it instead.
            newline_start = line_start - 1
            while newline_start > 0 and text[newline_start - 1] == "\r":
                newline_start -= 1
            return newline_start, after
        return start, end

    def render(self, start: int, end: int) -> str:
        """The text of ``start..end`` with the patches that fall inside it applied."""
        inside = [
            Patch(p.start - start, p.end - start, p.new)
            for p in self._patches
            if start <= p.start and p.end <= end
        ]
        return apply_patches(self.document.excerpt(start, end), inside)

    def commit(self) -> None:
        """Apply every patch at once."""
        if self.document.version != self._version:
            raise RuntimeError("the document changed since this editor was created")
        patches, self._patches = self._patches, []
        self.document._apply(patches)
        self._version = self.document.version


def _style_donor(attributes: tuple[Attribute, ...], index: int) -> Attribute | None:
    """The attribute whose spacing and quote a new attribute at ``index`` copies.

    The first attribute is a poor model when there are others: it usually sits on the tag's
    line (``<IIsWebServer\tLocation ="..."``) while the rest have lines of their own.
    """
    if not attributes:
        return None
    if len(attributes) == 1:
        return attributes[0]
    return attributes[max(index - 1, 1)]
