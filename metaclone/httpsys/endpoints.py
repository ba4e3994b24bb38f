"""HTTP.sys certificate binding keys: which entry holds the certificate of an https binding.

An https binding maps to ``ipport=IP:port`` (shared by every non-SNI site bound there),
``hostnameport=host:port`` (SNI) or ``ccs=port`` (the central certificate store); a TLS
connection is served by the first of the keys :func:`resolution_order` lists that has an entry.
"""

from __future__ import annotations

import enum
import functools
import re

import attrs

from metaclone.errors import CertificateError
from metaclone.httpsys.app_ids import IIS_APP_ID
from metaclone.lazy import lazy_pattern
from metaclone.messages import quoted
from metaclone.model.sites import Binding, split_address

SSL_FLAG_SNI = 1
SSL_FLAG_CENTRAL_STORE = 2

#: What netsh prints for a value that is not set.
NULL_VALUE = "(null)"

#: The store HTTP.sys reads a certificate from when none is named.
DEFAULT_STORE = "MY"


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

    def to_json(self) -> dict[str, object]:
        """The fields that name the endpoint in the JSON of an entry or a planned change."""
        return {"endpoint": str(self), "kind": self.kind.value, "key": self.value}

    @property
    def description(self) -> str:
        """What one entry of this kind is shared by, for messages."""
        if self.kind is EndpointKind.IPPORT:
            return "IP address and port"
        if self.kind is EndpointKind.HOSTNAMEPORT:
            return "host name and port"
        return "port of the central certificate store"


def endpoint_for(binding: Binding) -> Endpoint | None:
    """The HTTP.sys key that holds the certificate of an https ``binding`` (None otherwise).

    ``*:443:`` and ``:443:`` map to ``ipport=0.0.0.0:443``; an IP-bound binding to that IP (the
    host name plays no part in the choice of certificate); SNI (sslFlags bit 1) to
    ``hostnameport=host:443``; the central certificate store (bit 2) to ``ccs=443``.  IPv6
    addresses are written in their compressed form, as netsh shows them: ``[::1]:443``.
    """
    if not binding.is_secure or binding.port is None:
        return None
    flags = binding.ssl_flags or 0
    if flags & SSL_FLAG_CENTRAL_STORE:
        return Endpoint(EndpointKind.CCS, str(binding.port))
    if flags & SSL_FLAG_SNI and binding.host:
        return _sni_endpoint(binding.host, binding.port)
    ip = _bound_address(binding)
    return Endpoint(EndpointKind.IPPORT, f"{_canonical_ip(ip) or ip}:{binding.port}")


def endpoint_text(binding: Binding) -> str | None:
    """``str(endpoint_for(binding))``, None where that is None, written without the
    :class:`Endpoint` and the binding's cached address: a certificate listing writes it for
    every https binding of a file."""
    if binding.protocol.lower() != "https":
        return None
    ip, port, host = split_address(binding.binding_information)
    if port is None:
        return None
    flags = binding.ssl_flags or 0
    if flags & SSL_FLAG_CENTRAL_STORE:
        return f"ccs={port}"
    if flags & SSL_FLAG_SNI and host:
        return f"hostnameport={host.lower()}:{port}"
    if ip in ("", "*"):
        ip = "0.0.0.0"
    return f"ipport={_canonical_ip(ip) or ip}:{port}"


def _sni_endpoint(host: str, port: int) -> Endpoint:
    return Endpoint(EndpointKind.HOSTNAMEPORT, f"{host.lower()}:{port}")


def _bound_address(binding: Binding) -> str:
    """The address of ``binding`` as an ipport key names it: ``0.0.0.0`` for all addresses."""
    ip = binding.ip or ""
    return "0.0.0.0" if ip in ("", "*") else ip


def central_store_file(host: str) -> str:
    """The file name the central certificate store looks up for ``host``.

    IIS names wildcard certificates with an underscore: ``*.example.com`` is
    ``_.example.com.pfx``.
    """
    host = host.lower()
    if host.startswith("*."):
        host = "_" + host[1:]
    return f"{host}.pfx"


# An IPv4 address as ipaddress writes it: four numbers of 0-255 without leading zeros.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_WRITTEN_IPV4 = re.compile(rf"(?:{_OCTET}\.){{3}}{_OCTET}")


def _canonical_ip(text: str) -> str | None:
    """``text`` as netsh writes the address (IPv6 compressed, in brackets), or None."""
    # A listing asks for an address per https binding, most written as netsh writes them.
    if _WRITTEN_IPV4.fullmatch(text):
        return text
    return _parsed_ip(text)


