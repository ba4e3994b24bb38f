"""``sites --applications`` of an IIS 6 metabase, listed from the one pass over the server keys
(``listed_sites_and_applications``: no Site value built), against the listing from
:attr:`~metaclone.iis6.metabase.MetabaseDocument.sites` (Hypothesis).

The files are those of the applications reader's properties (oddly written keys, FTP sites,
keys out of order, every key on one line) and of the listing's (oddly written site values,
ids repeated, values that cannot be read): the output, the errors and the exit status must be
the same, read key by key or every site at once.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.cli import EXIT_OK, EXIT_REFUSED, main
from metaclone.iis6.keys import KeyTable
from metaclone.iis6.metabase import MetabaseDocument
from tests.iis6.server_keys import THREE_SITES, metabases
from tests.iis6.test_every_application import _files, _reading_every_site
from tests.iis6.test_key_values import MetabaseKeys
from tests.iis6.test_listing_values import _SERVICES, _VALUES

_Listing = tuple[int, str, str]


@contextlib.contextmanager
def _written(data: bytes) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "MetaBase.xml"
        path.write_bytes(data)
        yield path


def _listing(path: Path, *arguments: str, from_sites: bool) -> _Listing:
    """The exit status, stdout and stderr of ``sites --applications``; ``from_sites``: as
    listed from the Site values."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.object(MetabaseDocument, "listed_sites_and_applications", return_value=None)
        if from_sites
        else contextlib.nullcontext()
    ):
        code = main(["sites", "--applications", str(path), *arguments], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=80, deadline=None)
@given(st.one_of(_files(), metabases(_VALUES, _SERVICES)), st.booleans())
def test_the_listing_from_the_scan_is_that_from_the_sites(data: bytes, every: bool) -> None:
    with _written(data) as path, _reading_every_site(every):
        assert _listing(path, from_sites=False) == _listing(path, from_sites=True)


def _keys(*, late_flag: str = "TRUE") -> bytes:
    keys = ['<IIsWebService Location="/LM/W3SVC" AppPoolId="Pool"></IIsWebService>']
    for site in range(1, 13):
        root = f"/LM/W3SVC/{site}/ROOT"
        flag = late_flag if site == 12 else "FALSE"
        keys += [
            f'<IIsWebServer Location="/LM/W3SVC/{site}" ServerAutoStart="{flag}"'
            f' ServerBindings=":80:s{site}"/>',
            f'<IIsWebVirtualDir Location="{root}" AppRoot="{root}" Path="D:\\s{site}"/>',
            f'<IIsWebVirtualDir Location="{root}/api" AppRoot="x" AppPoolId="Api"/>',
        ]
    keys[7:7] = [
        '<IIsFtpServer Location="/LM/MSFTPSVC/3"/>',
        '<IIsFtpVirtualDir Location="/LM/MSFTPSVC/3/ROOT" Path="E:\\ftp"/>',
    ]
    return MetabaseKeys(keys, "\r\n").data()


def test_the_sites_are_listed_without_their_values() -> None:
    doc = metaclone.loads(_keys(), "MetaBase.xml")
    assert isinstance(doc, MetabaseDocument)
    with mock.patch.object(MetabaseDocument, "sites", property(_no_site_values)):
        both = doc.listed_sites_and_applications()
        assert both is not None
        listed, applications = both
        assert [site.id for site in listed] == [1, 2, 3, 3, *range(4, 13)]
        assert [len(found) for found in applications] == [2, 2, 1, 2, *[2] * 9]


def _no_site_values(_: MetabaseDocument) -> None:
    raise AssertionError("the Site values were read")


def test_the_listing_is_that_of_the_sites() -> None:
    with _written(_keys()) as path:
        listed = _listing(path, from_sites=False)
        assert listed == _listing(path, from_sites=True)
    code, out, err = listed
    assert (code, err) == (EXIT_OK, "")
    assert out.splitlines()[1:4] == [
        "         1    [stopped]  http/:80:s1  cert: -",
        "            app /  pool: Pool*  / = D:\\s1",
        "            app /api  pool: Api  / = D:\\s1\\api",
    ]


def test_a_site_that_cannot_be_read_late_in_the_file_leaves_nothing_on_stdout() -> None:
    with _written(_keys(late_flag="maybe")) as path:
        listed = _listing(path, from_sites=False)
        assert listed == _listing(path, from_sites=True)
    code, out, err = listed
    assert (code, out) == (EXIT_REFUSED, "")
    assert "ServerAutoStart" in err


def test_a_server_key_not_found_by_its_line_is_found_through_its_site() -> None:
    with _written(THREE_SITES) as path:
        expected = _listing(path, from_sites=True)
        with mock.patch.object(KeyTable, "site_entry_at", return_value=None):
            assert _listing(path, from_sites=False) == expected


def test_the_exact_reader_and_an_indexed_document_list_from_the_sites() -> None:
    assert (
        metaclone.loads(_keys(), "MetaBase.xml", exact=True).listed_sites_and_applications() is None
    )
    doc = metaclone.loads(_keys(), "MetaBase.xml")
    doc.site("4")
    assert doc.listed_sites_and_applications() is None


def test_the_json_listing_and_chosen_sites_are_listed_from_the_sites() -> None:
    with (
        _written(_keys()) as path,
        mock.patch.object(
            MetabaseDocument, "listed_sites_and_applications", side_effect=AssertionError
        ),
    ):
        assert _listing(path, "--json", from_sites=False)[0] == EXIT_OK
        assert _listing(path, "4", from_sites=False)[0] == EXIT_OK
