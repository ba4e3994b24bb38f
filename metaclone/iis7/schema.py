"""The facts of IIS_schema.xml for the few elements metaclone models, and the IIS version.

The table of their attributes (:data:`ELEMENTS`, kept in :mod:`metaclone.iis7.element_schema`
and loaded on first use, as ``metaclone check`` alone compares a file with it) and the defaults
IIS merges into sites and virtual directories.

The version decides which sslFlags bits a file may use: IIS 8 added SNI (1) and the central
certificate store (2); IIS 10 builds added 4, 8, 16, 32 and 64.  A file is judged by what its
IIS version writes into it: the CNG protected-configuration providers and ``<hsts>`` appear
from IIS 10, the ``webSocket`` section from IIS 8.  Where that cannot be told (IIS Express,
appcmd output, a file without those declarations) all seven bits are accepted.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from metaclone.lazy import lazy_attributes, lazy_pattern
from metaclone.model.validation import SSL_FLAGS_ANY, SSL_FLAGS_IIS8, SSL_FLAGS_IIS10

if TYPE_CHECKING:
    from metaclone.iis7.element_schema import ELEMENTS, AttributeSchema, Kind

__all__ = [
    "DIRECTORY_DEFAULTS",
    "ELEMENTS",
    "SITE_SETTING_DEFAULTS",
    "AttributeSchema",
    "Kind",
    "ssl_flag_bits",
]

# The table of the modelled elements' attributes is read by the checks alone.
__getattr__, __dir__ = lazy_attributes(
    __name__,
    dict.fromkeys(("ELEMENTS", "AttributeSchema", "Kind"), "metaclone.iis7.element_schema"),
)

# What shows a version, each as a text to look for and the expression that must match there:
# str.find skims a large file many times faster than a search without a fixed start.
_IIS10_MARKS = (
    ("CngProvider", lazy_pattern(lambda: re.compile(r"(?:(?<=IIS)|(?<=IISWASOnly))CngProvider"))),
    ("<hsts", lazy_pattern(lambda: re.compile(r"<hsts[\s/>]"))),
)
_IIS8_MARKS = (("<section", re.compile(r"<section\s+name=\"webSocket\"")),)


def ssl_flag_bits(text: str, *, iis_express: bool = False) -> int:
    """The sslFlags bits known to the IIS version that wrote ``text`` (see the module notes).

    Only what a file holds is taken as proof of its version: a file without the ``webSocket``
    section may be an IIS 7 file or one whose declarations were trimmed, so it gets all bits.
    """
    if iis_express:
        return SSL_FLAGS_ANY
    if _mentions(text, _IIS10_MARKS):
        return SSL_FLAGS_IIS10
    if _mentions(text, _IIS8_MARKS):
        return SSL_FLAGS_IIS8
    return SSL_FLAGS_ANY


def _mentions(text: str, marks: tuple[tuple[str, re.Pattern[str]], ...]) -> bool:
    """Whether one of ``marks`` matches in ``text`` (at an occurrence of its text)."""
    for literal, pattern in marks:
        position = text.find(literal)
        while position >= 0:
            if pattern.match(text, position):
                return True
            position = text.find(literal, position + 1)
    return False


#: The defaults IIS_schema.xml (IIS 10) gives the attributes of ``<siteDefaults>``'s children
#: that IIS merges into every site attribute by attribute, as (attribute, default) in schema
#: order, by element name.  A site's effective value is its own, else its ``<siteDefaults>``'s,
#: else this one.  ``logFile`` is limited to the attributes every IIS 7+ version knows.
SITE_SETTING_DEFAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "limits": (
        ("maxBandwidth", "4294967295"),
        ("maxConnections", "4294967295"),
        ("connectionTimeout", "00:02:00"),
        ("maxUrlSegments", "32"),
    ),
    "logFile": (
        (
            "logExtFileFlags",
            "Date, Time, ClientIP, UserName, ServerIP, Method, UriStem, UriQuery, TimeTaken, "
            "HttpStatus, Win32Status, ServerPort, UserAgent, HttpSubStatus, Referer",
        ),
        ("customLogPluginClsid", ""),
        ("logFormat", "W3C"),
        ("directory", r"%SystemDrive%\inetpub\logs\LogFiles"),
        ("period", "Daily"),
        ("truncateSize", "20971520"),
        ("localTimeRollover", "false"),
        ("enabled", "true"),
    ),
    "traceFailedRequestsLogging": (
        ("enabled", "false"),
        ("directory", r"%SystemDrive%\inetpub\FailedReqLogFiles"),
        ("maxLogFiles", "50"),
        ("maxLogFileSizeKB", "1024"),
        ("customActionsEnabled", "false"),
    ),
}


#: The defaults of the ``<virtualDirectory>`` attributes a ``<virtualDirectoryDefaults>`` may
#: supply (``password``'s default is the encrypted empty text, i.e. no password).
DIRECTORY_DEFAULTS: dict[str, str] = {
    "userName": "",
    "password": "",
    "logonMethod": "ClearText",
    "allowSubDirConfig": "true",
}
