"""Fuzzing: generated documents, mutated fixtures and random site operations.

Three properties:

1. A well-formed document mixing every lexical variant IIS files show loads and comes back byte
   for byte, and every decoded attribute value equals lxml's.
2. A mutated fixture either loads (and round-trips) or is refused with a located ParseError;
   no other exception escapes.
3. A site operation on a fixture either succeeds (the output re-parses, the model agrees with a
   fresh load of it) or raises a MetacloneError and leaves the document byte for byte as it was.

The Hypothesis settings come from a profile: a CI-sized one by default, a long one when the
environment variable ``METACLONE_FUZZ=long`` is set.  The profiles are applied per test (not
loaded globally), so other test modules keep their own settings.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone import ConfigDocument, MetacloneError, ParseError, Site, UnsupportedDocumentError
from metaclone.lossless import Element, XmlDocument
from tests.conftest import ROOT, fixture_files

settings.register_profile(
    "metaclone-ci",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "metaclone-long",
    max_examples=3000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ = settings.get_profile(
    "metaclone-long" if os.environ.get("METACLONE_FUZZ") == "long" else "metaclone-ci"
)


def safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_blank_text=False, remove_comments=False, strip_cdata=False,
    )


def attempt(action: Callable[[], Any]) -> Any:
    """The action's result, or the MetacloneError it raised; anything else propagates."""
    try:
        return action()
    except MetacloneError as error:
        return error


# ---------------------------------------------------------------------------------------------
# 1. Generated documents with every lexical variant
# ---------------------------------------------------------------------------------------------

NEWLINES = st.sampled_from(["\n", "\r\n", "\r\r\n"])
SPACE = st.lists(
    st.sampled_from([" ", "\t", "\n", "\r\n", "\r\r\n", "  "]), min_size=1, max_size=3
).map("".join)
NAMES = st.sampled_from(
    ["site", "a", "b", "IIsWebServer", "binding", "add", "x.y", "sec-tion", "_k", "Custom"]
)
ATTRIBUTE_NAMES = st.sampled_from(
    ["name", "id", "Location", "value", "v", "AppRoot", "ServerBindings", "x-y", "a.b", "_z"]
)
TEXT_CHARS = st.characters(
    codec="utf-8",
    exclude_characters="<&\"'\r\n\t]",
    exclude_categories=("Cs", "Cc", "Cn"),
)
VALUE_PIECES = st.one_of(
    st.text(TEXT_CHARS, min_size=1, max_size=8),
    st.sampled_from(
        [
            "\n", "\r\n", "\r\r\n", "\r", "\t", "\n\t\t\t",
            "&#xA;", "&#10;", "&#xD;", "&#9;", "&#x41;", "&#233;", "&#x1F600;",
            "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", ">", "]]>",
            "/LM/W3SVC/1/Root", ":80:www.example.com", "é", "中", "😀",
        ]
    ),
)


@st.composite
def attribute(draw: st.DrawFn, name: str) -> str:
    quote = draw(st.sampled_from(['"', "'"]))
    pieces = draw(st.lists(VALUE_PIECES, max_size=6))
    other = "'" if quote == '"' else '"'
    if draw(st.booleans()):
        pieces.append(other)  # the other quote character may stand unescaped
    equals = draw(st.sampled_from(["=", " =", "= ", " = ", "\t=\t"]))
    leading = draw(SPACE)
    return f"{leading}{name}{equals}{quote}{''.join(pieces)}{quote}"


@st.composite
def start_tag_body(draw: st.DrawFn) -> str:
    names = draw(st.lists(ATTRIBUTE_NAMES, max_size=4, unique=True))
    text = "".join(draw(attribute(name)) for name in names)
    return text + draw(st.sampled_from(["", "", " ", "\t", "\n\t", "\r\n\t"]))


MISC = st.one_of(
    SPACE,
    st.sampled_from(
        [
            "<!-- plain -->",
            '<!-- <site name="Decoy" id="99"><binding/></site> -->',
            "<!--\r\n  <location path=\"Default Web Site\">\r\n  </location>\r\n-->",
            "<!---->",
            "<?pi some data?>",
            "<?metaclone x='1'?>",
        ]
    ),
)
CONTENT_TEXT = st.one_of(
    st.text(TEXT_CHARS, min_size=1, max_size=10),
    st.sampled_from(
        ["&amp;", "&lt;", "&#xA;", "&#38;", "'", '"', ">", "<![CDATA[ <a>&amp; ]]>",
         "<![CDATA[]]>", "\r\n    ", "\t\t"]
    ),
)


