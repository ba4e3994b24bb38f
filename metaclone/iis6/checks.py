"""``metaclone check`` for IIS 6: the values IIS's rules refuse, and pools nobody defines.

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
from typing import TYPE_CHECKING

from metaclone.lossless.values import decode_attribute_value
from metaclone.model import rules
from metaclone.model.sites import Finding, Severity
from metaclone.model.validation import binding_problem

if TYPE_CHECKING:
    from metaclone.iis6.metabase import MetabaseDocument

_POOLS = "/LM/W3SVC/AppPools"
_APP_POOL_ID = re.compile(r"\sAppPoolId\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_SITE_ID = re.compile(r"/LM/W3SVC/([0-9]+)(?:/|$)", re.IGNORECASE)


def rule_findings(document: MetabaseDocument) -> list[Finding]:
    """The site names, ids and bindings IIS refuses, and applications in undefined pools."""
    findings: list[Finding] = []
    pools = _pool_names(document)
    for site in document.sites:
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
        findings.extend(_undefined_pools(document, pools))
    return findings


def _undefined_pools(document: MetabaseDocument, pools: set[str]) -> list[Finding]:
    """Every key whose own AppPoolId names no pool: one search of the text, then the key of
    each value found (an inherited pool is reported at the key that sets it)."""
    keys = document.keys
    starts = [key.start for key in keys]
    findings: list[Finding] = []
    for match in _APP_POOL_ID.finditer(document.xml.text):
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
                line=document.xml.line_of(
                    match.start(1) if match.group(1) is not None else match.start(2)
                ),
            )
        )
    return findings


def _pool_names(document: MetabaseDocument) -> set[str] | None:
    """The keys of the pools under ``/LM/W3SVC/AppPools`` (None: the file has no such key)."""
    if document.key(_POOLS) is None:
        return None
    prefix = len(_POOLS) + 1
    return {
        rules.name_key(key.location[prefix:])
        for key in document.keys_under(_POOLS)
        if key.key_type == "IIsApplicationPool" and "/" not in key.location[prefix:]
    }
