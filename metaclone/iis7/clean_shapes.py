"""Sites, application pools and ``<location>`` tags written as IIS writes them, whose schema
check is known without reading them element by element.

:mod:`metaclone.iis7.checks` compares every attribute of every modelled element with the IIS
schema; on a file of tens of thousands of sites that is one Python step per element.  IIS (and
every tool built on Microsoft.Web.Administration) writes these elements in one shape: double
quotes, one space between attributes, known attributes only, no comments inside a site.  The
expressions here recognise that shape with values the schema accepts, restricted to characters
whose written form is their value (no character references, tabs or line ends), so a site they
match has no schema finding except what depends on the rest of the file: its applications'
pools (``undefined-pool``) and keys written twice, which the caller compares.  Anything else
(another attribute order, single quotes, comments, a value out of range, certificate attributes
on a binding, defaults with content) does not match and is checked exactly.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from metaclone.lazy import lazy_pattern
from metaclone.lossless import Element
from metaclone.lossless.markup import ATTRIBUTE_TEXT, NAME
from metaclone.model.rules import name_key
from metaclone.model.validation import SSL_FLAGS_ANY

# A value whose written form is its value: no quote, markup, reference, tab or line end.
_ANY = r"""[^"'&<>\t\n\r]*+"""
_BOOL = "(?:true|false)"
# Characters IIS refuses in a site name (rules.SITE_NAME_FORBIDDEN), in a pool name
# (rules.POOL_NAME_FORBIDDEN), control characters, and those excluded from every value.
_NOT_IN_NAMES = r"""\x00-\x1f\x7f-\x9f"'&<>\\/?;:@=+$,|"""
_SITE_NAME = rf"[^\s{_NOT_IN_NAMES}][^{_NOT_IN_NAMES}]*+"
_NOT_IN_POOLS = rf"{_NOT_IN_NAMES}*\[\]"
_POOL_NAME = rf"[^\s{_NOT_IN_POOLS}][^{_NOT_IN_POOLS}]*+"
# 1 to 4294967295 (a uint; IIS's site ids run to the same bound).
_SITE_ID = (
    "(?:[1-9][0-9]{0,8}|[1-3][0-9]{9}|4[01][0-9]{8}|42[0-8][0-9]{7}|429[0-3][0-9]{6}"
    "|4294[0-8][0-9]{5}|42949[0-5][0-9]{4}|429496[0-6][0-9]{3}|4294967[01][0-9]{2}"
    "|42949672[0-8][0-9]|429496729[0-5])"
)
_UINT = f"(?:0|{_SITE_ID})"
_PATH = r"""/[^"'&<>\t\n\r]*+"""

_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_PORT = "(?:6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# At most 253 characters in all (the rule allows 253 after a leading "*.").
_HOST = rf'(?=[^"]{{1,253}}")(?:\*\.)?{_LABEL}(?:\.{_LABEL})*+'
# Printable ASCII but for quotes and markup, not starting with a space.
_INFORMATION = r"[!#-%(-;=?-~][ !#-%(-;=?-~]*+"


def _content(name: str, shut: str = "") -> str:
    """The content of an unchecked element ``name`` (a backreference): no comment, CDATA or
    processing instruction, no element of its own name and none of the checked elements (nor
    a tag that starts with one of the alternatives ``shut``), so that its end is the first end
    tag of its name and nothing checked hides inside it."""
    # The defaults are spelt out: "\b" does not end "application" before "Defaults", and a
    # site's defaults are read wherever the site holds them.
    checked = "application(?:Defaults)?|virtualDirectory(?:Defaults)?|binding|add"
    return (
        rf"(?:[^<]++|<add\b(?!\s*name\s*=){ATTRIBUTE_TEXT}/>"
        rf"|<(?![!?]|/?{name}[\s/>]|/?(?:{checked})\b{shut}))*+"
    )


def _other(group: str, shut: str = "") -> str:
    """An unchecked child of a site or of <applicationPools>, with whatever it holds (its name:
    group ``group``; see :func:`_content` for ``shut``)."""
    return (
        rf"<(?!(?:application|bindings|applicationDefaults|virtualDirectoryDefaults|add)[\s/>]"
        rf"{shut})(?P<{group}>{NAME}){ATTRIBUTE_TEXT}"
        rf"(?:/>|>{_content(f'(?P={group})', shut)}</(?P={group})\s*>)"
    )


_OTHER = _other("other")
_DIRECTORY_ATTRIBUTES = (
    rf'physicalPath="{_ANY}"|userName="{_ANY}"|password="{_ANY}"'
    rf'|logonMethod="(?:Interactive|Batch|Network|ClearText)"|allowSubDirConfig="{_BOOL}"'
)
_DIRECTORY = rf'<virtualDirectory path="{_PATH}"(?: (?:{_DIRECTORY_ATTRIBUTES}))*+\s*/>'


def _application_attributes(pool: str) -> str:
    return (
        rf'applicationPool="{pool}"|enabledProtocols="{_ANY}"'
        rf'|serviceAutoStartEnabled="{_BOOL}"|serviceAutoStartProvider="{_ANY}"'
        rf'|preloadEnabled="{_BOOL}"'
    )


_APPLICATION = (
    rf'<application (?P<attributes>path="(?P<path>{_PATH})"'
    rf"(?: (?:{_application_attributes(f'(?P<pool>(?:{_POOL_NAME})?)')}))*+)"
    rf"\s*(?:/>|>(?P<directories>(?:\s*{_DIRECTORY})*+)\s*</application>)"
)
# The defaults of a site's applications and virtual directories, each at most once (counted
# apart), as empty tags.
_DEFAULT_POOL = f"(?:{_POOL_NAME})?"
_SITE_DEFAULTS = (
    rf'<applicationDefaults(?: (?:path="{_PATH}"|{_application_attributes(_DEFAULT_POOL)}))*+'
    rf'\s*/>|<virtualDirectoryDefaults(?: (?:path="{_PATH}"|{_DIRECTORY_ATTRIBUTES}))*+\s*/>'
)


def _flags(values: list[int]) -> str:
    return "|".join(str(value) for value in sorted(values, reverse=True))


def _binding(ssl_bits: int) -> str:
    """A binding IIS accepts in a file whose IIS version knows the sslFlags ``ssl_bits``:
    IP:port:host for http, https and ftp (SNI, bit 1, only with a host), some binding
    information for other protocols."""
    known = [value for value in range(ssl_bits + 1) if not value & ~ssl_bits]
    address = rf"(?:\*|{_OCTET}(?:\.{_OCTET}){{3}})?:{_PORT}:"
    return (
        r'<binding protocol="(?:(?:http|https|ftp)" '
        rf'bindingInformation="{address}(?:{_HOST}"(?: sslFlags="(?:{_flags(known)})")?'
        rf'|"(?: sslFlags="(?:{_flags([v for v in known if not v & 1])})")?)'
        rf'|(?!(?i:https?|ftp)")[A-Za-z][A-Za-z0-9.+-]*+" bindingInformation="{_INFORMATION}")'
        r"\s*/>"
    )


@functools.lru_cache(maxsize=4)
def _site(ssl_bits: int) -> re.Pattern[str]:
    bindings = rf"<bindings\s*/>|<bindings>(?:\s*{_binding(ssl_bits)})*+\s*</bindings>"
    return re.compile(
        rf'<site name="{_SITE_NAME}" id="{_SITE_ID}"(?: serverAutoStart="{_BOOL}")?'
        rf"(?:\s*/>|>(?:\s*(?:{_APPLICATION}|{bindings}|{_SITE_DEFAULTS}|{_OTHER}))*+\s*</site>)"
    )


# What a listing pass must see itself: every <site> (however sites nest) and the FTP settings,
# which hold an FTP site's certificate.
# A <bindings> inside another element is not the site's, and would be taken for it.
_LISTED_APART = "|/?site|/?ftpServer|/?bindings"


@functools.lru_cache(maxsize=4)
def listed_site(ssl_bits: int) -> str:
    """The shape of :func:`clean_site`, after the site's "<", for a listing pass: a site with
    content, none of it another ``<site>``, FTP settings or a ``<bindings>`` but its own;
    groups ``clean_name``, ``clean_id`` and ``clean_start`` (serverAutoStart).  Its bindings:
    :func:`binding_values`."""
    # No group within the repetition: the re module of Python 3.11 can lose track of where a
    # group in a possessive repetition ends.
    bindings = rf"<bindings\s*/>|<bindings>(?:\s*{_binding(ssl_bits)})*+\s*</bindings>"
    return (
        rf'site name="(?P<clean_name>{_SITE_NAME})" id="(?P<clean_id>{_SITE_ID})"'
        rf'(?: serverAutoStart="(?P<clean_start>{_BOOL})")?>'
        rf"(?:\s*(?:{_APPLICATION}|{bindings}|{_SITE_DEFAULTS}"
        rf"|{_other('clean_other', _LISTED_APART)}))*+\s*</site>"
    )


_BINDING_VALUES = lazy_pattern(
    lambda: re.compile(
        r'<binding protocol="([^"]*)" bindingInformation="([^"]*)"(?: sslFlags="([^"]*)")?'
    )
)


def binding_values(text: str, start: int, end: int) -> list[tuple[str, str, str | None]] | None:
    """The protocol, binding information and sslFlags (None: not written) of each binding of
    the site from ``start`` to ``end`` that :func:`listed_site` matched (every value as
    written is its value); None when it holds ``<bindings>`` more than once."""
    at = text.find("<bindings", start, end)
    if at < 0:
        return []
    if text.find("<bindings", at + 1, end) >= 0:
        return None
    tag_end = text.index(">", at)
    if text[tag_end - 1] == "/":
        return []
    return [
        (protocol, information, flags or None)
        for protocol, information, flags in _BINDING_VALUES.findall(
            text, tag_end, text.index("</bindings>", tag_end, end)
        )
    ]


# The larger patterns are compiled when first used: only check and applications() use them.
_APPLICATIONS = lazy_pattern(lambda: re.compile(_APPLICATION))
# The attributes of a tag the shapes accepted: each value as written is its value.
_ATTRIBUTE = re.compile(r'([^\s=]+)="([^"]*)"')
_DIRECTORY_TAGS = re.compile(r"<virtualDirectory ([^>]*)>")
_SITE_DEFAULTS_TAG = re.compile(
    r"<(applicationDefaults|virtualDirectoryDefaults)(?=[\s/>])([^>]*)>"
)
# What clean_site compares in a site the shapes accepted, one group each: an application's
# path and pool ("" when it names none; every "<application " there starts an application, and
# its attributes are written one space apart), a virtual directory's path (of the application
# before it), a binding's key (protocol, then its information: a protocol has no quote or "/",
# so two keys are the same text exactly when protocol/information are) and an element a site
# holds once (its defaults, bindings, limits, logs, FTP settings).  A path, key or element met
# where IIS would not look (an FTP site's <ftpServer><logFile>) only makes a repeat more
# likely, which leaves the site to the exact walk.
_KEYS = lazy_pattern(
    lambda: re.compile(
        r'<application path="([^"]*)"(?: applicationPool="([^"]*)"| [^\s=]+="[^"]*")*+'
        r'|<virtualDirectory path="([^"]*)"'
        r'|<binding protocol="([^"]*" bindingInformation="[^"]*)"'
        r"|<(applicationDefaults|virtualDirectoryDefaults|bindings|limits|logFile"
        r"|traceFailedRequestsLogging|ftpServer|hsts)(?=[\s/>])"
    )
)
_POOL = (
    rf'<add name="{_POOL_NAME}"'
    rf'(?: (?:queueLength="{_UINT}"|autoStart="{_BOOL}"|enable32BitAppOnWin64="{_BOOL}"'
    rf'|managedRuntimeVersion="{_ANY}"|managedRuntimeLoader="{_ANY}"'
    rf'|enableConfigurationOverride="{_BOOL}"|managedPipelineMode="(?:Integrated|Classic)"'
    rf'|CLRConfigFile="{_ANY}"|passAnonymousToken="{_BOOL}"'
    rf'|startMode="(?:OnDemand|AlwaysRunning)"))*+'
    rf"\s*(?:/>|>{_content('add')}</add>)"
)
_POOLS = lazy_pattern(lambda: re.compile(rf"(?:\s*(?:{_POOL}|{_OTHER}))*+\s*"))
_POOL_NAMES = re.compile(r'<add name="([^"]*)"')

_LOCATION = lazy_pattern(
    lambda: re.compile(
        rf'<location(?: (?:path="{_ANY}"|overrideMode="(?:Inherit|Allow|Deny)"'
        rf'|allowOverride="{_BOOL}"|inheritInChildApplications="{_BOOL}"))*+\s*/?>'
    )
)


def clean_site(
    text: str, start: int, end: int, ssl_bits: int, shaped: bool = False
) -> list[tuple[str, str]] | None:
    """The applications of the ``<site>`` element from ``start`` to ``end`` as (path, pool:
    "" when it names none) when the site is written as IIS writes it and the schema finds
    nothing in it (keys included); None when it must be checked exactly.  ``shaped``: the site
    is known to have the shape (:func:`listed_site` matched it), whose keys alone are left to
    compare."""
    if not shaped and _site(ssl_bits).fullmatch(text, start, end) is None:
        return None
    applications: list[tuple[str, str]] = []
    # Application paths, binding keys and the names of elements held once: no two kinds can
    # be the same text (a path starts with "/", a binding key holds a quote, a name neither),
    # so one comparison finds a repeat among any of them.
    keys: list[str] = []
    # The directory paths of each application that has several (those before the first
    # application, which IIS would not read, first).
    crowded: list[list[str]] = []
    directories: list[str] = []
    for path, pool, directory, binding, default in _KEYS.findall(text, start, end):
        if path:
            applications.append((path, pool))
            keys.append(path)
            if len(directories) > 1:
                crowded.append(directories)
            directories = []
        elif directory:
            directories.append(directory)
        else:
            keys.append(binding or default)
    if len(directories) > 1:
        crowded.append(directories)
    if _repeats(keys) or any(_repeats(paths) for paths in crowded):
        return None
    return applications


def application_start(text: str, start: int, end: int, path: str) -> int:
    """Where the application ``path`` of a site :func:`clean_site` accepted starts (its paths
    differ, and its unchecked elements hold no ``<application``)."""
    return text.find(f'<application path="{path}"', start, end)


class CleanApplications(NamedTuple):
    """The applications of a site read whole, with the defaults they inherit from the site
    (the fields :class:`~metaclone.iis7.site_parts.SiteParts` has for them)."""

    applications: tuple[tuple[dict[str, str], tuple[dict[str, str], ...]], ...]
    application_defaults: dict[str, str] | None
    directory_defaults: dict[str, str] | None
    application_directory_defaults: tuple[None, ...]
    repeated: tuple[str, ...] = ()


def clean_applications(text: str, start: int, end: int) -> CleanApplications | None:
    """The applications of the ``<site>`` element from ``start`` to ``end`` with their
    virtual directories' attributes, when the site is written as IIS writes it (see
    :func:`clean_site`; its values need not be known to this file's IIS version); else None."""
    if _site(SSL_FLAGS_ANY).fullmatch(text, start, end) is None:
        return None
    defaults = _site_defaults(text, start, end)
    if defaults is None:
        return None
    applications = tuple(
        (
            dict(_ATTRIBUTE.findall(attributes)),
            tuple(
                dict(_ATTRIBUTE.findall(directory))
                for directory in _DIRECTORY_TAGS.findall(directories)
            ),
        )
        for attributes, _, _, directories in _APPLICATIONS.findall(text, start, end)
    )
    return CleanApplications(
        applications,
        defaults.get("applicationDefaults"),
        defaults.get("virtualDirectoryDefaults"),
        (None,) * len(applications),
    )


def _site_defaults(text: str, start: int, end: int) -> dict[str, dict[str, str]] | None:
    """The attributes of the application and virtual directory defaults of a site
    :func:`clean_applications` accepted, by element name; None when one is written twice."""
    defaults: dict[str, dict[str, str]] = {}
    if text.find("Defaults", start, end) >= 0:  # most sites have none of their own
        for name, attributes in _SITE_DEFAULTS_TAG.findall(text, start, end):
            if name in defaults:
                return None  # IIS refuses the file: the exact reader says where
            defaults[name] = dict(_ATTRIBUTE.findall(attributes))
    return defaults


# In a site the shapes accepted, every "<application " starts one of its applications and
# "</application>" ends it; a "<virtualDirectory " within one is its directory (one elsewhere
# is an unchecked element IIS does not read as a directory).  A tag's attributes as a whole,
# then those a listing shows when they come first, in IIS's order, and the rest.
_LISTED_TAGS = re.compile(
    r'<application (path="([^"]*)"(?: applicationPool="([^"]*)")?'
    r'(?: enabledProtocols="([^"]*)")?([^>]*))>'
    r'|<virtualDirectory (path="([^"]*)"(?: physicalPath="([^"]*)")?([^>]*))>'
    r"|</application>"
)

#: The path, pool and protocols ("": none) of an application, and the path and physical path
#: of each of its virtual directories, as :func:`listed_applications` reads them.
ListedValues = tuple[str, str, str, list[tuple[str, str]]]


def listed_applications(
    text: str, start: int, end: int
) -> tuple[list[ListedValues], dict[str, str] | None] | None:
    """What a listing shows of the applications of the ``<site>`` element from ``start`` to
    ``end`` (what :func:`clean_applications` reads, without the settings of the virtual
    directories), and the site's ``<applicationDefaults>``; None where it is None."""
    if _site(SSL_FLAGS_ANY).fullmatch(text, start, end) is None:
        return None
    defaults = _site_defaults(text, start, end)
    if defaults is None:
        return None
    applications: list[ListedValues] = []
    directories: list[tuple[str, str]] | None = None  # of the application still open
    for found in _LISTED_TAGS.findall(text, start, end):
        if found[0]:
            opened: list[tuple[str, str]] = []
            applications.append((*_listed_application(found), opened))
            directories = None if found[0].endswith("/") else opened
        elif found[5]:
            if directories is not None:
                directories.append(_listed_directory(found))
        else:
            directories = None
    return applications, defaults.get("applicationDefaults")


def _listed_application(found: tuple[str, ...]) -> tuple[str, str, str]:
    """The path, pool and protocols of an application tag :data:`_LISTED_TAGS` found."""
    attributes, path, pool, protocols, rest = found[:5]
    if "=" not in rest:
        return path, pool, protocols
    # Its attributes in another order: read them all.
    values = dict(_ATTRIBUTE.findall(attributes))
    return (
        values.get("path", ""),
        values.get("applicationPool", ""),
        values.get("enabledProtocols", ""),
    )


def _listed_directory(found: tuple[str, ...]) -> tuple[str, str]:
    """The path and physical path of a virtual directory tag :data:`_LISTED_TAGS` found."""
    attributes, path, folder, rest = found[5:]
    if "=" not in rest:
        return path, folder
    values = dict(_ATTRIBUTE.findall(attributes))
    return values.get("path", ""), values.get("physicalPath", "")


def clean_pool_names(text: str, pools: Element) -> list[str] | None:
    """The names of the pools in ``<applicationPools>`` when every ``<add>`` is written as IIS
    writes it, with values the schema accepts and no name twice; else None."""
    if pools.is_empty_tag:
        return []
    if _POOLS.fullmatch(text, pools.content_start, pools.content_end) is None:
        return None
    names: list[str] = _POOL_NAMES.findall(text, pools.content_start, pools.content_end)
    return None if _repeats(names) else names


def clean_location_tag(text: str, start: int, end: int) -> bool:
    """Whether the ``<location>`` start tag from ``start`` to ``end`` has only attributes the
    schema accepts, written as IIS writes them."""
    return _LOCATION.fullmatch(text, start, end) is not None


def _repeats(keys: list[str]) -> bool:
    """Whether two of ``keys`` are the same name as IIS compares them."""
    joined = "\n".join(keys)  # no key holds a line end: the shapes leave them out
    if joined.isascii():  # name_key of ASCII text is its upper case
        return len(set(joined.upper().split("\n"))) < len(keys)
    return len({name_key(key) for key in keys}) < len(keys)