def element(depth: int) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        name = draw(NAMES)
        body = draw(start_tag_body())
        style = draw(st.sampled_from(["empty", "empty-space", "pair", "pair-space"]))
        if style == "empty":
            return f"<{name}{body}/>"
        if style == "empty-space":
            return f"<{name}{body} />"
        children: list[str] = []
        if depth > 0:
            children = draw(
                st.lists(st.one_of(element(depth - 1), MISC, CONTENT_TEXT), max_size=4)
            )
        end_space = " " if style == "pair-space" else ""
        return f"<{name}{body}>{''.join(children)}</{name}{end_space}>"

    return build()


DECLARATIONS = st.sampled_from(
    [
        "",
        '<?xml version="1.0"?>',
        '<?xml version ="1.0"?>',
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<?xml version="1.0" encoding="utf-8" standalone="yes"?>',
        '<?xml version="1.0" encoding="UTF-8"?><!-- on the same line -->',
    ]
)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    declaration = draw(DECLARATIONS)
    prolog = draw(st.lists(MISC, max_size=3))
    if declaration:
        prolog.insert(0, draw(NEWLINES))
    root_name = draw(st.sampled_from(["configuration", "root", "MBProperty-like"]))
    namespace = draw(
        st.sampled_from(["", ' xmlns="urn:example:config"', '\txmlns="urn:x"\r\n\t'])
    )
    children = draw(st.lists(st.one_of(element(3), MISC, CONTENT_TEXT), max_size=6))
    root = f"<{root_name}{namespace}{draw(start_tag_body())}>{''.join(children)}</{root_name}>"
    trailer = [*draw(st.lists(MISC, max_size=2)), draw(st.sampled_from(["", "\n", "\r\n"]))]
    text = declaration + "".join(prolog) + root + "".join(trailer)
    bom = codecs.BOM_UTF8 if draw(st.booleans()) else b""
    return bom + text.encode("utf-8")


def scanner_elements(xml: XmlDocument) -> list[Element]:
    found: list[Element] = []
    stack = [xml.root]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(reversed(list(xml.children(current))))
    return found


def local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


@FUZZ
@given(documents())
def test_generated_documents_round_trip_and_decode_like_lxml(data: bytes) -> None:
    doc = metaclone.loads(data, "generated.xml")
    assert doc.to_bytes() == data
    tree = etree.fromstring(data, safe_parser())
    ours = scanner_elements(doc.xml)
    theirs = list(tree.iter(etree.Element))
    assert [e.name for e in ours] == [local(e.tag) for e in theirs]
    for mine, lxml_element in zip(ours, theirs, strict=True):
        decoded = {
            a.name: a.value for a in doc.xml.attributes(mine) if not a.name.startswith("xmlns")
        }
        assert decoded == dict(lxml_element.attrib)


@FUZZ
@given(data=documents())
def test_generated_documents_survive_a_save(tmp_path_factory: Any, data: bytes) -> None:
    path = Path(tmp_path_factory.mktemp("save")) / "doc.config"
    metaclone.loads(data, str(path)).save(path)
    assert path.read_bytes() == data
    assert metaclone.load(path).to_bytes() == data


# ---------------------------------------------------------------------------------------------
# 2. Mutated fixtures
# ---------------------------------------------------------------------------------------------

FIXTURES = [p for p in fixture_files() if p.suffix in (".xml", ".config")]
FIXTURE_BYTES = {p: p.read_bytes() for p in FIXTURES}
INTERESTING = [
    b"<", b">", b"&", b'"', b"'", b"/>", b"</", b"<!--", b"-->", b"]]>", b"<![CDATA[",
    b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\r", b"\n", b"\t", b"&#0;", b"&#xD800;",
    b"&bogus;", b"<!DOCTYPE x>", b"<?xml version='1.0'?>", b'xmlns:p="u"', b"<p:a/>",
    b'id="0"', b'id="-1"', b'id="99999999999"', b'Location ="/LM/W3SVC/1"',
    b'<site name="x" id="1"/>', b"<IIsWebServer\tLocation =\"/LM/W3SVC/1\"/>",
    b'bindingInformation="*:443:"', b'ServerBindings=""', b'serverAutoStart="maybe"',
]


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        size = len(data)
        kind = draw(st.sampled_from(["flip", "delete", "duplicate", "truncate", "splice",
                                     "insert"]))
        at = draw(st.integers(0, max(size - 1, 0)))
        length = draw(st.integers(1, 64))
        if kind == "flip" and size:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "delete":
            del data[at : at + length]
        elif kind == "duplicate":
            data[at:at] = data[at : at + length]
        elif kind == "truncate":
            del data[at:]
        elif kind == "splice":
            donor = FIXTURE_BYTES[draw(st.sampled_from(FIXTURES))]
            start = draw(st.integers(0, max(len(donor) - 1, 0)))
            data[at:at] = donor[start : start + draw(st.integers(1, 400))]
        else:
            data[at:at] = draw(st.sampled_from(INTERESTING))
    return bytes(data)


