"""The parts of a ``<site>`` that make up a Site value: bindings, applications with their
virtual directories, applicationDefaults, virtualDirectoryDefaults, the FTP server settings
and the settings IIS merges with ``<siteDefaults>`` (``limits``, ``logFile``,
``traceFailedRequestsLogging``).

A site written the way IIS writes it is read from its tracked elements alone
(:func:`read_tracked_parts`); any other is read following the nesting of every element.
"""

from __future__ import annotations

import re

import attrs

from metaclone.iis7.children import decoded_attributes
from metaclone.lazy import lazy_pattern
from metaclone.lossless import Element
from metaclone.lossless.markup import ATTRIBUTE_TEXT, CDATA, COMMENT, NAME, OPAQUE, PI, PLAIN_VALUE

# Comments, CDATA sections and processing instructions, each with its "<".
_OPAQUE = f"<{COMMENT}|<{CDATA}|<{PI}"


#: Elements whose attributes make up a Site value: only these are ever read inside a <site>.
_SITE_PARTS = (
    r"(?:binding|application|virtualDirectory|applicationDefaults|ssl|ftpServer"
    r"|limits|logFile|traceFailedRequestsLogging|virtualDirectoryDefaults)(?=[\s/>])"
)


#: The children of a site (and of ``<siteDefaults>``) whose attributes IIS merges one by one
#: with those of ``<siteDefaults>``.
MERGED_ELEMENTS = ("limits", "logFile", "traceFailedRequestsLogging")


#: How deeply nested an element without site parts may be to be skipped as a whole.
_SKIPPED_LEVELS = 4


def _skippable(levels: int, excluded: str = _SITE_PARTS, prefix: str = "skipped") -> str:
    """An element holding no ``excluded`` element, nested at most ``levels`` deep, matched whole.

    Skipping such an element changes nothing: it is balanced and nothing inside it is read.
    Quantifiers are possessive, so an element that does not qualify (it holds a site part or
    is nested deeper) fails at once and is then read tag by tag instead.
    """
    empty = rf"<(?!{excluded}){NAME}{ATTRIBUTE_TEXT}/>"
    pattern = empty
    for level in range(levels):
        group = f"{prefix}{level}"
        pattern = (
            rf"(?:{empty}|<(?!{excluded})(?P<{group}>{NAME}){ATTRIBUTE_TEXT}>"
            rf"(?:[^<]++|{_OPAQUE}|{pattern})*+</(?P={group})\s*>)"
        )
    return pattern


# Markup inside a site: comments, CDATA, processing instructions and elements holding no site
# part are matched whole (and ignored); other tags have their "/" of an end tag, name, attribute
# text and "/" of an empty tag in the groups named below.
_SITE_CONTENT = lazy_pattern(
    lambda: re.compile(
        rf"{_OPAQUE}|{_skippable(_SKIPPED_LEVELS)}"
        rf"|<(?P<end>/)?(?P<name>{NAME})(?P<attributes>{ATTRIBUTE_TEXT})(?P<empty>/?)>",
        re.S,
    )
)


@attrs.frozen
class SiteParts:
    """The decoded attributes of the parts of a ``<site>`` that make up a Site value.

    ``bindings`` are in document order; :func:`binding_offsets` says where each one is.
    ``merged`` holds the attributes of the site's :data:`MERGED_ELEMENTS` by name,
    ``ftp_server`` those of its ``<ftpServer>``, ``directory_defaults`` those of its
    ``<virtualDirectoryDefaults>`` and ``application_directory_defaults`` those of each
    application's (None where there is none), in the order of ``applications``.
    ``repeated`` names the default elements the site or one of its applications holds more
    than once (IIS does not accept that; the last one is in the fields above).
    """

    bindings: tuple[dict[str, str], ...]
    applications: tuple[tuple[dict[str, str], tuple[dict[str, str], ...]], ...]
    application_defaults: dict[str, str] | None
    ftp_ssl: dict[str, str] | None
    ftp_server: dict[str, str] | None = None
    merged: dict[str, dict[str, str]] = attrs.Factory(dict)
    directory_defaults: dict[str, str] | None = None
    application_directory_defaults: tuple[dict[str, str] | None, ...] = ()
    repeated: tuple[str, ...] = ()


# The elements a site's reading keeps track of: the site parts, the elements that hold them and
# the other elements IIS writes with content inside a <site>.
_TRACKED_NAMES = (
    "bindings",
    "binding",
    "applicationDefaults",
    "application",
    "virtualDirectory",
    "ftpServer",
    "security",
    "ssl",
    "logFile",
    "customFields",
    "limits",
    "traceFailedRequestsLogging",
    "virtualDirectoryDefaults",
)


