"""What refers to an IIS 7+ site from outside its ``<site>`` element: ``<location>`` blocks
(by the site's name) and ``<customMetadata>`` keys (by its id), as the index finds them."""

from __future__ import annotations

import re

import attrs

from metaclone.iis7.children import attributes_of, children_named
from metaclone.lossless import Element
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.lookup import site_path_pattern
from metaclone.model.sites import SiteKind

__all__ = ["LocationEntry", "MetadataKey", "locations_between", "metadata_keys_between"]


#: customMetadata key of a site (``LM/W3SVC/<id>``) or of something below it (group
#: ``below``).  IIS writes the id in canonical decimal: ``LM/W3SVC/07`` is no key of site 7.
_METADATA_SITE_KEY = re.compile(
    site_path_pattern((SiteKind.WEB,), canonical_id=True, optional_slash=True) + "(?P<below>/.*)?",
    re.IGNORECASE | re.S,
)


@attrs.frozen
class LocationEntry:
    """A ``<location>`` block directly under ``<configuration>``."""

    element: Element
    path: str

    @property
    def start(self) -> int:
        return self.element.start

    @property
    def end(self) -> int:
        return self.element.end

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
    """A ``<customMetadata><key path=...>`` element; ``site_id`` set for ``LM/W3SVC/<id>...``."""

    element: Element
    path: str
    site_id: int | None

    @property
    def start(self) -> int:
        return self.element.start

    @property
    def end(self) -> int:
        return self.element.end

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


def locations_between(text: str, parent: Element) -> tuple[LocationEntry, ...]:
    """The ``<location>`` children of ``parent`` (or of a stretch of its content)."""
    return tuple(
        LocationEntry(element, decode_attribute_value(attributes_of(attributes).get("path", "")))
        for element, attributes in children_named(text, parent, "location")
    )


def metadata_keys_between(text: str, parent: Element) -> tuple[MetadataKey, ...]:
    """The ``<key>`` children of ``parent`` (or of a stretch of its content)."""
    keys: list[MetadataKey] = []
    for key, attribute_text in children_named(text, parent, "key"):
        path = decode_attribute_value(attributes_of(attribute_text).get("path", ""))
        match = _METADATA_SITE_KEY.fullmatch(path)
        keys.append(MetadataKey(key, path, int(match.group("id")) if match else None))
    return tuple(keys)
