"""The paths of the keys of a key table, and the lookups by path that editing a site makes.

A clone, rename or delete asks a few questions about one site: which keys lie at or below its
path, whether another key has its server key's path, which server keys have an id, which ids
are used.  The first few lookups search every path, folded and joined (a single lookup, from
the command line, reads no more).  Once enough were made, in this version of the text and the
ones it came from, the positions of the keys are grouped by the first three segments of their
folded path (:class:`SitePaths`: ``/lm/w3svc/1`` for ``/LM/W3SVC/1/ROOT``) and each later
lookup reads one group.  An edit brings the groups through by what it touched
(:class:`PositionMove`): the groups it added keys to at once, the others when next read, so that
successive edits cost in proportion to what they change, not to the number of keys.

Paths compare as IIS compares them, folded by ``str.lower``.  Folding paths joined between NULs
(which no XML text holds) folds each as folding it alone does: NUL is neither cased nor ignored
by case, so not even a final sigma folds differently.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from itertools import accumulate, repeat
from operator import add, methodcaller, sub

from metaclone.lazy import lazy_pattern
from metaclone.model.build import paused_garbage_collection
from metaclone.model.sites import NUMBER

#: Consecutive positions ``first`` to ``last`` (exclusive).
Run = tuple[int, int]

#: Lookups (of keys by path, of sites by id) that each search every path; later ones use the
#: groups by site.
SEARCHES_BEFORE_GROUPING = 8

#: A run of consecutive paths of a joined string with the same first three segments (group 1),
#: which a path of fewer segments does not start.
_RUNS = lazy_pattern(
    lambda: re.compile(r"\0(/[^/\0]*+/[^/\0]*+/[^/\0]*+)[^\0]*+(?:\0\1(?![^/\0])[^\0]*+)*+")
)
#: A folded site path whose id is written with leading zeros, among joined prefixes.
_PADDED_SITE = lazy_pattern(
    lambda: re.compile(rf"\0(/lm/(?:w3svc|msftpsvc)/(?=0[0-9])({NUMBER}))(?=\0)")
)


def joined_paths(locations: Iterable[str]) -> str:
    """The paths folded, between NULs (for searches in C)."""
    return ("\0" + "\0".join(locations) + "\0").lower()


def ids_in(joined: str, service_name: str) -> Counter[int]:
    """How many of the folded paths in ``joined`` use each id of the service ``service_name``
    (``/lm/w3svc/<id>`` and below)."""
    pattern = re.compile(rf"\0/lm/({re.escape(service_name.lower())})/({NUMBER})(?=[\0/])")
    return Counter(int(digits) for _, digits in pattern.findall(joined))


def _joined(folded: Iterable[str]) -> str:
    return "\0" + "\0".join(folded) + "\0"


def site_prefix(folded: str) -> str | None:
    """``/lm/<service>/<id>``, the first three segments of a folded path (None: fewer)."""
    parts = folded.split("/", 4)
    return "/".join(parts[:4]) if len(parts) >= 4 and parts[0] == "" else None


def positions_at(joined: str, offsets: Iterable[int]) -> list[int]:
    """The positions of the paths starting at ``offsets`` (ascending) in ``joined``."""
    positions: list[int] = []
    position, counted = -1, 0
    for offset in offsets:
        position += joined.count("\0", counted, offset)
        counted = offset
        positions.append(position)
    return positions


class PositionMove:
    """Where an edit moved the positions of a table's keys: old positions ``firsts[i]`` to
    ``lasts[i]`` (exclusive) by ``shifts[i]``; every other old position is gone (the edit read
    its key again, or removed it)."""

    __slots__ = ("firsts", "lasts", "shifts")

    def __init__(self) -> None:
        self.firsts: list[int] = []
        self.lasts: list[int] = []
        self.shifts: list[int] = []

    def keep(self, first: int, last: int, new_first: int) -> None:
        """Old positions ``first..last`` (after those kept before) are now from ``new_first``."""
        self.firsts.append(first)
        self.lasts.append(last)
        self.shifts.append(new_first - first)

    def runs(self, runs: Iterable[Run]) -> list[Run]:
        """``runs`` (ascending) in the new positions, those gone left out."""
        firsts, lasts, shifts = self.firsts, self.lasts, self.shifts
        moved: list[Run] = []
        for first, last in runs:
            step = max(bisect.bisect_right(firsts, first) - 1, 0)
            while step < len(firsts) and firsts[step] < last:
                low, high = max(first, firsts[step]), min(last, lasts[step])
                if low < high:
                    _extend(moved, low + shifts[step], high + shifts[step])
                step += 1
        return moved


def _extend(runs: list[Run], first: int, last: int) -> None:
    """Append ``first..last`` (after every run) to ``runs``, joined to the last if they touch."""
    if runs and runs[-1][1] == first:
        runs[-1] = (runs[-1][0], last)
    else:
        runs.append((first, last))


class SitePaths:
    """The positions of a table's keys by their :func:`site_prefix`, as runs, kept through
    edits (a group follows the moves it has not followed yet when it is next read)."""

    __slots__ = ("_moves", "_padded", "_runs", "_sizes", "_versions")

    def __init__(self, runs: dict[str, list[Run]], sizes: dict[str, int]) -> None:
        self._runs = runs
        #: How many keys each group held when made (until the first edit).
        self._sizes = sizes
        #: How many of ``_moves`` each group has followed (absent: none).
        self._versions: dict[str, int] = {}
        self._moves: list[PositionMove] = []
        #: The prefixes of site paths whose id has leading zeros, by id (IIS reads them).
        self._padded: dict[int, list[str]] = {}
        self._note_padded(runs)

    @classmethod
    def of(cls, joined: str, count: int) -> SitePaths:
        """The groups of the ``count`` paths of ``joined`` (see :func:`joined_paths`)."""
        # One search finds each run of paths with one prefix; the runs are counted and placed
        # by calls in C, and only a prefix found in more than one run is grouped in a loop: a
        # large file has hundreds of thousands of keys, nearly every group one run.  The
        # search stops before the last NUL, which ends the last path and starts none.
        found = list(_RUNS.finditer(joined, 0, max(len(joined) - 1, 0)))
        starts, ends = list(map(re.Match.start, found)), list(map(re.Match.end, found))
        heads: list[str] = list(map(methodcaller("group", 1), found))
        nul = repeat("\0")
        sizes = list(map(joined.count, nul, starts, ends))
        # Between runs, the paths of fewer than three segments, in no group.
        gaps = map(joined.count, nul, [0, *ends[:-1]], starts)
        lasts = list(accumulate(map(add, gaps, sizes)))
        firsts = list(map(sub, lasts, sizes))
        runs = dict(zip(heads, ([run] for run in zip(firsts, lasts, strict=True)), strict=True))
        if len(runs) == len(heads):
            return cls(runs, dict(zip(heads, sizes, strict=True)))
        runs, totals = {}, Counter[str]()
        for head, run, size in zip(heads, zip(firsts, lasts, strict=True), sizes, strict=True):
            runs.setdefault(head, []).append(run)
            totals[head] += size
        return cls(runs, totals)

    def positions(self, prefix: str) -> Iterator[int]:
        """The positions of the keys whose path starts with ``prefix``, ascending."""
        for first, last in self._current(prefix):
            yield from range(first, last)

    def site_prefixes(self, site_id: int) -> list[str]:
        """The prefixes that are the path of a site with id ``site_id`` (any service, the id
        as written with or without leading zeros)."""
        digits = str(site_id)
        return [f"/lm/w3svc/{digits}", f"/lm/msftpsvc/{digits}", *self._padded.get(site_id, ())]

    def id_counts(self, service_name: str) -> Counter[int]:
        """How many keys use each id of the service ``service_name`` (as :func:`ids_in`)."""
        pattern = re.compile(rf"\0(/lm/{re.escape(service_name.lower())}/({NUMBER}))(?=\0)")
        found: list[tuple[str, str]] = pattern.findall(_joined(self._runs))
        if self._moves:
            sizes = {p: sum(last - first for first, last in self._current(p)) for p, _ in found}
        else:
            sizes = self._sizes
        ids = list(map(int, (digits for _, digits in found)))
        weights = list(map(sizes.__getitem__, (prefix for prefix, _ in found)))
        by_id = dict(zip(ids, weights, strict=True))
        if len(by_id) == len(ids) and all(weights):
            return Counter(by_id)
        # An id written in more than one way, or a group an edit emptied.
        counts: Counter[int] = Counter()
        for ident, weight in zip(ids, weights, strict=True):
            if weight:
                counts[ident] += weight
        return counts

    def follow(self, move: PositionMove, added: Iterable[tuple[int, str]]) -> None:
        """Bring the groups through an edit: the keys it kept by ``move``, and ``added``, the
        keys it read (their positions in the new table and folded paths, ascending)."""
        self._moves.append(move)
        self._sizes = {}
        new: dict[str, list[int]] = {}
        for position, folded in added:
            prefix = site_prefix(folded)
            if prefix is not None:
                new.setdefault(prefix, []).append(position)
        self._note_padded([prefix for prefix in new if prefix not in self._runs])
        for prefix, positions in new.items():
            merged: list[Run] = []
            for first, last in sorted([*self._current(prefix), *((p, p + 1) for p in positions)]):
                _extend(merged, first, last)
            self._runs[prefix] = merged
            self._versions[prefix] = len(self._moves)

    def _current(self, prefix: str) -> list[Run]:
        runs = self._runs.get(prefix)
        if runs is None:
            return []
        done = self._versions.get(prefix, 0)
        if done < len(self._moves):
            for move in self._moves[done:]:
                runs = move.runs(runs)
            self._runs[prefix] = runs
            self._versions[prefix] = len(self._moves)
        return runs

    def _note_padded(self, prefixes: Collection[str]) -> None:
        if prefixes:
            for found in _PADDED_SITE.finditer(_joined(prefixes)):
                self._padded.setdefault(int(found.group(2)), []).append(found.group(1))


class PathIndex:
    """Lookups by path among the keys of one version of the text (``locations``: their paths
    as written, by position), by search or by :class:`SitePaths`; the groups, the ids counted
    and the number of lookups made are brought through edits (:meth:`take_over`)."""

    def __init__(self, locations: list[str]) -> None:
        self.locations = locations
        #: Lookups made, in this version of the text and those it came from.
        self.searches = 0
        self.sites: SitePaths | None = None
        #: How many keys use each id, by service name (filled in by :meth:`used_ids`).
        self.id_counts: dict[str, Counter[int]] = {}
        self._joined: str | None = None

    def release(self) -> None:
        """Let go of the joined paths (made again if this version is asked again)."""
        self._joined = None

    @property
    def joined(self) -> str:
        """The folded paths between NULs, made once per version when a lookup searches them."""
        if self._joined is None:
            self._joined = joined_paths(self.locations)
        return self._joined

    def folded(self) -> list[str]:
        """Every path in lower case, as IIS compares them."""
        return self.joined[1:-1].split("\0") if self.locations else []

    def grouped(self) -> SitePaths | None:
        """The groups by site, made once enough lookups were made (this one counted)."""
        if self.sites is None:
            self.searches += 1
            if self.searches > SEARCHES_BEFORE_GROUPING:
                return self.group()
        return self.sites

    def group(self) -> SitePaths:
        """The groups by site, made now if they are not yet."""
        if self.sites is None:
            with paused_garbage_collection():
                self.sites = SitePaths.of(self.joined, len(self.locations))
        return self.sites

    def first(self, location: str) -> int | None:
        """The position of the first key whose path is ``location`` (any case)."""
        if "\0" in location:
            return None
        found = self._same_path(location)
        if found is not None:
            return found[0] if found else None
        match = next(self._matches(location), None)
        return None if match is None else positions_at(self.joined, (match.start() + 1,))[0]

    def count(self, location: str) -> int:
        """How many keys have the path ``location`` (any case)."""
        if "\0" in location:
            return 0
        found = self._same_path(location)
        if found is not None:
            return len(found)
        return sum(1 for _ in self._matches(location))

    def positions_under(self, location: str) -> list[int]:
        """Positions of the keys at or below ``location`` (segment-exact, any case)."""
        wanted = location.lower().rstrip("/")
        sites = self.grouped()
        prefix = site_prefix(wanted)
        if sites is not None and prefix is not None and "\0" not in wanted:
            below, locations = wanted + "/", self.locations
            return [
                position
                for position in sites.positions(prefix)
                if (folded := locations[position].lower()) == wanted or folded.startswith(below)
            ]
        pattern = re.compile("\0" + re.escape(wanted) + "(?=[\0/])")
        joined = self.joined
        return positions_at(joined, (match.start() + 1 for match in pattern.finditer(joined)))

    def site_path_positions(self, site_id: int) -> list[int] | None:
        """From the groups, the positions of the keys whose path is a site path with id
        ``site_id`` (``/LM/W3SVC/<id>``, ``/LM/MSFTPSVC/<id>``), ascending; None until they
        are made."""
        sites = self.grouped()
        if sites is None:
            return None
        locations = self.locations
        return sorted(
            position
            for prefix in sites.site_prefixes(site_id)
            for position in sites.positions(prefix)
            if locations[position].lower() == prefix
        )

    def used_ids(self, service_name: str) -> Collection[int]:
        """Every id used by a key at or below ``/LM/<service_name>/<id>``.  Only a new site's
        id asks, and a clone makes more lookups: the groups are made for it at once."""
        counts = self.id_counts.get(service_name)
        if counts is None:
            counts = self.id_counts[service_name] = self.group().id_counts(service_name)
        return counts.keys()

    def take_over(
        self,
        earlier: PathIndex,
        move: PositionMove,
        gone: list[str],
        added: list[tuple[int, str]],
    ) -> None:
        """Take the groups, the ids counted and the lookups made of ``earlier``, the index of
        the text before an edit: ``move`` for the keys the edit kept, ``gone`` the paths of
        the others, ``added`` the keys it read (positions here, paths as written)."""
        self.searches = earlier.searches
        if earlier.sites is not None:
            earlier.sites.follow(move, ((p, location.lower()) for p, location in added))
            self.sites, earlier.sites = earlier.sites, None
        if earlier.id_counts:
            # Changed where the edit changed them (``earlier`` counts again if it is ever
            # asked): copying them would read every id.
            removed = joined_paths(gone)
            new = joined_paths(location for _, location in added)
            for name, counts in earlier.id_counts.items():
                less = ids_in(removed, name)
                counts.subtract(less)
                counts.update(ids_in(new, name))
                for ident in less:
                    if counts[ident] <= 0:
                        del counts[ident]
            self.id_counts, earlier.id_counts = earlier.id_counts, {}

    def _same_path(self, location: str) -> list[int] | None:
        """From the groups, the positions of the keys whose path is ``location`` (any case);
        None when they do not tell (not made yet, or a path of fewer than three segments)."""
        sites = self.grouped()
        wanted = location.lower()
        prefix = site_prefix(wanted)
        if sites is None or prefix is None:
            return None
        locations = self.locations
        return [p for p in sites.positions(prefix) if locations[p].lower() == wanted]

    def _matches(self, location: str) -> Iterator[re.Match[str]]:
        """The places in :attr:`joined` of the paths equal to ``location`` (any case)."""
        return re.finditer("\0" + re.escape(location.lower()) + "(?=\0)", self.joined)