# Comments, CDATA sections and processing instructions are matched whole (group 1).  The site
# parts as IIS writes them come next, with their values captured: binding (groups 2-6),
# virtualDirectory (7-9), application (10-16).  Any other tracked tag (17-20): "/" of an end
# tag, name, attribute text, "/" of an empty tag.
_TRACKED = re.compile(
    rf"<(?:({OPAQUE})"
    rf'|(binding)\s+protocol="({PLAIN_VALUE})"\s+bindingInformation="({PLAIN_VALUE})"'
    rf'(\s+sslFlags="({PLAIN_VALUE})")?\s*/>'
    rf'|(virtualDirectory)\s+path="({PLAIN_VALUE})"\s+physicalPath="({PLAIN_VALUE})"\s*/>'
    rf'|(application)\s+path="({PLAIN_VALUE})"(\s+applicationPool="({PLAIN_VALUE})")?'
    rf'(\s+enabledProtocols="({PLAIN_VALUE})")?\s*(/?)>'
    rf"|(/?)({'|'.join(_TRACKED_NAMES)})(?=[\s/>])({ATTRIBUTE_TEXT})(/?)>)",
    re.S,
)


def read_site_parts(text: str, element: Element, *, exact: bool = False) -> SiteParts:
    """Bindings, applications with their virtual directories, defaults and FTP SSL of a site.

    Only direct children count (``bindings/binding``, ``application``,
    ``application/virtualDirectory``, ``applicationDefaults``, ``ftpServer/security/ssl``);
    markup inside comments is never read.  ``exact`` reads the site following the nesting of
    every element, without first trying :func:`read_tracked_parts` (the same result).
    """
    start, end = element.content_start, element.content_end
    if exact:
        return _read_all(text, start, end)[0]
    return _read_tracked(text, start, end) or _read_all(text, start, end)[0]


def read_tracked_parts(text: str, element: Element) -> SiteParts | None:
    """The parts of the site ``element`` read from its tracked elements alone, the fast way
    :func:`read_site_parts` tries first; None where that might not be exact."""
    return _read_tracked(text, element.content_start, element.content_end)


def binding_offsets(text: str, element: Element) -> tuple[int, ...]:
    """Where each of the bindings :func:`read_site_parts` gives starts, in the same order."""
    return _read_all(text, element.content_start, element.content_end)[1]


