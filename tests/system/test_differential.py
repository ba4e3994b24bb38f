"""metaclone accepts exactly the documents lxml's safe parser accepts (XML without a DOCTYPE,
in UTF-8 or UTF-16 with a byte-order mark), and reads the same elements in them.

Documents are generated with every lexical feature and then damaged a little, so that most are
not well-formed; the pathological inputs of :mod:`tests.system.pathological` are added at a
small size.  For each: either both accept (and metaclone gives back the same bytes and the same
element names in the same order) or both refuse (metaclone with a located ParseError).
"""

from __future__ import annotations

import codecs
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone import ConfigDocument, ParseError
from metaclone.lossless.tokens import Tag, TagKind, iter_markup
from tests.system.pathological import INPUTS

EXAMPLES = 2000 if os.environ.get("METACLONE_FUZZ") == "long" else 150
DIFFERENTIAL = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def lxml_accepts(data: bytes) -> etree._Element | None:
    """The root element lxml's safe parser reads from ``data``, or None if it refuses it."""
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
        remove_comments=False,
        strip_cdata=False,
    )
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None


def qualified(element: etree._Element) -> str:
    local = etree.QName(element).localname
    return f"{element.prefix}:{local}" if element.prefix else local


def loaded(data: bytes) -> ConfigDocument | ParseError:
    """The document metaclone reads from ``data``, or its ParseError (anything else fails)."""
    try:
        return metaclone.loads(data, "input.xml")
    except ParseError as error:
        return error


def assert_same_verdict(data: bytes) -> None:
    root = lxml_accepts(data)
    doc = loaded(data)
    if isinstance(doc, ParseError):
        assert root is None, f"metaclone refused what lxml reads: {doc}"
        assert doc.line is not None
        assert doc.column is not None
        return
    assert root is not None, "metaclone read what lxml refuses"
    assert doc.to_bytes() == data
    xml = doc.xml
    names = [
        token.name
        for token in iter_markup(xml.text, xml.root.start, xml.root.end)
        if isinstance(token, Tag) and token.kind is not TagKind.END
    ]
    assert names == [qualified(e) for e in root.iter(etree.Element)]


# -- generated documents -------------------------------------------------------------------

_NAMES = st.sampled_from(
    ["a", "site", "binding", "configuration", "x:y", "é", "a.b-c", "_1", "n\u00b7", "1a", "a:"]
)
_PIECES = st.sampled_from(
    [
        *"ab <>&\"'\n\t\r;#=/-?![]",
        *("&amp;", "&#xA;", "&#10;", "&lt;", "&bogus;", "&#0;", "\u00a0", "\ufffe", "\x01"),
        *("]]>", "--", "?>", "\u2028", "\U0001f600", "\r\n"),
    ]
)
_TEXT = st.lists(_PIECES, max_size=6).map("".join)


@st.composite
def _attribute(draw: st.DrawFn) -> str:
    quote = draw(st.sampled_from(['"', "'"]))
    space = draw(st.sampled_from([" ", "\n\t", " \r\n  "]))
    equals = draw(st.sampled_from(["=", " = ", "\t="]))
    return f"{space}{draw(_NAMES)}{equals}{quote}{draw(_TEXT)}{quote}"


_MISC = st.one_of(
    st.sampled_from(["\n", "\r\n", "  ", "\t"]),
    _TEXT.map(lambda text: f"<!--{text}-->"),
    _TEXT.map(lambda text: f"<?pi {text}?>"),
)


def _element(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        name = draw(_NAMES)
        attributes = "".join(draw(st.lists(_attribute(), max_size=3)))
        if draw(st.booleans()):
            return f"<{name}{attributes}{draw(st.sampled_from(['/>', ' />']))}"
        content = draw(
            st.lists(
                st.one_of(
                    children,
                    _TEXT,
                    _MISC,
                    _TEXT.map(lambda text: f"<![CDATA[{text}]]>"),
                ),
                max_size=4,
            )
        )
        closing = draw(st.sampled_from([name, name, name, "b"])) + draw(st.sampled_from(["", " "]))
        return f"<{name}{attributes}>{''.join(content)}</{closing}>"

    return build()


_ELEMENTS = st.recursive(_element(st.nothing()), _element, max_leaves=12)
_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"])


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    encoding = draw(_ENCODINGS)
    declared = {"utf-8": "UTF-8", "utf-8-sig": "utf-8"}.get(encoding, "UTF-16")
    declaration = draw(
        st.sampled_from(
            ["", '<?xml version="1.0"?>', f"<?xml version='1.0' encoding='{declared}'?>"]
        )
    )
    text = (
        declaration
        + "".join(draw(st.lists(_MISC, max_size=2)))
        + draw(_ELEMENTS)
        + "".join(draw(st.lists(_MISC, max_size=2)))
    )
    # Damage: characters deleted, inserted or replaced after the declaration.
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(len(declaration), max(len(declaration), len(text))))
        replacement = draw(st.sampled_from(["", "<", ">", "&", '"', "/", "!", "-", "\x00"]))
        cut = draw(st.integers(0, 1))
        text = text[:at] + replacement + text[at + cut :]
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    return bom + text.encode(encoding, errors="surrogatepass")


@DIFFERENTIAL
@given(documents())
def test_metaclone_and_lxml_accept_the_same_documents(data: bytes) -> None:
    assert_same_verdict(data)


# -- hostile inputs ------------------------------------------------------------------------

HOSTILE = {
    "empty": b"",
    "bom-only": codecs.BOM_UTF8,
    "nul": b"<c>\x00</c>",
    "undeclared-prefix": b"<c><x:a/></c>",
    "xml-1.1": b"<?xml version='1.1'?><c/>",
    "deep-256": b"<a>" * 256 + b"</a>" * 256,
    "deep-257": b"<a>" * 257 + b"</a>" * 257,
    "deep-300-unclosed": b"<a>" * 300,
    "long-name": b"<" + b"n" * 60_000 + b"/>",
    "long-comment": b"<c><!--" + b"x" * 1_000_000 + b"--></c>",
    "comment-in-prolog": b"<!-- <!DOCTYPE c> --><c/>",
    "pi-before-root": b"<?a?><?b c?><c/>",
    "text-after-root": b"<c/>x",
    "gt-in-attribute": b"<c a='>' b=\"/>\"/>",
    "cdata-with-markup": b"<c><![CDATA[<a></b>]]></c>",
}
for _name, (_command, _suffix, _make) in INPUTS.items():
    if _suffix in (".xml", ".config"):
        HOSTILE[_name] = _make(4096)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_has_the_same_verdict_as_lxml(name: str) -> None:
    assert_same_verdict(HOSTILE[name])
