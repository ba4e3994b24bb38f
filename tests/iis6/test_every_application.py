"""The applications of every site read at once (``EveryApplication``: one search of the paths,
the values a chunk at a time, each server key found by its line) against those read site by
site, key by key, on oddly written metabases (Hypothesis).

The files are those of :func:`tests.iis6.test_key_values.metabase_keys` (quotes, attribute
orders, CRLF, character references, comments, CDATA and ``<Custom>`` children in a key's
content, decoy properties inside other values), with FTP sites beside the web sites, some
keys moved out of order, and sometimes every key on one line.  Both key indexes (the fast
pass and the exact scanner) are read, the sites asked for in file order, backwards and
shuffled.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.cli import main
from metaclone.iis6.keys import KeyTable
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.model.sites import Application
from tests.iis6.test_key_values import MetabaseKeys, metabase_keys

_EXAMPLES = 40


@contextmanager
def _reading_every_site(every: bool) -> Iterator[None]:
    """As if many sites were asked for already (``every``), or none."""
    with mock.patch.object(KeyTable, "many_lookups", return_value=every):
        yield


@st.composite
def _ftp_keys(draw: st.DrawFn, newline: str) -> list[str]:
    keys: list[str] = []
    for site in draw(st.lists(st.integers(1, 3), max_size=2, unique=True)):
        prefix = f"/LM/MSFTPSVC/{site}"
        keys.append(f'<IIsFtpServer Location="{prefix}" ServerComment="ftp {site}"/>')
        for below, key_type in draw(
            st.lists(
                st.sampled_from(
                    [
                        ("/ROOT", "IIsFtpVirtualDir"),
                        ("/Root/pub", "IIsFtpVirtualDir"),
                        ("/ROOT/pub/in", "IIsFtpVirtualDir"),
                    ]
                ),
                max_size=3,
                unique=True,
            )
        ):
            path = draw(st.sampled_from(['Path="E:\\Ftp"', "Path='E:\\Ftp&amp;x\\'", ""]))
            keys.append(f'<{key_type}\tLocation="{prefix}{below}"{newline}\t\t{path}/>')
    return keys


@st.composite
def _files(draw: st.DrawFn) -> bytes:
    drawn = draw(metabase_keys())
    keys = drawn.keys + draw(_ftp_keys(drawn.newline))
    for _ in range(draw(st.integers(0, 3))):
        # A key moved elsewhere: before its site's key, or after other sites' keys.
        moved = keys.pop(draw(st.integers(0, len(keys) - 1)))
        keys.insert(draw(st.integers(0, len(keys))), moved)
    separator = draw(st.sampled_from([None, ""]))
    return drawn._replace(keys=keys).data(separator)


def _load(data: bytes, *, exact: bool) -> MetabaseDocument:
    doc = metaclone.loads(data, "generated.xml", exact=exact)
    assert isinstance(doc, MetabaseDocument)
    return doc


def _site_by_site(data: bytes, *, exact: bool) -> list[tuple[Application, ...]]:
    """The applications of each site, each read from a document of its own, key by key."""
    found = []
    with _reading_every_site(False):
        for at in range(len(_load(data, exact=exact).sites)):
            doc = _load(data, exact=exact)
            found.append(doc.applications(doc.sites[at]))
    return found


@settings(max_examples=_EXAMPLES)
@given(_files(), st.booleans(), st.randoms(use_true_random=False))
def test_every_application_is_read_as_site_by_site(
    data: bytes, exact: bool, rng: random.Random
) -> None:
    expected = _site_by_site(data, exact=exact)
    with _reading_every_site(True):
        doc = _load(data, exact=exact)
        assert [doc.applications(site) for site in doc.sites] == expected
        # Backwards: past the keys the reader has left.
        assert [doc.applications(site) for site in reversed(doc.sites)] == expected[::-1]
        doc = _load(data, exact=exact)
        order = list(range(len(doc.sites)))
        rng.shuffle(order)
        assert [doc.applications(doc.sites[at]) for at in order] == [expected[at] for at in order]


def test_sites_sharing_an_id_and_a_line_each_get_their_own_applications() -> None:
    keys = [
        '<IIsWebService Location="/LM/W3SVC" AppPoolId="Pool"></IIsWebService>',
        '<IIsWebServer Location="/LM/W3SVC/1"></IIsWebServer>',
        '<IIsWebVirtualDir Location="/LM/W3SVC/1/ROOT" AppRoot="/LM/W3SVC/1/ROOT" Path="C:\\w"/>',
        '<IIsFtpServer Location="/LM/MSFTPSVC/1"/>',
        '<IIsFtpVirtualDir Location="/LM/MSFTPSVC/1/ROOT" Path="E:\\ftp"/>',
    ]
    data = MetabaseKeys(keys, "\n").data("")
    expected = _site_by_site(data, exact=False)
    assert [a.virtual_directories[0].physical_path for (a,) in expected] == ["C:\\w", "E:\\ftp"]
    with _reading_every_site(True):
        doc = _load(data, exact=False)
        assert [doc.applications(site) for site in doc.sites] == expected


def test_the_listing_of_every_site_has_the_applications_read_site_by_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """More sites than the first few read key by key, with a key of a later site written
    after the last one and an FTP site among them, through the command line."""
    keys = ['<IIsWebService Location="/LM/W3SVC" AppPoolId="Pool"></IIsWebService>']
    for site in range(1, 13):
        root = f"/LM/W3SVC/{site}/ROOT"
        keys += [
            f'<IIsWebServer Location="/LM/W3SVC/{site}" AppPoolId="P{site}"/>',
            f'<IIsWebVirtualDir Location="{root}" AppRoot="{root}" Path="D:\\s{site}"/>',
            f'<IIsWebDirectory Location="{root}/aspnet_client" AccessFlags="AccessRead"/>',
        ]
    keys.append('<IIsWebVirtualDir Location="/LM/W3SVC/10/ROOT/late" AppRoot="x" AppPoolId=""/>')
    keys[10:10] = [
        '<IIsFtpServer Location="/LM/MSFTPSVC/3"/>',
        '<IIsFtpVirtualDir Location="/LM/MSFTPSVC/3/ROOT" Path="E:\\ftp"/>',
    ]
    data = MetabaseKeys(keys, "\r\n").data()
    path = tmp_path / "MetaBase.xml"
    path.write_bytes(data)
    expected = [[a.to_json() for a in apps] for apps in _site_by_site(data, exact=False)]
    assert main(["sites", "--applications", "--json", str(path)]) == 0
    listed = json.loads(capsys.readouterr().out)["sites"]
    assert [site["applications"] for site in listed] == expected
    tenth = next(site["applications"] for site in listed if site["id"] == 10)
    assert [application["path"] for application in tenth] == ["/", "/late"]
