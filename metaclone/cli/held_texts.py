"""Texts made before any of them may be printed, kept compressed until they are read back."""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Iterator

__all__ = ["HeldTexts"]

#: zlib's fastest level: JSON text still shrinks several times over, at a small cost in time.
_LEVEL = 1


class HeldTexts:
    """Texts appended in order and read back once, in the same order, by iterating.

    A listing that must be read whole before any of it is printed (an error found late must
    not leave half a document on stdout) holds its texts in one compressed stream: a fraction
    of their size, where a list of strings would hold all of it beside the file's text.
    """

    __slots__ = ("_compressor", "_lengths", "_parts", "_read")

    def __init__(self) -> None:
        self._compressor = zlib.compressobj(_LEVEL)
        self._parts: list[bytes] = []
        self._lengths = array("q")
        self._read = False

    def __len__(self) -> int:
        return len(self._lengths)

    def append(self, text: str) -> None:
        if self._read:
            raise RuntimeError("texts cannot be added once they are read")
        data = text.encode("utf-8", "surrogatepass")
        self._lengths.append(len(data))
        part = self._compressor.compress(data)
        if part:
            self._parts.append(part)

    def __iter__(self) -> Iterator[str]:
        """The texts in the order they were appended; the stream is let go of as it is read,
        so the texts can be read back only once."""
        if self._read:
            raise RuntimeError("held texts are read back only once")
        self._read = True
        parts, self._parts = self._parts, []
        parts.append(self._compressor.flush())
        parts.reverse()  # popped from the end as they are read
        decompressor = zlib.decompressobj()
        pending = bytearray()
        for length in self._lengths:
            while len(pending) < length:
                pending += decompressor.decompress(parts.pop())
            yield pending[:length].decode("utf-8", "surrogatepass")
            del pending[:length]
