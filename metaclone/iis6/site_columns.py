"""The sites a check of a large metabase reads whole: only those a finding may name.

The checks of every site (:func:`~metaclone.model.checks.common_checks`,
:func:`~metaclone.iis6.checks.site_rule_findings`, the sites waiting for a certificate) find
nothing in a site whose id, name and bindings no other site shares, whose values IIS accepts and
which waits for no certificate: they find the same in the sites that are left once those are
left out.  Those are told apart column by column from the raw values of the server keys, without
making a :class:`~metaclone.model.sites.Site` or a :class:`~metaclone.model.sites.Binding` for
the tens of thousands of others.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, compress, count, repeat
from operator import attrgetter, is_not, itemgetter, ne

from metaclone.iis6.checks import odd_informations, odd_names_and_ids
from metaclone.iis6.key_groups import lines_at
from metaclone.iis6.keys import KeyTable
from metaclone.iis6.reading import SiteReader, binding_informations, properties_at
from metaclone.iis6.server_columns import server_columns
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.build import paused_garbage_collection
from metaclone.model.checks import endpoint_hashes, shared_endpoints
from metaclone.model.rules import name_keys
from metaclone.model.sites import CertificateRef, Site

_COMMENT, _FLAG, _PLAIN, _SECURE, _THUMBPRINT, _STORE = range(6)
_FLAGS_READ_PLAINLY = frozenset({None, "TRUE", "FALSE"})
_NEEDS_DECODING = ("&", "\n", "\r", "\t")
_CHUNK = 4096


class SiteColumns:
    """The sites of the server keys of ``table`` (:attr:`~metaclone.iis6.keys.KeyTable.
    site_entries`), as :meth:`SiteReader.read_all` reads them from the index, column by
    column."""

    def __init__(self, reader: SiteReader, table: KeyTable, text: str) -> None:
        self._reader = reader
        self._text = text
        positions, self._services, self._ids = server_columns(table)
        self._starts = list(map(table.starts.__getitem__, positions))
        self._plain_protocols = list(map(attrgetter("plain_protocol"), self._services))
        self._properties = list(
            map(
                properties_at,
                repeat(text),
                self._starts,
                map(attrgetter("key_type"), self._services),
            )
        )
        # A ServerAutoStart IIS would refuse raises here, at the first such site in file
        # order, as reading every site does.
        self.started = self._started()
        self._certificates: dict[str, tuple[CertificateRef | None, tuple[str, ...]]] = {}

    def _started(self) -> list[bool]:
        flags = list(map(itemgetter(_FLAG), self._properties))
        if set(flags) <= _FLAGS_READ_PLAINLY:
            return list(map(ne, flags, repeat("FALSE")))
        return [
            self._reader.auto_start_of(flag, start, service.key_type)
            for flag, start, service in zip(flags, self._starts, self._services, strict=True)
        ]

    def candidates(self) -> list[int]:
        """The indexes of the sites a check of every site may find something in, in order:
        those sharing an id, a name or a started endpoint, those of odd values, and those with
        https bindings and no certificate."""
        ids = self._ids
        found = set(_repeated(ids))
        found.update(self._odd_or_shared_names(ids))
        found.update(self._odd_shared_or_waiting_bindings())
        return sorted(found)

    def _odd_or_shared_names(self, ids: list[int]) -> Iterator[int]:
        comments = [comment or "" for comment in map(itemgetter(_COMMENT), self._properties)]
        names = comments
        if any(c in "\0".join(comments) for c in _NEEDS_DECODING):
            names = list(map(decode_attribute_value, comments))
        yield from odd_names_and_ids(names, ids)
        named = list(compress(count(), names))
        keys = name_keys([names[i] for i in named])
        yield from map(named.__getitem__, _repeated(keys))

    def _odd_shared_or_waiting_bindings(self) -> Iterator[int]:
        """The sites with odd binding information, those of the started ones with an
        endpoint (hash) another started site's binding has, and those with https bindings
        that have no certificate; read a chunk of sites at a time, so that only the hashes
        of the bindings are held for all."""
        address, hashes = bytearray(), array("q")
        started_owners = array("q")
        for first in range(0, len(self._properties), _CHUNK):
            protocols, informations, owners = self._bindings(first, first + _CHUNK)
            yield from map(owners.__getitem__, odd_informations(informations))
            secure = set(compress(owners, map("https".__eq__, protocols)))
            yield from filter(self._certificate_missing, sorted(filter(self._may_lack, secure)))
            started = list(map(self.started.__getitem__, owners))
            chunk_address, chunk_hashes = endpoint_hashes(
                list(compress(protocols, started)), list(compress(informations, started))
            )
            address += chunk_address
            hashes += chunk_hashes
            started_owners.extend(compress(owners, started))
        yield from map(started_owners.__getitem__, shared_endpoints(address, hashes))

    def _bindings(self, first: int, end: int) -> tuple[list[str], list[str], list[int]]:
        """The protocol, the binding information and the index of the site of every binding
        of the sites from ``first`` to ``end``: their http (or ftp) bindings, then their https
        ones."""
        protocols: list[str] = []
        informations: list[str] = []
        owners: list[int] = []
        properties = self._properties[first:end]
        for column, protocol in ((_PLAIN, None), (_SECURE, "https")):
            raws = list(map(itemgetter(column), properties))
            present = list(map(is_not, raws, repeat(None)))
            found, by = _informations(
                list(compress(raws, present)), list(compress(range(first, end), present))
            )
            informations += found
            owners += by
            protocols += (
                [protocol] * len(by)
                if protocol
                else list(map(self._plain_protocols.__getitem__, by))
            )
        return protocols, informations, owners

    def _may_lack(self, index: int) -> bool:
        """False when the site at ``index`` has a certificate of its own: an SSLCertHash with
        text besides white space (the others are asked :meth:`_certificate_missing`)."""
        thumbprint = self._properties[index][_THUMBPRINT]
        return thumbprint is None or "&" in thumbprint or not thumbprint.strip()

    def _certificate_missing(self, index: int) -> bool:
        service, properties = self._services[index], self._properties[index]
        certificate, _ = self._reader.certificate_of(
            service, properties[_THUMBPRINT], properties[_STORE], self._certificates
        )
        return certificate is None

    def sites(self, indexes: Sequence[int]) -> list[Site]:
        """The sites at ``indexes`` (ascending), read whole."""
        lines = lines_at(self._text, (self._starts[i] for i in indexes))
        return [
            self._reader.site_from(
                self._services[i],
                self._ids[i],
                self._starts[i],
                line,
                self._properties[i],
                by_service=self._certificates,
            )
            for i, line in zip(indexes, lines, strict=True)
        ]


def _repeated(keys: list[int] | list[str]) -> Iterable[int]:
    """The indexes of the ``keys`` that occur more than once."""
    if len(set(keys)) == len(keys):
        return ()
    uses = Counter(keys)
    return (i for i, key in enumerate(keys) if uses[key] > 1)


def _informations(raws: list[str], holders: list[int]) -> tuple[list[str], list[int]]:
    """:func:`~metaclone.iis6.reading.binding_informations` of each of ``raws``, flat, with
    the index of the site (``holders``) of each."""
    joined = "\n".join(raws)
    if "&" in joined or "\r" in joined:
        per_site = list(map(binding_informations, raws))
        return (
            list(chain.from_iterable(per_site)),
            list(chain.from_iterable(map(repeat, holders, map(len, per_site)))),
        )
    # As binding_informations reads a value with nothing to decode, for all at once.
    entries = list(map(str.strip, joined.split("\n")))
    lines = map((1).__add__, map(str.count, raws, repeat("\n")))
    owners = list(chain.from_iterable(map(repeat, holders, lines)))
    kept = list(map(bool, entries))
    # A tab left inside an entry reads as a space in the binding, not here: either way the
    # entry is not of the plain shapes, which makes its site a candidate.
    return list(compress(entries, kept)), list(compress(owners, kept))


def check_candidates(reader: SiteReader, table: KeyTable, text: str) -> list[Site]:
    """The sites a check of every site may name (see the module's docstring), read whole."""
    with paused_garbage_collection():
        columns = SiteColumns(reader, table, text)
        return columns.sites(columns.candidates())
