"""metaclone.convert refuses what it cannot do, and leaves the target as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

import metaclone
from metaclone.convert import convert_sites, site_to_applicationhost
from metaclone.errors import (
    ConversionError,
    SiteIdInUseError,
    SiteNameError,
    SiteNotFoundError,
    UnsupportedDocumentError,
)
from metaclone.iis7.applicationhost import AppHostDocument
from tests.conftest import FIXTURES
from tests.convert.test_convert import METABASE, metabase, target
from tests.helpers import assert_refused


def refused(error: type[Exception], match: str, **options: object) -> None:
    source = options.pop("source", metabase())
    into = options.pop("into", target())
    site = options.pop("site", "Store")
    assert_refused(
        into.to_bytes(),  # type: ignore[attr-defined]
        lambda doc: site_to_applicationhost(source, site, doc, **options),  # type: ignore[arg-type]
        error,
        match,
    )


def test_metabase_that_is_no_iis6_metabase() -> None:
    refused(UnsupportedDocumentError, "IIS 6 metabase.*iis7-applicationhost", source=target())


@pytest.mark.parametrize(
    ("path", "found"),
    [
        (
            FIXTURES / "iis7" / "appcmd_sites.xml",
            r"appcmd-xml \(appcmd XML holds no pools or location blocks\)$",
        ),
        (METABASE, "iis6-metabase$"),
        (FIXTURES / "xml" / "lexical_variants.xml", "xml$"),
    ],
)
def test_target_that_is_no_applicationhost(path: Path, found: str) -> None:
    refused(
        UnsupportedDocumentError,
        f"applicationHost.config; this is {found}",
        into=metaclone.load(path),
    )


def test_site_missing() -> None:
    refused(SiteNotFoundError, "site named 'Nowhere'", site="Nowhere")


def test_name_invalid_in_iis7() -> None:
    refused(
        SiteNameError,
        r"'Shop: EU' is refused: IIS does not allow : in a site name.*--name",
        site="Shop: EU",
    )
    doc = target()
    result = site_to_applicationhost(metabase(), "Shop: EU", doc, new_name="Shop EU")
    assert (result.site.id, result.site.name) == (3, "Shop EU")


def test_name_taken() -> None:
    refused(
        SiteNameError,
        "already used by site id 2.*--name",
        site="Clean",
        new_name=None,
        into=renamed_target("Clean"),
    )
    refused(SiteNameError, "'intranet' is already used by site id 2 \\(names", new_name="intranet")


def renamed_target(name: str) -> AppHostDocument:
    doc = target()
    doc.rename_site(2, name)
    return doc


def test_explicit_name_that_is_invalid() -> None:
    refused(SiteNameError, "'a/b' is refused: IIS does not allow / ", new_name="a/b")


def test_id_taken() -> None:
    refused(SiteIdInUseError, "site id 2 is already used by site 'Intranet'", new_id=2)
    doc = target()
    result = site_to_applicationhost(metabase(), "Store", doc, new_id=77)
    assert result.site.id == 77


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"pipeline": "fast"}, "pipeline 'fast'"),
        ({"runtime": "v3.5"}, "runtime 'v3.5'"),
    ],
)
def test_options_refused(options: dict[str, object], match: str) -> None:
    refused(ConversionError, match, **options)


def test_new_id_applies_to_one_site() -> None:
    doc = target()
    with pytest.raises(ConversionError, match="one site"):
        convert_sites(metabase(), ["Store", "Clean"], doc, new_id=50)


def test_bad_flag_value_is_a_parse_error_at_its_place() -> None:
    data = METABASE.read_bytes().replace(
        b'AuthFlags="AuthNTLM | AuthPassport"', b'AuthFlags="AuthMagic"'
    )
    source = metaclone.loads(data, name="bad.xml")
    doc = target()
    with pytest.raises(metaclone.ParseError, match="AuthMagic") as caught:
        site_to_applicationhost(source, "Store", doc)
    assert caught.value.path == "bad.xml"
    assert caught.value.line is not None
    assert not doc.modified


def test_pool_name_invalid_in_iis7() -> None:
    data = METABASE.read_bytes().replace(b'AppPoolId="StoreAdmin"', b'AppPoolId="Store:Admin"')
    refused(
        ConversionError,
        r"pool name 'Store:Admin' is refused: IIS does not allow :",
        source=metaclone.loads(data),
    )


_NO_SITES = (
    b"<configuration>\n    <system.applicationHost>\n        <applicationPools>\n"
    b'            <add name="A" />\n        </applicationPools>\n'
    b"    </system.applicationHost>\n</configuration>\n"
)
_NO_POOLS = (
    b"<configuration>\n    <system.applicationHost>\n        <sites />\n"
    b"    </system.applicationHost>\n</configuration>\n"
)


def test_target_without_the_sections_a_site_needs() -> None:
    refused(UnsupportedDocumentError, "no <sites> section", into=metaclone.loads(_NO_SITES))
    refused(
        UnsupportedDocumentError, "no <applicationPools> section", into=metaclone.loads(_NO_POOLS)
    )
    # An FTP site needs no pool; an empty <sites /> is opened for it.
    doc = metaclone.loads(_NO_POOLS)
    result = site_to_applicationhost(metabase(), "ftp/1", doc)
    assert metaclone.loads(doc.to_bytes()).site(result.site.id).name == "Public FTP"


def test_pool_value_that_is_no_number_is_a_parse_error() -> None:
    data = METABASE.read_bytes().replace(
        b'IdleTimeout="0"', b'IdleTimeout="0"\r\n\t\tMaxProcesses="two"'
    )
    doc = target()
    with pytest.raises(metaclone.ParseError, match="MaxProcesses: 'two' is not"):
        site_to_applicationhost(metaclone.loads(data), "Store", doc)
    assert not doc.modified


def test_store_name_a_plan_cannot_carry_is_refused() -> None:
    data = METABASE.read_bytes().replace(
        b'SSLStoreName="MY"\r\n\t\tSecureBindings',
        b'SSLStoreName="MY &amp; calc"\r\n\t\tSecureBindings',
    )
    assert b"MY &amp; calc" in data
    refused(metaclone.CertificateError, "store", source=metaclone.loads(data), site="Store")
