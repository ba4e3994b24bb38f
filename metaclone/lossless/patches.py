"""Patches: offset ranges of a text and their new text, applied all at once or in pieces."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import attrs

__all__ = ["Patch", "apply_patches", "ordered_patches", "pieces"]


@attrs.frozen
class Patch:
    """Replace ``text[start:end]`` with ``new``; an insertion has ``start == end``."""

    start: int
    end: int
    new: str

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.start <= self.end:
            raise ValueError(f"bad patch range {self.start}..{self.end}")


def apply_patches(
    text: str, patches: Iterable[Patch], start: int = 0, end: int | None = None
) -> str:
    """``text[start:end]`` with ``patches`` (all inside that range) applied.

    Patches must not overlap; insertions at the same offset keep the order they were given in.
    """
    stop = len(text) if end is None else end
    ordered = ordered_patches(patches, start, stop)
    return "".join(
        piece if isinstance(piece, str) else text[piece[0] : piece[1]]
        for piece in pieces(ordered, start, stop)
    )


def ordered_patches(patches: Iterable[Patch], start: int, stop: int) -> list[Patch]:
    """``patches`` in order; ValueError if two overlap or one leaves ``start..stop``."""
    ordered = sorted(patches, key=lambda p: (p.start, p.end))
    pos = start
    for patch in ordered:
        if patch.start < pos or patch.end > stop:
            raise ValueError(f"patches overlap or leave the range at offset {patch.start}")
        pos = patch.end
    return ordered


def pieces(ordered: Sequence[Patch], start: int, stop: int) -> Iterator[str | tuple[int, int]]:
    """The text ``ordered`` (checked) make of ``start..stop``, in pieces: ``(from, to)`` for a
    stretch of the text they apply to, a string for a patch's new text."""
    pos = start
    for patch in ordered:
        if patch.start > pos:
            yield pos, patch.start
        if patch.new:
            yield patch.new
        pos = patch.end
    if stop > pos:
        yield pos, stop
