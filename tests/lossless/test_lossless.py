"""The lossless layer: identity, scanner against lxml and pyexpat, edits, the safety gate, save."""

from __future__ import annotations

import os
import re
import stat
import xml.parsers.expat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone.lossless import XmlDocument, markup, tokens
from metaclone.lossless.patches import Patch, apply_patches
from metaclone.lossless.tokens import Tag, TagKind, iter_markup
from metaclone.lossless.values import decode_attribute_value, encode_attribute_value
from tests.conftest import FIXTURES, corpus_params, fixture_files

XML_FILES = [p for p in fixture_files() if p.suffix in (".xml", ".config")]


def _lxml_root(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, remove_comments=False, strip_cdata=False)
    return etree.fromstring(data, parser)


def _scanner_matches_lxml(doc: XmlDocument, data: bytes) -> None:
    """Every element the scanner finds is lxml's, in order, with the same decoded attributes."""
    tags = [
        t for t in iter_markup(doc.text) if isinstance(t, Tag) and t.kind is not TagKind.END
    ]
    elements = list(_lxml_root(data).iter(etree.Element))
    assert len(tags) == len(elements)
    for tag, element in zip(tags, elements, strict=True):
        assert tag.name.rpartition(":")[2] == etree.QName(element).localname
        ours = {
            a.name.rpartition(":")[2]: a.value
            for a in doc.attributes(tag)
            if not a.name.startswith("xmlns")
        }
        theirs = {etree.QName(k).localname: v for k, v in element.attrib.items()}
        assert ours == theirs


def _count_by_children(doc: XmlDocument) -> int:
    def walk(element: metaclone.lossless.Element) -> int:
        return 1 + sum(walk(child) for child in doc.children(element))

    return walk(doc.root)


# -- identity ----------------------------------------------------------------------------------


def test_fixture_set_is_not_empty() -> None:
    assert len(XML_FILES) >= 2


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_round_trips(path: Path) -> None:
    data = path.read_bytes()
    doc = metaclone.load(path)
    assert doc.to_bytes() == data
    # The re-encoding path, used as soon as anything is edited, is exact as well.
    assert doc.xml.bom + doc.xml.text.encode(doc.xml.encoding) == data
    _scanner_matches_lxml(doc.xml, data)


@pytest.mark.parametrize("path", corpus_params())
def test_corpus_file_round_trips(path: Path) -> None:
    data = path.read_bytes()
    doc = metaclone.load(path)
    assert doc.to_bytes() == data
    assert doc.xml.bom + doc.xml.text.encode(doc.xml.encoding) == data
    _scanner_matches_lxml(doc.xml, data)
    assert _count_by_children(doc.xml) == sum(1 for _ in _lxml_root(data).iter(etree.Element))


@pytest.mark.parametrize("path", corpus_params("iis7/*.config", "iis6/modsic_metabaseSample.xml"))
def test_corpus_tag_offsets_match_expat(path: Path) -> None:
    """pyexpat reports the byte offset of every start tag; the scanner must agree."""
    data = path.read_bytes()
    doc = XmlDocument.from_bytes(data, str(path))
    offsets: list[int] = []
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: offsets.append(parser.CurrentByteIndex)
    parser.Parse(data, True)
    encoded_prefix_lengths = []
    for tag in iter_markup(doc.text):
        if isinstance(tag, Tag) and tag.kind is not TagKind.END:
            encoded_prefix_lengths.append(
                len(doc.bom) + len(doc.text[: tag.start].encode(doc.encoding))
            )
    assert encoded_prefix_lengths == offsets


def test_edit_then_identity_of_untouched_bytes() -> None:
    path = FIXTURES / "xml" / "lexical_variants.xml"
    data = path.read_bytes()
    doc = metaclone.load(path).xml
    settings_element = doc.child(doc.root, "settings")
    assert settings_element is not None
    editor = doc.edit()
    editor.set_attribute(settings_element, "single", "changed")
    editor.commit()
    out = doc.to_bytes()
    assert out == data.replace(b"it&apos;s &quot;quoted&quot;", b"changed")


# -- decoded values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("plain", "plain"),
        ("a\r\nb", "a b"),
        ("a\r\r\nb", "a  b"),
        ("a\n\t\t\tb", "a    b"),
        ("&#xA;&#10;&#x9;&#13;", "\n\n\t\r"),
        ("&amp;&lt;&gt;&quot;&apos;", "&<>\"'"),
        ("&#x1F600;", "\U0001f600"),
    ],
)
def test_decode_attribute_value(raw: str, value: str) -> None:
    assert decode_attribute_value(raw) == value
    wrapped = f'<a v="{raw}"/>'.encode()
    assert _lxml_root(wrapped).get("v") == value


