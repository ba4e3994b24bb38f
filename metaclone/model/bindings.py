"""When two bindings are the same endpoint, and a list of bindings a site may have."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from metaclone.errors import BindingError
from metaclone.model.rules import name_key
from metaclone.model.sites import ADDRESS_PROTOCOLS, Binding, split_address


def endpoint_key(binding: Binding) -> Hashable:
    """What makes two bindings the same endpoint.

    For http, https and ftp: the protocol (any case), the address (``*`` and empty are both
    every address), the port and the host name (compared as Windows compares names); other
    protocols compare their binding information as written.
    """
    return information_endpoint_key(binding.protocol, binding.binding_information)


def information_endpoint_key(protocol: str, binding_information: str) -> Hashable:
    """:func:`endpoint_key` of a binding of ``protocol`` and ``binding_information``, for
    readers that hold the two texts and no :class:`~metaclone.model.sites.Binding`."""
    protocol = protocol.lower()
    if protocol not in ADDRESS_PROTOCOLS:
        return (protocol, binding_information)
    ip, port, host = split_address(binding_information)
    return (protocol, "" if ip == "*" else ip.lower(), port, name_key(host))


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
