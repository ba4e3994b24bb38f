"""The way in: decoding the bytes and refusing anything that is not safe, well-formed XML.

Order matters.  The bytes are decoded strictly first (as the byte-order mark, else the
declaration, says; UTF-8 without either), so that invalid bytes are reported at their exact
place; any DOCTYPE is refused before lxml sees the document, which removes external entities
(XXE) and entity expansion bombs whatever the libxml2 version; only then does lxml check
well-formedness, with entity resolution, network access and DTD loading off.
"""

from __future__ import annotations

import codecs
import re
from typing import IO, cast

import attrs
from lxml import etree

from metaclone.errors import ParseError
from metaclone.lazy import lazy_pattern
from metaclone.lossless.tokens import (
    Element,
    TagKind,
    element_at,
    last_element_at,
    next_tag,
    only_misc,
)
from metaclone.messages import quoted, shorten

_BOMS = (
    (codecs.BOM_UTF32_LE, None),
    (codecs.BOM_UTF32_BE, None),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# The encoding pseudo-attribute of a declaration at the very start of the text (or bytes).
_DECLARED_ENCODING = re.compile(r"<\?xml\s[^>]*?\b(encoding\s*=\s*([\"'])([^\"'>]*+)\2)")
_DECLARED_ENCODING_BYTES = re.compile(_DECLARED_ENCODING.pattern.encode("ascii"))

#: XML's EncName production, with a length no real encoding name reaches.
_ENCODING_NAME = re.compile(r"[A-Za-z][A-Za-z0-9._-]{0,63}")

#: Python codec names of the encodings lxml is given the raw bytes of (it reads them itself).
_UTF_CODECS = frozenset({"utf-8", "utf-16-le", "utf-16-be"})

#: The error handler that writes a character its encoding cannot hold as ``&#x...;``.
CHARACTER_REFERENCES = "metaclone-charref"


def _character_references(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chars = error.object[error.start : error.end]
    return "".join(f"&#x{ord(ch):X};" for ch in chars), error.end


codecs.register_error(CHARACTER_REFERENCES, _character_references)


@attrs.frozen
class DecodedText:
    """The document as text, with what is needed to turn it back into the same bytes:
    ``bom + text.encode(encoding)`` is the input, byte for byte (strict UTF-8 and UTF-16
    decoding is exact both ways, and other encodings are checked by :func:`decode`).

    ``root`` is the document element when the check found it on its way (else None).
    """

    text: str
    bom: bytes
    encoding: str
    root: Element | None = None


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``.

    Lines are counted at ``\\n`` as libxml2, ``grep -n`` and most editors count them, so a
    ``\\r\\r\\n`` line end is one line end.
    """
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def source_line(text: str, line: int) -> str | None:
    """The text of 1-based ``line`` without its line end, or None past the end."""
    start = 0
    for _ in range(line - 1):
        found = text.find("\n", start)
        if found < 0:
            return None
        start = found + 1
    end = text.find("\n", start)
    return text[start : end if end >= 0 else len(text)].rstrip("\r")


def error_at(text: str, offset: int, message: str, path: str) -> ParseError:
    line, column = line_and_column(text, offset)
    return ParseError(
        message, path=path, line=line, column=column, source_line=source_line(text, line)
    )


def decode(data: bytes, path: str) -> DecodedText:
    """Decode ``data`` strictly, as the byte-order mark or else the declaration says.

    A byte-order mark wins over the declaration, as in lxml and IIS (Windows PowerShell saves
    UTF-16 that still declares UTF-8).  Without either the text is UTF-8.  Encodings other than
    UTF-8 and UTF-16 must encode the decoded text back to the very same bytes.
    """
    bom, encoding = _byte_order_mark(data, path)
    if not bom:
        encoding = _declared_codec(data, path)
    try:
        # Decoded through a view: a slice after the byte-order mark would copy the whole file.
        text = str(memoryview(data)[len(bom) :], encoding)
    except UnicodeDecodeError as exc:
        body = data[len(bom) :]
        bad = body[exc.start : exc.start + 4].hex(" ")
        if encoding == "utf-8" and not bom:
            hint = "the file must be UTF-8, UTF-16 with a byte-order mark, or declare its encoding"
            message = f"invalid UTF-8 byte sequence ({bad}); {hint}"
        elif bom:
            message = f"invalid {encoding.upper()} byte sequence ({bad}) after the byte-order mark"
        else:
            message = f"invalid byte sequence ({bad}) for the declared encoding ({encoding})"
        raise _error_in_bytes(body, exc.start, encoding, message, path) from None
    nul = text.find("\x00")
    if nul >= 0:
        hint = " (is this UTF-16 without a byte-order mark?)" if not bom else ""
        raise error_at(text, nul, f"NUL character in document{hint}", path)
    if encoding not in _UTF_CODECS:
        _check_round_trip(text, data, encoding, path)  # no byte-order mark: data is the body
    return DecodedText(text, bom, encoding)


def _byte_order_mark(data: bytes, path: str) -> tuple[bytes, str]:
    for mark, name in _BOMS:
        if data.startswith(mark):
            if name is None:
                raise ParseError(
                    "UTF-32 documents are not supported; save the file as UTF-8",
                    path=path,
                    line=1,
                    column=1,
                )
            return mark, name
    return b"", "utf-8"


def _declared_codec(body: bytes, path: str) -> str:
    """The Python codec the declaration at the start of ``body`` names; UTF-8 without one."""
    match = _DECLARED_ENCODING_BYTES.match(body)
    if match is None:
        return "utf-8"
    name = match.group(3).decode("ascii", errors="replace").strip()
    declaration = body[: match.end()]
    if _ENCODING_NAME.fullmatch(name) is None:
        message = f"{quoted(name)} is not an encoding name"
        raise _error_in_bytes(body, match.start(3), "ascii", message, path)
    try:
        codec = codecs.lookup(name).name
        # The declaration was found as ASCII, so the encoding must spell ASCII the same way;
        # this also turns away codecs that are not text encodings (LookupError).
        same = declaration.decode(codec) == declaration.decode("ascii")
    except LookupError:
        message = f"unknown encoding {name!r}"
        raise _error_in_bytes(body, match.start(3), "ascii", message, path) from None
    except UnicodeDecodeError:
        same = False
    if not same:
        message = (
            f"the declaration says encoding={name!r} but the file is not written in it "
            "(UTF-16 needs a byte-order mark)"
        )
        raise _error_in_bytes(body, match.start(3), "ascii", message, path)
    return "utf-8" if codec == "utf-8-sig" else codec


def _error_in_bytes(body: bytes, offset: int, encoding: str, message: str, path: str) -> ParseError:
    """A ParseError at byte ``offset`` of ``body``, the source line decoded as far as it can be."""
    line_end = body.find(b"\n", offset)
    text = body[: line_end if line_end >= 0 else len(body)].decode(encoding, errors="replace")
    at = len(body[:offset].decode(encoding, errors="replace"))
    return error_at(text, at, message, path)


def _check_round_trip(text: str, body: bytes, encoding: str, path: str) -> None:
    """Refuse bytes that would not come back the same when the text is encoded again."""
    try:
        again = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise error_at(
            text,
            exc.start,
            f"{encoding} cannot write this character back; convert the file to UTF-8",
            path,
        ) from None
    if again == body:
        return
    differs = next((i for i, (a, b) in enumerate(zip(again, body, strict=False)) if a != b), None)
    at = len(body[: differs if differs is not None else len(body)].decode(encoding, "replace"))
    raise error_at(
        text,
        min(at, len(text)),
        f"these bytes would not be written back the same in {encoding}; convert the file to UTF-8",
        path,
    )


def for_lxml(data: bytes, decoded: DecodedText) -> bytes:
    """The bytes lxml checks: the input, or for encodings Python reads for it, UTF-8.

    libxml2 knows fewer encodings than Python, and must not read a file differently from the
    way it is edited; the encoding pseudo-attribute is blanked so that lines and columns stay.
    """
    if decoded.encoding in _UTF_CODECS:
        return data
    text = decoded.text
    match = _DECLARED_ENCODING.match(text)
    if match is not None:
        text = text[: match.start(1)] + " " * len(match.group(1)) + text[match.end(1) :]
    return text.encode("utf-8")


# White space as XML defines it (Python's \s also matches characters XML takes for text).
_XML_SPACE = re.compile(r"[ \t\r\n]*+")


def prolog_end(text: str) -> int:
    """Where the prolog ends: the offset of the first markup or text that is not white space,
    a comment or a processing instruction (-1 when a comment or one of those is never closed).

    Read by string search: the text has not been checked yet, so nothing here may depend on it
    being well-formed, and the work stays linear in its length.
    """
    position = 0
    while True:
        space = _XML_SPACE.match(text, position)
        position = space.end() if space is not None else position
        if text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            skip = 3
        elif text.startswith("<?", position):
            end = text.find("?>", position + 2)
            skip = 2
        else:
            return position
        if end < 0:
            return -1  # the well-formedness check reports it
        position = end + skip


def refuse_doctype(text: str, path: str, at: int | None = None) -> None:
    """Raise if the prolog holds a DOCTYPE (IIS files never do; DTDs carry entity attacks).

    ``at`` is :func:`prolog_end` when it is known already.
    """
    at = prolog_end(text) if at is None else at
    if at >= 0 and text.startswith("<!DOCTYPE", at):
        raise error_at(
            text,
            at,
            "DOCTYPE declarations are not allowed: IIS configuration files never have "
            "one, and entities defined there can read files or exhaust memory",
            path,
        )


class _DiscardEvents:
    """A parser target that keeps nothing.

    With a target, lxml checks the document without building a tree: about ten times faster on a
    large file, and no memory beyond the input (a tree of a 70 MB file takes over 600 MB).
    It deliberately has no ``start``/``end``/``data`` methods, which lxml would call back for
    every event; hence the cast where it is passed in.
    """

    def close(self) -> None:
        return None


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        target=cast("etree.ParserTarget", _DiscardEvents()),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        strip_cdata=False,
    )


#: How deeply libxml2 lets elements nest without XML_PARSE_HUGE, which metaclone never sets.
MAX_DEPTH = 256

# libxml2's limits without XML_PARSE_HUGE, worded for users: the option it suggests is one a
# safe reader must not set, and it is no setting of metaclone's.
_LIMITS = (
    (
        lazy_pattern(lambda: re.compile(r"Excessive depth in document: \d+")),
        f"elements are nested more than {MAX_DEPTH} levels deep, the most a safe XML parser "
        "reads (IIS files nest a few levels)",
    ),
    (
        lazy_pattern(
            lambda: re.compile(
                r"Buffer size limit exceeded|too big|too long|Huge input lookup", re.I
            )
        ),
        "a name, tag, attribute value, text, comment or processing instruction is larger than "
        "a safe XML parser reads (about 10 MB; names 50,000 characters)",
    ),
)
_HUGE_HINT = lazy_pattern(
    lambda: re.compile(r"[,;]?\s*(?:try|use)\s+XML_PARSE_HUGE(?:\s+option)?", re.I)
)
# lxml appends its own ", line L, column C": the location is reported separately.
_LXML_LOCATION = re.compile(r",? line \d+, column \d+$")


def _reworded(message: str) -> str:
    """lxml's ``message`` without its location and without advice about XML_PARSE_HUGE."""
    message = _LXML_LOCATION.sub("", message.strip())
    if "XML_PARSE_HUGE" in message or "limit" in message.lower():
        for pattern, wording in _LIMITS:
            if pattern.search(message):
                return f"{wording} ({shorten(_HUGE_HINT.sub('', message).strip())})"
    return shorten(_HUGE_HINT.sub("", message).strip(), 240)


def check_well_formed(data: bytes, text: str, path: str) -> None:
    """Raise ParseError unless lxml finds ``data`` well-formed."""
    parser = _safe_parser()
    try:
        etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise ParseError(
            f"not well-formed XML: {_reworded(str(exc.msg))}",
            path=path,
            line=line,
            column=column,
            source_line=source_line(text, line),
        ) from None
    # Parsing for a target, libxml2 only logs namespace errors (an undeclared prefix).
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.ERROR:
            raise ParseError(
                f"not well-formed XML: {_reworded(entry.message)}",
                path=path,
                line=entry.line,
                column=entry.column,
                source_line=source_line(text, entry.line),
            )


#: The extra element of :func:`_error_one_level_deeper`.
_WRAPPER = ("<w>", "</w>")


#: The least :class:`_ConcatenatedReader` hands lxml at a time.  libxml2 asks for about 4 KB at
#: a time, and lxml keeps what a read gives beyond that for the requests that follow: one
#: Python call per megabyte rather than per 4 KB is 15-20% of the check of a large file.
_READ_AT_LEAST = 1 << 20


class _ConcatenatedReader:
    """A binary file-like object that reads ``pieces`` one after the other.

    Made for lxml alone: a read gives at least :data:`_READ_AT_LEAST` bytes while there are
    that many left in a piece, whatever ``size`` asks (lxml keeps the rest).
    """

    def __init__(self, pieces: tuple[memoryview | bytes, ...]) -> None:
        self._pieces = pieces
        self._piece = 0
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        """Bytes from one piece (see the class), all of it that is left when ``size`` is
        negative; b"" at the end."""
        while self._piece < len(self._pieces):
            piece = self._pieces[self._piece]
            start = self._offset
            wanted = max(size, _READ_AT_LEAST)
            end = len(piece) if size < 0 else min(len(piece), start + wanted)
            if start < end:
                self._offset = end
                return bytes(piece[start:end])
            self._piece += 1
            self._offset = 0
        return b""


def _error_one_level_deeper(
    data: bytes, decoded: DecodedText, root_at: int
) -> tuple[int, int] | None:
    """Where lxml finds the first error in ``data`` (:func:`for_lxml`) when the document
    element is put inside one more element (at text offset ``root_at``); None when it finds
    none.

    lxml's check without a tree lets elements nest one level deeper than its tree parser does
    (257 levels against 256).  One more level around the document makes the fast check refuse
    exactly what the tree parser refuses.  lxml reads the wrapped document from a file-like
    object that hands out slices of ``data``, so that it is never copied whole: libxml2 checks
    depth when it reads a file as when it reads memory (though not when fed with ``feed()``).
    """
    # The bytes are the input's in UTF-8 or UTF-16, else their text in UTF-8 (see for_lxml).
    same = decoded.encoding in _UTF_CODECS
    encoding = decoded.encoding if same else "utf-8"
    bom = decoded.bom if same else b""
    split = len(bom) + len(decoded.text[:root_at].encode(encoding))
    opening, closing = (part.encode(encoding) for part in _WRAPPER)
    view = memoryview(data)
    wrapped = _ConcatenatedReader((view[:split], opening, view[split:], closing))
    parser = _safe_parser()
    try:
        # lxml only calls read(); the stubs ask for a whole IO object.
        etree.parse(cast("IO[bytes]", wrapped), parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        return line, column
    for entry in parser.error_log:
        if entry.level >= etree.ErrorLevels.ERROR:
            return entry.line, entry.column
    return None


def _single_root(text: str, root_at: int) -> Element | None:
    """The element at ``root_at`` when it is followed only by what may follow a document
    element (the text being well-formed inside an element); else None."""
    tag = next_tag(text, root_at)
    if tag is None or tag.start != root_at or tag.kind is TagKind.END:
        return None
    root = last_element_at(text, tag, len(text))
    if root is not None:
        return root
    root = element_at(text, tag)
    return root if only_misc(text, root.end, len(text)) else None


def read_document(data: bytes, path: str) -> DecodedText:
    """Decode and check ``data``; the result is safe to scan and edit."""
    decoded = decode(data, path)
    text = decoded.text
    root_at = prolog_end(text)
    refuse_doctype(text, path, root_at)
    checked = for_lxml(data, decoded)
    deeper = _error_one_level_deeper(checked, decoded, root_at) if root_at >= 0 else (1, 1)
    if deeper is None:
        root = _single_root(text, root_at)
        if root is not None:
            return attrs.evolve(decoded, root=root)
    check_well_formed(checked, text, path)
    if deeper is not None:
        # Well-formed, yet refused one level deeper: nested one level more than lxml reads.
        line, column = deeper
        root_line, root_column = line_and_column(text, root_at)
        if line == root_line and column > root_column:
            column -= len(_WRAPPER[0])
        raise ParseError(
            f"not well-formed XML: {_LIMITS[0][1]}",
            path=path,
            line=line,
            column=column,
            source_line=source_line(text, line),
        )
    return decoded