class DoctypeInfo(Protocol):
    """lxml's ``DocInfo.doctype``, which lxml-stubs leaves out of its ``DocInfo``."""

    @property
    def doctype(self) -> str: ...


def lxml_accepts(data: bytes) -> bool:
    """Whether lxml finds ``data`` well-formed and without a DOCTYPE (which metaclone refuses).

    The DOCTYPE is asked of lxml, not searched for: ``<!DOCTYPE`` inside a comment is fine.
    """
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError:
        return False
    return not cast(DoctypeInfo, root.getroottree().docinfo).doctype


def check_mutant(data: bytes, name: str) -> None:
    outcome = attempt(lambda: metaclone.loads(data, name))
    if isinstance(outcome, MetacloneError):
        if isinstance(outcome, ParseError) or not lxml_accepts(data):
            assert isinstance(outcome, ParseError), outcome
            assert outcome.line is not None
            assert outcome.column is not None
            assert outcome.path == name
        return
    doc: ConfigDocument = outcome
    assert lxml_accepts(data)
    assert doc.to_bytes() == data
    # Reading the model may refuse a broken file, but only with a MetacloneError.
    sites = attempt(lambda: doc.sites)
    if not isinstance(sites, MetacloneError):
        assert all(isinstance(s, Site) for s in sites)
        attempt(doc.check)
    assert doc.to_bytes() == data


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=str(p.relative_to(ROOT / "fixtures"))) for p in FIXTURES]
)
def test_mutated_fixtures_load_or_fail_cleanly(path: Path) -> None:
    @FUZZ
    @given(mutated(FIXTURE_BYTES[path]))
    def run(data: bytes) -> None:
        check_mutant(data, path.name)

    run()


def test_unmutated_fixtures_round_trip() -> None:
    assert FIXTURES, "no fixture files found"
    for path, data in FIXTURE_BYTES.items():
        assert metaclone.loads(data, path.name).to_bytes() == data


# ---------------------------------------------------------------------------------------------
# 3. Site operations on fixture documents
# ---------------------------------------------------------------------------------------------


def site_documents() -> list[Path]:
    found = []
    for path in FIXTURES:
        try:
            if metaclone.loads(FIXTURE_BYTES[path], path.name).sites:
                found.append(path)
        except MetacloneError:
            continue
    return found


SITE_FIXTURES = site_documents()

NEW_NAMES = st.one_of(
    st.none(),
    st.sampled_from(
        ["Clone", "clone of shop", "Shop", "shop", "Default Web Site", "", " ", "a/b", "a?b",
         "x" * 300, "Café & <Co>", 'quo"te', "tab\tname", "new\nline", "ünïcödé 中"]
    ),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
)
NEW_IDS = st.one_of(
    st.none(),
    st.sampled_from([0, -1, 1, 2, 3, 12, 2147483647, 2147483648, 10**12]),
    st.integers(1, 5000),
)
BINDINGS = st.lists(
    st.one_of(
        st.sampled_from(
            ["http/*:80:", "http/:8080:", "http/*:80:clone.example", "https/*:443:clone.example",
             "https/10.0.0.9:443:", "https/[::1]:443:v6.example", "net.tcp/808:*", "net.pipe/*",
             "ftp/:21:", "http/*:99999:", "http/*:0:", "http/*:80", "http", "", "/x",
             "https/*:443:a b", "http/*:80:<b>"]
        ),
        st.text(max_size=20),
    ),
    max_size=4,
)