def test_encode_attribute_value_round_trips_through_lxml() -> None:
    value = "tab\there\nnew line & <angle> \"double\" 'single' \r"
    for quote in ('"', "'"):
        raw = encode_attribute_value(value, quote)
        assert "\n" not in raw
        assert "\t" not in raw
        assert decode_attribute_value(raw) == value
        assert _lxml_root(f"<a v={quote}{raw}{quote}/>".encode()).get("v") == value


def test_encode_refuses_characters_xml_cannot_hold() -> None:
    with pytest.raises(ValueError, match="cannot be written"):
        encode_attribute_value("bell\x07")
    with pytest.raises(ValueError, match="quote"):
        encode_attribute_value("x", "`")


# -- generated documents -----------------------------------------------------------------------

_NAMES = st.sampled_from(
    ["site", "binding", "IIsWebServer", "add", "a.b", "system.webServer", "Custom"]
)
_ATTR_NAMES = st.sampled_from(["name", "id", "Location", "Value", "path", "bindingInformation"])
_VALUE_PIECES = st.sampled_from(
    ["/LM/W3SVC/1", "Default Web Site", "&#xA;", "&amp;", "&quot;", "&apos;", "&#10;", "&lt;",
     ">", "\n\t\t\t", "\r\n\t\t\t", "\t", " ", "caf\u00e9", "%windir%", "*:443:", "x"]
)
_NEWLINES = st.sampled_from(["\n", "\r\n", "\r\r\n"])
_SPACES = st.sampled_from([" ", "\t", "\n\t\t", "\r\n\t\t", "  "])


@st.composite
def _attribute(draw: st.DrawFn) -> str:
    name = draw(_ATTR_NAMES)
    value = "".join(draw(st.lists(_VALUE_PIECES, max_size=4)))
    quote = draw(st.sampled_from(['"', "'"]))
    escaped = "&apos;" if quote == "'" else "&quot;"
    value = value.replace(quote, escaped)
    equals = draw(st.sampled_from(["=", " =", " = "]))
    return f"{draw(_SPACES)}{name}{equals}{quote}{value}{quote}"


@st.composite
def _element(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(_NAMES)
    names: set[str] = set()
    attributes = []
    for attribute in draw(st.lists(_attribute(), max_size=3)):
        attribute_name = attribute.strip().split("=")[0].strip()
        if attribute_name not in names:
            names.add(attribute_name)
            attributes.append(attribute)
    head = f"<{name}{''.join(attributes)}"
    newline = draw(_NEWLINES)
    style = draw(st.sampled_from(["empty", "spaced", "pair", "children", "text"]))
    if style == "empty":
        return head + "/>"
    if style == "spaced":
        return head + " />"
    if style == "pair" or depth >= 3:
        return head + f"></{name}>"
    if style == "text":
        text = draw(st.sampled_from(["a &amp; b", "<![CDATA[<site id='1'/>]]>", "x &#xA; y"]))
        return f"{head}>{text}</{name} >"
    children = draw(st.lists(_element(depth + 1), max_size=3))
    extras = draw(
        st.lists(st.sampled_from(["<!-- <site name='decoy'/> -->", "<?pi data?>", ""]), max_size=2)
    )
    inner = "".join(f"{newline}    {piece}" for piece in children + extras)
    return f"{head}\t>{inner}{newline}</{name}>"


@st.composite
def _document(draw: st.DrawFn) -> bytes:
    bom = draw(st.sampled_from(["", "\ufeff"]))
    declaration = draw(
        st.sampled_from(
            ["", '<?xml version ="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>']
        )
    )
    newline = draw(_NEWLINES)
    body = draw(_element())
    tail = draw(st.sampled_from(["", newline, f"{newline}<!-- end -->"]))
    head = f"{declaration}{newline}" if declaration else ""
    return f"{bom}{head}{body}{tail}".encode()


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_generated_documents_round_trip_and_decode_like_lxml(data: bytes) -> None:
    doc = XmlDocument.from_bytes(data)
    assert doc.to_bytes() == data
    assert doc.bom + doc.text.encode(doc.encoding) == data
    _scanner_matches_lxml(doc, data)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_document())
