"""Planning certificate changes per HTTP.sys entry, with the sites each change touches.

An IP:port entry is shared by every non-SNI site bound there, so plans are made per HTTP.sys
key, never per site, and name every other site a change touches.  Every value a plan carries is
checked against its grammar first (:mod:`metaclone.model.rules`); the plan is rendered as cmd and
PowerShell scripts by :mod:`metaclone.httpsys.scripts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

from metaclone.errors import CertificateError, PlanValueError, SiteNotFoundError
from metaclone.httpsys.app_ids import IIS_APP_ID
from metaclone.httpsys.endpoints import (
    Endpoint,
    EndpointKind,
    central_store_file,
    endpoint_for,
    normalize_app_id,
)
from metaclone.httpsys.scripts import NetshStep, PlanScript, to_cmd, to_powershell
from metaclone.model.rules import host_name_problem, ip_problem, port_problem, store_name_problem
from metaclone.model.sites import Binding, CertificateRef, Site, normalize_thumbprint

if TYPE_CHECKING:
    # The reader of netsh output is imported when a plan is given some: most plans are not.
    from metaclone.httpsys.netsh import SslCertEntry

ADD = "add"
UPDATE = "update"
DELETE = "delete"
REPLACE = "replace"


@attrs.frozen
class PlannedChange:
    """One change to one HTTP.sys entry.

    ``action`` is what the change is against the captured state: ``add``, ``update``,
    ``delete``, or ``replace`` when the current state is unknown.  Scripts do not trust the
    capture: whatever the action, they update the entry if it exists when they run, else add it
    (with the same parameters), and delete it only if it exists (:meth:`step`).  ``sites``
    names the sites the change was asked for; ``also_affected`` the other sites whose https
    bindings use the same entry and so get the new certificate (or lose it) too.  ``options``
    are further netsh parameters that repeat the entry's current settings on an update.
    """

    action: str
    endpoint: Endpoint
    thumbprint: str | None
    store: str
    app_id: str
    sites: tuple[str, ...]
    also_affected: tuple[str, ...] = ()
    previous_thumbprint: str | None = None
    options: tuple[tuple[str, str], ...] = ()

    @property
    def comment(self) -> str:
        """One line saying what the change does and to which sites."""
        what = {
            ADD: f"add certificate {self.thumbprint}",
            UPDATE: f"set certificate {self.thumbprint}",
            REPLACE: f"set certificate {self.thumbprint}",
            DELETE: "remove the certificate",
        }[self.action]
        text = f"{self.endpoint} ({self.action}): {what} for {_names(self.sites)}"
        if self.previous_thumbprint:
            text += f" (was {self.previous_thumbprint})"
        if self.also_affected:
            verb = "gets" if len(self.also_affected) == 1 else "get"
            what = "no certificate either" if self.action == DELETE else "it too"
            text += f"; shared with {_names(self.also_affected)}, which {verb} {what}"
        return text

    def step(self) -> NetshStep:
        """The change as a script step: set the entry (update or add, whichever applies when
        the script runs) or delete it."""
        key = (self.endpoint.kind.value, self.endpoint.value)
        if self.action == DELETE:
            return NetshStep(self.comment, key)
        assert self.thumbprint is not None
        settings = (
            ("certhash", self.thumbprint),
            ("appid", self.app_id),
            ("certstorename", self.store),
            *self.options,
        )
        return NetshStep(self.comment, key, settings)

    def to_json(self) -> dict[str, object]:
        return {
            "action": self.action,
            **self.endpoint.to_json(),
            "thumbprint": self.thumbprint,
            "store": self.store,
            "app_id": self.app_id,
            "sites": list(self.sites),
            "also_affected": list(self.also_affected),
            "previous_thumbprint": self.previous_thumbprint,
            "options": dict(self.options),
        }


def _names(names: Sequence[str]) -> str:
    quoted = ", ".join(f'"{name}"' for name in names)
    return ("site " if len(names) == 1 else "sites ") + quoted


@attrs.frozen
class HttpSysPlan:
    """Changes to HTTP.sys certificate bindings, and what the user should know about them.

    Render with :meth:`netsh` (a cmd script) or :meth:`powershell`; an empty plan is falsy.
    """

    changes: tuple[PlannedChange, ...] = ()
    warnings: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.changes)

    def merged(self, other: HttpSysPlan) -> HttpSysPlan:
        """This plan followed by ``other``.

        ``other`` is taken to happen later: where both change the same entry, ``other``'s change
        replaces this plan's one (in this plan's position).  Warnings are kept once each.
        """
        later = {change.endpoint: change for change in other.changes}
        changes = [later.pop(change.endpoint, change) for change in self.changes]
        changes.extend(c for c in other.changes if c.endpoint in later)
        warnings = dict.fromkeys((*self.warnings, *other.warnings))
        return HttpSysPlan(tuple(changes), tuple(warnings))

    def script(self) -> PlanScript:
        """The plan as script steps (:mod:`metaclone.httpsys.scripts` checks the values)."""
        certificates = {
            (change.store, change.thumbprint): None
            for change in self.changes
            if change.action != DELETE and change.thumbprint is not None
        }
        return PlanScript(
            warnings=self.warnings,
            certificates=tuple(certificates),
            steps=tuple(change.step() for change in self.changes),
        )

    def netsh(self) -> str:
        """The plan as a cmd script for an elevated command prompt: safe to run on a stale
        capture and to run twice (see :func:`~metaclone.httpsys.scripts.to_cmd`).

        Raises :class:`~metaclone.errors.PlanValueError` for a value that cannot be written
        into a script harmlessly (a hand-made :class:`PlannedChange`; :func:`plan_certificates`
        refuses such values itself).
        """
        return to_cmd(self.script())

    def powershell(self) -> str:
        """The plan as a PowerShell script calling netsh.exe, with the same guarantees and
        errors as :meth:`netsh` (see :func:`~metaclone.httpsys.scripts.to_powershell`)."""
        return to_powershell(self.script())

    def to_json(self) -> dict[str, object]:
        return {
            "changes": [change.to_json() for change in self.changes],
            "warnings": list(self.warnings),
        }


@attrs.frozen
class _Demand:
    certificate: CertificateRef | None
    sites: list[Site]


def _same_certificate(a: CertificateRef | None, b: CertificateRef | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.thumbprint == b.thumbprint and a.store.upper() == b.store.upper()


def _describe(certificate: CertificateRef | None) -> str:
    return f"certificate {certificate.thumbprint}" if certificate else "no certificate"


def _normalized(certificate: CertificateRef | None) -> CertificateRef | None:
    if certificate is None:
        return None
    return CertificateRef(normalize_thumbprint(certificate.thumbprint), certificate.store)


def _unique_endpoints(site: Site) -> list[tuple[Endpoint, Binding]]:
    found: dict[Endpoint, Binding] = {}
    for binding in site.secure_bindings:
        endpoint = endpoint_for(binding)
        if endpoint is not None and endpoint not in found:
            found[endpoint] = binding
    return list(found.items())


def _central_store_warning(site: Site, binding: Binding, certificate: CertificateRef | None) -> str:
    where = f'site "{site.name}" binding {binding.binding_information}'
    port = binding.port
    if not binding.host:
        return (
            f"{where} uses the central certificate store (ccs={port}) but has no host name, "
            "so the store has no file for it; give the binding a host name"
        )
    file = central_store_file(binding.host)
    if certificate is None:
        return (
            f"{where} takes its certificate from the central certificate store (ccs={port}); "
            f"HTTP.sys is not changed: remove {file} from the store to take the certificate away"
        )
    return (
        f"{where} takes its certificate from the central certificate store (ccs={port}); "
        f"HTTP.sys is not changed: the store must contain {file} holding certificate "
        f"{certificate.thumbprint}"
    )


def _site_label(site: Site) -> str:
    return f"site {site.id} {site.name!r}"


def _check_planned_binding(site: Site, binding: Binding, endpoint: Endpoint) -> None:
    """Refuse a binding whose address, port or (SNI) host name breaks its grammar.

    These values become the key of a netsh command in a plan an administrator runs elevated,
    so only values HTTP.sys itself would accept are planned.
    """
    problem = ip_problem(binding.ip or "") or port_problem(str(binding.port))
    if problem is None and endpoint.kind is not EndpointKind.IPPORT and binding.host:
        problem = host_name_problem(binding.host)
    if problem is not None:
        raise PlanValueError(
            f"{_site_label(site)} binding {binding.summary!r} cannot be planned: {problem}"
        )


def _add_demands(
    site: Site,
    certificate: CertificateRef | None,
    demands: dict[Endpoint, _Demand],
    warnings: list[str],
) -> None:
    """Record the entries ``site`` needs ``certificate`` on (checking each binding first)."""
    if certificate is not None and (problem := store_name_problem(certificate.store)):
        raise PlanValueError(
            f"the certificate store {certificate.store!r} for {_site_label(site)} is "
            f"refused: {problem}"
        )
    endpoints = _unique_endpoints(site)
    if not endpoints:
        warnings.append(
            f'site "{site.name}" (id {site.id}) has no https binding, so there is no '
            "HTTP.sys certificate binding to change"
        )
    for endpoint, binding in endpoints:
        _check_planned_binding(site, binding, endpoint)
        if endpoint.kind is EndpointKind.CCS:
            for ccs_binding in site.secure_bindings:
                if endpoint_for(ccs_binding) == endpoint:
                    warnings.append(_central_store_warning(site, ccs_binding, certificate))
            continue
        demand = demands.setdefault(endpoint, _Demand(certificate, []))
        if not _same_certificate(demand.certificate, certificate):
            other = demand.sites[0]
            raise CertificateError(
                f'sites "{other.name}" and "{site.name}" both use the HTTP.sys entry '
                f"{endpoint} (binding {binding.binding_information}), which holds one "
                f"certificate per {endpoint.description}, so they cannot have different "
                f"certificates ({_describe(demand.certificate)} and {_describe(certificate)}). "
                "Give one of them its own IP address, or use SNI (sslFlags=1 with a host "
                "name) so that each gets its own hostnameport entry, then plan again."
            )
        demand.sites.append(site)


def _action(
    certificate: CertificateRef | None, current: SslCertEntry | None, known: bool
) -> str | None:
    """What the change to an entry is against the capture (None: nothing to change)."""
    if not known:
        return DELETE if certificate is None else REPLACE
    if certificate is None:
        return DELETE if current is not None else None
    if current is None:
        return ADD
    return None if _same_certificate(current.ref, certificate) else UPDATE


def _by_key(existing: Sequence[SslCertEntry] | None) -> dict[Endpoint, SslCertEntry]:
    if existing is None:
        return {}
    from metaclone.httpsys.netsh import index_entries  # noqa: PLC0415

    return index_entries(existing)


def _change(
    endpoint: Endpoint,
    demand: _Demand,
    current: SslCertEntry | None,
    *,
    action: str,
    others: tuple[str, ...],
    app_id: str,
    warnings: list[str],
) -> PlannedChange:
    """The change ``action`` to ``endpoint``; its warnings are added to ``warnings``."""
    certificate = demand.certificate
    options: tuple[tuple[str, str], ...] = ()
    if action == UPDATE and current is not None:
        from metaclone.httpsys.netsh import carried_settings  # noqa: PLC0415

        options, notes = carried_settings(current)
        warnings.extend(notes)
    if current is not None and current.app_id not in (None, app_id):
        warnings.append(
            f"{endpoint} is registered by application {current.app_id}, not {app_id}; "
            "changing it affects that application too"
        )
    if others:
        fate = "lose their certificate" if certificate is None else "get the new certificate"
        warnings.append(
            f"{endpoint} is shared: {_names(others)} will {fate} too (HTTP.sys holds one "
            f"certificate per {endpoint.description})"
        )
    return PlannedChange(
        action=action,
        endpoint=endpoint,
        thumbprint=certificate.thumbprint if certificate else None,
        store=certificate.store if certificate else (current and current.store) or "MY",
        app_id=app_id,
        sites=tuple(dict.fromkeys(s.name for s in demand.sites)),
        also_affected=others,
        previous_thumbprint=current.thumbprint if current else None,
        options=options,
    )


def _sites_by_id(sites: Sequence[Site], targets: Iterable[int]) -> dict[int, Site]:
    """The sites by id; raises :class:`~metaclone.errors.SiteNotFoundError` for a missing target."""
    by_id = {site.id: site for site in sites}
    for site_id in targets:
        if site_id not in by_id:
            raise SiteNotFoundError(
                f"no site has id {site_id}; the certificate plan needs every target among the "
                "sites of the document"
            )
    return by_id


def _sites_by_endpoint(sites: Sequence[Site]) -> dict[Endpoint, list[Site]]:
    """The sites with a secure binding on each HTTP.sys key, in document order."""
    users: dict[Endpoint, list[Site]] = {}
    for site in sites:
        for endpoint, _ in _unique_endpoints(site):
            users.setdefault(endpoint, []).append(site)
    return users


_UNKNOWN_ENTRIES_WARNING = (
    "the current HTTP.sys entries are not known: each change updates the entry (or adds "
    "it), which resets its other settings (client certificate negotiation, revocation "
    "checks) to the defaults; give the 'netsh http show sslcert' output to plan updates "
    "that keep them"
)


def plan_certificates(
    sites: Sequence[Site],
    targets: Mapping[int, CertificateRef | None],
    existing: Sequence[SslCertEntry] | None = None,
    *,
    app_id: str = IIS_APP_ID,
) -> HttpSysPlan:
    """The HTTP.sys changes that give each target site its new certificate.

    ``sites`` are all the sites of the document (to find who else shares an entry); ``targets``
    maps a site id to its new certificate, None to remove it.  Every https binding of a target is
    mapped to its HTTP.sys key (:func:`endpoint_for`); the plan has one change per key.  With
    ``existing`` (parsed ``netsh http show sslcert`` output) a key is added when absent, updated
    when it holds another certificate (repeating its other settings), left alone when it already
    holds the certificate, and deleted for None; without it, each key is a ``replace`` (the
    script updates it when present, else adds it).  Other sites on a changed key are named in
    ``also_affected`` and in a warning.  Central-store bindings take their certificate from a
    ``<host>.pfx`` file, so they get a warning naming the file instead of a command; a target
    without https bindings gets a warning too.

    Raises :class:`~metaclone.errors.PlanValueError` for a target binding whose address, port or
    SNI host name, or a certificate store name, breaks its grammar (plans carry only values
    proven harmless); :class:`~metaclone.errors.CertificateError` when two targets need
    different certificates on one key (an IP:port entry holds one certificate for every site
    bound there); :class:`~metaclone.errors.SiteNotFoundError` for a target id that is not in
    ``sites``.
    """
    app_id = normalize_app_id(app_id)
    by_id = _sites_by_id(sites, targets)
    users = _sites_by_endpoint(sites)

    warnings: list[str] = []
    demands: dict[Endpoint, _Demand] = {}
    for site_id, wanted in targets.items():
        _add_demands(by_id[site_id], _normalized(wanted), demands, warnings)

    index = _by_key(existing)
    changes: list[PlannedChange] = []
    for endpoint, demand in demands.items():
        current = index.get(endpoint)
        action = _action(demand.certificate, current, known=existing is not None)
        if action is None:
            continue
        others = tuple(s.name for s in users.get(endpoint, []) if s.id not in targets)
        changes.append(
            _change(
                endpoint,
                demand,
                current,
                action=action,
                others=others,
                app_id=app_id,
                warnings=warnings,
            )
        )
    if any(change.action == REPLACE for change in changes):
        warnings.append(_UNKNOWN_ENTRIES_WARNING)
    return HttpSysPlan(tuple(changes), tuple(dict.fromkeys(warnings)))
