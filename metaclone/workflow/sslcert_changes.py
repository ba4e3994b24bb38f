"""What changed in HTTP.sys between two captures of ``netsh http show sslcert``, per endpoint.

The changes are :class:`~metaclone.workflow.changes.Change` values like those of the configuration
files, so that ``metaclone diff --sslcert`` lists them with the files' changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from metaclone import httpsys
from metaclone.model.sites import Site
from metaclone.workflow.changes import Change, certificate_text

if TYPE_CHECKING:
    from metaclone.httpsys import SslCertEntry


def diff_sslcerts(
    old: Iterable[SslCertEntry], new: Iterable[SslCertEntry], sites: Sequence[Site] = ()
) -> tuple[Change, ...]:
    """The changes between two ``netsh http show sslcert`` captures, per endpoint.

    An entry that is the only one serving https bindings of ``sites`` (the new file's) names
    that site.  Raises :class:`~metaclone.errors.NetshParseError` for an endpoint given twice.
    """
    before, after = httpsys.index_entries(old), httpsys.index_entries(new)
    users: dict[httpsys.Endpoint, set[Site]] = defaultdict(set)
    for site in sites:
        for binding in site.secure_bindings:
            endpoint = httpsys.endpoint_for(binding)
            if endpoint is not None:
                users[endpoint].add(site)
    changes: list[Change] = []
    for endpoint in [*before, *(e for e in after if e not in before)]:
        was, now = before.get(endpoint), after.get(endpoint)
        kind = "sslcert-added" if was is None else "sslcert-removed" if now is None else None
        if kind is None and was is not None and now is not None:
            if (was.thumbprint, was.store) == (now.thumbprint, now.store):
                continue
            kind = "sslcert-changed"
        owner = next(iter(users[endpoint])) if len(users.get(endpoint, ())) == 1 else None
        changes.append(
            Change(
                kind or "sslcert-changed",
                owner.id if owner else None,
                owner.name if owner else None,
                str(endpoint),
                _entry_certificate(was),
                _entry_certificate(now),
                was.line if was else None,
                now.line if now else None,
            )
        )
    return tuple(changes)


def _entry_certificate(entry: SslCertEntry | None) -> str | None:
    if entry is None:
        return None
    return certificate_text(entry.ref) or "no certificate"
