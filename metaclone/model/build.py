"""Building many values at once."""

from __future__ import annotations

import bisect
import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, KeysView, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from metaclone.model.sites import Binding, CertificateRef, Site, SiteKind

if TYPE_CHECKING:
    from metaclone.model.sites import SiteSettings

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


#: More runs than this and :class:`PositionGroups` renumbers its groups (lookups stay short).
MAX_RUNS = 256


#: More groups changed than this and :class:`PositionGroups` merges its changes into one
#: dictionary again (each edit copies the changes, never the groups it left alone).
MAX_CHANGES = 1024


class PositionGroups(Mapping[_Key, tuple[_Value, ...]]):
    """:func:`grouped` of ``entries``, each group held as numbers that ``runs`` turn into the
    positions of its entries.

    An edit that inserts, removes or rewrites a few entries of a large list moves every later
    entry by the same amount: :meth:`moved` changes only the groups of the entries removed or
    added and records the move as a few runs, instead of grouping every entry again.  Each
    entry keeps the number it was given; ``runs`` holds ascending (first, last, position):
    numbers ``first..last`` stand for the positions from ``position`` on.  The groups an edit
    changed are held apart from those it left alone (``changes``, where an empty group is one
    removed), which the groups before the edit share.
    """

    __slots__ = ("_changes", "_entries", "_firsts", "_merged", "_numbers", "_runs")

    def __init__(
        self,
        numbers: dict[_Key, tuple[int, ...]],
        entries: Sequence[_Value],
        runs: list[tuple[int, int, int]] | None = None,
        changes: dict[_Key, tuple[int, ...]] | None = None,
    ) -> None:
        self._numbers = numbers
        self._changes = changes or {}
        self._merged: dict[_Key, tuple[int, ...]] | None = None if self._changes else numbers
        self._entries = entries
        self._runs = [(0, len(entries), 0)] if runs is None else runs
        self._firsts = [first for first, _, _ in self._runs]

    def _position(self, number: int) -> int:
        first, _, position = self._runs[bisect.bisect_right(self._firsts, number) - 1]
        return position + number - first

    def _numbers_of(self, key: Any) -> tuple[int, ...]:
        """The numbers of ``key``'s entries (none for a key of no group)."""
        changes = self._changes
        if key in changes:
            return changes[key]
        return self._numbers.get(key, ())

    def _groups(self) -> dict[_Key, tuple[int, ...]]:
        """Every group's numbers, in one dictionary (made once, for readers of every key)."""
        if self._merged is None:
            merged = {**self._numbers, **self._changes}
            for key, numbers in self._changes.items():
                if not numbers:
                    del merged[key]
            self._merged = merged
        return self._merged

    def positions(self, key: _Key) -> list[int]:
        """The positions of the entries of ``key``, in order."""
        numbers = self._numbers_of(key)
        if not numbers:
            raise KeyError(key)
        return sorted(map(self._position, numbers))

    def __getitem__(self, key: _Key) -> tuple[_Value, ...]:
        return tuple(map(self._entries.__getitem__, self.positions(key)))

    def __contains__(self, key: object) -> bool:
        return bool(self._numbers_of(key))

    def __iter__(self) -> Iterator[_Key]:
        return iter(self._groups())

    def __len__(self) -> int:
        return len(self._groups())

    def keys(self) -> KeysView[_Key]:
        """The keys, as the dictionary holding the groups gives them (set operations on them
        run in C)."""
        return self._groups().keys()

    def moved(
        self,
        entries: Sequence[_Value],
        kept: Sequence[tuple[int, int, int]],
        removed: Iterable[tuple[_Key, int]],
        added: Iterable[tuple[_Key, int]],
    ) -> PositionGroups[_Key, _Value]:
        """The groups of ``entries``: the entries of these groups at positions ``first..last``
        for each of ``kept`` (first, last, new first), now from ``new first`` on, but for those
        ``removed`` (key, old position), which ``entries`` no longer holds, and with those
        ``added`` (key, new position)."""
        changes = dict(self._changes)
        gone: dict[_Key, set[int]] = {}
        for key, position in removed:
            gone.setdefault(key, set()).add(position)
        for key, positions in gone.items():
            # A pass over each group touched, however many of its entries went.
            left = [n for n in self._numbers_of(key) if self._position(n) not in positions]
            changes[key] = tuple(left)
        runs = _composed(self._runs, kept)
        fresh = max((last for _, last, _ in self._runs), default=0)
        new: dict[_Key, list[int]] = {}
        for key, position in added:
            runs.append((fresh, fresh + 1, position))
            new.setdefault(key, []).append(fresh)
            fresh += 1
        for key, numbers in new.items():
            changes[key] = (*changes.get(key, self._numbers.get(key, ())), *numbers)
        base = self._numbers
        if len(changes) > MAX_CHANGES:
            base, changes = PositionGroups(base, entries, runs, changes)._groups(), {}
        moved = PositionGroups(base, entries, runs, changes)
        if len(runs) > MAX_RUNS:
            return PositionGroups({key: tuple(moved.positions(key)) for key in moved}, entries)
        return moved


def _composed(
    runs: Sequence[tuple[int, int, int]], kept: Sequence[tuple[int, int, int]]
) -> list[tuple[int, int, int]]:
    """``runs`` (numbers to old positions) followed by ``kept`` (old positions to new),
    numbers whose positions ``kept`` drops left out, adjacent runs joined."""
    firsts = [first for first, _, _ in kept]
    result: list[tuple[int, int, int]] = []
    for first, last, position in runs:
        end = position + last - first
        index = max(bisect.bisect_right(firsts, position) - 1, 0)
        for kept_first, kept_last, new_first in kept[index:]:
            if kept_first >= end:
                break
            low, high = max(position, kept_first), min(end, kept_last)
            if low >= high:
                continue
            run = (first + low - position, first + high - position, low - kept_first + new_first)
            if (
                result
                and result[-1][1] == run[0]
                and (result[-1][2] + result[-1][1] - result[-1][0] == run[2])
            ):
                run = (result[-1][0], run[1], result[-1][2])
                result.pop()
            result.append(run)
    return result
