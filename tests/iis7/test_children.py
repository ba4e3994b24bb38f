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
from metaclone.iis7.children import (
    Child,
    child_spans,
    child_spans_to_end,
    children_with_attributes,
    decoded_attributes,
)
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


@FUZZ
@given(documents())
def test_child_spans_found_on_the_way_to_the_end_are_those_inside_it(data: bytes) -> None:
    xml = metaclone.loads(data, "generated.xml").xml
    for element in scanner_elements(xml):
        if element.end_tag is None:
            continue
        names = {child.name for child in xml.children(element)} | {"site", "x"}
        for name in sorted(names - {element.name}):
            found = child_spans_to_end(xml.text, element.start_tag, name)
            assert found == (child_spans(xml.text, element, name), element)


def test_child_spans_to_the_end_pass_over_decoys_and_nested_parents() -> None:
    text = (
        "<c><sites><!-- </sites> --><site id='1'><sites><site/></sites></site>"
        "<![CDATA[</sites>]]><site id='2'/></sites><site id='3'/></c>"
    )
    xml = metaclone.loads(text.encode(), "c.xml").xml
    sites = next(xml.children(xml.root))
    spans, element = child_spans_to_end(text, sites.start_tag, "site")
    assert element == sites
    assert [span[4] for span in spans] == [" id='1'", " id='2'"]


def test_child_spans_to_the_end_need_a_child_name_other_than_the_parents() -> None:
    text = "<a><a/></a>"
    root = metaclone.loads(text.encode(), "a.xml").xml.root
    with pytest.raises(ValueError, match="cannot be told from its end"):
        child_spans_to_end(text, root.start_tag, "a")
