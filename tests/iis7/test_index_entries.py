"""The site index reads a ``<site>`` written the way IIS writes it without decoding anything;
every such entry must be the one the general reader makes (Hypothesis), and every other
``<site>`` must go to the general reader, which words its errors.  The same for the path of a
location block and of a customMetadata key."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import metaclone
from metaclone.errors import ParseError
from metaclone.iis7.children import ChildSpan, attributes_of
from metaclone.iis7.index import SiteElement, _plain_entry, entry_from_span, index_applicationhost
from metaclone.iis7.references import _path
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.sites import MOST_DIGITS

_SPACE = st.sampled_from([" ", "  ", "\t", "\n", "\r\n"])
_NAME = st.sampled_from(
    ["Default Web Site", "", " padded ", "a&amp;b", "tab\there", "x&#65;", "line\nend", "é€"]
)
_ID = st.sampled_from(
    ["1", "0", "007", "4294967295", " 5", "5 ", "&#49;", "1e3", "-1", "9" * (MOST_DIGITS + 1)]
)
_AUTO_START = st.sampled_from([None, "true", "false", "", "&#116;rue", "yes"])


@st.composite
def site_attribute_texts(draw: st.DrawFn) -> str:
    """The attribute text of a ``<site>``: IIS's shape and the ways out of it."""
    name = f'name="{draw(_NAME)}"'
    if draw(st.booleans()):
        name = name.replace('"', "'")
    attributes = [name, f'id="{draw(_ID)}"']
    auto_start = draw(_AUTO_START)
    if auto_start is not None:
        attributes.append(f'serverAutoStart="{auto_start}"')
    if draw(st.booleans()):
        attributes.insert(draw(st.integers(0, len(attributes))), 'extra="x"')
    if draw(st.booleans()):
        attributes = draw(st.permutations(attributes))
    return "".join(draw(_SPACE) + attribute for attribute in attributes) + draw(
        st.sampled_from(["", " ", "\n"])
    )


def _span(attribute_text: str) -> ChildSpan:
    return (0, 10, 20, 30, attribute_text)


@given(site_attribute_texts())
@example(' name="Default Web Site" id="1" serverAutoStart="true"')
@example(' name="a" id="2"')
def test_a_site_read_as_written_is_the_site_the_general_reader_makes(attribute_text: str) -> None:
    quick = _plain_entry(_span(attribute_text))
    if quick is None:
        return
    xml = metaclone.loads(b"<configuration/>").xml
    general = entry_from_span(xml, _span(attribute_text), attributes_of(attribute_text))
    assert quick == general
    assert quick.server_auto_start == general.server_auto_start


@pytest.mark.parametrize(
    "attribute_text",
    [
        ' name="a&amp;b" id="1"',
        " name='a' id='1'",
        ' id="1" name="a"',
        ' name="a" id=" 1"',
        ' name="a" id="&#49;"',
        ' name="tab\there" id="1"',
        ' name="a" id="1" extra="x"',
        ' name="a" id="1" serverAutoStart="&#116;rue"',
        f' name="a" id="{"9" * (MOST_DIGITS + 1)}"',
    ],
)
def test_a_site_not_written_as_iis_writes_it_goes_to_the_general_reader(
    attribute_text: str,
) -> None:
    assert _plain_entry(_span(attribute_text)) is None


def test_the_index_reads_both_kinds_of_site_alike() -> None:
    text = (
        "<configuration><system.applicationHost><sites>\n"
        '<site name="plain" id="1" serverAutoStart="true"><bindings/></site>\n'
        "<site id='2' name='odd &amp; quoted'/>\n"
        "</sites></system.applicationHost></configuration>"
    )
    doc = metaclone.loads(text.encode(), "applicationHost.config")
    index = index_applicationhost(doc.xml)
    assert [(s.id, s.name, s.server_auto_start) for s in index.sites] == [
        (1, "plain", "true"),
        (2, "odd & quoted", ""),
    ]
    assert [(s.id, s.name) for s in doc.sites] == [(1, "plain"), (2, "odd & quoted")]


def test_an_id_that_is_no_number_is_refused_with_its_place() -> None:
    text = (
        "<configuration><system.applicationHost><sites>\n"
        '<site name="a" id="1x"/>\n'
        "</sites></system.applicationHost></configuration>"
    )
    with pytest.raises(ParseError) as caught:
        _ = metaclone.loads(text.encode(), "applicationHost.config").sites
    assert caught.value.line == 2
    assert "an id is a positive integer" in str(caught.value)


def test_entries_are_site_elements() -> None:
    entry = _plain_entry(_span(' name="a" id="3"'))
    assert entry == SiteElement(3, "a", 0, 10, 20, 30, None, "")


_PATH = st.sampled_from(["Default Web Site/app", "", "LM/W3SVC/1/ROOT", "a&amp;b", "t\tab", "é"])


@st.composite
def path_attribute_texts(draw: st.DrawFn) -> str:
    """The attribute text of a ``<location>`` or ``<key>``, its path first or not, or none."""
    attributes = [draw(st.sampled_from(['overrideMode="Allow"', "inheritInChildApplications='x'"]))]
    if draw(st.booleans()):
        quote = draw(st.sampled_from(['"', "'"]))
        spaced = draw(st.sampled_from(["=", " = "]))
        attributes.insert(draw(st.integers(0, 1)), f"path{spaced}{quote}{draw(_PATH)}{quote}")
    if draw(st.booleans()):
        attributes.insert(0, 'pathX="decoy"')
    return "".join(draw(_SPACE) + attribute for attribute in attributes)


@given(path_attribute_texts())
@example(' path="a" overrideMode="Allow"')
@example(' pathX="decoy" path="a&amp;b"')
def test_a_path_read_as_written_is_the_decoded_path(attribute_text: str) -> None:
    expected = decode_attribute_value(attributes_of(attribute_text).get("path", ""))
    assert _path(attribute_text) == expected


def test_the_index_walks_the_hosts_sections_past_decoys() -> None:
    text = (
        "<configuration>\n"
        "<system.applicationHost>\n"
        "  <!-- <sites><site name='decoy' id='9'/></sites> </system.applicationHost> -->\n"
        "  <applicationPools><add name='p'/></applicationPools>\n"
        "  <sites>\n"
        '    <site name="a" id="1"><bindings/></site>\n'
        "    <![CDATA[</sites><site name='b' id='2'/>]]>\n"
        '    <site name="c" id="3"/>\n'
        "  </sites>\n"
        '  <sites><site name="second" id="4"/></sites>\n'
        '  <customMetadata><key path="LM/W3SVC/3"/></customMetadata>\n'
        "</system.applicationHost>\n"
        '<location path="c"/>\n'
        "</configuration>\n"
    )
    doc = metaclone.loads(text.encode(), "applicationHost.config")
    # The first <sites> counts, as IIS reads it; the second is a finding of `check`.
    assert [(s.id, s.name) for s in doc.sites] == [(1, "a"), (3, "c")]
    index = index_applicationhost(doc.xml)
    assert [(s.id, s.name) for s in index.sites] == [(1, "a"), (3, "c")]
    assert index.pools_element is not None
    assert text[index.pools_element.start :].startswith("<applicationPools>")
    assert index.sites_element is not None
    assert text[index.sites_element.end - len("</sites>") : index.sites_element.end] == "</sites>"
    # Its end is the real one, past the end tag in the CDATA section.
    assert index.sites_element.end == text.index("\n  <sites><site")
    assert [key.path for key in index.metadata_keys] == ["LM/W3SVC/3"]
    assert [location.path for location in index.locations] == ["c"]
