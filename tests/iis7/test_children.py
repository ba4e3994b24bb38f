"""The children of an element with their attribute text, against the tokenizer (Hypothesis).

``children_with_attributes`` is how ``check`` reads every site of a large file; it must find
the same children, with the same attributes, as :meth:`XmlDocument.children` and
:meth:`XmlDocument.attributes`, whatever comments, CDATA sections, processing instructions and
nesting of same-named elements stand between them.
"""

from __future__ import annotations

import pytest
from hypothesis import given

import metaclone
from metaclone.iis7.children import Child, children_with_attributes, decoded_attributes
from metaclone.lossless import Element, Tag, TagKind, XmlDocument
from tests.system.test_fuzz import FUZZ, documents, scanner_elements


def _expected(xml: XmlDocument, parent: Element, depth: int) -> list[object]:
    return [
        (
            child,
            {a.name: a.value for a in xml.attributes(child)},
            _expected(xml, child, depth - 1) if depth > 0 else [],
        )
        for child in xml.children(parent)
    ]


def _read(children: list[Child] | tuple[Child, ...]) -> list[object]:
    return [
        (child.element, decoded_attributes(child.attribute_text), _read(child.children))
        for child in children
    ]


@FUZZ
@given(documents())
def test_children_with_attributes_are_the_tokenizers(data: bytes) -> None:
    xml = metaclone.loads(data, "generated.xml").xml
    for element in scanner_elements(xml):
        names = {child.name for child in xml.children(element)}
        found = children_with_attributes(xml.text, element, names)
        assert _read(found) == _expected(xml, element, 1)
        assert _read(children_with_attributes(xml.text, element)) == _expected(xml, element, 0)


def test_an_end_tag_among_the_children_is_refused() -> None:
    text = "<a><b/></a>"
    root = metaclone.loads(text.encode(), "a.xml").xml.root
    # Content read past the element's own end tag: that end tag is no child.
    wider = Element(root.start_tag, Tag(TagKind.END, "a", len(text), len(text)))
    with pytest.raises(ValueError, match="unexpected </a> at offset 7"):
        children_with_attributes(text, wider)
