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

import heapq
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import and_, attrgetter, is_, itemgetter, not_
from typing import TYPE_CHECKING

from metaclone.iis6.key_values import KeyValue, key_values, raw_values
from metaclone.iis6.keys import SERVICE_BY_FOLDED_NAME, SITE_PATH
from metaclone.lazy import lazy_pattern
from metaclone.lossless.values import decode_attribute_value
from metaclone.messages import listing
from metaclone.model import rules
from metaclone.model.build import paused_garbage_collection
from metaclone.model.checks import SiteBindings, common_checks
from metaclone.model.site_rules import IIS6_RULES
from metaclone.model.sites import NUMBER, Binding, Finding, Severity, Site
from metaclone.model.validation import binding_problem

if TYPE_CHECKING:
    from metaclone.iis6.keys import KeyTable
    from metaclone.lossless import XmlDocument

#: The COM+ application of a key (IIS 5 isolation mode).
COM_PLUS_PROPERTIES = ("AppPackageID", "AppWamClsid")
_POOLS = "/LM/W3SVC/AppPools"
_POOL_TYPE = "IIsApplicationPool"
_PLAIN_PROTOCOLS = frozenset({"http", "https", "ftp"})
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_PORT = r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
# Labels of letters and digits with inner hyphens; a host name of at most 63 characters keeps
# each label within RFC 1123's 63.
_LABEL = r"[A-Za-z0-9]++(?:-++[A-Za-z0-9]++)*+"
# Binding information of the plain shapes (see plain_binding), up to a line end or the end.
_PLAIN_BINDING_LINE = (
    rf"(?:\*|{_OCTET}(?:\.{_OCTET}){{3}})?:{_PORT}:"
    rf"(?:(?=[^:\n]{{1,63}}(?:\n|\Z))(?:\*\.)?{_LABEL}(?:\.{_LABEL})*+)?"
)
# A site name with no character IIS refuses (rules.SITE_NAME_FORBIDDEN, control characters)
# and not blank, or no name.
_NAME_CHARACTER = rf"[^{re.escape(rules.SITE_NAME_FORBIDDEN)}\x00-\x1f\x7f-\x9f]"
_PLAIN_NAME_LINE = rf"(?:{_NAME_CHARACTER}*(?!\s){_NAME_CHARACTER}{_NAME_CHARACTER}*)?"
_PLAIN_BINDING = lazy_pattern(lambda: re.compile(_PLAIN_BINDING_LINE))
_PLAIN_NAME = lazy_pattern(lambda: re.compile(_PLAIN_NAME_LINE))
# Texts joined by line ends, every one plain.
_ALL_PLAIN_BINDINGS = lazy_pattern(
    lambda: re.compile(rf"(?:{_PLAIN_BINDING_LINE}\n)*+{_PLAIN_BINDING_LINE}")
)
_ALL_PLAIN_NAMES = lazy_pattern(
    lambda: re.compile(rf"(?:{_PLAIN_NAME_LINE}\n)*+{_PLAIN_NAME_LINE}")
)
_VALUE = attrgetter("value")
_POSITION = attrgetter("position")
_CHUNK = 4096
_SITE_ID = re.compile(rf"/LM/W3SVC/({NUMBER})(?:/|$)", re.IGNORECASE)
# A key right below a service's (where its sites are) named by no number (see SITE_PATH).
_UNNUMBERED = re.compile(rf"/LM/(W3SVC|MSFTPSVC)/(?!{NUMBER}\Z)[^/]+", re.ASCII | re.IGNORECASE)