# Cached: a listing asks for the same few addresses (0.0.0.0 above all) once per https binding.
@functools.lru_cache(maxsize=1024)
def _parsed_ip(text: str) -> str | None:
    """:func:`_canonical_ip` of any ``text``, parsed."""
    import ipaddress  # noqa: PLC0415 - a listing without https bindings is not slowed by it

    try:
        if text.startswith("[") and text.endswith("]"):
            return f"[{ipaddress.IPv6Address(text[1:-1]).compressed}]"
        return str(ipaddress.IPv4Address(text))
    except ValueError:
        return None


def _parse_port(text: str) -> int | None:
    if not text.isascii() or not text.isdigit() or len(text) > 5:
        return None
    port = int(text)
    return port if 0 < port <= 65535 else None


_HOST_NAME = lazy_pattern(lambda: re.compile(r"[\w*][\w.*-]*", re.UNICODE))
_GUID = lazy_pattern(
    lambda: re.compile(
        r"\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?"
    )
)


def endpoint_from_text(kind: EndpointKind, value: str) -> Endpoint | None:
    """The key netsh printed as ``value`` for a block of ``kind``, or None if it is not one."""
    if kind is EndpointKind.CCS:
        port = _parse_port(value)
        return Endpoint(kind, str(port)) if port is not None else None
    address, colon, port_text = value.rpartition(":")
    port = _parse_port(port_text)
    if not colon or port is None:
        return None
    if kind is EndpointKind.IPPORT:
        ip = _canonical_ip(address)
        return Endpoint(kind, f"{ip}:{port}") if ip is not None else None
    if not _HOST_NAME.fullmatch(address) or address.replace(".", "").isdigit():
        return None
    return Endpoint(kind, f"{address.lower()}:{port}")


def endpoint_from_shape(value: str) -> Endpoint | None:
    """The key ``value`` stands for, judged by its form alone (for output in other languages)."""
    for kind in (EndpointKind.CCS, EndpointKind.IPPORT, EndpointKind.HOSTNAMEPORT):
        endpoint = endpoint_from_text(kind, value)
        if endpoint is not None:
            return endpoint
    return None


def normalize_app_id(app_id: str) -> str:
    """An application id as netsh takes it: ``{guid}`` in lower case.

    Raises :class:`~metaclone.errors.CertificateError` for text that is not a GUID.
    """
    match = _GUID.fullmatch(app_id.strip())
    if match is None:
        raise CertificateError(
            f"{quoted(app_id)} is not an application id; write a GUID such as {IIS_APP_ID}"
        )
    return "{" + match.group(1).lower() + "}"


def wildcard_of(endpoint: Endpoint) -> Endpoint | None:
    """The catch-all ``ipport`` entry behind an IP-bound ``endpoint`` (None if it is one).

    ``ipport=10.0.0.5:443`` falls back to ``0.0.0.0:443``, ``[2001:db8::5]:443`` to ``[::]:443``.
    """
    if endpoint.kind is not EndpointKind.IPPORT:
        return None
    address, _, port = endpoint.value.rpartition(":")
    wildcard = "[::]" if address.startswith("[") else "0.0.0.0"
    return None if address == wildcard else Endpoint(EndpointKind.IPPORT, f"{wildcard}:{port}")


def resolution_order(binding: Binding) -> tuple[Endpoint, ...]:
    """The HTTP.sys keys tried, in order, for a TLS connection to an https ``binding``.

    HTTP.sys looks up SNI mappings first (``hostnameport=host:port``, for a binding with the SNI
    flag), then the central certificate store (``ccs=port``, with its flag), then the IP-based
    mappings: the exact ``ipport=IP:port``, then the wildcard ``0.0.0.0:port`` (``[::]:port`` for
    IPv6).  A binding on ``*`` (all unassigned addresses) is served by the wildcard alone.  Empty
    for bindings that are not https or have no valid port.
    """
    endpoint = endpoint_for(binding)
    if endpoint is None:
        return ()
    flags = binding.ssl_flags or 0
    order: list[Endpoint] = []
    if flags & SSL_FLAG_SNI and binding.host and binding.port is not None:
        order.append(_sni_endpoint(binding.host, binding.port))
    if flags & SSL_FLAG_CENTRAL_STORE and binding.port is not None:
        order.append(Endpoint(EndpointKind.CCS, str(binding.port)))
    address = _canonical_ip(_bound_address(binding))
    if address is not None and binding.port is not None:
        exact = Endpoint(EndpointKind.IPPORT, f"{address}:{binding.port}")
        order.append(exact)
        wildcard = wildcard_of(exact)
        if wildcard is not None:
            order.append(wildcard)
    return tuple(order)
