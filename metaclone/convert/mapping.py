"""Where each IIS 6 metabase property goes in IIS 7+: the mapping ``metaclone convert`` applies.

Flag names and bit values are those of IIS 6's MBSchema.xml (kept in
:mod:`metaclone.iis6.schema`); the IIS 7 names, bits and defaults are those of IIS 7-10's
``IIS_schema.xml``.  IIS 6 and IIS 7 give the SSL, directory listing and access flags the same
bits, so a flag maps to the flag of the same value, by name.

An IIS 7 setting is a place, ``(element path, attribute)``: ``(("system.webServer", "security",
"access"), "sslFlags")``.  A location block writes the settings whose values differ from what
the path would otherwise inherit.  A collection (default documents) is written whole:
``<clear />`` then one ``<add>`` per entry.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from metaclone.iis6.schema import SITE_PROPERTIES

ElementPath = tuple[str, ...]


@attrs.frozen
class Collection:
    """A collection written whole: ``<clear />``, then one ``<add>`` per entry."""

    entries: tuple[tuple[tuple[str, str], ...], ...]


SettingValue = str | Collection
SettingKey = tuple[ElementPath, str]
Settings = dict[SettingKey, SettingValue]

_WEB = ("system.webServer",)
_AUTH = (*_WEB, "security", "authentication")
ACCESS = (*_WEB, "security", "access")
DEFAULT_DOCUMENT = (*_WEB, "defaultDocument")
DEFAULT_DOCUMENT_FILES = (*DEFAULT_DOCUMENT, "files")
DIRECTORY_BROWSE = (*_WEB, "directoryBrowse")
HTTP_REDIRECT = (*_WEB, "httpRedirect")
HANDLERS = (*_WEB, "handlers")
CUSTOM_HEADERS = (*_WEB, "httpProtocol", "customHeaders")
FTP_AUTHORIZATION = ("system.ftpServer", "security", "authorization")

#: An IIS 6 flag bit that switches an IIS 7 ``enabled`` attribute: (property, flag) -> element.
SWITCHES: Mapping[tuple[str, str], ElementPath] = {
    ("AuthFlags", "AuthAnonymous"): (*_AUTH, "anonymousAuthentication"),
    ("AuthFlags", "AuthBasic"): (*_AUTH, "basicAuthentication"),
    ("AuthFlags", "AuthNTLM"): (*_AUTH, "windowsAuthentication"),
    ("AuthFlags", "AuthMD5"): (*_AUTH, "digestAuthentication"),
    ("DirBrowseFlags", "EnableDirBrowsing"): DIRECTORY_BROWSE,
    ("DirBrowseFlags", "EnableDefaultDoc"): DEFAULT_DOCUMENT,
}


@attrs.frozen
class FlagSet:
    """IIS 6 flags written as one IIS 7 flags attribute (``Ssl, SslNegotiateCert``)."""

    element: ElementPath
    attribute: str
    #: IIS 6 flag name -> IIS 7 flag name, in the IIS 7 schema's order.
    names: Mapping[str, str]


FLAG_SETS: Mapping[str, FlagSet] = {
    "AccessSSLFlags": FlagSet(
        ACCESS,
        "sslFlags",
        {
            "AccessSSL": "Ssl",
            "AccessSSLNegotiateCert": "SslNegotiateCert",
            "AccessSSLRequireCert": "SslRequireCert",
            "AccessSSL128": "Ssl128",
        },
    ),
    "DirBrowseFlags": FlagSet(
        DIRECTORY_BROWSE,
        "showFlags",
        {
            "DirBrowseShowDate": "Date",
            "DirBrowseShowTime": "Time",
            "DirBrowseShowSize": "Size",
            "DirBrowseShowExtension": "Extension",
            "DirBrowseShowLongDate": "LongDate",
        },
    ),
    "AccessFlags": FlagSet(
        HANDLERS,
        "accessPolicy",
        {
            "AccessRead": "Read",
            "AccessWrite": "Write",
            "AccessExecute": "Execute",
            "AccessSource": "Source",
            "AccessScript": "Script",
            "AccessNoRemoteWrite": "NoRemoteWrite",
            "AccessNoRemoteRead": "NoRemoteRead",
            "AccessNoRemoteExecute": "NoRemoteExecute",
            "AccessNoRemoteScript": "NoRemoteScript",
        },
    ),
}

#: The IIS 7 attributes that hold flags (compared as sets of names, in any order and case).
FLAG_ATTRIBUTES = frozenset((f.element, f.attribute) for f in FLAG_SETS.values())

#: The web properties a location block carries, and the IIS 6 default of each (MBSchema.xml
#: ``DefaultValue``; all of them are INHERIT, so a key without its own value takes its parent's).
LOCATION_PROPERTIES: Mapping[str, str] = {
    "AccessFlags": "AccessRead",
    "AccessSSLFlags": "0",
    "AuthFlags": "AuthAnonymous",
    "DefaultDoc": "default.htm",
    "DirBrowseFlags": (
        "DirBrowseShowDate | DirBrowseShowTime | DirBrowseShowSize | DirBrowseShowExtension "
        "| EnableDefaultDoc"
    ),
    "HttpRedirect": "",
    "HttpCustomHeaders": "",
}

#: The FTP properties a location block carries (MBSchema defaults; INHERIT).
FTP_LOCATION_PROPERTIES: Mapping[str, str] = {"AccessFlags": "AccessRead"}

#: FTP AccessFlags bits -> IIS 7 FTP authorization permissions; IIS 6 FTP reads no others.
FTP_PERMISSIONS: Mapping[str, str] = {"AccessRead": "Read", "AccessWrite": "Write"}

#: IIS 7 schema defaults of every setting a location block may write.
IIS7_DEFAULTS: Mapping[SettingKey, SettingValue] = {
    ((*_AUTH, "anonymousAuthentication"), "enabled"): "true",
    ((*_AUTH, "basicAuthentication"), "enabled"): "false",
    ((*_AUTH, "windowsAuthentication"), "enabled"): "false",
    ((*_AUTH, "digestAuthentication"), "enabled"): "false",
    (ACCESS, "sslFlags"): "None",
    (DEFAULT_DOCUMENT, "enabled"): "true",
    (DEFAULT_DOCUMENT_FILES, ""): Collection(()),
    (DIRECTORY_BROWSE, "enabled"): "false",
    (DIRECTORY_BROWSE, "showFlags"): "Date, Time, Size, Extension",
    (HTTP_REDIRECT, "enabled"): "false",
    (HTTP_REDIRECT, "destination"): "",
    (HTTP_REDIRECT, "exactDestination"): "false",
    (HTTP_REDIRECT, "childOnly"): "false",
    (HTTP_REDIRECT, "httpResponseStatus"): "Found",
    (HANDLERS, "accessPolicy"): "Read",
    (CUSTOM_HEADERS, ""): Collection(()),
    (FTP_AUTHORIZATION, ""): Collection(()),
}

#: HttpRedirect options (after the destination, comma-separated) -> IIS 7 attribute and value.
REDIRECT_OPTIONS: Mapping[str, tuple[str, str]] = {
    "EXACT_DESTINATION": ("exactDestination", "true"),
    "CHILD_ONLY": ("childOnly", "true"),
    "PERMANENT": ("httpResponseStatus", "Permanent"),
    "TEMPORARY": ("httpResponseStatus", "Temporary"),
}

# -- application pools ------------------------------------------------------------------------

#: AppPoolIdentityType (MBSchema: DWORD 0..3, default 2) -> processModel identityType.
IDENTITY_TYPES: Mapping[int, str] = {
    0: "LocalSystem",
    1: "LocalService",
    2: "NetworkService",
    3: "SpecificUser",
}

#: The IIsApplicationPool properties a new pool is made of, with their MBSchema defaults
#: (minutes for the two times).
POOL_DEFAULTS: Mapping[str, int] = {
    "AppPoolIdentityType": 2,
    "PeriodicRestartTime": 60,
    "IdleTimeout": 20,
}

PIPELINES: Mapping[str, str] = {"classic": "Classic", "integrated": "Integrated"}
RUNTIMES = ("v2.0", "v4.0", "")


@attrs.frozen
class Setting:
    """An IIS 6 property with a place in an IIS 7 site or pool element.

    ``element`` is the path below ``<add>`` or ``<site>`` (empty: that element itself);
    ``kind`` says how the value is written: ``text``, ``number``, ``bool``, ``minutes`` or
    ``seconds`` (as timeSpans), ``names`` (the IIS 7 names of the IIS 6 numbers in ``names``),
    ``flags`` (the IIS 7 flag names of the IIS 6 bits in ``names``) or ``texts`` (the IIS 7
    names of the IIS 6 texts in ``texts``).  ``iis7_default`` is IIS_schema.xml's default: a
    value equal to it is not written (None: always written).
    """

    element: ElementPath
    attribute: str
    kind: str
    iis7_default: str | None
    names: Mapping[int, str] = attrs.field(factory=dict)
    texts: Mapping[str, str] = attrs.field(factory=dict)


#: The other IIsApplicationPool properties a new pool carries, by IIS 6 name.
POOL_SETTINGS: Mapping[str, Setting] = {
    "AppPoolQueueLength": Setting((), "queueLength", "number", "1000"),
    "MaxProcesses": Setting(("processModel",), "maxProcesses", "number", "1"),
    "PingingEnabled": Setting(("processModel",), "pingingEnabled", "bool", "true"),
    "PingInterval": Setting(("processModel",), "pingInterval", "seconds", "00:00:30"),
    "PingResponseTime": Setting(("processModel",), "pingResponseTime", "seconds", "00:01:30"),
    "StartupTimeLimit": Setting(("processModel",), "startupTimeLimit", "seconds", "00:01:30"),
    "ShutdownTimeLimit": Setting(("processModel",), "shutdownTimeLimit", "seconds", "00:01:30"),
    "DisallowOverlappingRotation": Setting(
        ("recycling",), "disallowOverlappingRotation", "bool", "false"
    ),
    "DisallowRotationOnConfigChange": Setting(
        ("recycling",), "disallowRotationOnConfigChange", "bool", "false"
    ),
    "PeriodicRestartRequests": Setting(("recycling", "periodicRestart"), "requests", "number", "0"),
    "PeriodicRestartMemory": Setting(("recycling", "periodicRestart"), "memory", "number", "0"),
    "PeriodicRestartPrivateMemory": Setting(
        ("recycling", "periodicRestart"), "privateMemory", "number", "0"
    ),
    "LoadBalancerCapabilities": Setting(
        ("failure",),
        "loadBalancerCapabilities",
        "names",
        "HttpLevel",
        {1: "TcpLevel", 2: "HttpLevel"},
    ),
    "OrphanWorkerProcess": Setting(("failure",), "orphanWorkerProcess", "bool", "false"),
    "RapidFailProtection": Setting(("failure",), "rapidFailProtection", "bool", "true"),
    "RapidFailProtectionInterval": Setting(
        ("failure",), "rapidFailProtectionInterval", "minutes", "00:05:00"
    ),
    "RapidFailProtectionMaxCrashes": Setting(
        ("failure",), "rapidFailProtectionMaxCrashes", "number", "5"
    ),
    "CPULimit": Setting(("cpu",), "limit", "number", "0"),
    "CPUAction": Setting(("cpu",), "action", "names", "NoAction", {0: "NoAction", 1: "KillW3wp"}),
    "CPUResetInterval": Setting(("cpu",), "resetInterval", "minutes", "00:05:00"),
    "SMPAffinitized": Setting(("cpu",), "smpAffinitized", "bool", "false"),
    "SMPProcessorAffinityMask": Setting(
        ("cpu",), "smpProcessorAffinityMask", "number", "4294967295"
    ),
}

#: IIS 6's ``LogExtFileFlags`` bits -> IIS 7's ``logFile/@logExtFileFlags`` names (same bits).
_LOG_FIELDS: Mapping[int, str] = {
    1: "Date",
    2: "Time",
    4: "ClientIP",
    8: "UserName",
    16: "SiteName",
    32: "ComputerName",
    64: "ServerIP",
    128: "Method",
    256: "UriStem",
    512: "UriQuery",
    1024: "HttpStatus",
    2048: "Win32Status",
    4096: "BytesSent",
    8192: "BytesRecv",
    16384: "TimeTaken",
    32768: "ServerPort",
    65536: "UserAgent",
    131072: "Cookie",
    262144: "Referer",
    524288: "ProtocolVersion",
    1048576: "Host",
    2097152: "HttpSubStatus",
}

#: The W3C Extended logging module: the one CLSID IIS 7 writes by name (the others, NCSA, IIS
#: and ODBC logging, are noted).
W3C_LOG_CLSID = "{FF160663-DE82-11CF-BC0A-00AA006111E0}"

#: IIsWebServer properties with a place in the IIS 7 ``<site>``, written when the site's own
#: key sets them to something other than what the target's ``siteDefaults`` (else IIS 7's
#: default) gives.  IIS 6 and IIS 7 both append ``W3SVC<id>`` to the log directory.
SITE_SETTINGS: Mapping[str, Setting] = {
    "LogFileDirectory": Setting(
        ("logFile",), "directory", "text", "%SystemDrive%\\inetpub\\logs\\LogFiles"
    ),
    "LogFilePeriod": Setting(
        ("logFile",),
        "period",
        "names",
        "Daily",
        {0: "MaxSize", 1: "Daily", 2: "Weekly", 3: "Monthly", 4: "Hourly"},
    ),
    "LogFileTruncateSize": Setting(("logFile",), "truncateSize", "number", "20971520"),
    "LogFileLocaltimeRollover": Setting(("logFile",), "localTimeRollover", "bool", "false"),
    # IIS 7.0 and IIS 10 have different defaults: always written.
    "LogExtFileFlags": Setting(("logFile",), "logExtFileFlags", "flags", None, _LOG_FIELDS),
    "LogPluginClsid": Setting(
        ("logFile",), "logFormat", "texts", "W3C", texts={W3C_LOG_CLSID: "W3C"}
    ),
    "MaxConnections": Setting(("limits",), "maxConnections", "number", "4294967295"),
    "MaxBandwidth": Setting(("limits",), "maxBandwidth", "number", "4294967295"),
    "ConnectionTimeout": Setting(("limits",), "connectionTimeout", "seconds", "00:02:00"),
}

# -- what is carried --------------------------------------------------------------------------

#: Properties a web site's keys carry over (some only partly: see :func:`.values.unmapped_flags`).
WEB_CARRIED = frozenset(
    {
        *SITE_PROPERTIES,
        "AppRoot",
        "AppPoolId",
        "Path",
        *LOCATION_PROPERTIES,
        *SITE_SETTINGS,
    }
)

#: Properties an FTP site's keys carry over.
FTP_CARRIED = frozenset(
    {
        "ServerComment",
        "ServerAutoStart",
        "ServerBindings",
        "SSLCertHash",
        "SSLStoreName",
        "Path",
        "AllowAnonymous",
        "AnonymousOnly",
        *FTP_LOCATION_PROPERTIES,
    }
)


#: Properties of an IIsApplicationPool key a new pool carries over.
POOL_CARRIED = frozenset({*POOL_DEFAULTS, *POOL_SETTINGS, "WAMUserName", "AppPoolAutoStart"})

#: ``AppIsolated`` 2 (pooled process) is what IIS 7 does; 0 and 1 (IIS 5 isolation) are not.
POOLED = 2
