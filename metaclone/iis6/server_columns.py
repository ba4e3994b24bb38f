"""The sites of a key index, column by column: where each server key is, its service and id.

:attr:`~metaclone.iis6.keys.KeyTable.site_entries` makes a
:class:`~metaclone.iis6.keys.ServerKeyEntry` for each of tens of thousands of sites, one call
after another; a reader of every site that needs only these three columns reads them here with
one call per column, as :meth:`~metaclone.iis6.keys.KeyTable.site_entries` reads each site.
"""

from __future__ import annotations

import re
from itertools import compress, repeat
from operator import attrgetter, is_not
from typing import NamedTuple

from metaclone.iis6.keys import SERVICE_BY_FOLDED_NAME, SITE_PATH, KeyTable, Service

_POSITION = attrgetter("position")
_SERVICE = attrgetter("service")
_ID = attrgetter("id")
_KEY_TYPE = attrgetter("key_type")


class ServerColumns(NamedTuple):
    """The server keys of the sites, in file order: their positions in the table, their
    services and their ids."""

    positions: list[int]
    services: list[Service]
    ids: list[int]


def server_columns(table: KeyTable) -> ServerColumns:
    """The sites of ``table`` (those of :attr:`~metaclone.iis6.keys.KeyTable.site_entries`),
    column by column."""
    if "site_entries" in table.__dict__ or not table.from_fast_pass:
        entries = table.site_entries
        return ServerColumns(
            list(map(_POSITION, entries)), list(map(_SERVICE, entries)), list(map(_ID, entries))
        )
    # A key the fast pass lists among site_positions is a server key of one of the services
    # (by its name): a site when its path is a site's and its name is its service's.
    found = list(map(SITE_PATH.fullmatch, map(table.locations.__getitem__, table.site_positions)))
    paths = list(map(is_not, found, repeat(None)))
    positions = list(compress(table.site_positions, paths))
    matches = list(filter(None, found))
    names = list(map(re.Match.group, matches, repeat(1)))
    by_name = {name: SERVICE_BY_FOLDED_NAME[name.lower()] for name in set(names)}
    services = list(map(by_name.__getitem__, names))
    text, starts = table.text, table.starts
    typed = list(
        map(
            text.startswith,
            map(_KEY_TYPE, services),
            map((1).__add__, map(starts.__getitem__, positions)),
        )
    )
    return ServerColumns(
        list(compress(positions, typed)),
        list(compress(services, typed)),
        list(map(int, map(re.Match.group, compress(matches, typed), repeat(2)))),
    )
