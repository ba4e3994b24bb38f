"""IIS's own rules for the values metaclone reads and writes, written once for every format.

Each ``*_problem`` function returns None for a value IIS accepts, or a sentence saying which rule
the value breaks, for messages such as ``site name 'a:b' is refused: ...``.  They check text
only; whether a name or an id is already taken is the document's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from metaclone.lazy import lazy_pattern

#: Characters IIS Manager and Microsoft.Web.Administration refuse in a site name
#: (``validationType="siteName"`` in IIS_schema.xml).
SITE_NAME_FORBIDDEN = '\\/?;:@&=+$,|"<>'
#: Characters refused in an application pool name.
POOL_NAME_FORBIDDEN = '\\/"|<>:*?][+=;,@&'

#: IIS 7 and later type a site id as a uint; 0 is not an id.
MAX_IIS7_SITE_ID = 2**32 - 1
#: IIS 6 (WMI) types a site id as a signed 32-bit integer.
MAX_IIS6_SITE_ID = 2**31 - 1

MAX_PORT = 65535

#: Longest certificate store name accepted (Windows' own names are far shorter).
MAX_STORE_NAME_LENGTH = 64

# C0 and C1 controls and DEL: no IIS name holds them, and in a plan or a listing they could
# start a new line or move the cursor.
_CONTROL = lazy_pattern(lambda: re.compile(r"[\x00-\x1f\x7f-\x9f]"))
_LABEL = lazy_pattern(lambda: re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"))
_MAX_HOST_LENGTH = 253


def _forbidden_problem(name: str, forbidden: str, what: str) -> str | None:
    article = "an" if what[0] in "aeiou" else "a"
    if not name.strip():
        return f"{article} {what} cannot be empty"
    if _CONTROL.search(name):
        return f"{article} {what} cannot contain line ends or control characters"
    found = sorted({c for c in name if c in forbidden})
    if found:
        shown = " ".join(found)
        return f"IIS does not allow {shown} in {article} {what} (none of {' '.join(forbidden)})"
    return None


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a line end or another control character, as no IIS name does."""
    return _CONTROL.search(text) is not None


def site_name_problem(name: str) -> str | None:
    """Why IIS would refuse ``name`` as a site name, or None."""
    return _forbidden_problem(name, SITE_NAME_FORBIDDEN, "site name")


def pool_name_problem(name: str) -> str | None:
    """Why IIS would refuse ``name`` as an application pool name, or None."""
    return _forbidden_problem(name, POOL_NAME_FORBIDDEN, "application pool name")


def site_id_problem(site_id: int, maximum: int) -> str | None:
    """Why ``site_id`` is not a site id in a format whose largest id is ``maximum``, or None."""
    if not 1 <= site_id <= maximum:
        return f"site ids run from 1 to {maximum}"
    return None


def host_name_problem(host: str) -> str | None:
    """Why ``host`` is not a host name for a binding, or None.

    Host names follow RFC 1123 (letters, digits and hyphens in dot-separated labels of at most
    63 characters, 253 in all), with an optional leading ``*.`` for a wildcard binding.
    Internationalised names are written in their ``xn--`` form, as IIS stores them.
    """
    name = host[2:] if host.startswith("*.") else host
    if not name:
        return "a host name cannot be empty"
    if len(name) > _MAX_HOST_LENGTH:
        return f"a host name has at most {_MAX_HOST_LENGTH} characters"
    for label in name.split("."):
        if not _LABEL.fullmatch(label):
            return (
                f"{label!r} is not a host name label (letters, digits and inner hyphens, "
                "at most 63; only a leading '*.' may be a wildcard)"
            )
    return None


def ip_problem(ip: str) -> str | None:
    """Why ``ip`` is not the address part of a binding, or None.

    Accepted: empty or ``*`` (all unassigned addresses), an IPv4 address, an IPv6 address in
    brackets.
    """
    if ip in ("", "*"):
        return None
    import ipaddress  # noqa: PLC0415 - a listing never checks an address: not loaded for it

    try:
        if ip.startswith("[") and ip.endswith("]"):
            ipaddress.IPv6Address(ip[1:-1])
        else:
            ipaddress.IPv4Address(ip)
    except ValueError:
        return "the address is *, empty, an IPv4 address or an IPv6 address in brackets"
    return None


