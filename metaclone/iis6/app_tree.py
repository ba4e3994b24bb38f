"""How the keys below an IIS 6 site's ``ROOT`` become applications: the rules that the reader
of one site (:mod:`metaclone.iis6.applications`, which states them in words) and the listing
of every site (:mod:`metaclone.iis6.listed_applications`) share.

A site's keys at and below ``ROOT`` are given as :data:`Nodes`: each key's
:data:`Node` by its path below ``ROOT`` folded into segments (``()`` for ``ROOT`` itself),
the first key of a path only, in file order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Final

WEB_VIRTUAL_DIRECTORY = "IIsWebVirtualDir"
FTP_VIRTUAL_DIRECTORY = "IIsFtpVirtualDir"
#: The key types an ``AppRoot`` of their own makes applications.
APPLICATION_KEY_TYPES = frozenset({WEB_VIRTUAL_DIRECTORY, "IIsWebDirectory"})
#: What an application's ``inherited`` holds when its pool is not its key's own.
INHERITED_POOL = ("application_pool",)


#: A key of the ``ROOT`` tree, with the properties applications are made of, read by the
#: indices below (a plain tuple: a listing makes one for each of some 200,000 keys).
Node = tuple[tuple[str, ...], str, bool, str | None, str | None]
#: The path below ROOT as written, one entry per folder.
SEGMENTS: Final = 0
#: The key's type.
KEY_TYPE: Final = 1
#: Whether the key is an application: an AppRoot of its own, not blank, on a key of
#: :data:`APPLICATION_KEY_TYPES`.
APPLICATION: Final = 2
#: Its AppPoolId, None when not set or blank.
POOL: Final = 3
#: Its Path, None when absent.
PATH: Final = 4


Nodes = dict[tuple[str, ...], Node]
#: A virtual directory: its path below its application, and the folder IIS serves it from.
Directory = tuple[str, str]


def is_set(value: str | None) -> bool:
    """Whether a property is set: blank values (and an absent one) count as not set."""
    return bool(value and not value.isspace())


def web_applications(
    nodes: Nodes, outer: Callable[[], str | None]
) -> list[tuple[str, str | None, tuple[str, ...], tuple[Directory, ...]]]:
    """The applications of a web site, in file order: the path of each, its pool and its
    ``inherited`` fields (see :func:`application_pool`) and its virtual directories (see
    :func:`web_directories`)."""
    found = []
    for folded, directories in web_directories(nodes).items():
        node = nodes[folded]
        pool, inherited = application_pool(nodes, folded, outer)
        found.append((url(node[SEGMENTS]), pool, inherited, tuple(directories)))
    return found


def web_directories(nodes: Nodes) -> dict[tuple[str, ...], list[Directory]]:
    """The applications of a web site, in file order, each with its virtual directories: its
    own ``/`` first, then every ``IIsWebVirtualDir`` below it that is no application and has
    it as the nearest application above."""
    directories: dict[tuple[str, ...], list[Directory]] = {}
    for folded, node in nodes.items():
        if node[APPLICATION]:
            own = node[PATH]
            if own is None or node[KEY_TYPE] != WEB_VIRTUAL_DIRECTORY:
                own = physical_path(nodes, folded, WEB_VIRTUAL_DIRECTORY)
            directories[folded] = [("/", own)]
    if not directories:
        return directories
    for folded, node in nodes.items():
        if not folded or node[KEY_TYPE] != WEB_VIRTUAL_DIRECTORY or node[APPLICATION]:
            continue
        owner = nearest_application(folded, directories)
        if owner is not None:
            directories[owner].append(
                (
                    url(node[SEGMENTS][len(owner) :]),
                    physical_path(nodes, folded, WEB_VIRTUAL_DIRECTORY),
                )
            )
    return directories


def ftp_directories(nodes: Nodes) -> list[Directory] | None:
    """The virtual directories of the one application of an FTP site (None: it has no
    ``ROOT`` key, and so no application): ``ROOT`` and every ``IIsFtpVirtualDir``."""
    if () not in nodes:
        return None
    return [
        (url(node[SEGMENTS]), physical_path(nodes, folded, FTP_VIRTUAL_DIRECTORY))
        for folded, node in nodes.items()
        if folded == () or node[KEY_TYPE] == FTP_VIRTUAL_DIRECTORY
    ]


def application_pool(
    nodes: Nodes, folded: tuple[str, ...], outer: Callable[[], str | None]
) -> tuple[str | None, tuple[str, ...]]:
    """The pool of the application at ``folded`` and its ``inherited`` fields: its key's
    AppPoolId, else the nearest key's above it in the tree, else ``outer()`` (the site's key,
    then what the site inherits)."""
    own = nodes[folded][POOL]
    if own is not None:
        return own, ()
    pool = nearest_pool(nodes, folded) or outer()
    return pool, () if pool is None else INHERITED_POOL


class OuterPool:
    """The AppPoolId a site's ``ROOT`` tree inherits from outside it: the server key's own
    (``own``), else what the site inherits (``inherited``: ``/LM/W3SVC`` and above, or an
    export's ``IIsInheritedProperties``); blank counts as not set.  Read once, when an
    application first needs it (most applications set their own)."""

    def __init__(self, own: Callable[[], str | None], inherited: Callable[[], str | None]) -> None:
        self._own = own
        self._inherited = inherited
        self._known = False
        self._pool: str | None = None

    def __call__(self) -> str | None:
        if not self._known:
            found = self._own()
            if not is_set(found):
                found = self._inherited()
            self._pool = found if is_set(found) else None
            self._known = True
        return self._pool


def nearest_pool(nodes: Nodes, folded: tuple[str, ...]) -> str | None:
    """The AppPoolId set at ``folded`` or the nearest key above it in the tree."""
    for length in range(len(folded), -1, -1):
        node = nodes.get(folded[:length])
        if node is not None and node[POOL] is not None:
            return node[POOL]
    return None


def physical_path(nodes: Nodes, folded: tuple[str, ...], directory_type: str) -> str:
    """The folder IIS serves ``folded`` from: the nearest virtual directory's Path at or
    above it, followed by the folder names below that directory."""
    segments = nodes[folded][SEGMENTS]
    for length in range(len(folded), -1, -1):
        node = nodes.get(folded[:length])
        if node is not None and node[KEY_TYPE] == directory_type:
            path = node[PATH]
            if path is not None:
                if length == len(segments):
                    return path
                return path.rstrip("\\/") + "\\" + "\\".join(segments[length:])
    return ""


def nearest_application(
    folded: tuple[str, ...], applications: Mapping[tuple[str, ...], object]
) -> tuple[str, ...] | None:
    """The nearest of ``applications`` above ``folded`` (None: none is)."""
    for length in range(len(folded) - 1, -1, -1):
        if folded[:length] in applications:
            return folded[:length]
    return None


def url(segments: tuple[str, ...]) -> str:
    """A path below ``ROOT`` (or below an application) as IIS 7 writes it."""
    return "/" + "/".join(segments)
