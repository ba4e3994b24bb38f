"""``check`` of generated metabases against the key-by-key reading it replaced (Hypothesis).

The check finds AppRoot, the COM+ properties and AppPoolId with one search of the text; the
reference here reads every key below every site through the document's key API, property by
property, as the check once did.  Values in either quote, decoys inside other values and
inside a key's content, site paths that only share a prefix and FTP sites must give the same
findings in the same order, for the fast and the exact reader.
"""

from __future__ import annotations

import re
from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone.iis6.indexing import find_mbproperty, index_keys
from metaclone.iis6.metabase import MetabaseDocument, MetabaseKey
from metaclone.lossless import Attribute
from metaclone.model import rules
from metaclone.model.sites import Site

_POOLS = "/LM/W3SVC/AppPools"
_PACKAGES = ["{AAAA-1}", "{aaaa-1}", "{BBBB-2}", " "]
_POOL_NAMES = ["Shared", "shared ", "Missing", "", "Shared/Missing"]


def _attribute(draw: st.DrawFn, name: str, value: str) -> str:
    if "'" in value:
        return f'{name}="{value}"'
    if '"' in value:
        return f"{name}='{value}'"
    quote = draw(st.sampled_from(['"', "'"]))
    return f"{name}={quote}{value}{quote}"


def _decoy(draw: st.DrawFn, site: int) -> str:
    """An attribute whose value reads like one of the properties the check looks for."""
    inner = draw(
        st.sampled_from(
            [
                f'AppRoot="/LM/W3SVC/{site + 1}/ROOT"',
                "AppPackageID='{AAAA-1}'",
                'AppWamClsid="{BBBB-2}"',
                "AppPoolId='Missing'",
                "AppRoot=",
                "AppPoolId =",
            ]
        )
    )
    return _attribute(draw, "Description", f" {inner} ")


def _pool_keys(draw: st.DrawFn) -> list[str]:
    """None, or the pools key with the pool "Shared" and keys that are no pool."""
    if not draw(st.booleans()):
        return []
    keys = [f'<IIsApplicationPools Location="{_POOLS}">\n</IIsApplicationPools>']
    space = draw(st.sampled_from([" ", "\t", "\n\t\t"]))
    keys.append(f'<IIsApplicationPool{space}Location="{_POOLS}/Shared"/>')
    # Below a pool, or of another type: no pool.
    others = [
        f'<IIsApplicationPool Location="{_POOLS}/Shared/Missing"/>',
        f'<IIsConfigObject Location="{_POOLS}/Missing"/>',
        f'<IIsApplicationPool Location="{_POOLS}x/Missing"/>',
    ]
    if draw(st.booleans()):
        # Of a type whose name only starts with a pool's.
        keys.append(f'<IIsApplicationPoolX Location="{_POOLS}/Missing"/>')
    return keys + draw(st.lists(st.sampled_from(others), max_size=2))


@st.composite
def metabases(draw: st.DrawFn) -> bytes:
    ids = draw(st.lists(st.sampled_from([1, 2, 12, 21, 120]), min_size=1, max_size=4, unique=True))
    pool = draw(st.sampled_from(["DefaultAppPool", "Missing"]))
    keys = [f'<IIsWebService Location="/LM/W3SVC" AppPoolId="{pool}">\n</IIsWebService>']
    keys += _pool_keys(draw)
    for site in ids:
        service, server = draw(
            st.sampled_from([("W3SVC", "IIsWebServer"), ("MSFTPSVC", "IIsFtpServer")])
        )
        prefix = draw(st.sampled_from([f"/LM/{service}/{site}", f"/lm/{service.lower()}/{site}"]))
        keys.append(f'<{server} Location="{prefix}" ServerComment="s{site}">\n</{server}>')
        for below in draw(st.lists(st.sampled_from(["/ROOT", "/ROOT/app", "x/ROOT"]), max_size=3)):
            attributes = [f'Location="{prefix}{below}"']
            if draw(st.booleans()):
                attributes.append(_decoy(draw, site))
            own = prefix + below
            target = draw(
                st.sampled_from(
                    [
                        prefix + "/ROOT",
                        f"/LM/W3SVC/{site}0/ROOT",
                        " ",
                        # The key's own path as IIS writes it, and written other ways.
                        own,
                        f" {own.upper()}/ ",
                        own.replace("/", "&#47;", 2),
                        own + "/app",
                    ]
                )
            )
            for name, values in (
                ("AppRoot", [target]),
                ("AppPackageID", _PACKAGES),
                ("AppWamClsid", _PACKAGES),
                ("AppPoolId", _POOL_NAMES),
            ):
                if draw(st.booleans()):
                    attributes.append(_attribute(draw, name, draw(st.sampled_from(values))))
            content = ""
            if draw(st.booleans()):
                content = f'<Custom Name="x" AppRoot="/LM/W3SVC/9/ROOT" Value="{prefix}"/>\n'
            keys.append(f"<IIsWebVirtualDir {' '.join(attributes)}>\n{content}</IIsWebVirtualDir>")
        if draw(st.booleans()):
            # Markup between keys that holds what a key would.
            keys.append(f'<!-- <IIsWebVirtualDir Location="{prefix}/ROOT" AppRoot="/LM/x"/> -->')
    body = "\n".join(keys)
    if draw(st.booleans()):
        body = body.replace("\n", "\r\n")
    return (
        '<?xml version ="1.0"?>\n<configuration>\n<MBProperty>\n'
        f"{body}\n</MBProperty>\n</configuration>\n"
    ).encode()


