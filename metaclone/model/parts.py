"""The parts of a configuration besides its sites' own values, as values that compare by meaning.

A semantic comparison of two files needs, beside the sites, the parts that configure them or
stand beside them: IIS 7 ``<location>`` blocks, site settings, customMetadata keys and
application pools; IIS 6 keys below a site and application pool keys
(:mod:`metaclone.workflow.part_readers` reads them).  Each is a :class:`Part` holding a
:class:`Node`: an element reduced to its name, its attributes sorted by name (decoded) and its
child elements, so that white space, attribute order and comments never make two parts differ.

:func:`differences` names what differs between two nodes: for location blocks the configuration
sections (``system.webServer/security/access``), for pools and keys the attributes and child
elements.
"""

from __future__ import annotations

import enum
import functools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator

import attrs

from metaclone.lossless import Element, XmlDocument
from metaclone.model.rules import name_key
from metaclone.model.sites import Site

#: How much of a value or an element is shown in a message.
SHOWN_LENGTH = 160


@attrs.frozen
class Node:
    """An element as a value: name, attributes sorted by name (decoded), child elements."""

    name: str
    attributes: tuple[tuple[str, str], ...] = ()
    children: tuple[Node, ...] = ()

    def attribute(self, name: str) -> str | None:
        return next((value for key, value in self.attributes if key == name), None)

    def render(self) -> str:
        """The element on one line, shortened to about :data:`SHOWN_LENGTH` characters."""
        return shorten(self._text())

    def _text(self) -> str:
        attributes = "".join(f' {name}="{shorten(value, 60)}"' for name, value in self.attributes)
        if not self.children:
            return f"<{self.name}{attributes} />"
        inner = "".join(child._text() for child in self.children)
        return f"<{self.name}{attributes}>{inner}</{self.name}>"


def shorten(text: str, limit: int = SHOWN_LENGTH) -> str:
    """``text`` on one line, cut in the middle when longer than ``limit``."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    half = (limit - 1) // 2
    return f"{flat[:half]}…{flat[-half:]}"


def node_of(xml: XmlDocument, element: Element, *, skip: Iterable[str] = ()) -> Node:
    """``element`` as a :class:`Node`; attributes named in ``skip`` are left out."""
    skipped = frozenset(skip)
    attributes = sorted((a.name, a.value) for a in xml.attributes(element) if a.name not in skipped)
    children = tuple(node_of(xml, child) for child in xml.children(element))
    return Node(element.name, tuple(attributes), children)


@attrs.frozen
class Difference:
    """What differs between two nodes: where (a section, attribute or element path) and how.

    ``old`` is None for something added, ``new`` for something removed.
    """

    where: str
    old: str | None
    new: str | None


def _identifying(node: Node) -> str | None:
    """The first of ``node``'s attributes that tell it from its siblings: name, path, id, value."""
    return next(
        (node.attribute(n) for n in ("name", "path", "id", "value") if node.attribute(n)), None
    )


def _keyed(children: Iterable[Node]) -> dict[tuple[str, str, int], Node]:
    """Children by name, identifying attribute (``name``, ``path``, ...) and occurrence."""
    seen: Counter[tuple[str, str]] = Counter()
    keyed: dict[tuple[str, str, int], Node] = {}
    for child in children:
        pair = (child.name, name_key(_identifying(child) or ""))
        keyed[(*pair, seen[pair])] = child
        seen[pair] += 1
    return keyed


def _label(path: str, key: tuple[str, str, int], node: Node) -> str:
    ident = _identifying(node)
    shown = f"{key[0]}[{ident}]" if key[1] and ident else key[0]
    return f"{path}/{shown}" if path else shown


def _aligned(
    old: tuple[Node, ...], new: tuple[Node, ...]
) -> Iterator[tuple[tuple[str, str, int], Node | None, Node | None]]:
    old_keyed, new_keyed = _keyed(old), _keyed(new)
    for key, node in old_keyed.items():
        yield key, node, new_keyed.get(key)
    for key, node in new_keyed.items():
        if key not in old_keyed:
            yield key, None, node


def differences(
    old: Node, new: Node, *, groups: frozenset[str] | None = None, path: str = ""
) -> list[Difference]:
    """What differs from ``old`` to ``new`` (both the same kind of element).

    With ``groups`` (section group paths) the children are configuration sections: groups are
    compared child by child and each differing section is named whole.  Without, each differing
    attribute is named (``processModel/@userName``), and each child added or removed.
    """
    found: list[Difference] = []
    old_attributes, new_attributes = dict(old.attributes), dict(new.attributes)
    for name in sorted(old_attributes.keys() | new_attributes.keys()):
        before, after = old_attributes.get(name), new_attributes.get(name)
        if before != after:
            where = f"{path}/@{name}" if path else name
            found.append(Difference(where, _shown(before), _shown(after)))
    for key, before_node, after_node in _aligned(old.children, new.children):
        if before_node == after_node:
            continue
        node = before_node or after_node
        assert node is not None
        if groups is not None:
            where = f"{path}/{key[0]}" if path else key[0]
            is_group = where in groups
        else:
            where = _label(path, key, node)
            is_group = True
        if before_node is None or after_node is None or not is_group:
            found.append(
                Difference(
                    where,
                    before_node.render() if before_node else None,
                    after_node.render() if after_node else None,
                )
            )
        else:
            found.extend(differences(before_node, after_node, groups=groups, path=where))
    return found


def sections(node: Node, groups: frozenset[str], path: str = "") -> list[str]:
    """The configuration sections in ``node`` (a location block), as paths."""
    found: list[str] = []
    for child in node.children:
        where = f"{path}/{child.name}" if path else child.name
        if where in groups:
            found.extend(sections(child, groups, where))
        else:
            found.append(where)
    return list(dict.fromkeys(found))


def _shown(value: str | None) -> str | None:
    return None if value is None else shorten(value)


# -- the parts of a document ------------------------------------------------------------------


class PartKind(enum.Enum):
    """What a part is; the values are used in change kinds (``location-added``, ...)."""

    SETTINGS = "site-settings"
    LOCATION = "location"
    KEY = "key"
    METADATA = "metadata-key"
    POOL = "pool"


@attrs.frozen
class Part:
    """Something a file configures besides a site's own values.

    ``site`` is the site it belongs to (None: it stands beside the sites); ``identity`` is what
    matches it with its counterpart in another file, relative to its site so that a renamed or
    re-numbered site's parts still match; ``path`` is how it is shown.  ``absolute`` is the
    identity it has as a part of no site (None for what exists only within a site), so that a
    location block or metadata key that a site added in one file takes over is not "removed".
    ``listed_elsewhere`` is set for parts whose coming and going the site's applications
    already tell (IIS 6 virtual directory keys).
    """

    kind: PartKind
    site: Site | None
    identity: str
    path: str
    line: int
    #: The element as written (with what the site's id changes left out): parts written alike
    #: are alike, and their nodes are never built.
    text: str
    build: Callable[[], Node] = attrs.field(eq=False, repr=False)
    listed_elsewhere: bool = False
    absolute: str | None = None

    @functools.cached_property
    def node(self) -> Node:
        return self.build()


#: What tells a site from the others of its file, cheaper to hash than the Site itself.
SiteMark = tuple[str, int, int | None]


def mark(site: Site) -> SiteMark:
    return (site.kind.value, site.id, site.line)
