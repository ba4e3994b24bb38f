"""What ``sites --applications`` (and with ``--json``) shows of the applications of every IIS 6
site, read from the text after the pass that listed the sites, without the key index.

:func:`listed_applications` gives, for each site a listing found in one pass over the text
(:func:`~metaclone.iis6.reading.scan_sites`), the
:class:`~metaclone.model.sites.ListedApplication` of each of its applications, in the order
:func:`~metaclone.iis6.applications.read_applications` gives them (see
:mod:`metaclone.iis6.applications` for how keys become applications).

IIS writes a site's keys right after its server key.  The text from one server key to the next
(the site's *stretch*) is read by one expression that matches its items one after another, as
the listing pass does, passing over the keys whose Location cannot be below a ``ROOT`` and
reading the type, Location, ``AppRoot``, ``AppPoolId`` and ``Path`` of the others; the keys
below the site's ``ROOT`` are taken from its own stretch alone.  That is every key below it
when

* no key of another stretch, or before the first server key, has a path of three segments
  followed by ``ROOT`` (``/LM/W3SVC/7/ROOT``, in any case, as the key index groups them), and
* no two server keys have one path (in any case);

otherwise the applications are read through the key index
(:class:`~metaclone.iis6.applications.ScannedApplications`).  Every site is read before the
first is shown, so that the choice is made before anything is printed.
``tests/iis6/test_stretch_applications.py`` holds the two readers equal on generated files.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from metaclone.errors import ParseError
from metaclone.iis6.app_tree import (
    APPLICATION_KEY_TYPES,
    Nodes,
    OuterPool,
    ftp_directories,
    web_applications,
)
from metaclone.iis6.key_scan import key_body
from metaclone.iis6.keys import WEB
from metaclone.lossless import markup
from metaclone.lossless.values import decode_attribute_value
from metaclone.model.sites import Application, ListedApplication

if TYPE_CHECKING:
    from metaclone.iis6.keys import KeySource
    from metaclone.iis6.reading import ScannedSite
    from metaclone.lossless import Element, XmlDocument

#: A value after its name: the group holds the opening quote and what follows it up to the
#: closing one, so that an empty value ('"') is told from an absent one ('').
_VALUE = r"""\s*=\s*("[^"]*+|'[^']*+)["']"""
#: The properties applications are made of, matched from the end of a key's Location:
#: attribute after attribute, so the match never leaves the start tag (no name occurs twice
#: in a tag of a well-formed file).
_PROPERTIES = (
    r"(?:\s+(?:"
    + "".join(f"{name}{_VALUE}|" for name in ("AppRoot", "AppPoolId", "Path"))
    + r"""[^\s=/>]+\s*=\s*(?:"[^"]*+"|'[^']*+')))*+"""
)
#: The Location of a key that is no server key and lies below no ``ROOT``: no ``/root`` (in
#: any case) before a slash or its end, and no reference, which may spell either (only ASCII
#: letters fold to ``r``, ``o`` and ``t``).
_NOT_BELOW_A_ROOT = (
    r"(?!(?:IIsWebServer|IIsFtpServer)\s)([^\s/>!?][^\s/>]*+)\s+Location\s*=\s*"
    r"""(?:"(?:[^"&/]++|/(?![Rr][Oo][Oo][Tt]["/]))*+"|'(?:[^'&/]++|/(?![Rr][Oo][Oo][Tt]['/]))*+')"""
)
#: The items of the content of ``<MBProperty>`` as the listing pass reads them (text, then
#: opaque markup or a key whose first attribute is Location), passing over the keys of
#: :data:`_NOT_BELOW_A_ROOT`, up to the next other key, which is read.  Groups: the type of
#: the last key passed over (not read), then the key's type, its Location, AppRoot,
#: AppPoolId and Path (each after its opening quote; all empty after the last key read).
_ITEMS = re.compile(
    rf"(?:[^<]*+<(?:{markup.OPAQUE}|{_NOT_BELOW_A_ROOT}"
    + key_body(1)
    + rf"))*+[^<]*+(?:<({markup.NAME})\s+Location"
    + _VALUE
    + f"(?={_PROPERTIES})"
    + key_body(2)
    + ")?",
    re.S,
)
#: A path the key index groups below a ``ROOT`` (folded): three segments, then ``root``.
_BELOW_A_ROOT = re.compile(r"/[^/]*/[^/]*/[^/]*/root(?:/|\Z)")

_Row = tuple[str, str, str, str, str, str]
_Listed = tuple[ListedApplication, ...]


def _new_listed(
    fields: tuple[str, str | None, tuple[str, ...], tuple[tuple[str, str], ...]],
) -> ListedApplication:
    """``ListedApplication(*fields)``, made without its Python ``__new__``: one is made for
    each of tens of thousands of applications."""
    return tuple.__new__(ListedApplication, fields)


class _NotOneStretchError(Exception):
    """A site's keys may lie outside its stretch: the key index must tell them."""


def listed_applications(  # noqa: PLR0917 (the parts of the document it reads)
    document: KeySource,
    xml: XmlDocument,
    mbproperty: Element,
    scanned: Sequence[ScannedSite],
    through_index: Callable[[], Iterator[tuple[Application, ...]]],
    whole: bool = False,
) -> Iterator[_Listed]:
    """What the listing shows of the applications of each site of ``scanned``, found in the
    content of ``mbproperty`` (``<MBProperty>``) in the text of ``xml`` (that of
    ``document``).

    ``through_index`` gives the applications of the same sites read through the key index
    (:class:`~metaclone.iis6.applications.ScannedApplications`), for a file whose sites'
    keys do not each lie in their stretch (see the module documentation), or when what the
    sites inherit cannot be read: read as each site is reached, or (``whole``) every site
    before this returns, as the stretches are."""
    try:
        content = mbproperty.content_start, mbproperty.content_end
        return iter(_every_stretch(xml.text, content, scanned, _inherited_pool(document)))
    except (_NotOneStretchError, ParseError):
        found = (tuple(map(ListedApplication.of, apps)) for apps in through_index())
        return iter(list(found)) if whole else found


def applications_json(applications: tuple[ListedApplication, ...]) -> str:
    """The JSON text ``sites --json`` writes of the applications of an IIS 6 site, from what
    :func:`listed_applications` gives: ``json.dumps([a.to_json() for a in found])`` of the
    :class:`~metaclone.model.sites.Application` values ``found`` (no IIS 6 application has
    enabled protocols, nor a virtual directory settings of its own)."""
    import json  # noqa: PLC0415 (the listings that write no JSON load no json module)

    return json.dumps(
        [
            {
                "path": application.path,
                "application_pool": application.application_pool,
                "enabled_protocols": None,
                "virtual_directories": [
                    {"path": path, "physical_path": folder}
                    for path, folder in application.directories
                ],
                "inherited": list(application.inherited),
            }
            for application in applications
        ]
    )


def _inherited_pool(document: KeySource) -> Callable[[], str | None]:
    """The AppPoolId the web sites of ``document`` inherit, read when a site first needs it
    and kept for the others."""
    return functools.cache(lambda: document.inherited(WEB).get("AppPoolId"))


def _every_stretch(
    text: str,
    content: tuple[int, int],
    scanned: Sequence[ScannedSite],
    pool: Callable[[], str | None],
) -> list[_Listed]:
    if not scanned:
        return []
    findall = _ITEMS.findall
    _no_root_keys(findall(text, content[0], scanned[0].start))
    seen: set[str] = set()
    ends = [site.start for site in scanned[1:]]
    ends.append(content[1])
    found: list[_Listed] = []
    for site, end in zip(scanned, ends, strict=True):
        rows = findall(text, site.start, end)
        location = decode_attribute_value(rows[0][2][1:]).lower()
        if location in seen:
            raise _NotOneStretchError
        seen.add(location)
        nodes = _nodes(location, rows)
        if site.service is not WEB:
            found.append(_ftp_applications(nodes))
        elif nodes:
            found.append(_web_applications(nodes, rows[0][4], pool))
        else:
            found.append(())
    return found


def _no_root_keys(rows: list[_Row]) -> None:
    """Raise :class:`_NotOneStretchError` when a key of ``rows`` is grouped below a ``ROOT``."""
    for _, name, location, *_ in rows:
        if name and _BELOW_A_ROOT.match(decode_attribute_value(location[1:]).lower()):
            raise _NotOneStretchError


def _nodes(site: str, rows: list[_Row]) -> Nodes:
    """The keys below the ``ROOT`` of the site whose folded path is ``site``, by their folded
    segments below it, from the ``rows`` of its stretch (its server key first); the first key
    of a path is read.  Raise :class:`_NotOneStretchError` for a key of another site's
    ``ROOT``."""
    own, root = site + "/", site + "/root"
    below = len(root)
    nodes: Nodes = {}
    for at in range(1, len(rows)):
        _, key_type, location, app_root, pool, path = rows[at]
        if not key_type:
            continue  # after the last wanted key
        location = decode_attribute_value(location[1:])
        folded = location.lower()
        if not folded.startswith(own):
            if _BELOW_A_ROOT.match(folded):
                raise _NotOneStretchError
            continue
        if not folded.startswith(root) or (len(folded) > below and folded[below] != "/"):
            continue
        rest = location[below:]
        segments = tuple(filter(None, rest.lower().split("/"))) if rest else ()
        if segments in nodes:
            continue
        # Blank values count as not set ("" and an absent value read as blank too).  A
        # reference may stand for a character that is not blank; the characters an XML
        # parser turns into spaces are blank as written.
        app_root = app_root[1:]
        if "&" in app_root:
            app_root = decode_attribute_value(app_root)
        pool = decode_attribute_value(pool[1:])
        # The test of is_set, written out: it runs for some 200,000 keys.
        nodes[segments] = (
            tuple(filter(None, rest.split("/"))) if rest else (),
            key_type,
            key_type in APPLICATION_KEY_TYPES and app_root != "" and not app_root.isspace(),
            pool if pool and not pool.isspace() else None,
            decode_attribute_value(path[1:]) if path else None,
        )
    return nodes


def _web_applications(nodes: Nodes, site_pool: str, inherited: Callable[[], str | None]) -> _Listed:
    """The applications of a web site whose keys below ``ROOT`` are ``nodes``;
    ``site_pool`` is the raw AppPoolId of its server key (as in :data:`_ITEMS`)."""
    outer = OuterPool(lambda: decode_attribute_value(site_pool[1:]), inherited)
    return tuple(map(_new_listed, web_applications(nodes, outer)))


def _ftp_applications(nodes: Nodes) -> _Listed:
    """The one application of an FTP site whose keys below ``ROOT`` are ``nodes``."""
    directories = ftp_directories(nodes)
    if directories is None:
        return ()
    return (ListedApplication("/", None, (), tuple(directories)),)
