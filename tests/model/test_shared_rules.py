"""The site rules every format shares: lookup, new ids and names, bindings, common checks."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.errors import (
    BindingError,
    MetacloneError,
    SiteIdInUseError,
    SiteIdOutOfRangeError,
    SiteNameError,
)
from metaclone.model.bindings import endpoint_key, unique_bindings
from metaclone.model.checks import common_checks
from metaclone.model.lookup import SiteKey, SiteQuery, SiteTable, select_site, site_key
from metaclone.model.site_rules import (
    IIS6_RULES,
    IIS7_RULES,
    check_free_name,
    choose_site_id,
)
from metaclone.model.sites import Binding, Severity, Site, SiteKind
from metaclone.model.validation import require_pool_name, require_site_name

# -- lookup ------------------------------------------------------------------------------------

_Entry = tuple[int, str, SiteKind, int]  # id, name, kind, line


def _identity(entry: _Entry) -> tuple[int, str, SiteKind]:
    return entry[0], entry[1], entry[2]


def _outcome(choose: Callable[[], object]) -> object:
    try:
        return choose()
    except MetacloneError as error:
        return type(error).__name__


_NAMES = st.sampled_from(["Shop", "SHOP", "shop ", "Blog", "7", "ftp/1", ""])
_ENTRIES = st.lists(
    st.tuples(st.integers(1, 4), _NAMES, st.sampled_from(list(SiteKind)), st.integers(1, 3)).map(
        lambda e: (e[0], e[1].strip(), e[2], e[3])
    ),
    max_size=6,
)
_KEYS = st.one_of(
    st.integers(0, 5),
    st.integers(0, 5).map(str),
    st.integers(0, 5).map(lambda n: f" ftp/{n}"),
    st.integers(0, 5).map(lambda n: f"FTP/{n}"),
    _NAMES,
)


@given(_ENTRIES, _KEYS, st.booleans())
def test_a_table_chooses_as_going_through_every_entry(
    entries: list[_Entry], key: SiteKey, separate_ftp_ids: bool
) -> None:
    table = SiteTable(entries, _identity, separate_ftp_ids=separate_ftp_ids)
    chosen = _outcome(lambda: table.select(key, path="p", format="f"))
    scanned = _outcome(
        lambda: select_site(
            entries, key, _identity, path="p", format="f", separate_ftp_ids=separate_ftp_ids
        )
    )
    assert chosen == scanned


@given(_ENTRIES, _KEYS, st.booleans())
def test_a_table_reading_ids_and_names_apart_groups_and_chooses_alike(
    entries: list[_Entry], key: SiteKey, separate_ftp_ids: bool
) -> None:
    plain = SiteTable(entries, _identity, separate_ftp_ids=separate_ftp_ids)
    fast = SiteTable(
        entries,
        _identity,
        separate_ftp_ids=separate_ftp_ids,
        id_of=itemgetter(0),
        name_of=itemgetter(1),
    )
    assert fast.by_id == plain.by_id
    assert fast.by_name == plain.by_name
    assert _outcome(lambda: fast.select(key, path="p", format="f")) == _outcome(
        lambda: plain.select(key, path="p", format="f")
    )


@given(_ENTRIES, st.booleans())
def test_a_site_as_key_finds_that_very_site(entries: list[_Entry], separate: bool) -> None:
    sites = [Site(i, n, True, (), kind=k, line=line) for i, n, k, line in entries]
    table = SiteTable(
        sites, lambda s: (s.id, s.name, s.kind), separate_ftp_ids=separate, line=lambda s: s.line
    )
    for site in sites:
        same = [
            s
            for s in sites
            if (s.id, s.line) == (site.id, site.line) and (s.kind is site.kind or not separate)
        ]
        if len(same) == 1:
            assert table.select(site, path="p", format="f") is same[0]


def test_ftp_keys_select_ftp_sites_only_where_they_number_apart() -> None:
    entries: list[_Entry] = [(1, "Web", SiteKind.WEB, 1), (1, "Files", SiteKind.FTP, 2)]
    iis6 = SiteTable(entries, _identity, separate_ftp_ids=True)
    iis7 = SiteTable(entries[1:], _identity, separate_ftp_ids=False)
    assert iis6.select("ftp/1", path="p", format="f")[1] == "Files"
    assert iis6.select(1, path="p", format="f")[1] == "Web"
    assert iis7.select("ftp/1", path="p", format="f")[1] == "Files"
    with pytest.raises(MetacloneError, match="no FTP site with id 2"):
        iis6.select("ftp/2", path="p", format="f")
    with pytest.raises(MetacloneError, match="2 sites have id 1"):
        SiteTable(entries, _identity, separate_ftp_ids=False).select(1, path="p", format="f")


def test_a_query_reads_each_kind_of_key() -> None:
    assert SiteQuery.of(" ftp/21 ") == SiteQuery(21, None, ftp=True, id_only=True)
    assert SiteQuery.of("007") == SiteQuery(7, "007")
    assert SiteQuery.of(7) == SiteQuery(7, None, id_only=True)
    assert SiteQuery.of(" Shop ") == SiteQuery(None, "Shop")
    assert SiteQuery.of("ftp/x") == SiteQuery(None, "ftp/x")
    assert SiteQuery.of("\u00b2") == SiteQuery(None, "\u00b2")
    web, ftp = Site(3, "a", True, ()), Site(3, "b", True, (), kind=SiteKind.FTP)
    assert (site_key(web), site_key(ftp)) == ("3", "ftp/3")
    assert SiteQuery.of(site_key(ftp)).ftp


# -- new ids and names -------------------------------------------------------------------------


def _free(_: object) -> None:
    return None


def test_a_new_id_is_one_past_the_highest() -> None:
    assert choose_site_id(None, {1, 5, 3}, IIS7_RULES, path="p", taken=_free) == 6
    assert choose_site_id(None, set(), IIS6_RULES, path="p", taken=_free) == 1


def test_past_the_highest_valid_id_iis6_takes_the_smallest_free_one_and_iis7_refuses() -> None:
    full6 = {1, 2, IIS6_RULES.max_site_id}
    assert choose_site_id(None, full6, IIS6_RULES, path="p", taken=_free) == 3
    with pytest.raises(SiteIdOutOfRangeError, match="no higher id is valid"):
        choose_site_id(None, {IIS7_RULES.max_site_id}, IIS7_RULES, path="p", taken=_free)


def test_a_requested_id_is_checked_by_range_then_by_the_format() -> None:
    def taken(number: int) -> MetacloneError | None:
        return SiteIdInUseError(f"id {number} is already used", path="p") if number == 7 else None

    assert choose_site_id(8, {7}, IIS7_RULES, path="p", taken=taken) == 8
    with pytest.raises(SiteIdInUseError, match="id 7 is already used"):
        choose_site_id(7, {7}, IIS7_RULES, path="p", taken=taken)
    with pytest.raises(SiteIdOutOfRangeError, match="from 1 to 2147483647"):
        choose_site_id(2**31, set(), IIS6_RULES, path="p", taken=taken)
    with pytest.raises(SiteIdOutOfRangeError):
        choose_site_id(0, set(), IIS7_RULES, path="p", taken=taken)


def test_a_new_name_is_checked_then_looked_up() -> None:
    def taken(name: str) -> MetacloneError | None:
        if name.upper() == "SHOP":
            return SiteNameError("already used by site id 7", path="p")
        return None

    assert check_free_name("Blog", path="p", taken=taken) == "Blog"
    with pytest.raises(SiteNameError, match="already used by site id 7"):
        check_free_name("shop", path="p", taken=taken)
    with pytest.raises(SiteNameError, match="is refused"):
        check_free_name("", path="p", taken=taken)


# -- bindings ----------------------------------------------------------------------------------


def test_endpoints_compare_every_address_and_host_case_aside() -> None:
    key = endpoint_key(Binding.parse("http/*:80:Shop.Example"))
    assert endpoint_key(Binding.parse("HTTP/:80:shop.example")) == key
    assert endpoint_key(Binding.parse("http/10.0.0.1:80:shop.example")) != key
    assert endpoint_key(Binding.parse("https/*:80:shop.example")) != key
    assert endpoint_key(Binding("net.tcp", "808:*")) != endpoint_key(Binding("net.tcp", "808:X"))


def test_unique_bindings_refuses_an_endpoint_given_twice_and_an_empty_list() -> None:
    first, second = Binding.parse("http/*:80:"), Binding.parse("http/:80:")
    assert unique_bindings([first, Binding.parse("https/*:443:")], path="p")[0] == first
    with pytest.raises(BindingError, match="is given twice"):
        unique_bindings([first, second], path="p")
    with pytest.raises(BindingError, match="at least one binding"):
        unique_bindings([], path="p")


# -- checks ------------------------------------------------------------------------------------


def _site(number: int, name: str, binding: str, *, kind: SiteKind = SiteKind.WEB) -> Site:
    return Site(number, name, True, (Binding.parse(binding),), kind=kind, line=number * 10)


def test_common_checks_report_ids_then_names_then_bindings() -> None:
    sites = [
        _site(1, "Shop", "http/*:80:"),
        _site(2, "shop", "http/:80:"),
        _site(2, "Blog", "http/*:81:"),
        _site(2, "Files", "ftp/*:21:", kind=SiteKind.FTP),
    ]
    iis7 = common_checks(sites, IIS7_RULES)
    assert [(f.code, f.severity, f.site_id) for f in iis7] == [
        ("duplicate-site-id", Severity.ERROR, 2),
        ("duplicate-site-id", Severity.ERROR, 2),
        ("duplicate-site-name", Severity.ERROR, 2),
        ("duplicate-binding", Severity.ERROR, 2),
    ]
    iis6 = common_checks(sites, IIS6_RULES)
    assert [(f.code, f.severity) for f in iis6] == [
        ("duplicate-site-id", Severity.ERROR),
        ("duplicate-site-name", Severity.WARNING),
        ("duplicate-binding", Severity.ERROR),
    ]
    assert iis6[0].message == "2 web sites have id 2 (lines 20, 20)"


def test_stopped_sites_unnamed_sites_and_shared_listeners_are_no_clash() -> None:
    stopped = Site(2, "", False, (Binding.parse("http/*:80:"),))
    sites = [
        _site(1, "", "http/*:80:"),
        stopped,
        _site(3, "", "net.tcp/808:*"),
        _site(4, "", "net.tcp/808:*"),
    ]
    assert common_checks(sites, IIS7_RULES) == []


@pytest.mark.parametrize(
    ("require", "value", "message"),
    [
        (require_site_name, 7, "7 is not a site name"),
        (require_pool_name, None, "None is not an application pool name"),
        (require_site_name, "a/b", "site name 'a/b' is refused: "),
        (require_pool_name, "a/b", "application pool name 'a/b' is refused: "),
    ],
)
def test_names_that_are_not_names_are_refused(
    require: Callable[..., str], value: object, message: str
) -> None:
    with pytest.raises(SiteNameError) as refused:
        require(value, path="applicationHost.config")
    assert refused.value.message.startswith(message)
    assert refused.value.path == "applicationHost.config"
