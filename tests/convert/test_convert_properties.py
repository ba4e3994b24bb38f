"""A property of metaclone.convert: every path of a converted site gets the IIS 6 settings."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

import metaclone
from metaclone.convert import site_to_applicationhost
from tests.convert.test_convert import LF, elements, inserted, target, tree

_FLAG_BITS = {
    "AuthFlags": {"AuthAnonymous": 1, "AuthBasic": 2, "AuthNTLM": 4, "AuthMD5": 16},
    "AccessSSLFlags": {
        "AccessSSL": 8,
        "AccessSSLNegotiateCert": 32,
        "AccessSSLRequireCert": 64,
        "AccessSSL128": 256,
    },
    "DirBrowseFlags": {"EnableDirBrowsing": 2**31, "EnableDefaultDoc": 2**30},
}
_DEFAULT_BITS = {"AuthFlags": 1, "AccessSSLFlags": 0, "DirBrowseFlags": 2**30 | 30}
_KEYS = ("/LM/W3SVC", "/LM/W3SVC/9/ROOT", "/LM/W3SVC/9/ROOT/dir")


def _flags(name: str) -> st.SearchStrategy[str | None]:
    names = list(_FLAG_BITS[name])
    return st.none() | st.lists(st.sampled_from(names), unique=True).map(
        lambda chosen: " | ".join(chosen) if chosen else "0"
    )


def _metabase(values: dict[tuple[str, str], str | None]) -> bytes:
    def props(location: str) -> str:
        return "".join(
            f'\t\t{name}="{value}"\n'
            for (where, name), value in sorted(values.items())
            if where == location and value is not None
        )

    return (
        '<?xml version ="1.0"?>\n<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">\n'
        "<MBProperty>\n"
        f'<IIsWebService\tLocation ="/LM/W3SVC"\n{props(_KEYS[0])}\t>\n</IIsWebService>\n'
        '<IIsWebServer\tLocation ="/LM/W3SVC/9"\n\t\tServerBindings=":8009:"\n'
        '\t\tServerComment="Generated"\n\t>\n</IIsWebServer>\n'
        '<IIsWebVirtualDir\tLocation ="/LM/W3SVC/9/ROOT"\n\t\tAppRoot="/LM/W3SVC/9/ROOT"\n'
        f'\t\tPath="D:\\gen"\n{props(_KEYS[1])}\t>\n</IIsWebVirtualDir>\n'
        f'<IIsWebDirectory\tLocation ="/LM/W3SVC/9/ROOT/dir"\n{props(_KEYS[2])}\t>\n'
        "</IIsWebDirectory>\n</MBProperty>\n</configuration>\n"
    ).encode()


def _iis6_bits(values: dict[tuple[str, str], str | None], name: str, upto: int) -> int:
    for location in reversed(_KEYS[: upto + 1]):
        text = values.get((location, name))
        if text is not None:
            return sum(_FLAG_BITS[name].get(flag.strip(), 0) for flag in text.split("|"))
    return _DEFAULT_BITS[name]


def _iis7_value(root: etree._Element, paths: list[str], element: str, attribute: str) -> str:
    schema = {"anonymousAuthentication": "true", "sslFlags": "None"}
    value = schema.get(element.rsplit("/", 1)[-1] if attribute == "enabled" else attribute, "false")
    scopes = [root] + [
        block for path in ["", *paths] for block in elements(root, "location[@path=$p]", p=path)
    ]
    for scope in scopes:
        found = scope.find(f"system.webServer/{element}")
        if found is not None and found.get(attribute) is not None:
            value = str(found.get(attribute))
    return value


@given(
    values=st.fixed_dictionaries(
        {(where, name): _flags(name) for where in _KEYS for name in _FLAG_BITS}
    )
)
def test_each_path_gets_the_iis6_settings(values: dict[tuple[str, str], str | None]) -> None:
    source = metaclone.loads(_metabase(values), name="generated.xml")
    doc = target()
    site_to_applicationhost(source, "Generated", doc)
    inserted(LF.read_bytes(), doc.to_bytes())
    root = tree(doc.to_bytes())
    for depth, paths in ((1, ["Generated"]), (2, ["Generated", "Generated/dir"])):
        auth = _iis6_bits(values, "AuthFlags", depth)
        for flag, element in (
            ("AuthAnonymous", "anonymousAuthentication"),
            ("AuthBasic", "basicAuthentication"),
            ("AuthNTLM", "windowsAuthentication"),
            ("AuthMD5", "digestAuthentication"),
        ):
            wanted = "true" if auth & _FLAG_BITS["AuthFlags"][flag] else "false"
            found = _iis7_value(root, paths, f"security/authentication/{element}", "enabled")
            assert found == wanted, (paths, element)
        ssl = _iis6_bits(values, "AccessSSLFlags", depth)
        found_ssl = _iis7_value(root, paths, "security/access", "sslFlags")
        names = {n.strip() for n in found_ssl.split(",")} - {"None"}
        wanted_names = {
            iis7
            for iis6, iis7 in (
                ("AccessSSL", "Ssl"),
                ("AccessSSLNegotiateCert", "SslNegotiateCert"),
                ("AccessSSLRequireCert", "SslRequireCert"),
                ("AccessSSL128", "Ssl128"),
            )
            if ssl & _FLAG_BITS["AccessSSLFlags"][iis6]
        }
        assert names == wanted_names, paths
        browse = _iis6_bits(values, "DirBrowseFlags", depth)
        found_browse = _iis7_value(root, paths, "directoryBrowse", "enabled")
        assert found_browse == ("true" if browse & 2**31 else "false")
        found_default = _iis7_value(root, paths, "defaultDocument", "enabled")
        assert found_default in ("true", "false")
        assert (found_default == "true") == bool(browse & 2**30)
