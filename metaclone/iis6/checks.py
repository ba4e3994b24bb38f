"""``metaclone check`` for IIS 6: the values IIS's rules refuse, pools nobody defines, and the
problems of one site's keys (application roots, COM+ packages, pending certificates).

The same rules as every edit applies (:mod:`metaclone.model.validation`), with the codes of the
IIS 7 schema pass: ``schema-rule`` for a site name, site id or binding IIS would refuse, and
``undefined-pool`` (warning) for a key whose own ``AppPoolId`` names no
``IIsApplicationPool`` key under ``/LM/W3SVC/AppPools`` (the applications below it run in that
pool).  Pools are only looked for in a file that has that key: an ``iiscnfg /export`` of one
site does not carry the pools.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, NamedTuple

from metaclone.iis6.keys import SITE_PATH
from metaclone.lossless.values import decode_attribute_value
from metaclone.messages import listing
from metaclone.model import rules
from metaclone.model.build import paused_garbage_collection
from metaclone.model.sites import Finding, Severity, Site
from metaclone.model.validation import binding_problem

if TYPE_CHECKING:
    from metaclone.iis6.keys import KeyTable
    from metaclone.lossless import XmlDocument

#: The COM+ application of a key (IIS 5 isolation mode).
COM_PLUS_PROPERTIES = ("AppPackageID", "AppWamClsid")
_POOLS = "/LM/W3SVC/AppPools"
_APP_POOL_ID = re.compile(r"\s(AppPoolId)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
#: AppRoot and the COM+ properties where they may be written (see _key_value).
_KEY_PROPERTY = re.compile(r"\s(AppRoot|AppPackageID|AppWamClsid)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SITE_ID = re.compile(r"/LM/W3SVC/([0-9]+)(?:/|$)", re.IGNORECASE)


def site_findings(xml: XmlDocument, table: KeyTable, sites: Sequence[Site]) -> list[Finding]:
    """The IIS 6 findings of :meth:`~metaclone.iis6.metabase.MetabaseDocument.check` (after
    :func:`~metaclone.model.checks.common_checks`), in its order; ``sites`` are those of the
    server keys of ``table`` (:attr:`~metaclone.iis6.keys.KeyTable.site_entries`), one for one.

    The collector is paused while they are made: none of them holds a reference cycle (see
    :func:`~metaclone.model.build.paused_garbage_collection`).
    """
    findings: list[Finding] = []
    with paused_garbage_collection():
        findings += rule_findings(xml, table, sites)
        findings += _waiting_findings(sites)
        findings += _key_findings(xml, table, sites)
    return findings


def rule_findings(xml: XmlDocument, table: KeyTable, sites: Sequence[Site]) -> list[Finding]:
    """The site names, ids and bindings IIS refuses, and applications in undefined pools."""
    findings: list[Finding] = []
    pools = _pool_names(table)
    for site in sites:
        problems = [
            rules.site_name_problem(site.name) if site.name else None,
            rules.site_id_problem(site.id, rules.MAX_IIS6_SITE_ID),
            *(
                f"binding {b.summary}: {problem}"
                for b in site.bindings
                if (problem := binding_problem(b)) is not None
            ),
        ]
        findings.extend(
            Finding(
                Severity.ERROR,
                "schema-rule",
                f"site {site.id} {site.name!r}: {problem}",
                site_id=site.id,
                line=site.line,
            )
            for problem in problems
            if problem is not None
        )
    if pools is not None:
        findings.extend(_undefined_pools(xml, table, pools))
    return findings


def _undefined_pools(xml: XmlDocument, table: KeyTable, pools: set[str]) -> list[Finding]:
    """Every key whose own AppPoolId names no pool: one search of the text, then the key of
    each value found (an inherited pool is reported at the key that sets it)."""
    findings: list[Finding] = []

    def undefined(match: re.Match[str]) -> bool:
        raw = match.group(2) if match.group(2) is not None else match.group(3)
        pool = decode_attribute_value(raw).strip()
        return bool(pool) and rules.name_key(pool) not in pools

    for position, _, found in _key_properties(xml.text, table, _APP_POOL_ID, undefined):
        pool = found.value.strip()
        location = table.locations[position]
        site = _SITE_ID.match(location)
        findings.append(
            Finding(
                Severity.WARNING,
                "undefined-pool",
                f"{location}: AppPoolId {pool!r} names no application pool (no key under "
                f"{_POOLS}): IIS answers the requests of its applications with 503",
                site_id=int(site.group(1)) if site else None,
                line=xml.line_of(found.value_start),
            )
        )
    return findings


def _pool_names(table: KeyTable) -> set[str] | None:
    """The keys of the pools under ``/LM/W3SVC/AppPools`` (None: the file has no such key)."""
    if table.first(_POOLS) is None:
        return None
    prefix = len(_POOLS) + 1
    locations = table.locations
    return {
        rules.name_key(locations[position][prefix:])
        for position in table.positions_under(_POOLS)
        if "/" not in locations[position][prefix:]
        and table.key_type(position) == "IIsApplicationPool"
    }


def _waiting_findings(sites: Sequence[Site]) -> Iterator[Finding]:
    for site in sites:
        if site.waiting_for_certificate:
            yield Finding(
                Severity.WARNING,
                "waiting-for-certificate",
                f"site {site.id} {site.name!r} has https bindings but no certificate "
                "(SSLCertHash): a certificate request is pending or was abandoned",
                site_id=site.id,
                line=site.line,
            )


class _KeyValue(NamedTuple):
    """A property a key check reads: its decoded value, where its name and its value start."""

    value: str
    name_start: int
    value_start: int


def _key_findings(xml: XmlDocument, table: KeyTable, sites: Sequence[Site]) -> list[Finding]:
    """AppRoots outside their site, then COM+ packages shared by sites, site by site and key
    by key in file order."""
    findings: list[Finding] = []
    owners: dict[tuple[str, str], list[tuple[Site, int]]] = defaultdict(list)
    by_site = _key_values_by_site(xml.text, table)
    for site, entry in zip(sites, table.site_entries, strict=True):
        location = table.locations[entry.position]
        own = location.lower()
        for position, props in by_site.get(own, ()):
            app_root = props.get("AppRoot")
            if app_root is not None and app_root.value.strip():
                folded = app_root.value.strip().lower().rstrip("/")
                if folded != own and not folded.startswith(own + "/"):
                    findings.append(
                        Finding(
                            Severity.ERROR,
                            "approot-outside-site",
                            f"{table.locations[position]}: AppRoot {app_root.value!r} is "
                            f"outside site {site.id} ({location})",
                            site_id=site.id,
                            line=xml.line_of(app_root.name_start),
                        )
                    )
            for prop in COM_PLUS_PROPERTIES:
                found = props.get(prop)
                if found is not None and found.value.strip():
                    owners[(prop, found.value.strip().lower())].append((site, position))
    findings += _com_package_findings(xml, table, owners)
    return findings


def _key_values_by_site(
    text: str, table: KeyTable
) -> dict[str, list[tuple[int, dict[str, _KeyValue]]]]:
    """The AppRoot and COM+ properties of every key below a site, by the site's folded path:
    one search of the text, the keys in file order."""
    by_site: dict[str, list[tuple[int, dict[str, _KeyValue]]]] = {}
    folded = table.folded
    for position, name, found in _key_properties(text, table, _KEY_PROPERTY):
        path = folded[position]
        site = SITE_PATH.match(path)
        # The site's own key or one below it (as positions_under compares paths).
        if site is None or path[site.end() : site.end() + 1] not in ("", "/"):
            continue
        keys = by_site.setdefault(site.group(), [])
        if not keys or keys[-1][0] != position:
            keys.append((position, {}))
        keys[-1][1][name] = found
    return by_site


def _key_properties(
    text: str,
    table: KeyTable,
    pattern: re.Pattern[str],
    wanted: Callable[[re.Match[str]], bool] | None = None,
) -> Iterator[tuple[int, str, _KeyValue]]:
    """Every property ``pattern`` finds in the start tag of a key, in file order: the key's
    position, the name and the value; only the matches ``wanted`` accepts, when given.

    What it finds elsewhere (inside another value, in a key's content), and what is not
    wanted, is passed over by its name only, so that a property such a match ran into is
    still found.
    """
    search = pattern.search
    at = 0
    while (match := search(text, at)) is not None:
        if wanted is not None and not wanted(match):
            at = match.end(1)
            continue
        position = table.position_at(match.start())
        found = _key_value(text, table, position, match) if position >= 0 else None
        if found is None:
            at = match.end(1)
            continue
        yield position, match.group(1), found
        at = match.end()


def _key_value(text: str, table: KeyTable, position: int, match: re.Match[str]) -> _KeyValue | None:
    """The property ``match`` found (groups: name, double-quoted raw value, single-quoted
    one), when it is one of the start tag of the key at ``position``: None for text inside
    another value or in the key's content."""
    tag = table.start_tag(position)
    name_start = match.start(1)
    if match.start() >= tag.end:
        return None
    if text.find("'", tag.start, name_start) < 0:
        # Only double-quoted values before it: outside them when their quotes are paired.
        if text.count('"', tag.start, name_start) % 2:
            return None
        double = match.group(2) is not None
        raw = match.group(2) if double else match.group(3)
        return _KeyValue(decode_attribute_value(raw), name_start, match.start(2 if double else 3))
    exact = table.properties(position, (match.group(1),)).get(match.group(1))
    if exact is None or exact.name_start != name_start:
        return None
    return _KeyValue(exact.value, name_start, exact.value_start)


def _com_package_findings(
    xml: XmlDocument, table: KeyTable, owners: dict[tuple[str, str], list[tuple[Site, int]]]
) -> Iterator[Finding]:
    for (prop, _), users in owners.items():
        distinct = {(s.kind, s.id) for s, _ in users}
        if len(distinct) < 2:
            continue
        ids = sorted({ident for _kind, ident in distinct})
        # An id that a web and an FTP site share is another site's even for one of them.
        counts = Counter(ident for _kind, ident in distinct)
        for site, position in users:
            alone = 1 if counts[site.id] == 1 else 0
            others = (str(i) for i in ids if i != site.id or not alone)
            yield Finding(
                Severity.WARNING,
                "shared-com-package",
                f"{table.locations[position]}: {prop} is also used by site(s) "
                + listing(others, total=len(ids) - alone),
                site_id=site.id,
                line=xml.line_of(table.start(position)),
            )
