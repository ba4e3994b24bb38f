"""HTTP.sys certificate bindings: where IIS 7+ keeps the certificate of an https binding.

applicationHost.config holds the binding; HTTP.sys holds the certificate, keyed by IP:port,
hostname:port (SNI) or the central certificate store port.  This module maps bindings to those
keys, reads ``netsh http show sslcert`` output, and plans certificate changes as netsh and
PowerShell commands.  An IP:port entry is shared by every non-SNI site bound there, so plans are
made per HTTP.sys key, never per site, and name every other site a change touches.
"""

from __future__ import annotations

import enum

import attrs

from metaclone.sites import Binding

#: The application id IIS registers its certificate bindings under.
IIS_APP_ID = "{4dc3e181-e14b-4a21-b022-59fc669b0914}"
#: The application id IIS Express uses.
IIS_EXPRESS_APP_ID = "{214124cd-d05b-4309-9af9-9caa44b2b74a}"

SSL_FLAG_SNI = 1
SSL_FLAG_CENTRAL_STORE = 2


class EndpointKind(enum.Enum):
    IPPORT = "ipport"
    HOSTNAMEPORT = "hostnameport"
    CCS = "ccs"


@attrs.frozen
class Endpoint:
    """An HTTP.sys certificate binding key, e.g. ``ipport=0.0.0.0:443``."""

    kind: EndpointKind
    value: str

    def __str__(self) -> str:
        return f"{self.kind.value}={self.value}"


def endpoint_for(binding: Binding) -> Endpoint | None:
    """The HTTP.sys key that holds the certificate of an https ``binding`` (None otherwise).

    ``*:443:`` and ``:443:`` map to ``ipport=0.0.0.0:443``; an IP-bound binding to that IP (the
    host name plays no part in the choice of certificate); SNI (sslFlags bit 1) to
    ``hostnameport=host:443``; the central certificate store (bit 2) to ``ccs=443``.
    """
    if not binding.is_secure or binding.port is None:
        return None
    flags = binding.ssl_flags or 0
    if flags & SSL_FLAG_CENTRAL_STORE:
        return Endpoint(EndpointKind.CCS, str(binding.port))
    if flags & SSL_FLAG_SNI and binding.host:
        return Endpoint(EndpointKind.HOSTNAMEPORT, f"{binding.host.lower()}:{binding.port}")
    ip = binding.ip or ""
    if ip in ("", "*"):
        ip = "0.0.0.0"
    return Endpoint(EndpointKind.IPPORT, f"{ip}:{binding.port}")
