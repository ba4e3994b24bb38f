"""The facts of IIS_schema.xml for the few elements metaclone models, and the IIS version.

The table is a compact copy of what ``IIS_schema.xml`` (IIS 7.0 to 10) says of ``<site>``,
``<binding>``, ``<application>``, ``<virtualDirectory>``, the collection defaults, application
pools (``<applicationPools><add>``) and ``<location>``: attribute names, types, which are
required, which are keys, and the validation type IIS applies.  ``metaclone check`` compares a
file with it (:mod:`metaclone.iis7.checks`).

The version decides which sslFlags bits a file may use: IIS 8 added SNI (1) and the central
certificate store (2); IIS 10 builds added 4, 8, 16, 32 and 64.  A file is judged by what its
IIS version writes into it: the CNG protected-configuration providers and ``<hsts>`` appear
from IIS 10, the ``webSocket`` section from IIS 8.  Where that cannot be told (IIS Express,
appcmd output, a file without those declarations) all seven bits are accepted.
"""

from __future__ import annotations

import enum
import re

import attrs

from metaclone.lazy import lazy_pattern
from metaclone.model.validation import SSL_FLAGS_ANY, SSL_FLAGS_IIS8, SSL_FLAGS_IIS10

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


class Kind(enum.Enum):
    """Attribute types as IIS_schema.xml names them (those of the modelled elements)."""

    STRING = "string"
    UINT = "uint"
    BOOL = "bool"
    ENUM = "enum"
    TIMESPAN = "timeSpan"
    INT64 = "int64"
    FLAGS = "flags"


@attrs.frozen
class AttributeSchema:
    """One attribute: its type, whether it is required or a (combined) key, its validation."""

    kind: Kind = Kind.STRING
    required: bool = False
    key: bool = False
    validation: str | None = None
    values: frozenset[str] = frozenset()


_S, _U, _B, _E = Kind.STRING, Kind.UINT, Kind.BOOL, Kind.ENUM


def _a(
    kind: Kind = _S,
    *,
    required: bool = False,
    key: bool = False,
    validation: str | None = None,
    values: tuple[str, ...] = (),
) -> AttributeSchema:
    return AttributeSchema(kind, required, key, validation, frozenset(values))


_APPLICATION_DEFAULTS = {
    "path": _a(validation="applicationPath"),
    "applicationPool": _a(validation="applicationPoolName"),
    "enabledProtocols": _a(),
    "serviceAutoStartEnabled": _a(_B),
    "serviceAutoStartProvider": _a(),
    "preloadEnabled": _a(_B),
}
_VIRTUAL_DIRECTORY = {
    "path": _a(key=True, validation="virtualDirectoryPath"),
    "physicalPath": _a(),
    "userName": _a(),
    "password": _a(),
    "logonMethod": _a(_E, values=("Interactive", "Batch", "Network", "ClearText")),
    "allowSubDirConfig": _a(_B),
}

#: The modelled elements by name, as IIS_schema.xml (IIS 10) defines them.
ELEMENTS: dict[str, dict[str, AttributeSchema]] = {
    "site": {
        "name": _a(required=True, key=True, validation="siteName"),
        "id": _a(_U, required=True, key=True, validation="siteId"),
        "serverAutoStart": _a(_B),
    },
    "siteDefaults": {
        "name": _a(validation="siteName"),
        "id": _a(_U),
        "serverAutoStart": _a(_B),
    },
    "binding": {
        "protocol": _a(required=True, key=True, validation="nonEmptyString"),
        "bindingInformation": _a(required=True, key=True, validation="bindingInformation"),
        "sslFlags": _a(_U, validation="sslFlags"),
    },
    "application": {
        **_APPLICATION_DEFAULTS,
        "path": _a(required=True, key=True, validation="applicationPath"),
    },
    "applicationDefaults": _APPLICATION_DEFAULTS,
    "virtualDirectory": _VIRTUAL_DIRECTORY,
    "virtualDirectoryDefaults": {
        **_VIRTUAL_DIRECTORY,
        "path": _a(validation="virtualDirectoryPath"),
    },
    "pool": {
        "name": _a(required=True, key=True, validation="applicationPoolName"),
        "queueLength": _a(_U),
        "autoStart": _a(_B),
        "enable32BitAppOnWin64": _a(_B),
        "managedRuntimeVersion": _a(),
        "managedRuntimeLoader": _a(),
        "enableConfigurationOverride": _a(_B),
        "managedPipelineMode": _a(_E, values=("Integrated", "Classic")),
        "CLRConfigFile": _a(),
        "passAnonymousToken": _a(_B),
        "startMode": _a(_E, values=("OnDemand", "AlwaysRunning")),
    },
    "location": {
        "path": _a(),
        "overrideMode": _a(_E, values=("Inherit", "Allow", "Deny")),
        "allowOverride": _a(_B),
        "inheritInChildApplications": _a(_B),
    },
}


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