def check_findings(
    xml: XmlDocument,
    table: KeyTable,
    read_sites: Callable[[], Sequence[Site]],
    read_candidates: Callable[[], Sequence[Site]],
) -> list[Finding]:
    """The findings of :meth:`~metaclone.iis6.metabase.MetabaseDocument.check`, in its order:
    :func:`~metaclone.model.checks.common_checks`, then those of the IIS 6 rules and keys.
    ``read_sites`` gives the sites of the server keys of ``table``
    (:attr:`~metaclone.iis6.keys.KeyTable.site_entries`), one for one; ``read_candidates``
    those of them the checks of every site may find something in, in order (see
    :mod:`metaclone.iis6.site_columns`), read when no key below a site makes a finding.

    What the keys alone tell is read before the sites are, so that the memory its searches
    take is not added to theirs.  The collector is paused while the findings are made: none
    of them holds a reference cycle (see
    :func:`~metaclone.model.build.paused_garbage_collection`).
    """
    with paused_garbage_collection():
        undefined = _undefined_pool_findings(xml, table)
        by_site = _key_values_by_site(table)
    # The key findings pair every site with its server key; the other checks find the same
    # in the candidates as in every site.
    sites = read_sites() if by_site else read_candidates()
    findings = common_checks(sites, IIS6_RULES)
    with paused_garbage_collection():
        findings += site_rule_findings(sites)
        findings += undefined
        findings += _waiting_findings(sites)
        findings += _key_findings(xml, table, sites, by_site)
        findings += unnumbered_site_keys(xml, table)
    return findings


def unnumbered_site_keys(xml: XmlDocument, table: KeyTable) -> list[Finding]:
    """``unnumbered-site-key``: a server key (``IIsWebServer`` below ``/LM/W3SVC``,
    ``IIsFtpServer`` below ``/LM/MSFTPSVC``) whose name is no site id: letters, or more digits
    than a number has here (:data:`~metaclone.model.sites.MOST_DIGITS`).  It is no site, so
    nothing lists, selects or changes it; saying so beats leaving it out silently."""
    locations = table.locations
    positions = table.site_positions
    # Column by column: tens of thousands of server keys, nearly all of them numbered.
    found = list(map(_UNNUMBERED.fullmatch, map(locations.__getitem__, positions)))
    named, odd = list(filter(None, found)), list(compress(positions, found))
    findings: list[Finding] = []
    for position, match in zip(odd, named, strict=True):
        location, service = locations[position], match.group(1)
        key_type = SERVICE_BY_FOLDED_NAME[service.lower()].key_type
        if table.key_type(position) != key_type:
            continue
        findings.append(
            Finding(
                Severity.WARNING,
                "unnumbered-site-key",
                f"{location}: an {key_type} key named by no site id (a number): it is not "
                "read as a site, so metaclone neither lists nor changes it; IIS names a "
                f"site's key by its id (/LM/{service}/<id>)",
                line=xml.line_of(table.start(position)),
            )
        )
    return findings


def _undefined_pool_findings(xml: XmlDocument, table: KeyTable) -> list[Finding]:
    pools = _pool_names(table)
    return [] if pools is None else _undefined_pools(xml, table, pools)


def site_rule_findings(sites: Sequence[Site]) -> list[Finding]:
    """The site names, ids and bindings IIS refuses."""
    findings: list[Finding] = []
    for site in _odd_sites(sites):
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
    return findings


def _odd_sites(sites: Sequence[Site]) -> list[Site]:
    """The sites whose name, id or bindings are not all of the plain shapes IIS always
    accepts, in order: the rules need not be asked about the others (they would find
    nothing).  Read column by column, most in one match each: most sites of a large file are
    plain."""
    odd = set(odd_names_and_ids([site.name for site in sites], list(map(attrgetter("id"), sites))))
    every = SiteBindings(sites)
    bindings = every.bindings
    informations = list(map(attrgetter("binding_information"), bindings))
    odd.update(map(every.owner, odd_informations(informations)))
    if not set(map(attrgetter("protocol"), bindings)) <= _PLAIN_PROTOCOLS or any(
        flags is not None for flags in map(attrgetter("ssl_flags"), bindings)
    ):
        odd.update(
            every.owner(i) for i, binding in enumerate(bindings) if not plain_binding(binding)
        )
    return [sites[index] for index in sorted(odd)]