class _PartsCollector:
    """Places the elements of one site into its parts, by name and position.

    Only direct children count: ``bindings/binding``, ``application`` (with its
    ``virtualDirectory`` children), ``applicationDefaults`` and ``ftpServer/security/ssl``.
    ``stack`` holds the names of the open elements inside the site.
    """

    def __init__(self) -> None:
        self.bindings: list[dict[str, str]] = []
        self.binding_offsets: list[int] = []
        self.applications: list[tuple[dict[str, str], list[dict[str, str]]]] = []
        self.defaults: dict[str, str] | None = None
        self.ftp_ssl: dict[str, str] | None = None
        self.ftp_server: dict[str, str] | None = None
        self.merged: dict[str, dict[str, str]] = {}
        self.directory_defaults: dict[str, str] | None = None
        self.application_directory_defaults: list[dict[str, str] | None] = []
        self.repeated: list[str] = []
        self.stack: list[str] = []

    def binding(self, values: dict[str, str], offset: int) -> None:
        if len(self.stack) == 1 and self.stack[0] == "bindings":
            self.bindings.append(values)
            self.binding_offsets.append(offset)

    def written_binding(self, protocol: str, information: str, flags: str | None) -> None:
        """A ``<binding>`` as IIS writes it, its values as the tracked pattern captured them."""
        values = {"protocol": protocol, "bindingInformation": information}
        if flags is not None:
            values["sslFlags"] = flags
        self.binding(values, -1)

    def written_application(
        self, path: str, pool: str | None, protocols: str | None, *, has_content: bool
    ) -> None:
        """An ``<application>`` as IIS writes it (see :meth:`written_binding`)."""
        values = {"path": path}
        if pool is not None:
            values["applicationPool"] = pool
        if protocols is not None:
            values["enabledProtocols"] = protocols
        self.application(values)
        if has_content:
            self.stack.append("application")

    def virtual_directory(self, values: dict[str, str]) -> None:
        if len(self.stack) == 1 and self.stack[0] == "application" and self.applications:
            self.applications[-1][1].append(values)

    def application(self, values: dict[str, str]) -> None:
        if not self.stack:
            self.applications.append((values, []))
            self.application_directory_defaults.append(None)

    def element(self, name: str, attribute_text: str, offset: int) -> None:
        """Any other start or empty-element tag (its attributes not yet split)."""
        depth = len(self.stack)
        if depth == 0:
            self.site_child(name, attribute_text)
        elif depth == 1:
            if name == "binding":
                self.binding(decoded_attributes(attribute_text), offset)
            elif name == "virtualDirectory":
                self.virtual_directory(decoded_attributes(attribute_text))
            elif (
                name == "virtualDirectoryDefaults"
                and self.stack[0] == "application"
                and self.applications
            ):
                if self.application_directory_defaults[-1] is not None:
                    self.repeated.append(name)
                self.application_directory_defaults[-1] = decoded_attributes(attribute_text)
        elif depth == 2 and name == "ssl" and self.stack == ["ftpServer", "security"]:
            self.ftp_ssl = decoded_attributes(attribute_text)

    def site_child(self, name: str, attribute_text: str) -> None:
        """A direct child of the site other than a binding's or application's content."""
        if name == "application":
            self.application(decoded_attributes(attribute_text))
        elif name == "applicationDefaults":
            if self.defaults is not None:
                self.repeated.append(name)
            self.defaults = decoded_attributes(attribute_text)
        elif name == "ftpServer":
            self.ftp_server = decoded_attributes(attribute_text)
        elif name == "virtualDirectoryDefaults":
            if self.directory_defaults is not None:
                self.repeated.append(name)
            self.directory_defaults = decoded_attributes(attribute_text)
        elif name in MERGED_ELEMENTS:
            self.merged[name] = decoded_attributes(attribute_text)

    def parts(self) -> SiteParts:
        return SiteParts(
            bindings=tuple(self.bindings),
            applications=tuple((app, tuple(vdirs)) for app, vdirs in self.applications),
            application_defaults=self.defaults,
            ftp_ssl=self.ftp_ssl,
            ftp_server=self.ftp_server,
            merged=self.merged,
            directory_defaults=self.directory_defaults,
            application_directory_defaults=tuple(self.application_directory_defaults),
            repeated=tuple(self.repeated),
        )


def _read_tracked(text: str, start: int, end: int) -> SiteParts | None:
    """The site parts from the tracked elements alone; None when that might not be exact.

    Nesting is followed on the tracked elements only, which is exact when every element with
    content is tracked: then the site's end tags (every ``</`` outside comments, CDATA and
    processing instructions, which this path refuses) are all tracked ones.
    """
    collector = _PartsCollector()
    stack = collector.stack
    end_tags = 0
    for (
        opaque,
        binding,
        protocol,
        information,
        has_flags,
        flags,
        directory,
        directory_path,
        physical_path,
        application,
        application_path,
        has_pool,
        pool,
        has_protocols,
        protocols,
        application_empty,
        closing,
        name,
        attribute_text,
        empty,
    ) in _TRACKED.findall(text, start, end):
        if binding:
            collector.written_binding(protocol, information, flags if has_flags else None)
            continue
        if directory:
            collector.virtual_directory({"path": directory_path, "physicalPath": physical_path})
            continue
        if application:
            collector.written_application(
                application_path,
                pool if has_pool else None,
                protocols if has_protocols else None,
                has_content=not application_empty,
            )
            continue
        if closing:
            if not stack:
                return None
            stack.pop()
            end_tags += 1
            continue
        if opaque:
            return None
        collector.element(name, attribute_text, -1)
        if not empty:
            stack.append(name)
    if stack or text.count("</", start, end) != end_tags:
        return None
    return collector.parts()


def _read_all(text: str, start: int, end: int) -> tuple[SiteParts, tuple[int, ...]]:
    """The site parts, following the nesting of every element; and the bindings' offsets."""
    collector = _PartsCollector()
    stack = collector.stack
    for match in _SITE_CONTENT.finditer(text, start, end):
        closing, name, attribute_text, empty = match.group("end", "name", "attributes", "empty")
        if name is None:
            continue
        if closing:
            if stack:
                stack.pop()
            continue
        collector.element(name, attribute_text, match.start())
        if not empty:
            stack.append(name)
    return collector.parts(), tuple(collector.binding_offsets)
