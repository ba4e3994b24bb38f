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

import bisect
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from metaclone.lossless.values import decode_attribute_value
from metaclone.model import rules
from metaclone.model.sites import Finding, Severity, Site
from metaclone.model.validation import binding_problem

if TYPE_CHECKING:
    from metaclone.iis6.keys import KeySource, MetabaseKey, ServerKeyEntry
    from metaclone.lossless import XmlDocument

#: The COM+ application of a key (IIS 5 isolation mode).
COM_PLUS_PROPERTIES = ("AppPackageID", "AppWamClsid")
_POOLS = "/LM/W3SVC/AppPools"
_APP_POOL_ID = re.compile(r"\sAppPoolId\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SITE_ID = re.compile(r"/LM/W3SVC/([0-9]+)(?:/|$)", re.IGNORECASE)


def site_findings(
    document: KeySource, xml: XmlDocument, sites: Sequence[Site], entries: Sequence[ServerKeyEntry]
) -> list[Finding]:
    """The IIS 6 findings of :meth:`~metaclone.iis6.metabase.MetabaseDocument.check` (after
    :func:`~metaclone.model.checks.common_checks`), in its order; ``entries`` are the server
    keys of ``sites``, one for one."""
    findings: list[Finding] = []
    findings += rule_findings(document, xml, sites)
    findings += _waiting_findings(sites)
    findings += _key_findings(document, xml, sites, entries)
    return findings


def rule_findings(document: KeySource, xml: XmlDocument, sites: Sequence[Site]) -> list[Finding]:
    """The site names, ids and bindings IIS refuses, and applications in undefined pools."""
    findings: list[Finding] = []
    pools = _pool_names(document)
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
        findings.extend(_undefined_pools(document, xml, pools))
    return findings


def _undefined_pools(document: KeySource, xml: XmlDocument, pools: set[str]) -> list[Finding]:
    """Every key whose own AppPoolId names no pool: one search of the text, then the key of
    each value found (an inherited pool is reported at the key that sets it)."""
    keys = document.keys
    starts = [key.start for key in keys]
    findings: list[Finding] = []
    for match in _APP_POOL_ID.finditer(xml.text):
        raw = match.group(1) if match.group(1) is not None else match.group(2)
        pool = decode_attribute_value(raw).strip()
        position = bisect.bisect_right(starts, match.start()) - 1
        if not pool or rules.name_key(pool) in pools or position < 0:
            continue
        key = keys[position]
        if match.start() >= key.tag_end:
            continue  # text after the key's start tag: no property of it
        site = _SITE_ID.match(key.location)
        findings.append(
            Finding(
                Severity.WARNING,
                "undefined-pool",
                f"{key.location}: AppPoolId {pool!r} names no application pool (no key under "
                f"{_POOLS}): IIS answers the requests of its applications with 503",
                site_id=int(site.group(1)) if site else None,
                line=xml.line_of(match.start(1) if match.group(1) is not None else match.start(2)),
            )
        )
    return findings


def _pool_names(document: KeySource) -> set[str] | None:
    """The keys of the pools under ``/LM/W3SVC/AppPools`` (None: the file has no such key)."""
    if document.key(_POOLS) is None:
        return None
    prefix = len(_POOLS) + 1
    return {
        rules.name_key(key.location[prefix:])
        for key in document.keys_under(_POOLS)
        if key.key_type == "IIsApplicationPool" and "/" not in key.location[prefix:]
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


def _key_findings(
    document: KeySource, xml: XmlDocument, sites: Sequence[Site], entries: Sequence[ServerKeyEntry]
) -> list[Finding]:
    """AppRoots outside their site, then COM+ packages shared by sites: one read of each
    site's keys."""
    findings: list[Finding] = []
    owners: dict[tuple[str, str], list[tuple[Site, MetabaseKey]]] = defaultdict(list)
    for site, entry in zip(sites, entries, strict=True):
        own = entry.key.location.lower()
        for key in document.keys_under(entry.key.location):
            props = document.properties(key)
            app_root = props.get("AppRoot")
            if app_root is not None and app_root.value.strip():
                folded = app_root.value.strip().lower().rstrip("/")
                if folded != own and not folded.startswith(own + "/"):
                    findings.append(
                        Finding(
                            Severity.ERROR,
                            "approot-outside-site",
                            f"{key.location}: AppRoot {app_root.value!r} is outside site "
                            f"{site.id} ({entry.key.location})",
                            site_id=site.id,
                            line=xml.line_of(app_root.name_start),
                        )
                    )
            for prop in COM_PLUS_PROPERTIES:
                found = props.get(prop)
                if found is not None and found.value.strip():
                    owners[(prop, found.value.strip().lower())].append((site, key))
    findings += _com_package_findings(xml, owners)
    return findings


def _com_package_findings(
    xml: XmlDocument, owners: dict[tuple[str, str], list[tuple[Site, MetabaseKey]]]
) -> Iterator[Finding]:
    for (prop, _), users in owners.items():
        distinct = {(s.kind, s.id) for s, _ in users}
        if len(distinct) < 2:
            continue
        for site, key in users:
            others = sorted({s.id for s, _ in users if (s.kind, s.id) != (site.kind, site.id)})
            yield Finding(
                Severity.WARNING,
                "shared-com-package",
                f"{key.location}: {prop} is also used by site(s) " + ", ".join(map(str, others)),
                site_id=site.id,
                line=xml.line_of(key.start),
            )
