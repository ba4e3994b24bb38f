"""The checks every format makes of its sites: ids, names and bindings that clash."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Sequence

from metaclone.messages import listing
from metaclone.model.bindings import endpoint_key
from metaclone.model.build import grouped, paused_garbage_collection
from metaclone.model.rules import name_key
from metaclone.model.site_rules import SiteRules
from metaclone.model.sites import ADDRESS_PROTOCOLS, Binding, Finding, Severity, Site


def common_checks(sites: Sequence[Site], rules: SiteRules) -> list[Finding]:
    """Sites sharing an id, sites sharing a name, and started sites sharing a binding, in
    that order."""
    with paused_garbage_collection():
        return [
            *_duplicate_ids(sites, rules),
            *_duplicate_names(sites, rules),
            *_duplicate_bindings(sites),
        ]


def _duplicate_ids(sites: Sequence[Site], rules: SiteRules) -> Iterator[Finding]:
    groups: Iterable[tuple[Site, ...]]
    if rules.separate_ftp_ids:
        groups = grouped(((s.kind, s.id), s) for s in sites).values()
    else:
        groups = grouped((s.id, s) for s in sites).values()
    for group in groups:
        if len(group) < 2:
            continue
        lines = listing(str(s.line) for s in group)
        kind = f"{group[0].kind.value} " if rules.separate_ftp_ids else ""
        for site in group[1:]:
            yield Finding(
                Severity.ERROR,
                "duplicate-site-id",
                f"{len(group)} {kind}sites have id {site.id} (lines {lines})",
                site_id=site.id,
                line=site.line,
            )


def _duplicate_names(sites: Sequence[Site], rules: SiteRules) -> Iterator[Finding]:
    named: Iterator[tuple[Hashable, Site]]
    if rules.separate_ftp_ids:
        named = (((s.kind, name_key(s.name)), s) for s in sites if s.name)
    else:
        named = ((name_key(s.name), s) for s in sites if s.name)
    severity = Severity.ERROR if rules.unique_names else Severity.WARNING
    for group in grouped(named).values():
        if len(group) < 2:
            continue
        ids = listing(str(s.id) for s in group)
        for site in group[1:]:
            yield Finding(
                severity,
                "duplicate-site-name",
                f"sites {ids} are all named {site.name!r} (names compare case-insensitively): "
                "select them by id",
                site_id=site.id,
                line=site.line,
            )


def _duplicate_bindings(sites: Sequence[Site]) -> Iterator[Finding]:
    # net.tcp, net.pipe and the like share their listener (port sharing): only HTTP.sys and
    # FTP bindings refuse a second site.
    started = [
        (site, binding, _protocol_and_host(binding))
        for site in sites
        if site.auto_start
        for binding in site.bindings
        if binding.protocol.lower() in ADDRESS_PROTOCOLS
    ]
    # Two bindings that are one endpoint have the same protocol and host name text (compared
    # in upper case, which equal name keys have): the full key is read only for those that
    # share these with another binding, most hosts being a single site's.
    hosts = Counter(host for _, _, host in started)
    seen: dict[Hashable, Site] = {}
    for site, binding, host in started:
        if hosts[host] > 1:
            first = seen.setdefault(endpoint_key(binding), site)
            if first is site:
                continue
            yield Finding(
                Severity.ERROR,
                "duplicate-binding",
                f"sites {first.id} {first.name!r} and {site.id} {site.name!r} both start "
                f"with {binding.summary}: the second cannot start",
                site_id=site.id,
                line=site.line,
            )


def _protocol_and_host(binding: Binding) -> tuple[str, str]:
    host = binding.binding_information.rpartition(":")[2]
    return binding.protocol.lower(), host.strip().upper()
