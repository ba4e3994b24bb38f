"""IIS 6 metabase properties: the facts metaclone needs, and how each type is written as text.

The table holds the properties metaclone reads, writes or must treat with care (name, ID, type,
whether the value is encrypted, flag bits), as IIS 6's MBSchema.xml defines them.  Properties
missing from it are read as strings, which is what every value looks like in MetaBase.xml.

Text forms (MetaBase.xml and ``iiscnfg /export``):

* DWORD: decimal; flag properties write the names of their bits joined by `` | `` (a plain
  number also occurs).
* BOOL: ``TRUE`` / ``FALSE``.
* STRING, EXPANDSZ: verbatim (``%windir%`` stays unexpanded).
* MULTISZ, MIMEMAP: one entry per line; continuation lines are indented (three tabs in IIS
  output).  An XML parser turns those line ends into spaces, so entries are read from the raw
  attribute text.
* BINARY: lowercase hex.  Secure values are encrypted with the machine's session key: opaque
  blobs (``49634462...``, ``NOLONGERVALID...``) that are only ever copied byte for byte.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping

import attrs

from metaclone.lazy import lazy_pattern
from metaclone.lossless.values import decode_attribute_value, encode_attribute_value
from metaclone.model.sites import is_ascii_number


class PropertyType(enum.Enum):
    DWORD = "DWORD"
    BOOL = "BOOL"
    STRING = "STRING"
    EXPANDSZ = "EXPANDSZ"
    MULTISZ = "MULTISZ"
    MIMEMAP = "MIMEMAP"
    BINARY = "BINARY"
    NTACL = "NTACL"
    IPSECLIST = "IPSECLIST"

    @property
    def is_text(self) -> bool:
        """Whether values of this type are text that may hold a metabase path."""
        return self in _TEXT_TYPES

    @property
    def is_multi(self) -> bool:
        return self in (PropertyType.MULTISZ, PropertyType.MIMEMAP)


_TEXT_TYPES = frozenset(
    {PropertyType.STRING, PropertyType.EXPANDSZ, PropertyType.MULTISZ, PropertyType.MIMEMAP}
)


@attrs.frozen
class Property:
    """One metabase property as MBSchema.xml defines it."""

    name: str
    id: int
    type: PropertyType
    secure: bool = False
    flags: Mapping[str, int] = attrs.field(factory=dict)
    #: MBSchema's INHERIT attribute: a key without its own value takes its nearest ancestor's.
    inherit: bool = False


def _p(
    name: str,
    ident: int,
    kind: PropertyType,
    *,
    secure: bool = False,
    flags: Mapping[str, int] | None = None,
) -> Property:
    return Property(name, ident, kind, secure, dict(flags or {}), name in _INHERIT)


#: The properties of the table that MBSchema marks INHERIT (corpus mbSchemaSample.xml).
#: ServerAutoStart, ServerBindings and SecureBindings are NO_ATTRIBUTES: never inherited.
_INHERIT = frozenset(
    {
        "MaxConnections", "ServerComment", "ServerSize", "InProcessIsapiApps",
        "AppFriendlyName", "AppRoot", "AppIsolated", "AppWamClsid", "AppPackageID",
        "AppPackageName", "Path", "UNCUserName", "UNCPassword", "LogType", "LogFileDirectory",
        "LogFilePeriod", "LogOdbcPassword", "LogPluginClsid", "LogExtFileFlags", "SSLCertHash",
        "SSLStoreName", "SslUseDsMapper", "AuthFlags", "HttpExpires", "HttpCustomHeaders",
        "DirBrowseFlags", "DefaultDoc", "HttpErrors", "HttpRedirect", "ScriptMaps", "MimeMap",
        "AccessFlags", "IPSecurity", "AnonymousUserName", "AnonymousUserPass", "AdminACL",
        "AccessSSLFlags", "WAMUserName", "WAMUserPass", "AppPoolId",
    }
)  # fmt: skip


_D, _B, _S, _E = PropertyType.DWORD, PropertyType.BOOL, PropertyType.STRING, PropertyType.EXPANDSZ
_M, _BIN = PropertyType.MULTISZ, PropertyType.BINARY

_TABLE: tuple[Property, ...] = (
    _p("KeyType", 1002, _S),
    _p("MaxConnections", 1014, _D),
    _p("ServerComment", 1015, _S),
    _p("ServerState", 1016, _D),
    _p("ServerAutoStart", 1017, _B),
    _p("ServerSize", 1018, _D),
    _p("ServerBindings", 1023, _M),
    _p("SecureBindings", 2021, _M),
    _p("FilterLoadOrder", 2040, _S),
    _p("FilterPath", 2041, _S),
    _p("FilterEnabled", 2043, _B),
    _p(
        "FilterFlags",
        2044,
        _D,
        flags={
            "NotifySecurePort": 1,
            "NotifyNonSecurePort": 2,
            "NotifySendResponse": 64,
            "NotifyEndOfRequest": 128,
            "NotifyEndOfNetSession": 256,
            "NotifyLog": 512,
            "NotifySendRawData": 1024,
            "NotifyAccessDenied": 2048,
            "NotifyUrlMap": 4096,
            "NotifyAuthentication": 8192,
            "NotifyPreProcHeaders": 16384,
            "NotifyReadRawData": 32768,
            "NotifyOrderLow": 131072,
            "NotifyOrderMedium": 262144,
            "NotifyOrderHigh": 524288,
            "NotifyAuthComplete": 67108864,
        },
    ),
    _p("FilterDescription", 2045, _S),
    _p("InProcessIsapiApps", 2073, _M),
    _p("AppFriendlyName", 2102, _S),
    _p("AppRoot", 2103, _S),
    _p("AppIsolated", 2104, _D),
    _p("AppWamClsid", 2105, _S),
    _p("AppPackageID", 2106, _S),
    _p("AppPackageName", 2107, _S),
    _p("CustomErrorDescriptions", 2120, _M),
    _p("ApplicationDependencies", 2167, _M),
    _p("WebSvcExtRestrictionList", 2168, _M),
    _p("HcFileExtensions", 2238, _M),
    _p("Path", 3001, _S),
    _p("UNCUserName", 3002, _S),
    _p("UNCPassword", 3003, _S, secure=True),
    _p("LogType", 4000, _D),
    _p("LogFileDirectory", 4001, _E),
    _p("LogFilePeriod", 4003, _D),
    _p("LogOdbcPassword", 4010, _S, secure=True),
    _p("LogPluginClsid", 4011, _S),
    _p(
        "LogExtFileFlags",
        4013,
        _D,
        flags={
            "LogExtFileDate": 1,
            "LogExtFileTime": 2,
            "LogExtFileClientIp": 4,
            "LogExtFileUserName": 8,
            "LogExtFileSiteName": 16,
            "LogExtFileComputerName": 32,
            "LogExtFileServerIp": 64,
            "LogExtFileMethod": 128,
            "LogExtFileUriStem": 256,
            "LogExtFileUriQuery": 512,
            "LogExtFileHttpStatus": 1024,
            "LogExtFileWin32Status": 2048,
            "LogExtFileBytesSent": 4096,
            "LogExtFileBytesRecv": 8192,
            "LogExtFileTimeTaken": 16384,
            "LogExtFileServerPort": 32768,
            "LogExtFileUserAgent": 65536,
            "LogExtFileCookie": 131072,
            "LogExtFileReferer": 262144,
            "LogExtFileProtocolVersion": 524288,
            "LogExtFileHost": 1048576,
            "LogExtFileHttpSubStatus": 2097152,
        },
    ),
    _p("SSLCertHash", 5506, _BIN),
    _p("SSLStoreName", 5511, _S),
    _p("SslCtlIdentifier", 5512, _S),
    _p("SslCtlStoreName", 5517, _S),
    _p("SslUseDsMapper", 5519, _B),
    _p(
        "AuthFlags",
        6000,
        _D,
        flags={
            "AuthAnonymous": 1,
            "AuthBasic": 2,
            "AuthNTLM": 4,
            "AuthMD5": 16,
            "AuthPassport": 64,
        },
    ),
    _p("HttpExpires", 6002, _S),
    _p("HttpCustomHeaders", 6004, _M),
    _p(
        "DirBrowseFlags",
        6005,
        _D,
        flags={
            "DirBrowseShowDate": 2,
            "DirBrowseShowTime": 4,
            "DirBrowseShowSize": 8,
            "DirBrowseShowExtension": 16,
            "DirBrowseShowLongDate": 32,
            "EnableDefaultDoc": 1073741824,
            "EnableDirBrowsing": 2147483648,
        },
    ),
    _p("DefaultDoc", 6006, _S),
    _p("HttpErrors", 6008, _M),
    _p("HttpRedirect", 6011, _S),
    _p("ScriptMaps", 6014, _M),
    _p("MimeMap", 6015, PropertyType.MIMEMAP),
    _p(
        "AccessFlags",
        6016,
        _D,
        flags={
            "AccessRead": 1,
            "AccessWrite": 2,
            "AccessExecute": 4,
            "AccessSource": 16,
            "AccessScript": 512,
            "AccessNoRemoteWrite": 1024,
            "AccessNoRemoteRead": 4096,
            "AccessNoRemoteExecute": 8192,
            "AccessNoRemoteScript": 16384,
            "AccessNoPhysicalDir": 32768,
        },
    ),
    _p("IPSecurity", 6019, PropertyType.IPSECLIST),
    _p("AnonymousUserName", 6020, _S),
    _p("AnonymousUserPass", 6021, _S, secure=True),
    _p("AdminACL", 6027, PropertyType.NTACL, secure=True),
    _p(
        "AccessSSLFlags",
        6030,
        _D,
        flags={
            "AccessSSL": 8,
            "AccessSSLNegotiateCert": 32,
            "AccessSSLRequireCert": 64,
            "AccessSSLMapCert": 128,
            "AccessSSL128": 256,
        },
    ),
    _p("WAMUserName", 7501, _S),
    _p("WAMUserPass", 7502, _S, secure=True),
    _p("AppPoolAutoStart", 9028, _B),
    _p("AppPoolId", 9101, _S),
    _p("SessionKey", 9999, _BIN),
)

#: The properties of a server key that a :class:`~metaclone.model.sites.Site` is made of.
SITE_PROPERTIES = (
    "ServerComment",
    "ServerAutoStart",
    "ServerBindings",
    "SecureBindings",
    "SSLCertHash",
    "SSLStoreName",
)

#: The properties metaclone knows, by name (property names are case-sensitive in the file).
PROPERTIES: Mapping[str, Property] = {p.name: p for p in _TABLE}

#: The names of the properties a key inherits from its ancestors (MBSchema's INHERIT).
INHERITABLE_PROPERTIES = frozenset(p.name for p in _TABLE if p.inherit)

#: The names of the properties whose values are encrypted with the machine's session key.
SECURE_PROPERTIES = frozenset(p.name for p in _TABLE if p.secure)

# IcDb (encrypted value), IcKb (session key), and what IIS writes for a value whose key is gone.
_SECURE_BLOB = lazy_pattern(
    lambda: re.compile(r"(?:49634462|49634b62|NOLONGERVALID)[0-9A-Fa-f]*", re.ASCII)
)


def is_secure_blob(raw: str) -> bool:
    """Whether ``raw`` is an encrypted value: opaque, never decoded, only copied."""
    return _SECURE_BLOB.fullmatch(raw) is not None


def property_type(name: str) -> PropertyType:
    """The type of property ``name``; STRING for properties outside the table."""
    known = PROPERTIES.get(name)
    return known.type if known is not None else PropertyType.STRING


def may_hold_path(name: str, raw: str) -> bool:
    """Whether the value of property ``name`` written as ``raw`` is text that may name a key.

    Encrypted values and the non-text types (DWORD, BOOL, BINARY, NTACL, IPSECLIST) are left
    alone, whatever they look like.
    """
    known = PROPERTIES.get(name)
    if known is not None and (known.secure or not known.type.is_text):
        return False
    return not is_secure_blob(raw)


# -- text forms ------------------------------------------------------------------------------

_LINE_END = re.compile(r"\r\r\n|\r\n|\n|\r")
# A CR or LF written as a character reference, in any of its spellings: &#xA; &#x0A; &#10;
# &#010; and the CR forms.
_CR_REF = r"&#(?:x0*[dD]|0*13);"
_LF_REF = r"&#(?:x0*[aA]|0*10);"
#: What separates two MULTISZ entries: a line end, literal or as character references.
ENTRY_SEPARATOR = re.compile(rf"(?:\r|{_CR_REF})*(?:\n|{_LF_REF})|(?:\r|{_CR_REF})+")
_CONTINUATION_INDENT = re.compile(r"^[ \t]*")


def parse_multisz(raw: str) -> list[str]:
    """The entries of a MULTISZ or MIMEMAP value written as ``raw`` (the text between quotes).

    Entries are separated by line ends, written literally or as character references
    (``&#xA;``, ``&#10;``, ...); the indentation of continuation lines is layout, not data.
    ``""`` is the empty list.
    """
    if raw == "":
        return []
    lines = ENTRY_SEPARATOR.split(raw)
    entries = [lines[0]] + [_CONTINUATION_INDENT.sub("", line, count=1) for line in lines[1:]]
    return [decode_attribute_value(entry) for entry in entries]


def format_multisz(
    entries: Iterable[str], *, newline: str = "\r\n", indent: str = "\t\t\t", quote: str = '"'
) -> str:
    """Raw attribute text for a MULTISZ value: one entry per line, later lines indented."""
    encoded = []
    for entry in entries:
        if _LINE_END.search(entry):
            raise ValueError(f"a MULTISZ entry cannot contain a line end: {entry!r}")
        encoded.append(encode_attribute_value(entry, quote))
    return (newline + indent).join(encoded)


def parse_bool(text: str) -> bool:
    """A BOOL value: ``TRUE``/``FALSE`` (any case) or a number (non-zero is true)."""
    cleaned = text.strip()
    if cleaned.upper() == "TRUE":
        return True
    if cleaned.upper() == "FALSE":
        return False
    if is_ascii_number(cleaned):
        return int(cleaned) != 0
    raise ValueError(f"{text!r} is not a BOOL value (TRUE or FALSE)")


def parse_dword(name: str, text: str) -> int:
    """A DWORD value, including flag names joined by ``|`` for flag properties."""
    total = 0
    known = PROPERTIES.get(name)
    flags = known.flags if known is not None else {}
    for part in text.split("|"):
        token = part.strip()
        if is_ascii_number(token):
            total |= int(token)
        elif token in flags:
            total |= flags[token]
        elif token:
            raise ValueError(f"{token!r} is not a flag of {name}")
    if total > 0xFFFFFFFF:
        raise ValueError(f"{text!r} does not fit a DWORD")
    return total


def format_flags(name: str, bits: int) -> str:
    """Flag names joined by `` | `` in the table's order; bits without a name as a number."""
    flags = PROPERTIES[name].flags
    names = [flag for flag, value in flags.items() if bits & value == value]
    rest = bits
    for flag in names:
        rest &= ~flags[flag]
    if rest:
        names.append(str(rest))
    return " | ".join(names) if names else "0"


def parse_binary(text: str) -> bytes:
    """A BINARY value (hex digits)."""
    return bytes.fromhex(text.strip())


def read_value(name: str, raw: str) -> object:
    """The typed value of property ``name`` written as ``raw``.

    DWORD → int (flags combined), BOOL → bool, MULTISZ/MIMEMAP → list of str, BINARY → bytes,
    everything else (and every encrypted value) → the decoded string.
    """
    if name in SECURE_PROPERTIES or is_secure_blob(raw):
        return raw
    kind = property_type(name)
    if kind.is_multi:
        return parse_multisz(raw)
    value = decode_attribute_value(raw)
    if kind is PropertyType.DWORD:
        return parse_dword(name, value)
    if kind is PropertyType.BOOL:
        return parse_bool(value)
    if kind is PropertyType.BINARY:
        return parse_binary(value)
    return value