def test_element_by_search_finds_the_element_that_element_at_finds(data: bytes) -> None:
    doc = XmlDocument.from_bytes(data)
    text = doc.text
    for token in iter_markup(text):
        if isinstance(token, Tag) and token.kind is not TagKind.END:
            assert tokens.element_by_search(text, token) == tokens.element_at(text, token)


def test_element_by_search_does_not_stop_at_an_end_tag_inside_a_comment() -> None:
    text = "<a><b><!-- </b> --><b/></b><b>x</b></a>"
    first = tokens.next_tag(text, 3)
    assert first is not None
    found = tokens.element_by_search(text, first)
    assert found.end_tag is not None
    assert text[found.start : found.end] == "<b><!-- </b> --><b/></b>"


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.data())
def test_attribute_edit_changes_only_its_span(data: bytes, pick: st.DataObject) -> None:
    doc = XmlDocument.from_bytes(data)
    tags = [t for t in iter_markup(doc.text) if isinstance(t, Tag) and t.kind is not TagKind.END]
    tag = pick.draw(st.sampled_from(tags))
    value = pick.draw(st.sampled_from(["new value", "a\nb", "x & y", 'say "hi"', ""]))
    attributes = doc.attributes(tag)
    editor = doc.edit()
    change_existing = bool(attributes) and pick.draw(st.booleans())
    if change_existing:
        target = pick.draw(st.sampled_from(attributes))
        before_text = doc.text[: target.value_start]
        after_text = doc.text[target.value_end :]
        editor.set_attribute(tag, target.name, value)
        editor.commit()
        assert doc.text.startswith(before_text)
        assert doc.text.endswith(after_text)
        name = target.name
    else:
        name = "metacloneNew"
        if any(a.name == name for a in attributes):
            return
        editor.set_attribute(tag, name, value)
        editor.commit()
    reparsed = list(_lxml_root(doc.to_bytes()).iter(etree.Element))
    index = [t.start for t in tags].index(tag.start)
    local = name.rpartition(":")[2]
    found = {etree.QName(k).localname: v for k, v in reparsed[index].attrib.items()}
    assert found[local] == value


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.data())
def test_no_op_edits_return_identical_bytes(data: bytes, pick: st.DataObject) -> None:
    doc = XmlDocument.from_bytes(data)
    tags = [t for t in iter_markup(doc.text) if isinstance(t, Tag) and t.kind is not TagKind.END]
    tag = pick.draw(st.sampled_from(tags))
    editor = doc.edit()
    for attribute in doc.attributes(tag):
        editor.set_attribute(tag, attribute.name, attribute.value)
    editor.commit()
    assert doc.to_bytes() == data
    assert not doc.modified


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(_document(), st.data())
def test_copy_and_remove_elements_keep_the_document_well_formed(
    data: bytes, pick: st.DataObject
) -> None:
    doc = XmlDocument.from_bytes(data)
    children = list(doc.children(doc.root))
    if not children:
        return
    child = pick.draw(st.sampled_from(children))
    copied = doc.slice(child.start, child.end)
    editor = doc.edit()
    editor.insert_after(child, copied)
    editor.commit()
    after_copy = doc.to_bytes()
    copies = [c for c in doc.children(doc.root) if doc.slice(c.start, c.end) == copied]
    assert len(copies) >= 2
    _lxml_root(after_copy)
    editor = doc.edit()
    editor.remove_element(copies[-1])
    editor.commit()
    _lxml_root(doc.to_bytes())
    assert len(list(doc.children(doc.root))) == len(children)


# -- editor style ------------------------------------------------------------------------------

_METABASE_KEY = (
    '<configuration>\r\n<MBProperty>\r\n'
    '<IIsWebServer\tLocation ="/LM/W3SVC/1"\r\n'
    '\t\tServerAutoStart="TRUE"\r\n'
    '\t\tServerComment="Default Web Site"\r\n'
    '\t>\r\n</IIsWebServer>\r\n</MBProperty>\r\n</configuration>'
)


def _key(doc: XmlDocument) -> metaclone.lossless.Element:
    mb = doc.child(doc.root, "MBProperty")
    assert mb is not None
    return next(doc.children(mb))


