"""The properties of every key read at once (``metaclone.iis6.key_values``) against the
tokenizer's attributes of each key, on oddly written metabases (Hypothesis).

The files mix quotes, attribute orders, CRLF, white space around ``=``, character references,
comments and CDATA in a key's content, ``<Custom>`` children that carry the properties, longer
names that end or start with a property's name, and decoys: values that read like properties,
some of which run over the real property that follows them.  The applications of every site,
read from one search once many sites are asked for, must be those read key by key; and the
plain bindings the check passes over must be ones IIS's rules accept.
"""

from __future__ import annotations

from typing import NamedTuple

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.iis6.checks import plain_binding, site_rule_findings
from metaclone.iis6.indexing import find_mbproperty, index_keys
from metaclone.iis6.key_values import KeyValue, KeyValueReader, key_values, raw_values
from metaclone.iis6.keys import KeyTable
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.model import rules
from metaclone.model.sites import Binding, Site
from metaclone.model.validation import binding_problem

# Each example loads a document of up to twelve sites: enough to meet every odd case above.
_EXAMPLES = 25
_NAMES = ("AppRoot", "AppPoolId", "Path", "AppPackageID")
_VALUES = ["/LM/W3SVC/1/ROOT", "Pool &amp; Co", "D:\\Sites\\a&#47;b", "", " x ", "{AA-1}"]
_DECOYS = [
    'Description="AppRoot="',
    "Description='AppPoolId=\"x\" '",
    'Description=" Path=&quot;C:\\&quot; "',
    'XAppRoot="/LM/W3SVC/9/ROOT"',
    'AppRootX="/LM/W3SVC/9/ROOT"',
    "Description='a\"b'",
    'Description="a>b"',
]
_CONTENT = [
    "",
    '<Custom Name="AppRoot" AppRoot="/LM/W3SVC/9/ROOT" Path="x"/>',
    '<!-- AppPoolId="commented" -->',
    '<![CDATA[ Path="cdata" ]]>',
]


def _name(attribute: str) -> str:
    return attribute.split("=", maxsplit=1)[0].strip()


@st.composite
def _attribute(draw: st.DrawFn) -> str:
    name = draw(st.sampled_from(_NAMES))
    value = draw(st.sampled_from(_VALUES))
    quote = draw(st.sampled_from(['"', "'"]))
    equals = draw(st.sampled_from(["=", " = ", "\t=\n"]))
    return f"{name}{equals}{quote}{value}{quote}"


class MetabaseKeys(NamedTuple):
    """The keys of a generated metabase in file order, and its line end."""

    keys: list[str]
    newline: str

    def data(self, separator: str | None = None) -> bytes:
        """The file: the keys one a line, or joined by ``separator``."""
        newline = self.newline
        body = (newline if separator is None else separator).join(self.keys)
        text = (
            f'<?xml version ="1.0"?>{newline}<configuration>{newline}<MBProperty>{newline}'
            f"{body}{newline}</MBProperty>{newline}</configuration>{newline}"
        )
        return text.encode()


@st.composite
def metabases(draw: st.DrawFn) -> bytes:
    return draw(metabase_keys()).data()


