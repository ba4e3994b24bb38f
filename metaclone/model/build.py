"""Building many values at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar, cast

import attrs

from metaclone.model.sites import Binding, CertificateRef, Site, SiteKind, SiteSettings

_SlotSetter = Callable[[object, object], None]
_Key = TypeVar("_Key")
_Value = TypeVar("_Value")


@contextlib.contextmanager
def paused_garbage_collection() -> Iterator[None]:
    """Pause the cyclic garbage collector while many acyclic values are built.

    Reading every site of a large file allocates hundreds of thousands of objects, and each
    burst of allocations starts a collection that walks the objects alive, so the collector's
    work grows faster than the number of sites.  Those values hold no reference cycles: there is
    nothing for it to find.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# attrs's __init__ of a frozen slotted class sets each field through object.__setattr__, which
# looks the field up on the class every time.  Writing through the slots' own descriptors gives
# the same value in about 60% of the time, which counts when a listing builds a Binding for
# every binding of 50,000 sites.  It is only equal to calling the class because Binding and
# Site have no validators, converters or post-init hooks (tests/test_sites.py checks that).
_new = object.__new__
(
    _binding_protocol,
    _binding_information,
    _binding_ssl_flags,
    _binding_certificate,
) = (cast("_SlotSetter", Binding.__dict__[field.name].__set__) for field in attrs.fields(Binding))
(
    _site_id,
    _site_name,
    _site_auto_start,
    _site_bindings,
    _site_certificate,
    _site_kind,
    _site_line,
    _site_certificate_known,
    _site_inherited,
    _site_settings,
) = (cast("_SlotSetter", Site.__dict__[field.name].__set__) for field in attrs.fields(Site))

# Every field of Site but settings: its slot setter and its slot.
_SITE_FIELDS = tuple(
    (cast("_SlotSetter", Site.__dict__[field.name].__set__), Site.__dict__[field.name])
    for field in attrs.fields(Site)
    if field.name != "settings"
)


def build_binding(
    protocol: str,
    binding_information: str,
    ssl_flags: int | None,
    certificate: CertificateRef | None,
) -> Binding:
    """``Binding(protocol, binding_information, ssl_flags, certificate)``."""
    binding: Binding = _new(Binding)
    _binding_protocol(binding, protocol)
    _binding_information(binding, binding_information)
    _binding_ssl_flags(binding, ssl_flags)
    _binding_certificate(binding, certificate)
    return binding


def build_site(  # noqa: PLR0917 (positional, in the order of Site's fields)
    id: int,
    name: str,
    auto_start: bool,
    bindings: tuple[Binding, ...],
    certificate: CertificateRef | None,
    kind: SiteKind,
    line: int | None,
    certificate_known: bool,
    inherited: tuple[str, ...] = (),
) -> Site:
    """``Site(id, name, auto_start, bindings, certificate, kind, line, certificate_known,
    inherited)``."""
    site: Site = _new(Site)
    _site_id(site, id)
    _site_name(site, name)
    _site_auto_start(site, auto_start)
    _site_bindings(site, bindings)
    _site_certificate(site, certificate)
    _site_kind(site, kind)
    _site_line(site, line)
    _site_certificate_known(site, certificate_known)
    _site_inherited(site, inherited)
    _site_settings(site, None)
    return site


def site_with_settings(site: Site, settings: SiteSettings | None) -> Site:
    """``attrs.evolve(site, settings=settings)``, without going through ``__init__``."""
    copy: Site = _new(Site)
    for setter, field in _SITE_FIELDS:
        setter(copy, field.__get__(site))
    _site_settings(copy, settings)
    return copy


def grouped(pairs: Iterable[tuple[_Key, _Value]]) -> dict[_Key, tuple[_Value, ...]]:
    """The values of ``pairs`` by their keys, each group in the order given: an index built
    once, for lookups that would otherwise go through every site of a large file."""
    groups: dict[_Key, list[_Value]] = {}
    for key, value in pairs:
        groups.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in groups.items()}