def test_new_attribute_copies_neighbour_layout_and_sorted_position() -> None:
    doc = XmlDocument.from_bytes(_METABASE_KEY.encode())
    editor = doc.edit()
    editor.set_attribute(_key(doc), "SSLCertHash", "40da7e", before="ServerAutoStart")
    editor.set_attribute(_key(doc), "ServerSize", "1")
    editor.commit()
    assert doc.text == _METABASE_KEY.replace(
        '\t\tServerAutoStart="TRUE"',
        '\t\tSSLCertHash="40da7e"\r\n\t\tServerAutoStart="TRUE"',
    ).replace(
        '\t\tServerComment="Default Web Site"\r\n',
        '\t\tServerComment="Default Web Site"\r\n\t\tServerSize="1"\r\n',
    )


def test_new_attribute_takes_the_quote_of_its_neighbours() -> None:
    doc = XmlDocument.from_bytes(b"<a x='1' y='2'/>")
    editor = doc.edit()
    editor.set_attribute(doc.root, "z", "it's")
    editor.commit()
    assert doc.text == "<a x='1' y='2' z='it&apos;s'/>"


def test_attribute_on_tag_without_attributes() -> None:
    doc = XmlDocument.from_bytes(b"<a>\n  <bindings />\n</a>")
    bindings = doc.child(doc.root, "bindings")
    assert bindings is not None
    editor = doc.edit()
    editor.set_attribute(bindings, "k", "v")
    editor.commit()
    assert doc.text == '<a>\n  <bindings k="v" />\n</a>'


def test_remove_attribute_takes_its_leading_space() -> None:
    doc = XmlDocument.from_bytes(_METABASE_KEY.encode())
    editor = doc.edit()
    assert editor.remove_attribute(_key(doc), "ServerAutoStart")
    assert not editor.remove_attribute(_key(doc), "Missing")
    editor.commit()
    assert doc.text == _METABASE_KEY.replace('\r\n\t\tServerAutoStart="TRUE"', "")


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r\r\n"])
def test_insert_after_uses_the_line_end_and_indentation_in_place(newline: str) -> None:
    text = f"<sites>{newline}    <site id='1'/>{newline}</sites>"
    doc = XmlDocument.from_bytes(text.encode())
    site = next(doc.children(doc.root))
    editor = doc.edit()
    editor.insert_after(site, "<site id='2'/>")
    editor.commit()
    expected = f"<sites>{newline}    <site id='1'/>{newline}    <site id='2'/>{newline}</sites>"
    assert doc.text == expected


def test_remove_element_takes_its_whole_lines() -> None:
    text = "<a>\r\n    <b/>\r\n    <c>\r\n    </c>\r\n</a>"
    doc = XmlDocument.from_bytes(text.encode())
    c = doc.child(doc.root, "c")
    assert c is not None
    editor = doc.edit()
    editor.remove_element(c)
    editor.commit()
    assert doc.text == "<a>\r\n    <b/>\r\n</a>"


def test_remove_inline_element_keeps_the_line() -> None:
    doc = XmlDocument.from_bytes(b"<a><b/><c/></a>")
    b = doc.child(doc.root, "b")
    assert b is not None
    editor = doc.edit()
    editor.remove_element(b)
    editor.commit()
    assert doc.text == "<a><c/></a>"


def test_remove_last_element_of_file_without_final_newline() -> None:
    doc = XmlDocument.from_bytes(b"<a/>\n<!--x-->")
    editor = doc.edit()
    start, end = editor.lines_span(doc.text.index("<!--"), len(doc.text))
    assert doc.text[start:end] == "\n<!--x-->"


def test_uncommitted_editor_changes_nothing_and_stale_editor_is_refused() -> None:
    doc = XmlDocument.from_bytes(b"<a x='1'/>")
    stale = doc.edit()
    stale.set_attribute(doc.root, "x", "2")
    fresh = doc.edit()
    fresh.set_attribute(doc.root, "x", "3")
    assert doc.text == "<a x='1'/>"
    fresh.commit()
    assert doc.text == "<a x='3'/>"
    with pytest.raises(RuntimeError, match="changed"):
        stale.commit()


def test_render_applies_only_patches_inside_the_range() -> None:
    doc = XmlDocument.from_bytes(b"<a><b v='1'/><c v='1'/></a>")
    b, c = list(doc.children(doc.root))
    scratch = doc.edit()
    scratch.set_attribute(b, "v", "2")
    scratch.set_attribute(c, "v", "3")
    assert scratch.render(b.start, b.end) == "<b v='2'/>"
    assert doc.text == "<a><b v='1'/><c v='1'/></a>"


