"""When two bindings are the same endpoint, and a list of bindings a site may have."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from metaclone.errors import BindingError
from metaclone.model.rules import name_key
from metaclone.model.sites import ADDRESS_PROTOCOLS, Binding


def endpoint_key(binding: Binding) -> Hashable:
    """What makes two bindings the same endpoint.

    For http, https and ftp: the protocol (any case), the address (``*`` and empty are both
    every address), the port and the host name (compared as Windows compares names); other
    protocols compare their binding information as written.
    """
    protocol = binding.protocol.lower()
    if protocol not in ADDRESS_PROTOCOLS:
        return (protocol, binding.binding_information)
    ip = binding.ip or ""
    return (protocol, "" if ip == "*" else ip.lower(), binding.port, name_key(binding.host or ""))


def unique_bindings(items: Iterable[Binding], *, path: str) -> list[Binding]:
    """``items`` as a list, refused when one endpoint is given twice or there is none."""
    result: list[Binding] = []
    seen: set[Hashable] = set()
    for binding in items:
        key = endpoint_key(binding)
        if key in seen:
            raise BindingError(f"binding {binding.summary!r} is given twice", path=path)
        seen.add(key)
        result.append(binding)
    if not result:
        raise BindingError(
            "a site needs at least one binding (delete the site instead?)", path=path
        )
    return result
