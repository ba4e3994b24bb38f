"""Loading holds one copy of a file: the bytes come back from the text, and the well-formedness
check reads the document without copying it, refusing exactly what lxml's tree parser refuses."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone.lossless import XmlDocument, gate
from metaclone.lossless.tokens import Tag, iter_markup

#: (declaration, Python codec, byte-order mark): every way a file may say how it is written.
_ENCODINGS = [
    ("", "utf-8", b""),
    ("", "utf-8", codecs.BOM_UTF8),
    ('<?xml version="1.0" encoding="UTF-8"?>', "utf-8", b""),
    ('<?xml version ="1.0" encoding="windows-1252"?>', "cp1252", b""),
    ('<?xml version="1.0" encoding="ISO-8859-1"?>', "latin-1", b""),
    ('<?xml version="1.0" encoding="UTF-16"?>', "utf-16-le", codecs.BOM_UTF16_LE),
    ('<?xml version="1.0" encoding="UTF-16"?>', "utf-16-be", codecs.BOM_UTF16_BE),
]

_PROLOG = st.lists(
    st.sampled_from(["\n", "\r\n", "<!-- <a> -->", "<?pi x?>", "\t", "<!---->"]), max_size=4
).map("".join)

_VALUE_CHARS = st.characters(
    exclude_categories=["Cs"], exclude_characters='\ufffe\uffff<&"\x85\u2028'
).filter(lambda ch: ch in "\t\n\r" or ch >= " ")


def _document(encoding: tuple[str, str, bytes], prolog: str, value: str) -> bytes | None:
    """The document, or None when its encoding cannot hold ``value``."""
    declaration, codec, bom = encoding
    text = f'{declaration}{prolog}<configuration>\r\n  <a v="{value}" />\r\n</configuration>\n'
    try:
        return bom + text.encode(codec)
    except UnicodeEncodeError:
        return None


@given(encoding=st.sampled_from(_ENCODINGS), prolog=_PROLOG, value=st.text(_VALUE_CHARS))
def test_the_bytes_come_back_from_the_text(
    encoding: tuple[str, str, bytes], prolog: str, value: str
) -> None:
    data = _document(encoding, prolog, value)
    if data is None:
        return
    xml = XmlDocument.from_bytes(data)
    assert not xml.modified
    assert xml.to_bytes() == data
    assert xml.to_bytes() == data  # asked again: the same bytes
    # An edit, then a return to the state before it: the input's bytes again.
    checkpoint = xml.checkpoint()
    tag = next(t for t in iter_markup(xml.text) if isinstance(t, Tag) and t.name == "a")
    editor = xml.edit()
    editor.set_attribute(tag, "v", "changed")
    editor.commit()
    assert xml.modified
    assert xml.to_bytes() != data
    xml.rollback(checkpoint)
    assert not xml.modified
    assert xml.to_bytes() == data


def _accepted_by_lxml_tree(data: bytes) -> bool:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return False
    return True


@given(
    encoding=st.sampled_from(_ENCODINGS),
    prolog=_PROLOG,
    depth=st.integers(250, 260),
    broken=st.booleans(),
)
def test_depth_is_refused_exactly_where_lxml_refuses_it(
    encoding: tuple[str, str, bytes], prolog: str, depth: int, broken: bool
) -> None:
    declaration, codec, bom = encoding
    closing = "</e>" * (depth - 1) + ("</x>" if broken else "</e>")
    text = f"{declaration}{prolog}" + "<e>" * depth + closing
    data = bom + text.encode(codec)
    accepted = _accepted_by_lxml_tree(data)
    if accepted:
        assert metaclone.loads(data).to_bytes() == data
        return
    with pytest.raises(metaclone.ParseError) as caught:
        metaclone.loads(data, "deep.xml")
    error = caught.value
    assert error.path == "deep.xml"
    assert error.line is not None
    assert error.line >= 1
    assert error.column is not None
    assert error.column >= 1
    if not broken:
        assert "nested more than 256 levels" in str(error)


@pytest.mark.parametrize(
    "encoding", _ENCODINGS, ids=[e[1] + ("-bom" if e[2] else "") for e in _ENCODINGS]
)
def test_a_large_document_is_checked_a_megabyte_at_a_time_and_its_error_found_where_it_is(
    encoding: tuple[str, str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    declaration, codec, bom = encoding
    lines = ["<configuration>", *(f'  <a v="{i}" />' for i in range(120_000)), "</configuration>"]
    broken = 100_000  # past the first megabytes, which one read hands over
    lines[broken] = "  <a v=1 />"
    data = bom + (declaration + "\n" + "\n".join(lines)).encode(codec)
    reads: list[int] = []
    real_read = gate._ConcatenatedReader.read

    def counted(reader: gate._ConcatenatedReader, size: int = -1) -> bytes:
        reads.append(size)
        return real_read(reader, size)

    monkeypatch.setattr(gate._ConcatenatedReader, "read", counted)
    with pytest.raises(metaclone.ParseError) as caught:
        metaclone.loads(data, "large.xml")
    with pytest.raises(etree.XMLSyntaxError) as expected:
        etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    assert (caught.value.line, caught.value.column) == expected.value.position
    assert caught.value.line == broken + 2
    assert 0 < len(reads) <= len(data) // (1 << 20) + 8
    # Mended, the same document loads, read as few times.
    lines[broken] = '  <a v="1" />'
    mended = bom + (declaration + "\n" + "\n".join(lines)).encode(codec)
    reads.clear()
    assert metaclone.loads(mended, "large.xml").to_bytes() == mended
    assert 0 < len(reads) <= len(mended) // (1 << 20) + 8