def test_overlapping_patches_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        apply_patches("abcdef", [Patch(0, 3, "x"), Patch(2, 4, "y")])
    with pytest.raises(ValueError, match="bad patch"):
        Patch(3, 2, "")
    assert apply_patches("abc", [Patch(1, 1, "X"), Patch(1, 1, "Y")]) == "aXYbc"


def test_line_and_column_count_crcrlf_as_one_line_end() -> None:
    doc = XmlDocument.from_bytes(b"<a>\r\r\n  <b/>\r\r\n</a>")
    assert doc.line_and_column(doc.text.index("<b")) == (2, 3)
    assert doc.dominant_newline() == "\r\r\n"


def test_dominant_newline() -> None:
    assert XmlDocument.from_bytes(b"<a>\n<b/>\r\n<c/>\n</a>").dominant_newline() == "\n"
    assert XmlDocument.from_bytes(b"<a/>").dominant_newline() == "\r\n"


# -- the gate ----------------------------------------------------------------------------------


def _parse_error(data: bytes) -> metaclone.ParseError:
    with pytest.raises(metaclone.ParseError) as info:
        metaclone.loads(data, name="input.xml")
    error = info.value
    assert isinstance(error, metaclone.MetacloneError)
    assert isinstance(error, ValueError)
    assert error.path == "input.xml"
    assert error.line is not None
    assert error.column is not None
    return error


def test_xxe_is_refused_before_any_file_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    data = (
        f'<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "file://{secret}">]>\n<a>&x;</a>'
    ).encode()
    error = _parse_error(data)
    assert (error.line, error.column) == (2, 1)
    assert "DOCTYPE" in str(error)
    assert "TOP-SECRET" not in str(error)