def port_problem(port_text: str) -> str | None:
    """Why ``port_text`` is not a port number (1 to 65535), or None."""
    # Past its leading zeros a port has at most five digits: more are out of range before
    # int(), which refuses thousands, reads them.
    digits = port_text.lstrip("0")
    if (
        not (port_text.isascii() and port_text.isdigit())
        or len(digits) > len(str(MAX_PORT))
        or not 1 <= int(digits or "0") <= MAX_PORT
    ):
        return f"the port is a number from 1 to {MAX_PORT}"
    return None


def address_problem(information: str) -> str | None:
    """Why ``information`` is not ``IP:port:host`` binding information, or None."""
    head, colon, host = information.rpartition(":")
    ip, colon2, port_text = head.rpartition(":")
    if not colon or not colon2:
        return "http, https and ftp bindings are written IP:port:host"
    problem = ip_problem(ip) or port_problem(port_text)
    if problem is None and host:
        problem = host_name_problem(host)
    return problem


# Windows' system store names (MY, Root, CA, WebHosting, "Remote Desktop", TrustedPeople, ...) and
# the stores products add (AdfsTrustedDevices) are ASCII words separated by single spaces; a
# name of that shape can be written into a cmd or PowerShell plan without any quoting surprise.
_STORE_NAME = lazy_pattern(
    lambda: re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(?: [A-Za-z0-9][A-Za-z0-9_.-]*)*")
)


def _store_word_problem(name: str, what: str) -> str | None:
    if not name:
        return f"a {what} cannot be empty"
    if len(name) > MAX_STORE_NAME_LENGTH:
        return f"a {what} has at most {MAX_STORE_NAME_LENGTH} characters"
    if not _STORE_NAME.fullmatch(name):
        return (
            f"a {what} is words of ASCII letters, digits, '_', '.' and '-', each starting with a "
            "letter or digit, separated by single spaces (such as MY, WebHosting or Remote Desktop)"
        )
    return None


def store_name_problem(name: str) -> str | None:
    """Why ``name`` is not a certificate store name (``MY``, ``WebHosting``, ...), or None."""
    return _store_word_problem(name, "certificate store name")


def ctl_identifier_problem(identifier: str) -> str | None:
    """Why ``identifier`` is not a certificate trust list identifier HTTP.sys is given, or None.

    HTTP.sys takes any text; metaclone accepts the same words as for a store name, so that
    repeating an entry's identifier in a plan can never be read as a command.
    """
    return _store_word_problem(identifier, "certificate trust list identifier")


def name_key(name: str) -> str:
    """The key under which Windows compares ``name`` with other names.

    IIS compares names ordinally, ignoring case by upper-casing each character on its own:
    ``Straße`` and ``STRASSE`` stay different (full Unicode case folding would make them equal).
    """
    if name.isascii():
        return name.upper()
    return "".join(upper if len(upper := c.upper()) == 1 else c for c in name)


def name_keys(names: list[str]) -> list[str]:
    """``[name_key(name) for name in names]``: ASCII names (nearly all) are upper-cased
    joined, in one call instead of one per name, as a large file has tens of thousands."""
    joined = "\0".join(names)
    # A name holding "\0" would split in two (a document's names never do: XML has no "\0").
    if names and joined.isascii() and joined.count("\0") == len(names) - 1:
        return joined.upper().split("\0")
    return list(map(name_key, names))


def copy_name(name: str, is_taken: Callable[[str], bool]) -> str:
    """The name IIS Manager would give a copy of the site ``name``: ``NAME (copy)``.

    When that is taken, ``NAME (copy 2)``, ``NAME (copy 3)`` and so on: the first one for which
    ``is_taken`` is false.
    """
    candidate, number = f"{name} (copy)", 2
    while is_taken(candidate):
        candidate = f"{name} (copy {number})"
        number += 1
    return candidate
