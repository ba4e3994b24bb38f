"""The keys of a metabase as a document gives them: the index, paths, properties, values.

:class:`MetabaseKeys` is the key half of :class:`~metaclone.iis6.metabase.MetabaseDocument`
(which adds the sites and the edits); it is the :class:`~metaclone.iis6.keys.KeySource` the
applications and the checks read.  Everything is read once per version of the text (memo slots
of the :class:`~metaclone.lossless.XmlDocument`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from metaclone.errors import ParseError
from metaclone.iis6.indexing import find_mbproperty, index_keys
from metaclone.iis6.inherit import ancestor_paths, inherited_values
from metaclone.iis6.key_values import KeyValueReader
from metaclone.iis6.keys import WEB, KeyTable, MetabaseKey, Service
from metaclone.iis6.reading import ScannedSite, scan_document_sites
from metaclone.iis6.schema import read_value
from metaclone.lazy import lazy_function
from metaclone.lossless import Attribute, Element, Memo, XmlDocument
from metaclone.lossless.shift import Shift

if TYPE_CHECKING:
    from metaclone.iis6.key_rebase import rebase_keys
else:
    # Bringing the index through an edit is loaded by the first edit: a listing or a check
    # never needs it.
    rebase_keys = lazy_function("metaclone.iis6.key_rebase", "rebase_keys")

_MBPROPERTY: Memo[Element] = Memo(
    "iis6 <MBProperty>", carry=lambda element, edit: Shift(edit.patches).parent(element)
)
_INDEX: Memo[KeyTable] = Memo("iis6 key index", carry=rebase_keys, release=KeyTable.release)
_INDEXED: Memo[bool] = Memo("iis6 key index built")
_INHERITED: Memo[dict[str, dict[str, str]]] = Memo("iis6 inherited properties by service")
_READERS: Memo[dict[tuple[str, ...], KeyValueReader]] = Memo(
    "iis6 readers of the properties of every key, by the names read"
)


class MetabaseKeys:
    """The key API of a metabase document (``xml``, ``exact`` and ``path`` are the
    document's)."""

    xml: XmlDocument

    @property
    def exact(self) -> bool:
        raise NotImplementedError

    @property
    def path(self) -> str:
        raise NotImplementedError

    # -- the key index ---------------------------------------------------------------------

    def _index(self) -> KeyTable:
        return self.xml.memo(_INDEX, self._build_index)

    def _build_index(self) -> KeyTable:
        mbproperty = self._mbproperty()
        index = index_keys(
            self.xml, mbproperty.content_start, mbproperty.content_end, exact=self.exact
        )
        self.xml.remember(_INDEXED, True)
        return index

    def _indexed(self) -> bool:
        """Whether the key index of the current text is built (without building it)."""
        return self.xml.memo(_INDEXED, lambda: False)

    def _mbproperty(self) -> Element:
        return self.xml.memo(_MBPROPERTY, lambda: find_mbproperty(self.xml))

    @contextlib.contextmanager
    def inheritance_kept(self) -> Iterator[None]:
        """Around an edit of a site's own keys (its properties, copies of its keys under a new
        id): the values sites inherit, read before it, still hold after it (no key a site
        inherits from changed), so that reading a site after the edit need not search the
        new text for them."""
        kept = self.xml.memo(_INHERITED, dict)
        yield
        self.xml.remember(_INHERITED, kept)

    def inherited(self, service: Service = WEB) -> dict[str, str]:
        """The inheritable properties the sites of ``service`` inherit (decoded, by name).

        See :mod:`metaclone.iis6.inherit`; read once per version of the text.
        """
        cached = self.xml.memo(_INHERITED, dict)
        values = cached.get(service.name)
        if values is None:
            mbproperty = self._mbproperty()
            ancestors = None
            if self._indexed():
                ancestors = {}
                for path in ancestor_paths(service):
                    found = self.key(path)
                    if found is not None:
                        ancestors[path] = found.start_tag
            try:
                values = inherited_values(
                    self.xml,
                    service,
                    mbproperty.content_start,
                    mbproperty.content_end,
                    ancestors,
                )
            except ValueError as exc:
                raise ParseError(str(exc), path=self.path) from None
            cached[service.name] = values
        return values

    # -- keys and values -------------------------------------------------------------------

    @property
    def is_export(self) -> bool:
        """True for an ``iiscnfg /export`` file: it holds a subtree, not the ``/LM`` key."""
        return self._index().first("/LM") is None

    def _scan_sites(self) -> list[ScannedSite] | None:
        """The sites read in one pass without the key index, unless it is already built.

        None when the index is needed to tell them (see :func:`scan_sites`), and for an exact
        document, which reads its sites from the index the exact scanner builds.
        """
        if self.exact or self._indexed():
            return None
        mbproperty = self._mbproperty()
        return scan_document_sites(self.xml.text, mbproperty.content_start, mbproperty.content_end)

    def edits_while_running(self) -> bool:
        """Whether the file has IIS pick up changes to MetaBase.xml while it runs."""
        computer = self.key("/LM")
        value = self.raw_value(computer, "EnableEditWhileRunning") if computer else None
        return value is not None and value.strip() in ("1", "TRUE")

    @property
    def keys(self) -> tuple[MetabaseKey, ...]:
        """Every key under ``<MBProperty>``, in document order."""
        index = self._index()
        return tuple(index.key(position) for position in range(len(index)))

    def key(self, location: str) -> MetabaseKey | None:
        """The first key whose Location is ``location`` (compared case-insensitively)."""
        index = self._index()
        position = index.first(location)
        return index.key(position) if position is not None else None

    def keys_under(self, location: str) -> tuple[MetabaseKey, ...]:
        """The keys at or below ``location`` (segment-exact, case-insensitive)."""
        index = self._index()
        return tuple(index.key(position) for position in index.positions_under(location))

    def properties(self, key: MetabaseKey) -> dict[str, Attribute]:
        """The key's properties (its attributes other than Location), by name."""
        return {a.name: a for a in self.xml.attributes(key.start_tag) if a.name != "Location"}

    def key_value_reader(self, names: tuple[str, ...]) -> KeyValueReader:
        """The properties ``names`` of every key, read from one search of the text as the
        keys are asked for in file order (one reader per version of the text and names)."""
        readers = self.xml.memo(_READERS, dict)
        found = readers.get(names)
        if found is None:
            found = readers[names] = KeyValueReader(self._index(), names)
        return found

    def raw_value(self, key: MetabaseKey, name: str) -> str | None:
        """Property ``name`` of ``key`` exactly as written between the quotes, or None."""
        found = self.xml.attribute(key.start_tag, name)
        return found.raw if found is not None else None

    def value(self, key: MetabaseKey, name: str) -> object:
        """Property ``name`` of ``key`` read by its type (see ``metabase_schema.read_value``).

        None when the key does not have the property.
        """
        found = self.xml.attribute(key.start_tag, name)
        if found is None:
            return None
        try:
            return read_value(name, found.raw)
        except ValueError as exc:
            raise self.xml.parse_error(found.value_start, f"{name}: {exc}") from None