def test_billion_laughs_is_refused() -> None:
    entities = "".join(
        f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    data = f'<!DOCTYPE a [<!ENTITY l0 "lol">{entities}]><a>&l9;</a>'.encode()
    assert "DOCTYPE" in _parse_error(data).message


def test_doctype_after_a_comment_is_refused() -> None:
    error = _parse_error(b"<!-- x -->\n<!DOCTYPE configuration>\n<configuration/>")
    assert error.line == 2


def test_doctype_text_inside_a_comment_is_fine() -> None:
    doc = metaclone.loads(b"<!-- <!DOCTYPE x> --><a/>")
    assert doc.format == "xml"


@pytest.mark.parametrize(
    ("data", "line", "column", "words"),
    [
        (b"", 1, 1, "empty"),
        (b"<configuration>\n  <sites>\n", 3, 1, "Premature end"),
        (b"<a>\n<b>\n</a>", 3, 5, "mismatch"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", 1, 1, "invalid UTF-8"),
        (b"<a>\x00</a>", 1, 4, "NUL"),
        (b"<a>\n caf\xe9 </a>", 2, 5, "invalid UTF-8"),
        (b"<\x00a\x00/\x00>\x00", 1, 2, "UTF-16 without a byte-order mark"),
        (b"\xff\xfe\x00\x00<\x00\x00\x00", 1, 1, "UTF-32"),
        (b"<a>&undefined;</a>", 1, 15, "undefined"),
        (b'<?xml version="1.0" encoding="x-unknown"?><a/>', 1, 31, "unknown encoding"),
        (b'<?xml version="1.0" encoding="us-ascii"?>\n<a v="\xc3\xa9"/>', 2, 7, "declared"),
    ],
)
def test_bad_input_is_a_parse_error_with_position(
    data: bytes, line: int, column: int, words: str
) -> None:
    error = _parse_error(data)
    assert (error.line, error.column) == (line, column)
    assert words.lower() in error.message.lower()


def test_parse_error_shows_the_line_and_a_caret() -> None:
    error = _parse_error(b"<a>\n\t<b x='1'>\n</a>")
    lines = str(error).splitlines()
    assert lines[0].startswith("input.xml:3:")
    assert lines[1].strip() == "</a>"
    assert lines[2].strip() == "^"


def test_loads_wants_bytes() -> None:
    with pytest.raises(TypeError, match="bytes"):
        metaclone.loads("<a/>")  # type: ignore[arg-type]


def test_load_reports_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(metaclone.ParseError, match="no such file") as missing:
        metaclone.load(tmp_path / "missing.xml")
    assert missing.value.path == str(tmp_path / "missing.xml")
    with pytest.raises(metaclone.ParseError, match="folder"):
        metaclone.load(tmp_path)


def test_utf16_with_bom_round_trips_after_an_edit() -> None:
    data = (FIXTURES / "xml" / "utf16_bom.xml").read_bytes()
    doc = metaclone.loads(data).xml
    site = next(doc.children(doc.root))
    editor = doc.edit()
    editor.set_attribute(site, "id", "2")
    editor.commit()
    old, new = 'id="1"'.encode("utf-16-le"), 'id="2"'.encode("utf-16-le")
    assert doc.to_bytes() == data.replace(old, new)


# -- save --------------------------------------------------------------------------------------


def test_save_writes_exact_bytes_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "applicationHost.config"
    target.write_bytes(b"old")
    target.chmod(0o640)
    doc = metaclone.load(FIXTURES / "xml" / "lexical_variants.xml")
    doc.save(target)
    assert target.read_bytes() == (FIXTURES / "xml" / "lexical_variants.xml").read_bytes()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["applicationHost.config"]


def test_failed_save_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "MetaBase.xml"
    target.write_bytes(b"previous content")
    doc = metaclone.loads(b"<a/>")

    def interrupted(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        doc.save(target)
    assert target.read_bytes() == b"previous content"
    assert [p.name for p in tmp_path.iterdir()] == ["MetaBase.xml"]


@pytest.mark.parametrize(
    "trailer",
    [
        "",
        "\r\n",
        "\n<!-- </c> -->\n",
        "<?pi </c>?>",
        "<!-- a --><?b?>\n\t",
    ],
)
def test_root_end_found_from_the_back_as_by_the_forward_search(trailer: str) -> None:
    text = "<?xml version='1.0'?>\n<c a='c/>x'><c><d/></c><!-- </c> --></c >" + trailer
    doc = XmlDocument.from_bytes(text.encode(), "t.xml")
    first = tokens.next_tag(text, 0)
    assert first is not None
    assert doc.root == tokens.element_at(text, first)
    assert doc.root.end_tag is not None
    assert doc.slice(doc.root.end_tag.start, doc.root.end) == "</c >"


def test_child_tags_name_children_without_reading_them() -> None:
    doc = XmlDocument.from_bytes(b"<r><a><b/></a><!-- <x/> --><c/>text<d></d></r>", "t.xml")
    assert [t.name for t in doc.child_tags(doc.root)] == ["a", "c", "d"]
    assert [t.name for t in doc.child_tags(doc.root)] == [e.name for e in doc.children(doc.root)]


@pytest.mark.parametrize(
    ("content", "found_from_the_back"),
    [
        ("<m><k/><!-- </m> --></m>", True),
        ("<m><k/></m>\n<!-- after -->\n<?pi?>\n", True),
        ("<m><k/></m><!-- </m> -->", False),
        ("<m><k/></m><?pi </m>?>", False),
        ("<m><k/></m><other/>", False),
        ("<m><k/></m><m></m>", False),
        ("<m><m></m></m>", False),
        ("<m/>", False),
    ],
)
def test_last_element_found_from_the_back_as_by_the_forward_search(
    content: str, found_from_the_back: bool
) -> None:
    text = f"<r>{content}</r>"
    doc = XmlDocument.from_bytes(text.encode(), "t.xml")
    first = tokens.next_tag(text, doc.root.content_start)
    assert first is not None
    found = tokens.last_element_at(text, first, doc.root.content_end)
    assert (found is not None) is found_from_the_back
    if found is not None:
        assert found == tokens.element_at(text, first)


def test_markup_fragments_skip_opaque_markup_whole() -> None:
    opaque = re.compile(f"<(?:{markup.OPAQUE})", re.S)
    text = "<!-- <a> --><![CDATA[</a>]]><?pi <a/> ?>"
    assert [m.group() for m in opaque.finditer(text)] == [
        "<!-- <a> -->",
        "<![CDATA[</a>]]>",
        "<?pi <a/> ?>",
    ]
    rest = re.compile(markup.TAG_REST)
    empty = rest.match(" a='/>' b=\"x\"/>")
    assert empty is not None
    assert empty.group(1) == "/"
    assert empty.end() == len(" a='/>' b=\"x\"/>")
    assert markup.end_tag("a.b").match("</a.b \r\n>") is not None
    assert markup.end_tag("a.b").match("</a-b>") is None
    assert markup.end_tag("a") is markup.end_tag("a")
