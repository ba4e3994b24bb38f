"""IIS's validation rules applied to the values metaclone writes, for every format.

Both document types call these before they write a site name, a pool name, a site id or a
binding, so that a value IIS would refuse is refused here, once, with the rule named.  The
text rules themselves live in :mod:`metaclone.model.rules`; this module turns a broken rule into the
specific error (exit status 3 on the command line).
"""

from __future__ import annotations

from collections.abc import Callable

from metaclone.errors import BindingError, SiteIdOutOfRangeError, SiteNameError
from metaclone.lossless.values import encode_attribute_value
from metaclone.model import rules
from metaclone.model.sites import ADDRESS_PROTOCOLS, Binding

#: sslFlags bits by the IIS version that introduced them: SNI and the central certificate
#: store (IIS 8), then no HTTP/2, no OCSP stapling, no QUIC, no TLS 1.3 over TCP and no
#: legacy TLS (IIS 10 builds).
SSL_FLAGS_IIS8 = 1 | 2
SSL_FLAGS_IIS10 = SSL_FLAGS_IIS8 | 4 | 8 | 16 | 32 | 64
#: The bits accepted when a file's IIS version cannot be told: all seven that exist.
SSL_FLAGS_ANY = SSL_FLAGS_IIS10


def require_site_name(name: object, *, path: str | None = None) -> str:
    """``name`` when IIS accepts it as a site name; else :class:`SiteNameError` naming the rule."""
    return _require_name(name, "a", "site name", rules.site_name_problem, path)


def require_pool_name(name: object, *, path: str | None = None) -> str:
    """``name`` when IIS accepts it as an application pool name; else :class:`SiteNameError`."""
    return _require_name(name, "an", "application pool name", rules.pool_name_problem, path)


def _require_name(
    name: object,
    article: str,
    what: str,
    problem_of: Callable[[str], str | None],
    path: str | None,
) -> str:
    if not isinstance(name, str):
        raise SiteNameError(f"{name!r} is not {article} {what}", path=path)
    problem = problem_of(name) or _encoding_problem(name)
    if problem is not None:
        raise SiteNameError(f"{what} {name!r} is refused: {problem}", path=path)
    return name


def require_site_id(site_id: object, maximum: int, *, path: str | None = None) -> int:
    """``site_id`` when it is a whole number from 1 to ``maximum``; else
    :class:`SiteIdOutOfRangeError` naming the range."""
    if isinstance(site_id, bool) or not isinstance(site_id, int):
        raise SiteIdOutOfRangeError(
            f"site id {site_id!r} is refused: a site id is a whole number from 1 to {maximum}",
            path=path,
        )
    problem = rules.site_id_problem(site_id, maximum)
    if problem is not None:
        raise SiteIdOutOfRangeError(f"site id {site_id} is refused: {problem}", path=path)
    return site_id


def ssl_flags_problem(flags: int, known_bits: int) -> str | None:
    """Why ``flags`` is not an sslFlags value for an IIS that knows ``known_bits``, or None."""
    if isinstance(flags, bool) or not isinstance(flags, int) or flags < 0:
        return "sslFlags is a bit set (a whole number, 0 or more)"
    unknown = flags & ~known_bits
    if unknown:
        return (
            f"sslFlags bits {unknown} are not known to this file's IIS version "
            f"(known bits: {known_bits})"
        )
    return None


def binding_problem(binding: Binding, known_ssl_bits: int = SSL_FLAGS_ANY) -> str | None:
    """Why IIS would refuse ``binding``, or None.

    http, https and ftp bindings are ``IP:port:host`` (port 1-65535, ``*`` or empty for all
    addresses, IPv6 in brackets, host names by RFC 1123 with an optional leading ``*.``);
    other protocols need some binding information.  SNI (sslFlags bit 1) needs a host name.
    """
    if not binding.protocol.strip() or not binding.binding_information.strip():
        return "a binding needs a protocol and binding information"
    for text in (binding.protocol, binding.binding_information):
        problem = _encoding_problem(text)
        if problem is not None:
            return problem
    if binding.protocol.strip().lower() in ADDRESS_PROTOCOLS:
        problem = rules.address_problem(binding.binding_information)
        if problem is not None:
            return f"{problem} (e.g. *:443:shop.example.com)"
    flags = binding.ssl_flags
    if flags is not None:
        problem = ssl_flags_problem(flags, known_ssl_bits)
        if problem is not None:
            return problem
        if flags & 1 and not binding.host:
            return "SNI (sslFlags bit 1) needs a host name"
    return None


def require_binding(
    binding: Binding, known_ssl_bits: int = SSL_FLAGS_ANY, *, path: str | None = None
) -> Binding:
    """``binding`` when IIS accepts it; else :class:`BindingError` naming the rule."""
    problem = binding_problem(binding, known_ssl_bits)
    if problem is not None:
        raise BindingError(f"binding {binding.summary!r} is refused: {problem}", path=path)
    return binding


def _encoding_problem(text: str) -> str | None:
    if text.isascii() and text.isprintable():
        return None  # space to "~": every one of them can be written
    try:
        encode_attribute_value(text)
    except ValueError as exc:
        return str(exc)
    return None
