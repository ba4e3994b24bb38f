"""Selecting a site by id, name or value: the one set of rules every format follows.

A key is an id (``7`` or ``"7"``), a name (compared by :func:`~metaclone.model.rules.name_key`),
``"ftp/21"`` (FTP site 21 where FTP sites number apart, IIS 6; simply site 21 in IIS 7), or a
:class:`~metaclone.model.sites.Site` (the very site, even where two share an id).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar

import attrs

from metaclone.errors import AmbiguousSiteError, SiteNotFoundError
from metaclone.messages import LISTED_ITEMS, listing, quoted
from metaclone.model.build import grouped
from metaclone.model.rules import name_key
from metaclone.model.sites import MOST_DIGITS, NUMBER, Site, SiteKind, is_ascii_number

SiteKey = int | str | Site

_Candidate = TypeVar("_Candidate")
_Entry = TypeVar("_Entry")

#: What a lookup needs to know of a candidate: its id, name and kind.
Identity = Callable[[_Candidate], tuple[int, str, SiteKind]]


def site_identity(site: Site) -> tuple[int, str, SiteKind]:
    """The identity of a :class:`Site`, for :func:`select_site` and :class:`SiteTable`."""
    return site.id, site.name, site.kind


class SiteSource(Protocol):
    """Anything that finds a site by key (a document)."""

    def site(self, key: SiteKey) -> Site: ...


@attrs.frozen
class SiteQuery:
    """A key, read once: the id it asks for, the name, or the very site.

    ``number`` is the id asked for (an int, a string of ASCII digits, ``"ftp/N"`` or a site's
    id); ``id_only`` says it cannot also be a name (anything but a string of digits); ``name``
    is the stripped text of a string key; ``ftp`` is set by ``"ftp/N"`` and by an FTP site.
    """

    number: int | None
    name: str | None
    ftp: bool = False
    id_only: bool = False
    site: Site | None = None

    @classmethod
    def of(cls, key: SiteKey) -> SiteQuery:
        """The query ``key`` stands for; the only reader of ``"ftp/N"``."""
        if isinstance(key, Site):
            return cls(key.id, None, ftp=key.kind is SiteKind.FTP, id_only=True, site=key)
        if isinstance(key, int):
            return cls(int(key), None, id_only=True)
        text = key.strip()
        if text[:4].lower() == "ftp/" and is_ascii_number(text[4:]):
            return cls(int(text[4:]), None, ftp=True, id_only=True)
        if is_ascii_number(text):
            return cls(int(text), text)
        return cls(None, text)


def site_key(site: Site) -> str:
    """The key that finds ``site`` by id in any format: ``"7"``, or ``"ftp/21"`` for an FTP
    site (FTP sites number apart in IIS 6)."""
    return str(site.id) if site.kind is SiteKind.WEB else f"ftp/{site.id}"


#: How IIS 6 names each kind of site in a metabase path (``/LM/W3SVC/7``, ``/LM/MSFTPSVC/21``).
SITE_SERVICES = {SiteKind.WEB: "W3SVC", SiteKind.FTP: "MSFTPSVC"}


def site_path_pattern(
    kinds: Sequence[SiteKind] = (SiteKind.WEB, SiteKind.FTP),
    *,
    canonical_id: bool = False,
    optional_slash: bool = False,
) -> str:
    """The regular expression of a site's metabase path, ``/LM/W3SVC/<id>``: the one
    definition every reader of such paths compiles, with what follows the path its own.

    Group ``service`` is the service's name as written, group ``id`` the id's digits (groups 1
    and 2).  Compile it with ``re.IGNORECASE`` to read paths as written; without, it matches
    paths folded to lower case.  The keywords are where the two places such paths occur differ:

    * ``kinds``: the IIS 6 metabase has a service per kind of site; IIS 7 writes the
      customMetadata keys of every site, FTP sites too, below ``LM/W3SVC``.
    * ``canonical_id``: IIS 7 writes a customMetadata key's id in canonical decimal, so
      ``LM/W3SVC/07`` is no key of site 7; a metabase ``Location`` is read with the digits as
      written, leading zeros and all, since a key found by its digits is a key IIS 6 reads.
    * ``optional_slash``: IIS 7 writes ``LM/W3SVC/7`` (some tools ``/LM/W3SVC/7``); a
      metabase ``Location`` always starts with ``/``.

    An id has at most :data:`~metaclone.model.sites.MOST_DIGITS` digits: a path with more is
    no site's, as one with letters is not.
    """
    services = "|".join(SITE_SERVICES[kind].lower() for kind in kinds)
    digits = f"[1-9][0-9]{{0,{MOST_DIGITS - 1}}}+" if canonical_id else NUMBER
    slash = "/?" if optional_slash else "/"
    return f"{slash}lm/(?P<service>{services})/(?P<id>{digits})"


def select_site(
    candidates: Sequence[_Candidate],
    key: SiteKey,
    identity: Identity[_Candidate],
    *,
    path: str,
    format: str,
    separate_ftp_ids: bool = True,
) -> _Candidate:
    """The candidate that ``key`` selects, by going through every candidate.

    ``identity`` gives a candidate's id, name and kind, so that a document can select among
    light index entries without building a Site for each.  With ``separate_ftp_ids`` (IIS 6)
    ``"ftp/N"`` selects FTP site N only and a bare id prefers the web site; without it (IIS 7)
    ``"ftp/N"`` is simply site N.
    """
    query = SiteQuery.of(key)
    if query.number is not None:
        number = query.number
        by_id = [c for c in candidates if identity(c)[0] == number]
        ftp = query.ftp and separate_ftp_ids
        if ftp:
            by_id = [c for c in by_id if identity(c)[2] is SiteKind.FTP]
        elif len(by_id) > 1 and separate_ftp_ids:
            by_id = [c for c in by_id if identity(c)[2] is SiteKind.WEB] or by_id
        if len(by_id) == 1:
            return by_id[0]
        if len(by_id) > 1:
            raise AmbiguousSiteError(
                f"{len(by_id)} sites have id {number}: "
                + listing(repr(identity(c)[1]) for c in by_id),
                path=path,
            )
        if query.id_only:
            what = "FTP site" if ftp else "site"
            raise _not_found(f"{what} with id {number}", candidates, identity, path, format)
    shown = query.name or ""
    name = name_key(shown)
    by_name = [c for c in candidates if name_key(identity(c)[1]) == name]
    if len(by_name) == 1:
        return by_name[0]
    if len(by_name) > 1:
        raise AmbiguousSiteError(
            f"{len(by_name)} sites are named {shown!r} (ids "
            + listing(str(identity(c)[0]) for c in by_name)
            + "); give the id instead",
            path=path,
        )
    # Digits were looked up as an id first, then as a name: the message says both.
    what = f"site with id or name {shown}" if is_ascii_number(shown) else f"site named {shown!r}"
    raise _not_found(what, candidates, identity, path, format)


def _not_found(
    what: str,
    candidates: Sequence[_Candidate],
    identity: Identity[_Candidate],
    path: str,
    format: str,
) -> SiteNotFoundError:
    known = listing(
        (f"{identity(c)[0]} {quoted(identity(c)[1])}" for c in candidates[:LISTED_ITEMS]),
        total=len(candidates),
    )
    return SiteNotFoundError(
        f"no {what} in this {format} document"
        + (f" (sites: {known})" if known else " (it has no sites)"),
        path=path,
    )


@attrs.frozen
class Groups(Generic[_Entry]):
    """Where a :class:`SiteTable` takes its groups from when its owner has them already (an
    index that groups its sites by id and name for other uses): each is asked for once."""

    by_id: Callable[[], Mapping[int, tuple[_Entry, ...]]]
    by_name: Callable[[], Mapping[str, tuple[_Entry, ...]]]


class SiteTable(Generic[_Entry]):
    """Sites (or light index entries) by id and by name, for lookups that need not go through
    every site of a large file.

    :meth:`select` chooses exactly as :func:`select_site` does: the one entry with the id or
    name asked for is taken at once, anything else (none, several) is left to
    :func:`select_site` for its error.  ``line`` gives an entry's line, which tells apart sites
    that share an id when a :class:`Site` is the key.  ``id_of`` and ``name_of`` read an
    entry's id and name when the entries are grouped, faster than ``identity`` can
    (``operator.attrgetter``: grouping a large file's sites makes no Python call a site); by
    default they are read from ``identity``.
    """

    def __init__(
        self,
        entries: Sequence[_Entry],
        identity: Identity[_Entry],
        *,
        separate_ftp_ids: bool,
        line: Callable[[_Entry], int | None] | None = None,
        groups: Groups[_Entry] | None = None,
        id_of: Callable[[_Entry], int] | None = None,
        name_of: Callable[[_Entry], str] | None = None,
    ) -> None:
        self.entries = entries
        self.identity = identity
        self.separate_ftp_ids = separate_ftp_ids
        self._line = line
        self._groups = groups
        self._id_of = id_of if id_of is not None else lambda entry: identity(entry)[0]
        self._name_of = name_of if name_of is not None else lambda entry: identity(entry)[1]

    @functools.cached_property
    def by_id(self) -> Mapping[int, tuple[_Entry, ...]]:
        """The entries by id, built on the first lookup by id (or taken from ``groups``)."""
        if self._groups is not None:
            return self._groups.by_id()
        return grouped(zip(map(self._id_of, self.entries), self.entries, strict=True))

    @functools.cached_property
    def by_name(self) -> Mapping[str, tuple[_Entry, ...]]:
        """The entries by :func:`~metaclone.model.rules.name_key` of their names."""
        if self._groups is not None:
            return self._groups.by_name()
        names = map(name_key, map(self._name_of, self.entries))
        return grouped(zip(names, self.entries, strict=True))

    def select(self, key: SiteKey, *, path: str, format: str) -> _Entry:
        """The entry ``key`` selects; AmbiguousSiteError or SiteNotFoundError otherwise."""
        query = SiteQuery.of(key)
        found: Sequence[_Entry]
        if query.number is not None:
            found = self._by_id(query)
        else:
            found = self.by_name.get(name_key(query.name or ""), ())
        if len(found) == 1:
            return found[0]
        return select_site(
            self.entries,
            key,
            self.identity,
            path=path,
            format=format,
            separate_ftp_ids=self.separate_ftp_ids,
        )

    def _by_id(self, query: SiteQuery) -> Sequence[_Entry]:
        found: Sequence[_Entry] = self.by_id.get(query.number or 0, ())
        if self.separate_ftp_ids and (query.ftp or len(found) > 1):
            # "ftp/N" means an FTP site only; a bare id prefers the web site.
            kind = SiteKind.FTP if query.ftp else SiteKind.WEB
            found = [e for e in found if self.identity(e)[2] is kind] or (
                [] if query.ftp else found
            )
        site, line = query.site, self._line
        if len(found) > 1 and site is not None and site.line is not None and line is not None:
            # The very site, even in a broken file where two sites share an id.
            found = [e for e in found if line(e) == site.line]
        return found
