"""What refers to an IIS 7+ site from outside its ``<site>`` element: ``<location>`` blocks
(by the site's name) and ``<customMetadata>`` keys (by its id), as the index finds them."""

from __future__ import annotations

import functools
import re

import attrs

from metaclone.iis7.children import attributes_of, child_spans, element_of_span
from metaclone.lazy import lazy_pattern
from metaclone.lossless import Element
from metaclone.lossless.markup import PLAIN_VALUE
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.lookup import site_path_pattern
from metaclone.model.sites import SiteKind

__all__ = ["LocationEntry", "MetadataKey", "locations_between", "metadata_keys_between"]


#: customMetadata key of a site (``LM/W3SVC/<id>``) or of something below it (group
#: ``below``).  IIS writes the id in canonical decimal: ``LM/W3SVC/07`` is no key of site 7.
_METADATA_SITE_KEY = lazy_pattern(
    lambda: re.compile(
        site_path_pattern((SiteKind.WEB,), canonical_id=True, optional_slash=True)
        + "(?P<below>/.*)?",
        re.IGNORECASE | re.S,
    )
)


@attrs.frozen
class LocationEntry:
    """A ``<location>`` block directly under ``<configuration>``.

    Kept as offsets, its element built on first use: a file has tens of thousands of blocks
    and an operation reads one site's few.
    """

    path: str
    start: int
    content_start: int
    content_end: int
    end: int

    @functools.cached_property
    def element(self) -> Element:
        """The ``<location>`` element."""
        return element_of_span(
            "location", self.start, self.content_start, self.content_end, self.end
        )

    def moved_by(self, delta: int) -> LocationEntry:
        """The same block ``delta`` characters further on."""
        return LocationEntry(
            self.path,
            self.start + delta,
            self.content_start + delta,
            self.content_end + delta,
            self.end + delta,
        )

    @property
    def site_name(self) -> str | None:
        """The first path segment: the site the block configures (None for global blocks)."""
        first = self.path.strip("/").split("/", 1)[0]
        return None if first in ("", ".") else first

    def renamed(self, new_site_name: str) -> str:
        """The path with its first segment replaced by ``new_site_name``."""
        stripped = self.path.lstrip("/")
        lead = self.path[: len(self.path) - len(stripped)]
        _, slash, rest = stripped.partition("/")
        return f"{lead}{new_site_name}{slash}{rest}"


@attrs.frozen
class MetadataKey:
    """A ``<customMetadata><key path=...>`` element; ``site_id`` set for ``LM/W3SVC/<id>...``.

    Kept as offsets, its element built on first use (see :class:`LocationEntry`).
    """

    path: str
    site_id: int | None
    start: int
    content_start: int
    content_end: int
    end: int

    @functools.cached_property
    def element(self) -> Element:
        """The ``<key>`` element."""
        return element_of_span("key", self.start, self.content_start, self.content_end, self.end)

    def moved_by(self, delta: int) -> MetadataKey:
        """The same key ``delta`` characters further on."""
        return MetadataKey(
            self.path,
            self.site_id,
            self.start + delta,
            self.content_start + delta,
            self.content_end + delta,
            self.end + delta,
        )

    @property
    def is_site_root(self) -> bool:
        """True for the site's own key, ``LM/W3SVC/<id>`` (not one of its applications)."""
        return self.below_site == ""

    @property
    def below_site(self) -> str | None:
        """The path below the site's own key (``/ROOT/app``; "" for that key itself), or None
        for a key of no site."""
        match = _METADATA_SITE_KEY.fullmatch(self.path)
        return None if match is None else match.group("below") or ""

    def moved(self, new_id: int) -> str:
        """The path with the site id replaced by ``new_id``."""
        match = _METADATA_SITE_KEY.fullmatch(self.path)
        if match is None:
            return self.path
        return f"{self.path[: match.start('id')]}{new_id}{self.path[match.end('id') :]}"


# Attribute text whose first attribute is a path that reads as written (group 1): as IIS writes
# the path of a location block and of a customMetadata key.
_PLAIN_PATH = lazy_pattern(lambda: re.compile(rf'\s+path="({PLAIN_VALUE})"'))


def _path(attribute_text: str) -> str:
    """The decoded path attribute of ``attribute_text`` ("" when it has none)."""
    plain = _PLAIN_PATH.match(attribute_text)
    if plain is not None:
        return plain.group(1)
    return decode_attribute_value(attributes_of(attribute_text).get("path", ""))


def locations_between(text: str, parent: Element) -> tuple[LocationEntry, ...]:
    """The ``<location>`` children of ``parent`` (or of a stretch of its content)."""
    return tuple(
        LocationEntry(_path(attributes), *offsets)
        for *offsets, attributes in child_spans(text, parent, "location")
    )


def metadata_keys_between(text: str, parent: Element) -> tuple[MetadataKey, ...]:
    """The ``<key>`` children of ``parent`` (or of a stretch of its content)."""
    keys: list[MetadataKey] = []
    for start, content_start, content_end, end, attribute_text in child_spans(text, parent, "key"):
        path = _path(attribute_text)
        match = _METADATA_SITE_KEY.fullmatch(path)
        site_id = int(match.group("id")) if match else None
        keys.append(MetadataKey(path, site_id, start, content_start, content_end, end))
    return tuple(keys)