def odd_names_and_ids(names: list[str], ids: list[int]) -> Iterable[int]:
    """The indexes of the sites (``names``, ``ids``) whose name or id is not of the plain
    shapes."""
    odd = _odd_lines(names, _PLAIN_NAME, _ALL_PLAIN_NAMES)
    if ids and (min(ids) < 1 or max(ids) > rules.MAX_IIS6_SITE_ID):
        odd += (i for i, ident in enumerate(ids) if not 1 <= ident <= rules.MAX_IIS6_SITE_ID)
    return odd


def odd_informations(informations: list[str]) -> list[int]:
    """The indexes of the binding ``informations`` not of the plain shapes (their protocols
    and sslFlags aside)."""
    return _odd_lines(informations, _PLAIN_BINDING, _ALL_PLAIN_BINDINGS)


def _odd_lines(texts: list[str], plain: re.Pattern[str], every: re.Pattern[str]) -> list[int]:
    """The indexes of the ``texts`` that ``plain`` does not match whole: none when ``every``
    (``plain`` for lines) matches them joined by line ends, as one match; else text by text."""
    joined = "\n".join(texts)
    # A text holding a line end is never plain: it would make the lines differ from the texts.
    if joined.count("\n") == len(texts) - 1 and every.fullmatch(joined) is not None:
        return []
    return [index for index, text in enumerate(texts) if plain.fullmatch(text) is None]


def plain_binding(binding: Binding) -> bool:
    """Whether ``binding`` is an http, https or ftp binding without sslFlags written
    ``[* or IPv4]:port:[host name]``, the shapes :func:`~metaclone.model.validation.
    binding_problem` always accepts (IPv4 without leading zeros, port 1-65535, RFC 1123 host
    names of at most 63 characters): most bindings of a large file, read in one match."""
    return (
        binding.ssl_flags is None
        and binding.protocol in _PLAIN_PROTOCOLS
        and _PLAIN_BINDING.fullmatch(binding.binding_information) is not None
    )


def _undefined_pools(xml: XmlDocument, table: KeyTable, pools: set[str]) -> list[Finding]:
    """Every key whose own AppPoolId names no pool (an inherited pool is reported at the key
    that sets it).  Only the values that name no pool are looked for key by key."""
    written = raw_values(table, "AppPoolId")
    undefined = None
    if written is not None:
        # Column by column: a large file may have tens of thousands of different values.
        raws = list(set(written))
        names = list(map(str.strip, map(decode_attribute_value, raws)))
        known = map(pools.__contains__, rules.name_keys(names))
        undefined = set(compress(raws, map(and_, map(bool, names), map(not_, known))))
    findings: list[Finding] = []
    for found in key_values(table, ("AppPoolId",), undefined):
        if not _names_no_pool(found.value, pools):
            continue
        pool = found.value.strip()
        location = table.locations[found.position]
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


def _names_no_pool(value: str, pools: set[str]) -> bool:
    pool = value.strip()
    return bool(pool) and rules.name_key(pool) not in pools


def _pool_names(table: KeyTable) -> set[str] | None:
    """The keys of the pools under ``/LM/W3SVC/AppPools`` (None: the file has no such key),
    read column by column: a large file may have tens of thousands."""
    if table.first(_POOLS) is None:
        return None
    positions = table.positions_under(_POOLS)
    names = list(
        map(itemgetter(slice(len(_POOLS) + 1, None)), map(table.locations.__getitem__, positions))
    )
    pools = compress(
        names,
        map(
            and_,
            _of_type(table, positions, _POOL_TYPE),
            map(not_, map(str.__contains__, names, repeat("/"))),
        ),
    )
    return set(rules.name_keys(list(pools)))


def _of_type(table: KeyTable, positions: list[int], key_type: str) -> Iterator[bool]:
    """Whether each key at ``positions`` is of type ``key_type``."""
    if not table.from_fast_pass:
        return map(key_type.__eq__, map(table.key_type, positions))
    # The fast pass reads only keys whose name white space follows (then Location), and a
    # name holds none: the name is ``key_type`` when the text after "<" starts with it and
    # white space follows.  Read for all at once rather than name by name.
    text = table.text
    starts = list(map(table.starts.__getitem__, positions))
    return map(
        and_,
        map(text.startswith, repeat("<" + key_type), starts),
        map(str.isspace, map(text.__getitem__, map((len(key_type) + 1).__add__, starts))),
    )


