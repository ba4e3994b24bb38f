"""Finding the server key of an IIS 6 site, and the rules a new site's id and name follow.

Sites are looked up by id in the key index, so that selecting one does not read every site of
a large file; names and everything else go through :class:`~metaclone.model.lookup.SiteTable`
(see :meth:`~metaclone.document.ConfigDocument.site`).  New ids and names follow
:data:`~metaclone.model.site_rules.IIS6_RULES`.
"""

from __future__ import annotations

from collections.abc import Callable

from metaclone.errors import (
    AmbiguousSiteError,
    MetacloneError,
    SiteIdInUseError,
    SiteNameError,
    SiteNotFoundError,
)
from metaclone.iis6.keys import SERVICES, KeyTable, ServerKeyEntry, Service
from metaclone.iis6.reading import name_owner, site_names
from metaclone.messages import listing
from metaclone.model.lookup import SiteKey, SiteQuery
from metaclone.model.rules import copy_name, name_key
from metaclone.model.site_rules import IIS6_RULES, check_free_name, choose_site_id
from metaclone.model.sites import Site, SiteKind


def entry_by_id(index: KeyTable, key: SiteKey) -> ServerKeyEntry | None:
    """The one server key ``key`` selects by id (``"ftp/N"`` an FTP site only, a bare id the
    web site first); None when ``key`` is no id or the id does not tell one site."""
    query = SiteQuery.of(key)
    if query.number is None or isinstance(key, bool):
        return None
    entries = list(index.site_entries_with_id(query.number))
    if query.ftp or len(entries) > 1:
        kind = SiteKind.FTP if query.ftp else SiteKind.WEB
        entries = [e for e in entries if e.service.kind is kind] or ([] if query.ftp else entries)
    return entries[0] if len(entries) == 1 else None


def entry_of(index: KeyTable, site: Site, *, path: str, format: str) -> ServerKeyEntry:
    """The server key ``site`` was read from (by service, id and line)."""
    service = SERVICES[site.kind]
    candidates = [e for e in index.site_entries_with_id(site.id) if e.service is service]
    for entry in candidates:
        if site.line is None or entry.line == site.line:
            return entry
    if candidates:
        return candidates[0]
    raise SiteNotFoundError(
        f"no {site.kind.value} site with id {site.id} in this {format} document", path=path
    )


def require_own_path(site: Site, entry: ServerKeyEntry, *, path: str) -> None:
    """Refuse to change a site whose server key's path another key has too (a broken file):
    both would be cloned, deleted or edited."""
    index = entry.table
    location = index.key(entry.position).location
    if index.count(location) > 1:
        folded = index.folded[entry.position]
        lines = [index.line_at(index.start(i)) for i, f in enumerate(index.folded) if f == folded]
        raise AmbiguousSiteError(
            f"site {site.id} {site.name!r}: {len(lines)} keys have Location {location} "
            f"(lines {listing(map(str, lines))}); give each its own path before changing "
            "this site",
            path=path,
            line=entry.line,
        )


def choose_id(index: KeyTable, service: Service, requested: int | None, *, path: str) -> int:
    """The id of a new site of ``service``: no key of the service may use it."""
    used = index.used_ids(service)

    def taken(ident: int) -> MetacloneError | None:
        if ident not in used:
            return None
        return SiteIdInUseError(
            f"id {ident} is already used by keys under /LM/{service.name}/{ident}; "
            "choose another id or leave it out to get a free one",
            path=path,
        )

    return choose_site_id(requested, used, IIS6_RULES, path=path, taken=taken)


def clone_name(index: KeyTable, site: Site, requested: str | None, *, path: str) -> str:
    """The name of a copy of ``site``: ``requested`` once free, else a free "(copy)" name."""
    if requested is not None:
        return free_name(index, requested, site.kind, exclude=None, path=path)
    return copy_name(site.name or f"Site {site.id}", _name_taken(index, site.kind))


def _name_taken(index: KeyTable, kind: SiteKind) -> Callable[[str], bool]:
    """Whether a site of ``kind`` has a name (any case).  The names of every site are read
    once, and only for a name that some ServerComment of the file may have: a copy's name is
    usually free, and reading every name of a large file is most of a clone's lookups."""
    taken: set[str] | None = None

    def is_taken(name: str) -> bool:
        nonlocal taken
        key = name_key(name)
        # A site without a ServerComment is named "", which no value need tell.
        if name and key not in index.names:
            return False
        if taken is None:
            taken = {name_key(other) for _, other in site_names(index, kind)}
        return key in taken

    return is_taken


def free_name(
    index: KeyTable, name: str, kind: SiteKind, *, exclude: Site | None, path: str
) -> str:
    """``name`` once valid and no site of ``kind`` but ``exclude`` has it (any case)."""

    def taken(name: str) -> MetacloneError | None:
        owner = name_owner(index, kind, name, exclude)
        if owner is None:
            return None
        entry, other_name = owner
        return SiteNameError(
            f"site {entry.id} (line {entry.key.line}) is already named {other_name!r}; "
            "choose another name",
            path=path,
            line=entry.key.line,
        )

    return check_free_name(name, path=path, taken=taken)
