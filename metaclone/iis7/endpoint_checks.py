"""``metaclone check`` for IIS 7+: the HTTP.sys endpoints of the sites' https bindings.

* ``shared-sslcert-endpoint`` (info): one IP:port entry serves the https bindings of several
  sites, so that a certificate change there changes it for all of them;
* ``missing-certificate`` (warning, when the HTTP.sys entries are attached): an https binding
  no entry serves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from metaclone import httpsys
from metaclone.messages import listing
from metaclone.model.sites import Finding, Severity, Site

if TYPE_CHECKING:
    from metaclone.httpsys import SslCertEntry


def certificate_findings(
    sites: Sequence[Site], sslcerts: Mapping[httpsys.Endpoint, SslCertEntry] | None
) -> list[Finding]:
    """HTTP.sys endpoints shared by several sites, and (with ``sslcerts``) https bindings
    no entry serves."""
    if sslcerts is None:
        return _shared(_users_by_text(sites))
    findings: list[Finding] = []
    # The sites of each endpoint, by its text, in order, each once: keys of a dict rather than
    # items of a list, whose "in" would compare a site with every one before it (thousands of
    # sites may share 0.0.0.0:443).
    users: dict[str, dict[Site, None]] = {}
    for site in sites:
        for binding in site.secure_bindings:
            endpoint = httpsys.endpoint_for(binding)
            if endpoint is None:
                continue
            if endpoint.kind is httpsys.EndpointKind.IPPORT:
                users.setdefault(str(endpoint), {})[site] = None
            if binding.certificate is None:
                if httpsys.served_by(binding, sslcerts) is not None:
                    continue  # served by the central store, whose certificate is a file
                findings.append(
                    Finding(
                        Severity.WARNING,
                        "missing-certificate",
                        f"site {site.name!r} (id {site.id}) binding {binding.summary}: "
                        f"HTTP.sys has no certificate for {endpoint}",
                        site.id,
                        site.line,
                    )
                )
    return findings + _shared(users)


def _users_by_text(sites: Sequence[Site]) -> dict[str, dict[Site, None]]:
    """The sites of each IP:port endpoint, as :func:`certificate_findings` gathers them, from
    the endpoints' text (:func:`~metaclone.httpsys.endpoint_text`): no
    :class:`~metaclone.httpsys.Endpoint` is built, and no address kept on its binding."""
    users: dict[str, dict[Site, None]] = {}
    endpoint_text = httpsys.endpoint_text
    # How the text of an IP:port endpoint starts (``ipport=0.0.0.0:443``); read here, as
    # the HTTP.sys endpoints are imported only when used.
    ipport = f"{httpsys.EndpointKind.IPPORT.value}="
    for site in sites:
        for binding in site.bindings:
            text = endpoint_text(binding)
            if text is not None and text.startswith(ipport):
                users.setdefault(text, {})[site] = None
    return users


def _shared(users: Mapping[str, Mapping[Site, None]]) -> list[Finding]:
    """A finding for each endpoint (by its text) that serves more than one site."""
    findings: list[Finding] = []
    for endpoint, sites_of_endpoint in users.items():
        if len(sites_of_endpoint) > 1:
            owners = list(sites_of_endpoint)
            named = listing(f"{s.name!r} (id {s.id})" for s in owners)
            findings.append(
                Finding(
                    Severity.INFO,
                    "shared-sslcert-endpoint",
                    f"HTTP.sys entry {endpoint} serves the https bindings of {named}: "
                    "a certificate change there changes it for all of them",
                    owners[0].id,
                    owners[0].line,
                )
            )
    return findings
