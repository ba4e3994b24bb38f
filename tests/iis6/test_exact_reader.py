"""The fast readers of an IIS 6 metabase against the exact ones (``loads(data, exact=True)``).

An exact document indexes its keys with the exact scanner (depth tracked tag by tag) and reads
its sites from that index, never through the one-pass site scan; every answer must be the same
as the fast document's, and an edit must write the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metaclone
from metaclone.cli import main
from metaclone.errors import MetacloneError
from metaclone.iis6.metabase import MetabaseDocument
from metaclone.model.lookup import SiteKey, site_key
from tests.conftest import FIXTURES, fixture_files
from tests.iis6.test_metabase_properties import Generated, metabases


def _with_decoy(fixture: str, before: str, decoy: str) -> bytes:
    """The fixture at ``fixture`` with ``decoy`` on a line of its own before ``before``."""
    text = (FIXTURES / fixture).read_text(encoding="utf-8")
    assert before in text
    return text.replace(before, f"{decoy}\n{before}", 1).encode()


def _applications_listed(data: bytes, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """What ``sites --applications`` prints of ``data`` written at ``path``."""
    path.write_bytes(data)
    assert main(["sites", str(path), "--applications"]) == 0
    return capsys.readouterr().out


def _pair(data: bytes, name: str) -> tuple[MetabaseDocument, MetabaseDocument]:
    fast = metaclone.loads(data, name)
    exact = metaclone.loads(data, name, exact=True)
    assert isinstance(fast, MetabaseDocument)
    assert isinstance(exact, MetabaseDocument)
    assert not fast.exact
    assert exact.exact
    return fast, exact


def _outcome(doc: MetabaseDocument, operation: str, key: SiteKey) -> object:
    """What ``operation`` gives for ``key``: its value, or the error's type and message."""
    try:
        if operation == "site":
            return doc.site(key)
        if operation == "applications":
            return doc.applications(key)
        return doc.site_keys(key)
    except MetacloneError as exc:
        return (type(exc).__name__, str(exc))


def _keys_to_try(doc: MetabaseDocument) -> list[SiteKey]:
    keys: list[SiteKey] = ["0", "ftp/1", "no such site", 2147483647]
    for site in doc.sites:
        keys += [site, site.id, str(site.id), site_key(site)]
        if site.name:
            keys += [site.name, site.name.upper()]
    return keys


def assert_same_reading(data: bytes, name: str) -> None:
    fast, exact = _pair(data, name)
    # First the listing's order, before anything builds the fast document's key index (from
    # which it would read what the sites inherit, as the exact one does).
    assert [_outcome(fast, "applications", site) for site in fast.sites] == [
        _outcome(exact, "applications", site) for site in exact.sites
    ]
    fast, exact = _pair(data, name)
    assert exact.keys == fast.keys
    assert exact.sites == fast.sites
    assert exact.check() == fast.check()
    assert exact.is_export == fast.is_export
    for key in _keys_to_try(fast):
        for operation in ("site", "applications", "site_keys"):
            assert _outcome(exact, operation, key) == _outcome(fast, operation, key), (
                operation,
                key,
            )


def assert_same_clone(data: bytes, name: str) -> None:
    fast, exact = _pair(data, name)
    for source in fast.sites:
        outcomes: list[object] = []
        for doc in (fast, exact):
            try:
                outcomes.append((doc.clone_site(site_key(source)), doc.to_bytes(), doc.notes))
            except MetacloneError as exc:
                outcomes.append((type(exc).__name__, str(exc)))
        assert outcomes[0] == outcomes[1]
        # Reading the changed documents gives the same again.
        assert exact.sites == fast.sites
        assert exact.keys == fast.keys


@pytest.mark.parametrize("path", fixture_files("iis6/*"), ids=lambda p: p.name)
def test_every_fixture_reads_the_same_exactly(path: Path) -> None:
    assert_same_reading(path.read_bytes(), path.name)


@pytest.mark.parametrize("path", fixture_files("iis6/*"), ids=lambda p: p.name)
def test_every_fixture_clones_the_same_exactly(path: Path) -> None:
    assert_same_clone(path.read_bytes(), path.name)


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(metabases())
def test_generated_metabases_read_the_same_exactly(generated: Generated) -> None:
    assert_same_reading(generated.data, "generated.xml")
    fast, _ = _pair(generated.data, "generated.xml")
    pools = {app.application_pool for site in fast.sites for app in fast.applications(site)}
    assert "Commented" not in pools


@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
@given(metabases(), st.data())
def test_generated_metabases_clone_the_same_exactly(
    generated: Generated, data: st.DataObject
) -> None:
    fast, exact = _pair(generated.data, "generated.xml")
    source = data.draw(st.sampled_from(fast.sites))
    new_id = data.draw(st.one_of(st.none(), st.integers(1, 2147483647)))
    outcomes: list[object] = []
    for doc in (fast, exact):
        try:
            outcomes.append(
                (doc.clone_site(site_key(source), new_id=new_id), doc.to_bytes(), doc.notes)
            )
        except MetacloneError as exc:
            outcomes.append((type(exc).__name__, str(exc)))
    assert outcomes[0] == outcomes[1]
    assert exact.sites == fast.sites


@pytest.mark.parametrize(
    "commented",
    [
        '<!-- <IIsWebService Location="/LM/W3SVC" AppPoolId="Commented" /> -->',
        '<!-- <IIsWebServer Location="/LM/W3SVC/9" /> -->',
        '<?pi <IIsWebService Location="/LM/W3SVC" AppPoolId="Commented" />?>',
    ],
)
def test_keys_in_a_comment_are_not_what_sites_inherit(
    commented: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = _with_decoy(
        "iis6/MetaBase_inherit.xml", '<IIsWebService\tLocation ="/LM/W3SVC"', commented
    )
    fast, exact = _pair(data, "MetaBase.xml")
    pools = [[app.application_pool for app in fast.applications(site)] for site in fast.sites]
    assert pools == [[app.application_pool for app in exact.applications(s)] for s in exact.sites]
    assert pools == [[], ["SharedPool"], ["ShopPool"], ["SharedPool"], []]
    out = _applications_listed(data, tmp_path / "MetaBase.xml", capsys)
    assert "pool: SharedPool*" in out
    assert "Commented" not in out


@pytest.mark.parametrize(
    "decoy",
    [
        '<!-- <IIsInheritedProperties AppPoolId="Commented"/> -->',
        '<![CDATA[<IIsInheritedProperties AppPoolId="Commented"/>]]>',
        '<?pi <IIsInheritedProperties AppPoolId="Commented"/>?>',
        '<IIsInheritedPropertiesX\tLocation ="/LM/Notes"\n\t\tAppPoolId="Commented"\n\t>\n'
        "</IIsInheritedPropertiesX>",
    ],
)
def test_inherited_properties_are_never_read_from_a_comment_or_another_name(
    decoy: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = _with_decoy("convert/export_wiki_inherited.xml", "<IIsInheritedProperties\n", decoy)
    fast, exact = _pair(data, "export.xml")
    for doc in (fast, exact):
        assert [app.application_pool for app in doc.applications(118)] == ["WikiPool"]
    out = _applications_listed(data, tmp_path / "export.xml", capsys)
    assert "pool: WikiPool*" in out
    assert "Commented" not in out
