"""Clone invariants over generated metabases (Hypothesis)."""

from __future__ import annotations

import difflib
import re

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone.iis6.indexing import find_mbproperty, index_keys
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.model.sites import MAX_SITE_ID

SPECIAL_IDS = [1, 2, 12, 123, 1234, 98004751, 1962875481, MAX_SITE_ID]
PREFIXES = ["/LM/W3SVC/", "/lm/w3svc/", "/Lm/W3svc/"]
ROOTS = ["ROOT", "Root", "root"]
COMMENTED_KEYS = [
    '<!-- <IIsWebService Location="/LM/W3SVC" AppPoolId="Commented" /> -->',
    '<!-- <IIsWebServer Location="/LM/W3SVC/9" /> -->',
    '<!-- <IIsInheritedProperties AppPoolId="Commented"/> -->',
    '<![CDATA[<IIsInheritedProperties AppPoolId="Commented"/>]]>',
]


@attrs.frozen
class Generated:
    data: bytes
    ids: tuple[int, ...]
    newline: str


def blob(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["49634462", "NOLONGERVALID"]))
    return prefix + draw(st.binary(min_size=8, max_size=24)).hex()


@st.composite
def metabases(draw: st.DrawFn) -> Generated:  # noqa: C901 (one branch per optional feature drawn)
    ids = draw(
        st.lists(
            st.one_of(st.sampled_from(SPECIAL_IDS), st.integers(1, MAX_SITE_ID)),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    eq = draw(st.sampled_from([" =", "="]))
    namespace = draw(
        st.sampled_from(
            [
                "",
                ' xmlns="urn:microsoft-catalog:XML_Metabase_V64_0"',
                ' xmlns="urn:microsoft-catalog:XML_Metabase_V54_0"',
            ]
        )
    )

    def key(key_type: str, location: str, props: list[tuple[str, str]], inner: str = "") -> str:
        lines = [f'<{key_type}\tLocation{eq}"{location}"']
        lines += [f'\t\t{name}="{value}"' for name, value in sorted(props)]
        lines.append("\t>")
        text = nl.join(lines) + nl + inner + f"</{key_type}>"
        return text

    def path(site: int, rest: str = "") -> str:
        return draw(st.sampled_from(PREFIXES)) + str(site) + rest

    def custom(value_lines: list[str], kind: str = "MULTISZ") -> str:
        value = (nl + "\t\t\t").join(value_lines)
        fields = [
            ("Name", f"UnknownName_{draw(st.integers(9000, 9999))}"),
            ("ID", "9300"),
            ("Value", value),
            ("Type", kind),
            ("UserType", "IIS_MD_UT_SERVER"),
            ("Attributes", "INHERIT"),
        ]
        body = nl.join(f'\t\t{n}="{v}"' for n, v in fields)
        return f"\t<Custom{nl}{body}{nl}\t/>{nl}"

    keys: list[str] = [
        key("IIS_Global", ".", [("SessionKey", "49634b62" + "ab" * 20)]),
        # Keys inside a comment are no keys: not the service's, nor its first site.
        *draw(st.lists(st.sampled_from(COMMENTED_KEYS), max_size=1)),
        # Without a pool of the service's, the sites inherit none: a pool read from a comment
        # shows.
        key(
            "IIsWebService",
            "/LM/W3SVC",
            draw(st.sampled_from([[("AppPoolId", "DefaultAppPool")], []])),
        ),
    ]
    for site in ids:
        others = [i for i in ids if i != site]
        server_props = [
            ("ServerComment", f"Site {site}"),
            (
                "ServerBindings",
                (nl + "\t\t\t").join(
                    f":{80 + n}:s{site}.example.com" for n in range(draw(st.integers(1, 3)))
                ),
            ),
        ]
        auto = draw(st.sampled_from([None, "TRUE", "FALSE"]))
        if auto is not None:
            server_props.append(("ServerAutoStart", auto))
        if draw(st.booleans()):
            server_props.append(("SecureBindings", f":443:s{site}.example.com"))
            if draw(st.booleans()):
                thumbprint = draw(st.binary(min_size=20, max_size=20)).hex()
                server_props.append(("SSLCertHash", thumbprint))
                server_props.append(("SSLStoreName", "MY"))
        keys.append(key("IIsWebServer", path(site), server_props))
        if draw(st.booleans()):
            keys.append(key("IIsFilters", path(site, "/Filters"), [("AdminACL", blob(draw))]))
        root = draw(st.sampled_from(ROOTS))
        references = [path(site, "/" + draw(st.sampled_from(ROOTS)))]
        if others:
            references.append(path(draw(st.sampled_from(others)), "/ROOT"))
        references.append(path(int(str(site) + "0"), "/ROOT"))  # shares the prefix, not the site
        references.append(f"IIS://localhost{path(site)}")
        inner = custom(draw(st.permutations(references))) if draw(st.booleans()) else ""
        keys.append(
            key(
                "IIsWebVirtualDir",
                path(site, "/" + root),
                [
                    ("AppRoot", path(site, "/" + draw(st.sampled_from(ROOTS)))),
                    ("Path", f"D:\\Sites\\s{site}"),
                    ("UNCPassword", blob(draw)),
                    ("AccessFlags", "AccessRead | AccessScript"),
                ],
                inner,
            )
        )
        for n in range(draw(st.integers(0, 2))):
            app = f"/{root}/app{n}"
            keys.append(
                key(
                    "IIsWebVirtualDir",
                    path(site, app),
                    [("AppRoot", path(site, app)), ("AppIsolated", "2")],
                )
            )
        if bool(others) and draw(st.booleans()):
            keys.append(
                key(
                    "IIsWebDirectory",
                    path(site, f"/{root}/moved"),
                    [("HttpRedirect", "http://elsewhere" + path(draw(st.sampled_from(others))))],
                )
            )
    # A key outside every site that names a site path: it must never move.
    keys.append(key("IIsConfigObject", "/LM/Notes", [("Comment", path(ids[0]))]))
    body = nl.join(keys)
    text = (
        f'<?xml version ="1.0"?>{nl}<configuration{namespace}>{nl}<MBProperty>{nl}'
        f"{body}{nl}</MBProperty>{nl}</configuration>{nl}"
    )
    bom = b"\xef\xbb\xbf" if draw(st.booleans()) else b""
    return Generated(bom + text.encode(), tuple(ids), nl)


def refers_to(text: str, segment: int) -> bool:
    return re.search(rf"(?i)/LM/W3SVC/{segment}(?=[/\r\n\"]|$)", text) is not None


def rewritten(text: str, old: int, new: int) -> str:
    return re.sub(rf"(?i)(/LM/W3SVC/){old}(?=[/\r\n\"])", rf"\g<1>{new}", text)


SERVER_STATE = re.compile(r"\r?\n\t\t(?:ServerComment|ServerAutoStart)=\"[^\"]*\"")

PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def load(data: bytes) -> MetabaseDocument:
    doc = metaclone.loads(data, "generated.xml")
    assert isinstance(doc, MetabaseDocument)
    return doc


@PROFILE
@given(metabases())
def test_generated_metabases_round_trip_and_list_their_sites(generated: Generated) -> None:
    doc = load(generated.data)
    assert doc.to_bytes() == generated.data
    assert [s.id for s in doc.sites] == list(generated.ids)
    assert [s.name for s in doc.sites] == [f"Site {i}" for i in generated.ids]


@PROFILE
@given(metabases(), st.data())
def test_clone_invariants(generated: Generated, data: st.DataObject) -> None:
    doc = load(generated.data)
    source = data.draw(st.sampled_from(generated.ids), label="source")
    explicit = data.draw(st.booleans(), label="explicit id")
    new_id = None
    if explicit:
        new_id = data.draw(
            st.integers(1, MAX_SITE_ID).filter(lambda i: i not in generated.ids), label="new id"
        )
    before_text = doc.xml.text
    before_keys = {k.location: doc.xml.slice(k.start, k.end) for k in doc.keys}
    source_keys = [doc.xml.slice(k.start, k.end) for k in doc.site_keys(source)]

    new = doc.clone_site(source, new_id=new_id)
    after_text = doc.xml.text

    if new_id is not None:
        assert new.id == new_id
    else:
        assert new.id not in generated.ids
    assert new.auto_start is False
    assert new.name == f"Site {source} (copy)"
    # Every key that existed is still there, byte for byte (source keys included).
    for location, text in before_keys.items():
        key = doc.key(location)
        assert key is not None
        assert doc.xml.slice(key.start, key.end) == text
    # The clone's keys are the source's with the path rewritten, and name no source path.
    clone_keys = [doc.xml.slice(k.start, k.end) for k in doc.site_keys(new)]
    assert len(clone_keys) == len(source_keys)
    for original, copied in zip(source_keys, clone_keys, strict=True):
        assert SERVER_STATE.sub("", copied) == SERVER_STATE.sub(
            "", rewritten(original, source, new.id)
        )
        assert not refers_to(copied, source)
    # Only insertions; the result is still well-formed; the returned site is what is read back.
    matcher = difflib.SequenceMatcher(
        None, before_text.split("\n"), after_text.split("\n"), autojunk=False
    )
    assert {op for op, *_ in matcher.get_opcodes()} <= {"equal", "insert"}
    etree.fromstring(doc.to_bytes())
    assert load(doc.to_bytes()).site(new.id) == new
    # Deleting the clone gives the input back.
    doc.delete_site(new)
    assert doc.to_bytes() == generated.data


@PROFILE
@given(metabases(), st.data())
def test_failed_operations_leave_the_document_unchanged(
    generated: Generated, data: st.DataObject
) -> None:
    doc = load(generated.data)
    source = data.draw(st.sampled_from(generated.ids))
    taken = data.draw(st.sampled_from(generated.ids))
    try:
        doc.clone_site(source, new_id=taken)
    except metaclone.SiteIdInUseError:
        pass
    else:
        raise AssertionError("an id in use was accepted")
    try:
        doc.set_bindings(source, ["http/:80:ok", "http/:bad:"])
    except metaclone.BindingError:
        pass
    else:
        raise AssertionError("a bad binding was accepted")
    assert doc.to_bytes() == generated.data
    assert not doc.modified


@PROFILE
@given(metabases(), st.data())
def test_key_index_matches_the_exact_scanner(generated: Generated, data: st.DataObject) -> None:
    text = generated.data.decode("utf-8-sig")
    # Opaque markup holding tags, at the top level and inside keys.
    noise = data.draw(
        st.lists(
            st.sampled_from(
                [
                    '<!-- <IIsWebServer Location="/LM/W3SVC/4"> </IIsWebServer> -->',
                    "<?note </IIsWebVirtualDir> ?>",
                    "<![CDATA[</IIsWebServer>]]>",
                ]
            ),
            max_size=3,
        )
    )
    for piece in noise:
        ends = [m.end() for m in re.finditer(r"\t>", text)]
        cut = data.draw(st.sampled_from(ends))
        text = text[:cut] + piece + text[cut:]
    doc = load(text.encode())
    mbproperty = find_mbproperty(doc.xml)
    exact = index_keys(doc.xml, mbproperty.content_start, mbproperty.content_end, exact=True)
    assert doc.keys == tuple(exact.key(position) for position in range(len(exact)))
    assert [s.id for s in doc.sites] == list(generated.ids)