def _waiting_findings(sites: Sequence[Site]) -> Iterator[Finding]:
    # A site with a certificate waits for none: only the others are asked.
    for site in compress(sites, map(is_, map(attrgetter("certificate"), sites), repeat(None))):
        if site.waiting_for_certificate:
            yield Finding(
                Severity.WARNING,
                "waiting-for-certificate",
                f"site {site.id} {site.name!r} has https bindings but no certificate "
                "(SSLCertHash): a certificate request is pending or was abandoned",
                site_id=site.id,
                line=site.line,
            )


def _key_findings(
    xml: XmlDocument,
    table: KeyTable,
    sites: Sequence[Site],
    by_site: dict[str, list[tuple[int, dict[str, KeyValue]]]],
) -> list[Finding]:
    """AppRoots outside their site, then COM+ packages shared by sites, site by site and key
    by key in file order (``by_site``: :func:`_key_values_by_site`)."""
    if not by_site:
        return []  # the common case: the sites need not be matched with their keys
    findings: list[Finding] = []
    owners: dict[tuple[str, str], list[tuple[Site, int]]] = defaultdict(list)
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


def _key_values_by_site(table: KeyTable) -> dict[str, list[tuple[int, dict[str, KeyValue]]]]:
    """The AppRoot and COM+ properties of every key below a site that may make a finding, by
    the site's folded path, the keys in file order.

    Left out: an AppRoot that names its own key (as IIS writes it), which is inside the
    key's site; a COM+ value written only once, which no other site shares.
    """
    by_site: dict[str, list[tuple[int, dict[str, KeyValue]]]] = {}
    locations = table.locations
    found: Iterable[KeyValue] = _foreign_app_roots(table)
    packages = list(key_values(table, COM_PLUS_PROPERTIES, _repeated_com_values(table)))
    if packages:
        found = heapq.merge(found, packages, key=attrgetter("name_start"))
    for value in found:
        path = locations[value.position].lower()
        site = SITE_PATH.match(path)
        # The site's own key or one below it (as positions_under compares paths).
        if site is None or path[site.end() : site.end() + 1] not in ("", "/"):
            continue
        keys = by_site.setdefault(site.group(), [])
        if not keys or keys[-1][0] != value.position:
            keys.append((value.position, {}))
        keys[-1][1][value.name] = value
    return by_site


def _foreign_app_roots(table: KeyTable) -> list[KeyValue]:
    """The AppRoots, in file order, but for those that name their own key (compared folded,
    without white space around and "/" at the end).  A large file has one on every
    application's key: they are compared column by column, a chunk at a time, before they
    are read as properties, so that only the few others are (see :func:`key_values`)."""
    locations = table.locations

    def foreign(positions: list[int], values: list[str]) -> Iterator[bool]:
        folded_roots = map(str.rstrip, map(str.lower, map(str.strip, values)), repeat("/"))
        paths = map(str.lower, map(locations.__getitem__, positions))
        return map(str.__ne__, folded_roots, paths)

    return list(key_values(table, ("AppRoot",), keep=foreign))


def _repeated_com_values(table: KeyTable) -> set[str] | None:
    """The COM+ values as written whose packages (compared as the check compares them) are
    written more than once; None: every value is to be read."""
    written: list[str] = []
    # A name the text does not hold has no value: a search for the name alone is quicker.
    for prop in filter(table.text.__contains__, COM_PLUS_PROPERTIES):
        values = raw_values(table, prop)
        if values is None:
            return None
        written += values
    package = {raw: decode_attribute_value(raw).strip().lower() for raw in set(written)}
    uses = Counter(package[raw] for raw in written)
    return {raw for raw, folded in package.items() if folded and uses[folded] > 1}


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