@st.composite
def metabase_keys(draw: st.DrawFn) -> MetabaseKeys:
    """Up to twelve web sites with keys below ``ROOT``, oddly written (see above)."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    keys = ['<IIsWebService Location="/LM/W3SVC" AppPoolId="DefaultAppPool">']
    keys[-1] += newline + "</IIsWebService>"
    for site in range(1, draw(st.integers(1, 12)) + 1):
        prefix = f"/LM/W3SVC/{site}"
        for below, key_type in draw(
            st.lists(
                st.sampled_from(
                    [
                        ("", "IIsWebServer"),
                        ("/ROOT", "IIsWebVirtualDir"),
                        ("/root/app", "IIsWebDirectory"),
                        ("/ROOT/vdir", "IIsWebVirtualDir"),
                    ]
                ),
                min_size=1,
                max_size=4,
                unique=True,
            )
        ):
            attributes = [f'Location="{prefix}{below}"']
            attributes += draw(st.lists(st.sampled_from(_DECOYS), max_size=2, unique_by=_name))
            attributes += draw(st.lists(_attribute(), max_size=3, unique_by=_name))
            attributes = [attributes[0], *draw(st.permutations(attributes[1:]))]
            separator = draw(st.sampled_from([" ", newline + "\t\t"]))
            content = draw(st.sampled_from(_CONTENT))
            keys.append(
                f"<{key_type}\t{separator.join(attributes)}>{newline}{content}</{key_type}>"
            )
    return MetabaseKeys(keys, newline)


def _load(data: bytes, *, exact: bool = False) -> MetabaseDocument:
    doc = metaclone.loads(data, "generated.xml", exact=exact)
    assert isinstance(doc, MetabaseDocument)
    return doc


def _expected(doc: MetabaseDocument, names: tuple[str, ...]) -> list[KeyValue]:
    """The properties ``names`` of every key, as the tokenizer reads its start tag."""
    found = [
        KeyValue(position, a.name, a.value, a.start + len(a.leading), a.value_start)
        for position, key in enumerate(doc.keys)
        for a in doc.xml.attributes(key.start_tag)
        if a.name in names
    ]
    return sorted(found, key=lambda hit: hit.name_start)


def _table(doc: MetabaseDocument) -> KeyTable:
    mbproperty = find_mbproperty(doc.xml)
    return index_keys(doc.xml, mbproperty.content_start, mbproperty.content_end, exact=doc.exact)


def _raw(doc: MetabaseDocument, hit: KeyValue) -> str:
    text = doc.xml.text
    quote = text[hit.value_start - 1]
    return text[hit.value_start : text.index(quote, hit.value_start)]


@settings(max_examples=_EXAMPLES)
@given(metabases(), st.booleans())
def test_key_values_are_the_tokenizers(data: bytes, exact: bool) -> None:
    doc = _load(data, exact=exact)
    table = _table(doc)
    for names in (("AppRoot",), ("AppRoot", "AppPoolId", "Path"), _NAMES):
        expected = _expected(doc, names)
        assert list(key_values(table, names)) == expected
        for name in names:
            written = raw_values(table, name)
            if written is not None:
                assert {_raw(doc, hit) for hit in expected if hit.name == name} <= set(written)


@settings(max_examples=_EXAMPLES)
@given(metabases(), st.data())
def test_key_values_kept_are_those_the_test_keeps(data: bytes, choice: st.DataObject) -> None:
    doc = _load(data)
    table = _table(doc)
    kept_values = set(choice.draw(st.lists(st.sampled_from(_VALUES), max_size=3)))
    odd_keys = set(choice.draw(st.lists(st.integers(0, len(doc.keys)), max_size=3)))

    def keep(positions: list[int], values: list[str]) -> list[bool]:
        assert len(positions) == len(values)
        return [p in odd_keys or v in kept_values for p, v in zip(positions, values, strict=True)]

    for names in (("AppRoot",), _NAMES):
        expected = [hit for hit in _expected(doc, names) if keep([hit.position], [hit.value])[0]]
        assert list(key_values(table, names, keep=keep)) == expected


@settings(max_examples=_EXAMPLES)
@given(metabases(), st.data())
def test_key_values_of_some_values_are_those_written_so(data: bytes, choice: st.DataObject) -> None:
    doc = _load(data)
    expected = _expected(doc, _NAMES)
    written = sorted({_raw(doc, hit) for hit in expected} | {"missing", 'a"b'})
    wanted = set(choice.draw(st.lists(st.sampled_from(written), max_size=3)))
    found = list(key_values(_table(doc), _NAMES, wanted))
    assert found == [hit for hit in expected if _raw(doc, hit) in wanted]


@settings(max_examples=_EXAMPLES)
@given(metabases(), st.data())
def test_the_reader_gives_each_key_once_in_file_order(data: bytes, choice: st.DataObject) -> None:
    doc = _load(data)
    names = ("AppRoot", "AppPoolId", "Path")
    expected = _expected(doc, names)
    reader = KeyValueReader(_table(doc), names)
    asked = sorted(choice.draw(st.sets(st.integers(0, len(doc.keys) - 1))))
    for position in asked:
        assert reader.values(position) == {
            hit.name: hit.value for hit in expected if hit.position == position
        }
        # Passed: the caller reads the key by itself.
        assert reader.values(position) is None


@settings(max_examples=_EXAMPLES)
@given(metabases())
def test_applications_of_every_site_are_those_read_site_by_site(data: bytes) -> None:
    doc = _load(data)
    sites = doc.sites
    one_by_one = [_load(data).applications(site.id) for site in sites]
    # Enough sites for the reader of every key; backwards too, past keys the reader has left.
    assert [doc.applications(site) for site in sites] == one_by_one
    assert [doc.applications(site) for site in reversed(sites)] == one_by_one[::-1]


_OCTETS = st.sampled_from(["0", "1", "10", "255", "256", "01", "999", ""])
_HOSTS = st.sampled_from(
    ["", "www.example.com", "*.example.com", "a-b.c", "-a.b", "a..b", "x" * 64, "é.com", "a_b"]
)


@st.composite
def _bindings(draw: st.DrawFn) -> Binding:
    ip = draw(
        st.sampled_from(["", "*", "[::1]"])
        | st.lists(_OCTETS, min_size=3, max_size=5).map(".".join)
    )
    port = draw(st.sampled_from(["80", "443", "0", "65535", "65536", "080", "x", ""]))
    host = draw(_HOSTS | st.text(max_size=6))
    protocol = draw(st.sampled_from(["http", "https", "ftp", "HTTP", "net.tcp"]))
    information = draw(
        st.sampled_from([f"{ip}:{port}:{host}", f"{ip}:{port}", f"{host}:{ip}:{port}:{host}"])
    )
    return Binding(protocol, information, draw(st.sampled_from([None, 0, 1])))


@given(_bindings())
def test_plain_bindings_are_accepted_by_the_rules(binding: Binding) -> None:
    if plain_binding(binding):
        assert binding_problem(binding) is None


def test_the_bindings_of_large_files_are_plain() -> None:
    for information in (":80:", "10.0.0.1:443:", "*:80:www.example.com", ":8080:*.shop.example"):
        assert plain_binding(Binding("http", information))
    for information in (":0:", "010.0.0.1:80:", ":80:-bad", "[::1]:80:"):
        assert not plain_binding(Binding("http", information))
    assert not plain_binding(Binding("https", ":443:", ssl_flags=1))


_ONE_SITE = (
    b'<?xml version="1.0"?>\n<configuration>\n<MBProperty>\n'
    b'<IIsWebServer Location="/LM/W3SVC/1" ServerBindings=":80:"/>\n'
    b"</MBProperty>\n</configuration>\n"
)
_NAMES_OF_SITES = st.sampled_from(["", "Shop", " ", "a:b", "Straße", "tab\there", "x\ny", "é"])


def _reference_rule_findings(sites: list[Site]) -> list[tuple[str, int | None]]:
    """Every site's name, id and bindings asked of IIS's rules, site by site."""
    found: list[tuple[str, int | None]] = []
    for site in sites:
        problems = [
            rules.site_name_problem(site.name) if site.name else None,
            rules.site_id_problem(site.id, rules.MAX_IIS6_SITE_ID),
            *(
                f"binding {b.summary}: {problem}"
                for b in site.bindings
                if (problem := binding_problem(b)) is not None
            ),
        ]
        found += [(f"site {site.id} {site.name!r}: {p}", site.id) for p in problems if p]
    return found


@settings(max_examples=_EXAMPLES)
@given(
    st.lists(
        st.tuples(
            _NAMES_OF_SITES,
            st.sampled_from([1, 0, -1, 2**31 - 1, 2**31]),
            st.lists(_bindings(), max_size=3),
        ),
        max_size=12,
    )
)
def test_site_rule_findings_are_those_of_asking_every_site(
    drawn: list[tuple[str, int, list[Binding]]],
) -> None:
    doc = _load(_ONE_SITE)
    template = doc.sites[0]
    sites = [
        attrs.evolve(template, name=name, id=ident, bindings=tuple(bindings))
        for name, ident, bindings in drawn
    ]
    found = site_rule_findings(sites)
    assert [(f.message, f.site_id) for f in found] == _reference_rule_findings(sites)


@settings(max_examples=_EXAMPLES)
@given(metabases())
def test_keys_under_every_root_are_those_under_each(data: bytes) -> None:
    table = _table(_load(data))
    under = table.positions_under_every("root")
    prefixes = {"/".join(location.split("/")[:4]) for location in table.locations}
    for prefix in sorted(prefixes | {"/LM/W3SVC/1/ROOT/app", "/LM", ""}):
        for root in (f"{prefix}/ROOT", f"{prefix}/root"):
            assert under.get(root.lower(), []) == table.positions_under(root), root
