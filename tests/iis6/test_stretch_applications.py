"""``sites --applications`` (and with ``--json``) of an IIS 6 metabase read from each site's
stretch of the text (:mod:`metaclone.iis6.listed_applications`) against the exact reader (the
applications of the Site values, key by key or through the key index), on generated files
(Hypothesis).

The files hold trees below each site's ``ROOT`` as IIS writes them and otherwise: applications
nested in applications, virtual directories that are none, ``IIsWebDirectory`` applications,
pools set at any level, Path absent, empty or with a trailing slash, ``ROOT`` in any case,
paths with doubled or trailing slashes or written with character references, keys repeated,
either quote, LF or CRLF, any attribute order, decoy properties in other values, comments and
CDATA between and inside the keys.  Some files move a key below a ``ROOT`` out of its site's
stretch or repeat a server key's path, which the stretches cannot read: those are read through
the key index, and every other file from the stretches.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path
from typing import NamedTuple
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from metaclone.cli import main
from metaclone.iis6.applications import ScannedApplications
from metaclone.iis6.metabase import MetabaseDocument
from tests.iis6.server_keys import GAPS
from tests.iis6.test_every_application import _reading_every_site

_SEGMENTS = ["app", "App", "vdir", "img", "", "d&#xE9;j&#xE0;"]
_KEY_TYPES = ["IIsWebVirtualDir", "IIsWebDirectory", "IIsFtpVirtualDir", "IIsConfigObject"]
_APP_ROOTS = ["", " ", "/LM/W3SVC/1/ROOT", "x", "&#32;", "\t"]
_POOLS = ["", "P1", " ", "P&amp;2", "a\tb", "Shared"]
_PATHS = ["", "D:\\s", "D:\\s\\", "E:/x/", "C:\\a&#x9;b", "\\\\server\\share"]
_ROOTS = ["ROOT", "root", "Root", "&#82;OOT"]
_CONTENT = ["", '<!-- AppPoolId="commented" -->', '<Custom Name="Path" Path="custom"/>']
_OTHERS = [
    '<IIsApplicationPool Location="/LM/W3SVC/AppPools/P1" AppPoolId="no"/>',
    '<IIsWebInfo Location="/LM/W3SVC/Info" Path="C:\\info"/>',
    '<IIsConfigObject Location="/LM/W3SVC/1ROOT/app" AppRoot="x"/>',
]


class _Generated(NamedTuple):
    data: bytes
    stretches: bool  # whether every site's keys lie in its stretch


def _attributes(draw: st.DrawFn, names: list[tuple[str, list[str]]], nl: str) -> str:
    quote = draw(st.sampled_from(['"', "'"]))
    attributes = [
        f"{name}{draw(st.sampled_from(['=', ' = ']))}{quote}{draw(st.sampled_from(values))}{quote}"
        for name, values in names
        if draw(st.booleans())
    ]
    if draw(st.booleans()):
        attributes.append('Description=\'AppPoolId="decoy" Path="decoy"\'')
    separator = draw(st.sampled_from([" ", f"{nl}\t\t"]))
    return "".join(separator + a for a in draw(st.permutations(attributes)))


def _key(draw: st.DrawFn, key_type: str, location: str, attributes: str, nl: str) -> str:
    content = draw(st.sampled_from(_CONTENT))
    if not content and draw(st.booleans()):
        return f'<{key_type}\tLocation ="{location}"{attributes}{nl}\t/>'
    return f'<{key_type}\tLocation ="{location}"{attributes}{nl}\t>{nl}{content}</{key_type}>'


@st.composite
def _site_keys(draw: st.DrawFn, service: str, site: str, nl: str) -> list[str]:
    server_type = "IIsWebServer" if service == "W3SVC" else "IIsFtpServer"
    prefix = f"/LM/{service}/{site}"
    properties = [("AppPoolId", _POOLS), ("ServerComment", ["s", "a &amp; b"])]
    keys = [_key(draw, server_type, prefix, _attributes(draw, properties, nl), nl)]
    if draw(st.booleans()):
        keys.append(_key(draw, "IIsFilters", f"{prefix}/Filters", "", nl))
    below = draw(st.lists(st.lists(st.sampled_from(_SEGMENTS), max_size=3), min_size=1, max_size=6))
    for segments in below:
        root = draw(st.sampled_from(_ROOTS))
        tail = "".join("/" + s for s in segments)
        if draw(st.integers(0, 9)) == 0:
            tail += "/"
        key_type = "IIsWebVirtualDir" if not segments else draw(st.sampled_from(_KEY_TYPES))
        if service == "MSFTPSVC" and key_type == "IIsWebVirtualDir":
            key_type = "IIsFtpVirtualDir"
        names = [("AppRoot", _APP_ROOTS), ("AppPoolId", _POOLS), ("Path", _PATHS)]
        slash = draw(st.sampled_from(["/", "/", "&#x2F;"]))
        location = f"{prefix}/{root}{tail}".replace("/", slash)
        keys.append(_key(draw, key_type, location, _attributes(draw, names, nl), nl))
    return keys


@st.composite
def _generated(draw: st.DrawFn) -> _Generated:
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    pool = draw(st.sampled_from(["", ' AppPoolId="Inherited"', ' AppPoolId=" "']))
    keys = [f'<IIsWebService\tLocation ="/LM/W3SVC"{pool}{nl}\t>{nl}</IIsWebService>']
    sites: list[list[str]] = []
    for site in draw(st.lists(st.integers(1, 6), min_size=1, max_size=5, unique=True)):
        service = draw(st.sampled_from(["W3SVC", "W3SVC", "MSFTPSVC"]))
        written = draw(st.sampled_from([str(site), f"0{site}"]))
        sites.append(draw(_site_keys(service, written, nl)))
    stretches = True
    if len(sites) > 1 and draw(st.integers(0, 4)) == 0:
        # A key below a ROOT moved to another site's stretch, or a server key's path twice.
        sites[-1].append(sites[0].pop() if draw(st.booleans()) else sites[0][0])
        stretches = False
    for own in sites:
        keys.append(draw(st.sampled_from([*GAPS, *_OTHERS])))
        keys.extend(own)
    body = nl.join(keys)
    data = (
        f'<?xml version ="1.0"?>{nl}<configuration>'
        f"{nl}<MBProperty>{nl}{body}{nl}</MBProperty>{nl}</configuration>{nl}"
    )
    return _Generated(data.encode(), stretches)


def _listing(path: Path, *arguments: str, from_sites: bool) -> tuple[int, str, str]:
    """The exit status, stdout and stderr of ``sites --applications``; ``from_sites``: as
    listed from the Site values."""
    out, err = io.StringIO(), io.StringIO()
    listing = "listed_json" if "--json" in arguments else "listed_sites_and_applications"
    with (
        mock.patch.object(MetabaseDocument, listing, return_value=None)
        if from_sites
        else contextlib.nullcontext()
    ):
        code = main(["sites", "--applications", str(path), *arguments], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=300, deadline=None)
@given(_generated(), st.booleans(), st.sampled_from([(), ("--json",)]))
def test_the_applications_from_the_stretches_are_the_exact_readers(
    generated: _Generated, every: bool, arguments: tuple[str, ...]
) -> None:
    with tempfile.TemporaryDirectory() as folder, _reading_every_site(every):
        path = Path(folder) / "MetaBase.xml"
        path.write_bytes(generated.data)
        expected = _listing(path, *arguments, from_sites=True)
        if generated.stretches:
            with mock.patch.object(
                ScannedApplications, "of", side_effect=AssertionError("read through the index")
            ):
                assert _listing(path, *arguments, from_sites=False) == expected
        else:
            with mock.patch.object(
                ScannedApplications, "of", autospec=True, side_effect=ScannedApplications.of
            ) as through_index:
                assert _listing(path, *arguments, from_sites=False) == expected
            through_index.assert_called_once()