def _load(data: bytes, *, exact: bool) -> MetabaseDocument:
    doc = metaclone.loads(data, "generated.xml", exact=exact)
    assert isinstance(doc, MetabaseDocument)
    return doc


def _own(doc: MetabaseDocument, key: MetabaseKey, name: str) -> Attribute | None:
    """Property ``name`` of ``key`` when it is set (not blank)."""
    found = doc.properties(key).get(name)
    return found if found is not None and found.value.strip() else None


def _undefined_pools(doc: MetabaseDocument) -> list[tuple[str, int | None, int | None]]:
    """(message, site id, line) of every key whose own AppPoolId names no pool."""
    if doc.key(_POOLS) is None:
        return []
    pools = {
        rules.name_key(key.location[len(_POOLS) + 1 :])
        for key in doc.keys_under(_POOLS)
        if key.key_type == "IIsApplicationPool" and "/" not in key.location[len(_POOLS) + 1 :]
    }
    found: list[tuple[str, int | None, int | None]] = []
    for key in doc.keys:
        pool = _own(doc, key, "AppPoolId")
        if pool is None or rules.name_key(pool.value.strip()) in pools:
            continue
        site = re.match(r"/LM/W3SVC/([0-9]+)(?:/|$)", key.location, re.IGNORECASE)
        found.append(
            (
                f"{key.location}: AppPoolId {pool.value.strip()!r} names no application pool "
                f"(no key under {_POOLS}): IIS answers the requests of its applications with 503",
                int(site.group(1)) if site else None,
                doc.xml.line_of(pool.value_start),
            )
        )
    return found


def _approots(doc: MetabaseDocument) -> list[tuple[str, int | None, int | None]]:
    """(message, site id, line) of every AppRoot outside its site, site by site."""
    found: list[tuple[str, int | None, int | None]] = []
    for site in doc.sites:
        location = doc.site_keys(site)[0].location
        for key in doc.keys_under(location):
            app_root = _own(doc, key, "AppRoot")
            if app_root is None:
                continue
            folded = app_root.value.strip().lower().rstrip("/")
            own = location.lower()
            if folded != own and not folded.startswith(own + "/"):
                found.append(
                    (
                        f"{key.location}: AppRoot {app_root.value!r} is outside site {site.id} "
                        f"({location})",
                        site.id,
                        doc.xml.line_of(app_root.name_start),
                    )
                )
    return found


def _shared_packages(doc: MetabaseDocument) -> list[tuple[str, int | None, int | None]]:
    """(start of the message, site id, line) of every key whose COM+ application a key of
    another site uses too."""
    owners: dict[tuple[str, str], list[tuple[Site, MetabaseKey]]] = defaultdict(list)
    for site in doc.sites:
        for key in doc.keys_under(doc.site_keys(site)[0].location):
            for prop in ("AppPackageID", "AppWamClsid"):
                value = _own(doc, key, prop)
                if value is not None:
                    owners[(prop, value.value.strip().lower())].append((site, key))
    return [
        (f"{key.location}: {prop} is also used by site(s) ", site.id, key.line)
        for (prop, _), users in owners.items()
        if len({(s.kind, s.id) for s, _ in users}) > 1
        for site, key in users
    ]


def _found(doc: MetabaseDocument, code: str) -> list[tuple[str, int | None, int | None]]:
    return [(f.message, f.site_id, f.line) for f in doc.check() if f.code == code]


@given(metabases(), st.booleans())
def test_check_finds_what_reading_key_by_key_finds(data: bytes, exact: bool) -> None:
    doc = _load(data, exact=exact)
    assert _found(doc, "undefined-pool") == _undefined_pools(doc)
    assert _found(doc, "approot-outside-site") == _approots(doc)
    shared = [
        (message[: message.index(" site(s) ") + len(" site(s) ")], site_id, line)
        for message, site_id, line in _found(doc, "shared-com-package")
    ]
    assert shared == _shared_packages(doc)


@given(metabases(), st.booleans())
def test_key_table_properties_are_the_tokenizers(data: bytes, exact: bool) -> None:
    doc = _load(data, exact=exact)
    mbproperty = find_mbproperty(doc.xml)
    table = index_keys(doc.xml, mbproperty.content_start, mbproperty.content_end, exact=exact)
    for names in (("AppRoot",), ("AppRoot", "AppPoolId", "Path"), ("Description", "Location")):
        for position, key in enumerate(doc.keys):
            everything = {a.name: a for a in doc.xml.attributes(key.start_tag)}
            expected = {name: everything[name] for name in names if name in everything}
            assert table.properties(position, names) == expected
