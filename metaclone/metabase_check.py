"""``metaclone check`` for IIS 6: the values IIS's rules refuse, and pools nobody defines.

The same rules as every edit applies (:mod:`metaclone.validation`), with the codes of the IIS 7
schema pass: ``schema-rule`` for a site name, site id or binding IIS would refuse, and
``undefined-pool`` (warning) for an application whose ``AppPoolId`` names no
``IIsApplicationPool`` key under ``/LM/W3SVC/AppPools``.  Pools are only looked for in a file
that has that key: an ``iiscnfg /export`` of one site does not carry the pools.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from metaclone import rules
from metaclone.sites import Finding, Severity, SiteKind
from metaclone.validation import binding_problem

if TYPE_CHECKING:
    from metaclone.metabase import MetabaseDocument

_POOLS = "/LM/W3SVC/AppPools"


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
        if pools is None or site.kind is not SiteKind.WEB:
            continue
        for application in document.applications(site):
            pool = application.application_pool
            if pool and rules.name_key(pool) not in pools:
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "undefined-pool",
                        f"site {site.id} {site.name!r}: application {application.path!r} runs "
                        f"in application pool {pool!r}, which has no key under {_POOLS}",
                        site_id=site.id,
                        line=site.line,
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
