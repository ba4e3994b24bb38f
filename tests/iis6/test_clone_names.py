"""The name of an IIS 6 copy is the first "(copy)" name no site of its kind has: the names of
every site are read only when some ServerComment of the file may have the name looked at, and
the answer is that of reading them all."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.errors import MetacloneError
from metaclone.model.rules import copy_name, name_key
from metaclone.model.sites import Site

_NAMES = [
    "Shop",
    "Shop (copy)",
    "SHOP (Copy 2)",
    "shop (copy 3)",
    "",
    "Site 7 (copy)",
    "caf&#xE9;",
    "CAF\u00c9 (copy)",
    "a&amp;b",
    "A&amp;B (COPY)",
]
_GAPS = [
    "",
    "<!-- <IIsWebServer Location='/LM/W3SVC/90' ServerComment='Shop (copy 4)' /> -->",
    '<IIsWebVirtualDir Location="/LM/W3SVC/91/ROOT" ServerComment="Shop (copy 5)" />',
]


@st.composite
def _metabases(draw: st.DrawFn) -> bytes:
    keys = ['<IIsWebService Location="/LM/W3SVC">\r\n</IIsWebService>']
    for site_id in draw(st.lists(st.integers(1, 9), min_size=1, max_size=5, unique=True)):
        key_type, service = draw(
            st.sampled_from([("IIsWebServer", "W3SVC"), ("IIsFtpServer", "MSFTPSVC")])
        )
        name = draw(st.none() | st.sampled_from(_NAMES))
        comment = "" if name is None else f'\r\n\t\tServerComment="{name}"'
        keys.append(draw(st.sampled_from(_GAPS)))
        keys.append(
            f'<{key_type}\tLocation ="/LM/{service}/{site_id}"{comment}\r\n\t>\r\n</{key_type}>'
        )
    body = "\r\n".join(keys)
    return (
        '<?xml version ="1.0"?>\r\n<configuration>\r\n<MBProperty>\r\n'
        f"{body}\r\n</MBProperty>\r\n</configuration>\r\n"
    ).encode()


def _expected_name(data: bytes, source: Site) -> str:
    """The name of a copy of ``source``, every site of the file ``data`` read."""
    sites = metaclone.loads(data, "MetaBase.xml").sites
    taken = {name_key(site.name) for site in sites if site.kind is source.kind}
    return copy_name(source.name or f"Site {source.id}", lambda name: name_key(name) in taken)


@settings(max_examples=200, deadline=None)
@given(data=_metabases(), which=st.integers(0, 4))
def test_a_copy_is_named_as_reading_every_name_tells(data: bytes, which: int) -> None:
    doc = metaclone.loads(data, "MetaBase.xml")
    # Two copies: the second is named from the names an edit brought through.
    for _ in range(2):
        sites = doc.sites
        source = sites[which % len(sites)]
        expected = _expected_name(doc.to_bytes(), source)
        try:
            new = doc.clone_site(source)
        except MetacloneError:
            return
        assert new.name == expected


def test_a_name_only_a_key_that_is_no_site_has_is_free() -> None:
    data = (
        b'<?xml version ="1.0"?>\r\n<configuration>\r\n<MBProperty>\r\n'
        b'<IIsWebServer Location="/LM/W3SVC/1" ServerComment="Shop"\r\n\t>\r\n</IIsWebServer>'
        b'\r\n<IIsWebVirtualDir Location="/LM/W3SVC/1/ROOT" ServerComment="Shop (copy)" />'
        b'\r\n<IIsFtpServer Location="/LM/MSFTPSVC/1" ServerComment="SHOP (COPY 2)"\r\n\t>'
        b'\r\n</IIsFtpServer>\r\n<IIsWebServer Location="/LM/W3SVC/2" ServerComment="shop (copy)"'
        b"\r\n\t>\r\n</IIsWebServer>\r\n</MBProperty>\r\n</configuration>\r\n"
    )
    doc = metaclone.loads(data, "MetaBase.xml")
    assert doc.clone_site(doc.sites[0]).name == "Shop (copy 2)"
    assert doc.clone_site(doc.sites[0]).name == "Shop (copy 3)"
