"""The applications of an IIS 6 site, as an IIS 6 to IIS 7 migration lists them.

IIS 7 keeps applications and virtual directories as elements of the site (``<application
path="/api" applicationPool="..."><virtualDirectory path="/" physicalPath="..."/>``); IIS 6 keeps
them as properties of the keys below the site's ``ROOT`` key.  This module reads those keys and
gives the IIS 7 shape.

Web sites:

* An application is a key at or below ``/LM/W3SVC/<id>/ROOT`` of type ``IIsWebVirtualDir`` or
  ``IIsWebDirectory`` that has an ``AppRoot`` of its own, not empty.  IIS marks application
  roots this way: creating an application (``AppCreate``, MS-IMSA 3.7.4.1) sets ``AppRoot`` on
  the key, and deleting it removes the property.  ``AppRoot`` is inheritable, but an inherited
  value is no application.  The path an ``AppRoot`` names is not compared with the key's own:
  IIS writes the key's path, so another value only comes from a key copied or renamed without
  IIS (a site copied by hand, say), and that key was still made an application root;
  :meth:`~metaclone.iis6.metabase.MetabaseDocument.check` reports the values that point outside
  their site.
* ``Application.path`` is the key's path after ``ROOT`` as written (``/`` for ``ROOT`` itself);
  ``ROOT`` is matched in any case, as IIS compares metabase paths.
* ``application_pool`` is the ``AppPoolId`` of the key, else of the nearest key above it that
  sets one: the keys of the site's ``ROOT`` tree, the site's key, then what the site inherits
  (``/LM/W3SVC``, ``/LM``, ``/``; see :mod:`metaclone.iis6.inherit`), as documented for
  ``AppPoolId`` (inherited from the parent keys, then the site, then the WWW service).  An
  ``iiscnfg /export /inherited`` file lists what its top key inherits in an
  ``IIsInheritedProperties`` element, which is read last.  ``inherited`` is
  ``("application_pool",)`` when the pool is not the key's own.  When nobody sets the property the
  pool is None: IIS 6 would then use its internal default, ``DefaultAppPool``, but an export
  file cannot tell whether the server it came from set another one, and the IIS 7 reader
  likewise leaves the pool None when no ``applicationDefaults`` names one.  An empty value
  counts as not set.
* ``virtual_directories`` first holds the application's own directory ``/``: the ``Path`` of an
  ``IIsWebVirtualDir`` application, or for an ``IIsWebDirectory`` application the ``Path`` of the
  nearest virtual directory above it joined with the folder names in between by backslashes,
  which is how IIS finds a directory's content (``Path`` is set on virtual directories only).
  Then every ``IIsWebVirtualDir`` below the application that is not inside a deeper
  application, with its path relative to the application.  A virtual directory without a
  ``Path`` of its own is served from its parent's folder, so it gets that joined path; the
  physical path is empty when no virtual directory above sets one.  Virtual directories that
  belong to no application (the ``ROOT`` key is no application) are left out.

FTP sites have no applications in IIS 6, but an IIS 7 FTP site holds its virtual directories in
an application ``/`` with no pool: that is what they get, the ``ROOT`` key's ``Path`` as ``/``
and every ``IIsFtpVirtualDir`` below it.

Keys come in file order (IIS writes them sorted).  A site without a ``ROOT`` key has no
applications; of two keys with one path (a broken file) the first is read, as
:meth:`~metaclone.iis6.metabase.MetabaseDocument.key` does.  Only the keys of the site, the site's
key and the service key are read; values are decoded as an XML parser would.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from metaclone.iis6.app_tree import (
    APPLICATION_KEY_TYPES,
    Nodes,
    OuterPool,
    ftp_directories,
    is_set,
    web_applications,
)
from metaclone.iis6.keys import WEB
from metaclone.lossless import Memo
from metaclone.model.sites import Application, VirtualDirectory

if TYPE_CHECKING:
    from metaclone.iis6.keys import KeySource, KeyTable, ServerKeyEntry, Service
    from metaclone.iis6.reading import ScannedSite
    from metaclone.lossless import XmlDocument
    from metaclone.model.sites import Site

#: The properties applications are made of.
_NODE_PROPERTIES = ("AppRoot", "AppPoolId", "Path")
_EVERY_APPLICATION: Memo[EveryApplication] = Memo("iis6 applications of every site")


def read_applications(document: KeySource, entry: ServerKeyEntry) -> tuple[Application, ...]:
    """The applications of the site whose server key is ``entry``, with their virtual
    directories, in file order.

    See the module documentation for how IIS 6 keys become IIS 7 applications.  The keys are
    read one by one (the site's own key only when its pool is needed); a reader of every
    site goes through :class:`EveryApplication` instead.
    """
    table = entry.table
    root = table.locations[entry.position] + "/ROOT"
    values = functools.partial(_key_values, table)
    tree = _Tree(table, root, table.positions_under(root), values)
    if entry.service is not WEB:
        return tree.ftp_applications()
    return tree.web_applications(_outer_pool(document, lambda: values(entry.position)))


def site_applications(
    document: KeySource, xml: XmlDocument, entry: ServerKeyEntry
) -> tuple[Application, ...]:
    """:func:`read_applications` of ``entry``: key by key for the first sites asked for, then
    through one :class:`EveryApplication` of the text ``xml`` holds, kept with it."""
    if not entry.table.many_lookups("applications"):
        return read_applications(document, entry)
    every = xml.memo(_EVERY_APPLICATION, lambda: EveryApplication(document, entry.table))
    return every.read(entry)


class ScannedApplications:
    """The applications of the sites a listing found in one pass over the text (the server
    key of ``service`` with id ``ident`` at offset ``start``, without a
    :class:`~metaclone.model.sites.Site`), as :func:`site_applications` reads those of each
    site of :attr:`~metaclone.iis6.metabase.MetabaseDocument.sites`: the server key is looked
    up in the index by its service, id and line, as a site's is."""

    def __init__(
        self, document: KeySource, xml: XmlDocument, index: Callable[[], KeyTable]
    ) -> None:
        self._document = document
        self._xml = xml
        self._index = index

    def of(
        self,
        scanned: list[ScannedSite],
        site_at: Callable[[Service, int, int, int], Site],
        through_site: Callable[[Site], tuple[Application, ...]],
    ) -> Iterator[tuple[Application, ...]]:
        """The applications of each site of ``scanned``, read as each is reached.  A site
        whose server key the index does not find by its line is read (``site_at``: from its
        service, id, start and line) and its applications found from it (``through_site``)."""
        # The raw values of the sites are let go of before the applications are read.
        places = [(service, ident, start) for service, ident, start, _ in scanned]
        return self._read(places, site_at, through_site)

    def _read(
        self,
        places: list[tuple[Service, int, int]],
        site_at: Callable[[Service, int, int, int], Site],
        through_site: Callable[[Site], tuple[Application, ...]],
    ) -> Iterator[tuple[Application, ...]]:
        text = self._xml.text
        # Lines are counted from one site to the next, as SiteReader.read_all counts them.
        line, counted = 1, 0
        for service, ident, start in places:
            line += text.count("\n", counted, start)
            counted = start
            entry = self._index().site_entry_at(service, ident, line)
            if entry is None:
                yield through_site(site_at(service, ident, start, line))
            else:
                yield site_applications(self._document, self._xml, entry)


class EveryApplication:
    """The applications of every site of one version of the text, as a listing asks for them
    site after site in file order: the keys below every site's ``ROOT`` are found by one
    search of the paths, and their values read from one search of the text, a chunk at a
    time (:class:`~metaclone.iis6.keys.ValueReader`).  A site asked for out of order, or a
    key out of order in the file, is read key by key; both give what
    :func:`read_applications` gives."""

    def __init__(self, document: KeySource, table: KeyTable) -> None:
        self._document = document
        self._table = table
        self._roots = table.positions_under_every("ROOT")
        self._reader = document.key_value_reader(_NODE_PROPERTIES)

    def read(self, entry: ServerKeyEntry) -> tuple[Application, ...]:
        """:func:`read_applications` of ``entry``."""
        table, site = self._table, entry.position
        location = table.locations[site]
        positions = self._roots.get(location.lower() + "/root", [])
        # The site's key with the keys below it: the reader goes through them in order.
        wanted = [site, *positions]
        if positions and positions[0] < site:
            wanted.sort()
        read = self._reader.values_of(wanted)
        if len(read) < len(wanted):
            # Keys the reader has passed (a site asked for again, a key out of order).
            for position in wanted:
                if position not in read:
                    read[position] = _key_values(table, position)
        tree = _Tree(table, location + "/ROOT", positions, read.__getitem__)
        if entry.service is not WEB:
            return tree.ftp_applications()
        return tree.web_applications(_outer_pool(self._document, lambda: read[site]))


class _Tree:
    """The keys at and below one site's ``ROOT``, by their folded path below it."""

    def __init__(
        self,
        table: KeyTable,
        root: str,
        positions: list[int],
        values: Callable[[int], Mapping[str, str]],
    ) -> None:
        nodes: Nodes = {}
        self.nodes = nodes
        locations, key_type_at = table.locations, table.key_type
        below = len(root)
        for position in positions:
            # positions_under matched the root path folded, which keeps its length.
            rest = locations[position][below:]
            folded = tuple(filter(None, rest.lower().split("/"))) if rest else ()
            if folded in nodes:
                continue
            key_type = key_type_at(position)
            properties = values(position)
            pool = properties.get("AppPoolId")
            nodes[folded] = (
                tuple(filter(None, rest.split("/"))) if rest else (),
                key_type,
                key_type in APPLICATION_KEY_TYPES and is_set(properties.get("AppRoot")),
                pool if is_set(pool) else None,
                properties.get("Path"),
            )

    def web_applications(self, outer: Callable[[], str | None]) -> tuple[Application, ...]:
        return tuple(
            Application(
                path,
                pool,
                tuple(VirtualDirectory(*directory) for directory in directories),
                inherited=inherited,
            )
            for path, pool, inherited, directories in web_applications(self.nodes, outer)
        )

    def ftp_applications(self) -> tuple[Application, ...]:
        directories = ftp_directories(self.nodes)
        if directories is None:
            return ()
        return (Application("/", None, tuple(VirtualDirectory(*d) for d in directories)),)


def _outer_pool(
    document: KeySource, site: Callable[[], Mapping[str, str]]
) -> Callable[[], str | None]:
    """The pool a site's ``ROOT`` tree inherits: its server key's AppPoolId (``site``: the
    key's values), else what the site inherits."""
    return OuterPool(
        lambda: site().get("AppPoolId"), lambda: document.inherited(WEB).get("AppPoolId")
    )


def _key_values(table: KeyTable, position: int) -> dict[str, str]:
    """The properties applications are made of that the key at ``position`` has, decoded."""
    return {name: a.value for name, a in table.properties(position, _NODE_PROPERTIES).items()}