@st.composite
def operations(draw: st.DrawFn, sites: tuple[Site, ...]) -> list[tuple[str, Any]]:
    ops: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["clone", "delete", "rename", "auto_start", "bindings"]))
        site = draw(st.sampled_from(sites))
        key: Any = draw(st.sampled_from([site, site.id, site.name, f"{site.id}", "no such site"]))
        if kind == "clone":
            ops.append((kind, (key, draw(NEW_IDS), draw(NEW_NAMES), draw(st.booleans()))))
        elif kind == "rename":
            ops.append((kind, (key, draw(NEW_NAMES) or "Renamed")))
        elif kind == "auto_start":
            ops.append((kind, (key, draw(st.booleans()))))
        elif kind == "bindings":
            ops.append((kind, (key, draw(BINDINGS))))
        else:
            ops.append((kind, (key,)))
    return ops


def apply(doc: ConfigDocument, kind: str, args: tuple[Any, ...]) -> Any:
    if kind == "clone":
        key, new_id, new_name, auto_start = args
        return doc.clone_site(key, new_id=new_id, new_name=new_name, auto_start=auto_start)
    if kind == "delete":
        return doc.delete_site(args[0])
    if kind == "rename":
        return doc.rename_site(args[0], args[1])
    if kind == "auto_start":
        return doc.set_auto_start(args[0], args[1])
    return doc.set_bindings(args[0], args[1])


def site_keys(sites: tuple[Site, ...]) -> list[tuple[str, int]]:
    return sorted((s.kind.value, s.id) for s in sites)


def check_operation(doc: ConfigDocument, kind: str, args: tuple[Any, ...]) -> None:
    before = doc.to_bytes()
    sites_before = doc.sites
    outcome = attempt(lambda: apply(doc, kind, args))
    after = doc.to_bytes()
    if isinstance(outcome, MetacloneError):
        assert after == before, f"{kind} failed with {outcome!r} but changed the document"
        assert doc.sites == sites_before
        return
    sites_after = doc.sites
    if after == before:
        # Allowed only when the operation asked for what was already there.
        assert kind in ("auto_start", "rename", "bindings"), f"{kind} changed nothing"
        assert sorted(s.id for s in sites_after) == sorted(s.id for s in sites_before)
        return
    etree.fromstring(after, safe_parser())
    reloaded = metaclone.loads(after, doc.path)
    assert reloaded.to_bytes() == after
    assert reloaded.sites == sites_after
    if kind == "clone":
        # Counted by key, not by number: a source whose key is duplicated in the file yields
        # a duplicated clone.
        assert isinstance(outcome, Site)
        assert outcome in sites_after
        assert (outcome.kind.value, outcome.id) not in site_keys(sites_before)
        assert set(site_keys(sites_before)) < set(site_keys(sites_after))
    elif kind == "delete":
        gone = set(site_keys(sites_before)) - set(site_keys(sites_after))
        assert len(gone) == 1
        assert set(site_keys(sites_after)) < set(site_keys(sites_before))
    elif kind == "rename":
        assert isinstance(outcome, Site)
        assert outcome.name == args[1]
    elif kind == "auto_start":
        assert isinstance(outcome, Site)
        assert outcome.auto_start is args[1]
    else:
        # In IIS 7 a site's kind follows its bindings: only the ids must stay.
        assert sorted(s.id for s in sites_after) == sorted(s.id for s in sites_before)


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=str(p.relative_to(ROOT / "fixtures"))) for p in SITE_FIXTURES]
)
def test_site_operations_succeed_or_change_nothing(path: Path) -> None:
    original = FIXTURE_BYTES[path]
    sites = metaclone.loads(original, path.name).sites

    @FUZZ
    @given(operations(sites))
    def run(ops: list[tuple[str, Any]]) -> None:
        doc = metaclone.loads(original, path.name)
        for kind, args in ops:
            check_operation(doc, kind, args)

    run()


def test_operations_on_a_document_without_sites_are_refused() -> None:
    generic = [p for p in FIXTURES if p not in SITE_FIXTURES]
    if not generic:
        pytest.skip("every fixture has sites")
    for path in generic:
        doc = metaclone.loads(FIXTURE_BYTES[path], path.name)
        before = doc.to_bytes()
        with pytest.raises(MetacloneError):
            doc.clone_site(1, new_name="x")
        with pytest.raises(UnsupportedDocumentError):
            doc.delete_site(1)
        assert doc.to_bytes() == before
