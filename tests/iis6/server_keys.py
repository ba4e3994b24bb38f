"""Hypothesis strategies for IIS 6 server keys written every way a metabase may write them:
either quote, LF or CRLF, properties in any order, multi-line values broken by a line end, a
tab-indented line end or a character reference, and comments or CDATA between the keys that
look like keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from hypothesis import strategies as st

#: What may stand between two keys: nothing, or markup that looks like a key and is none.
GAPS = [
    "",
    "<!-- <IIsWebServer Location ='/LM/W3SVC/77' ServerComment='decoy' /> -->",
    "<![CDATA[<IIsWebServer Location='/LM/W3SVC/78'>]]>",
]


#: Values of each kind written every way the listing pass must read as the exact reader does:
#: references, tabs, padding, other spellings of TRUE and FALSE.
FLAGS = ["TRUE", "FALSE", "true", " FALSE", "0", "1", "&#84;RUE", "maybe"]
BINDINGS = [
    ":80:",
    "10.0.0.1:80:shop.example.com",
    " :8080:x ",
    "\t:81:tab",
    ":84:inner\ttab",
    ":82:a&amp;b",
    ":83:&#x9;ref",
    "",
    ":443:",
]
HASHES = ["ab" * 20, "AB " * 20, "", "  ", "&#x61;b" + "cd" * 19]
STORES = ["MY", "", "WebHosting", "My&amp;Store"]


class ServerKeyValues(NamedTuple):
    """The raw values a server key's properties are drawn from."""

    comments: Sequence[str]
    flags: Sequence[str]
    bindings: Sequence[str]
    hashes: Sequence[str]
    stores: Sequence[str]


@st.composite
def server_keys(draw: st.DrawFn, site_id: int, values: ServerKeyValues) -> str:
    """A web or FTP server key of ``site_id`` with some of the properties a site is read from."""
    key_type, service = draw(
        st.sampled_from([("IIsWebServer", "W3SVC"), ("IIsFtpServer", "MSFTPSVC")])
    )
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    quote = draw(st.sampled_from(['"', "'"]))
    properties: list[tuple[str, str]] = []
    for name, choices in (
        ("ServerComment", values.comments),
        ("ServerAutoStart", values.flags),
        ("SSLCertHash", values.hashes),
        ("SSLStoreName", values.stores),
    ):
        if draw(st.booleans()):
            properties.append((name, draw(st.sampled_from(choices))))
    for name in ("ServerBindings", "SecureBindings"):
        if draw(st.booleans()):
            entries = draw(st.lists(st.sampled_from(values.bindings), min_size=1, max_size=3))
            line_end = draw(st.sampled_from([nl + "\t\t\t", "&#xA;", "\n"]))
            properties.append((name, line_end.join(entries)))
    properties = draw(st.permutations(properties))
    # A value holding the quote it is written in would end the attribute.
    written = "".join(
        f"{nl}\t\t{name}={quote}{value.replace(quote, '&apos;')}{quote}"
        for name, value in properties
    )
    location = f"Location ={quote}/LM/{service}/{site_id}{quote}"
    return f"<{key_type}\t{location}{written}{nl}\t>{nl}</{key_type}>"


@st.composite
def metabases(draw: st.DrawFn, values: ServerKeyValues, services: Sequence[str]) -> bytes:
    """A metabase (CRLF) of a few server keys written with ``values``, ids repeating at times
    (a broken file lists both sites), below an ``IIsWebService`` key holding one of
    ``services`` (properties the sites inherit, each line ending in CRLF)."""
    service = draw(st.sampled_from(services))
    keys = [f'<IIsWebService\tLocation ="/LM/W3SVC"\r\n{service}\t>\r\n</IIsWebService>']
    for site_id in draw(st.lists(st.integers(1, 99), min_size=1, max_size=4)):
        keys.append(draw(st.sampled_from(GAPS)))
        keys.append(draw(server_keys(site_id, values)))
    body = "\r\n".join(keys)
    return (
        '<?xml version ="1.0"?>\r\n<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">'
        f"\r\n<MBProperty>\r\n{body}\r\n</MBProperty>\r\n</configuration>\r\n"
    ).encode()


#: A web site with an https binding and its service's certificate, an FTP site of the same id
#: that does not start, and a web site with an empty certificate hash (CRLF).
THREE_SITES = (
    b'<?xml version ="1.0"?>\r\n<configuration>\r\n<MBProperty>\r\n'
    b'<IIsWebService\tLocation ="/LM/W3SVC"\r\n\t\tSSLCertHash="' + b"cd" * 20 + b'"\r\n\t>\r\n'
    b"</IIsWebService>\r\n"
    b'<IIsWebServer\tLocation ="/LM/W3SVC/7"\r\n\t\tServerComment="Shop"\r\n'
    b'\t\tServerBindings=":80:shop"\r\n\t\tSecureBindings=":443:"\r\n\t>\r\n</IIsWebServer>\r\n'
    b'<IIsFtpServer\tLocation ="/LM/MSFTPSVC/7"\r\n\t\tServerAutoStart="FALSE"\r\n'
    b'\t\tServerBindings=":21:"\r\n\t>\r\n</IIsFtpServer>\r\n'
    b'<IIsWebServer\tLocation ="/LM/W3SVC/8"\r\n\t\tSSLCertHash=""\r\n\t\tSecureBindings=":443:"'
    b"\r\n\t>\r\n</IIsWebServer>\r\n</MBProperty>\r\n</configuration>\r\n"
)
