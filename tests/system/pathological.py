"""Inputs built to make a scanner backtrack or repeat work, at any size.

Each maker takes a size in bytes and returns about that many bytes; the command line reads them
with the command named beside them.  Half of them are refused (they are not well-formed, or not
a certificate): what matters is that every one is answered in time linear in its size.
"""

from __future__ import annotations

from collections.abc import Callable

#: Which command reads an input: a key of :data:`COMMANDS`.
Maker = Callable[[int], bytes]

_METABASE_HEAD = (
    b'<?xml version="1.0"?>\n<configuration xmlns="urn:microsoft-catalog:XML_Metabase_V64_0">\n'
    b"<MBProperty>\n"
)
_METABASE_TAIL = b"</MBProperty>\n</configuration>\n"
_APPHOST_HEAD = b"<configuration>\n<system.applicationHost>\n<sites>\n"
_APPHOST_TAIL = b"</sites>\n</system.applicationHost>\n</configuration>\n"


def _repeat(unit: bytes, size: int) -> bytes:
    return unit * max(1, size // len(unit))


def _attributes(size: int) -> bytes:
    count = max(1, size // 12)
    return b"".join(b" a%d=''" % i for i in range(count))


def _nested_keys(size: int) -> bytes:
    # Keys nested 200 deep, each holding a key of its own type at the bottom: a pass that
    # tries each key whole reads the bulk below it once per level.
    names = [b"K%d" % i for i in range(200)]
    opening = b"".join(b'<%s Location="/LM/W3SVC/1/%s">' % (n, n) for n in names)
    bottom = b"".join(b'<%s Location="/LM/x"/>' % n for n in names)
    closing = b"".join(b"</%s>" % n for n in reversed(names))
    return (
        _METABASE_HEAD
        + b'<IIsWebServer Location="/LM/W3SVC/1">'
        + opening
        + _repeat(b"<x/>", size)
        + bottom
        + closing
        + b"</IIsWebServer>"
        + _METABASE_TAIL
    )


def _nested_sites(size: int) -> bytes:
    # Sites nested 200 deep around the bulk, with a comment at the bottom.
    opening = b"".join(b'<site name="s%d" id="%d">' % (i, i + 1) for i in range(200))
    return (
        _APPHOST_HEAD
        + opening
        + _repeat(b"<bindings/>", size)
        + b"<!-- -->"
        + b"</site>" * 200
        + _APPHOST_TAIL
    )


def _deep_elements(size: int) -> bytes:
    # 250 levels (within lxml's limit) around the bulk, inside a site that must be read exactly.
    return (
        _APPHOST_HEAD
        + b'<site name="a" id="1"><!-- -->'
        + b"<a>" * 250
        + _repeat(b"<b/>", size)
        + b"</a>" * 250
        + b'<bindings><binding protocol="http" bindingInformation="*:80:"/></bindings>'
        + b"</site>"
        + _APPHOST_TAIL
    )


def _distinct_names(size: int) -> bytes:
    count = max(1, size // 14)
    return (
        _APPHOST_HEAD.replace(b"<sites>\n", b"")
        + b"".join(b"<n%d/>" % i for i in range(count))
        + b"<sites/>\n</system.applicationHost>\n</configuration>\n"
    )


def _many_sites_with_comments(size: int) -> bytes:
    unit = (
        b'<site name="s%d" id="%d"><!-- c --><bindings><binding protocol="http" '
        b'bindingInformation="*:80:h%d"/></bindings></site>\n'
    )
    count = max(1, size // len(unit))
    return _APPHOST_HEAD + b"".join(unit % (i, i + 1, i) for i in range(count)) + _APPHOST_TAIL


def _netsh_block(size: int) -> bytes:
    head = b"\nSSL Certificate bindings:\n-------------------------\n\n"
    block = b"    IP:port                      : 0.0.0.0:443\n"
    field = b"    Unknown Setting %d           : Enabled\n"
    count = max(1, size // len(field))
    return head + block + b"".join(field % i for i in range(count))


#: name -> (command, file suffix, maker)
INPUTS: dict[str, tuple[str, str, Maker]] = {
    # Not well-formed: the DOCTYPE check and the error message run on unchecked text.
    "open-tags": ("sites", ".xml", lambda n: _repeat(b"<a", n)),
    "open-tags-after-root": ("sites", ".xml", lambda n: b"<c>" + _repeat(b"<a", n)),
    "unclosed-comment": ("sites", ".xml", lambda n: b"<!--" + _repeat(b"<a", n)),
    "unclosed-comment-in-prolog": (
        "sites",
        ".xml",
        lambda n: b'<?xml version="1.0"?>' + _repeat(b"<!-- -->", n // 2) + b"<!--" + b"x" * n,
    ),
    "unclosed-pi": ("sites", ".xml", lambda n: _repeat(b"<?a", n)),
    "declaration-encodings": (
        "sites",
        ".xml",
        lambda n: b"<?xml version='1.0'" + _repeat(b" encoding='x", n),
    ),
    "one-long-line-error-at-end": ("sites", ".xml", lambda n: b"<c>" + b"y" * n + b"</d>"),
    "too-deep": ("sites", ".xml", lambda n: _repeat(b"<a>", n)),
    # Well-formed: the scanners.
    "root-attributes": (
        "sites",
        ".xml",
        lambda n: b"<configuration" + _attributes(n) + b"/>",
    ),
    "metabase-key-attributes": (
        "sites",
        ".xml",
        lambda n: (
            _METABASE_HEAD
            + b'<IIsWebServer Location="/LM/W3SVC/1"'
            + _attributes(n)
            + b"/>"
            + _METABASE_TAIL
        ),
    ),
    "metabase-nested-keys": ("check", ".xml", _nested_keys),
    "apphost-site-attributes": (
        "sites",
        ".config",
        lambda n: _APPHOST_HEAD + b'<site name="a" id="1"' + _attributes(n) + b"/>" + _APPHOST_TAIL,
    ),
    "apphost-binding-attributes": (
        "sites",
        ".config",
        lambda n: (
            _APPHOST_HEAD
            + b'<site name="a" id="1"><bindings><binding protocol="http" bindingInformation="*:80:"'
            + _attributes(n)
            + b"/></bindings></site>"
            + _APPHOST_TAIL
        ),
    ),
    "apphost-nested-sites": ("check", ".config", _nested_sites),
    "apphost-deep-elements": ("check", ".config", _deep_elements),
    "apphost-distinct-names": ("check", ".config", _distinct_names),
    "apphost-sites-with-comments": ("check", ".config", _many_sites_with_comments),
    "appcmd-attributes": (
        "sites",
        ".xml",
        lambda n: (
            b'<appcmd><SITE SITE.NAME="a" SITE.ID="1"'
            + _attributes(n)
            + b'><site name="a" id="1"/></SITE></appcmd>'
        ),
    ),
    # netsh output and certificates.
    "netsh-long-line": ("sslcert", ".txt", lambda n: b"x" * n),
    "netsh-quote-prefixes": ("sslcert", ".txt", lambda n: b" " + b">" * n + b" x : y"),
    "netsh-many-fields": ("sslcert", ".txt", _netsh_block),
    "pem-begin-without-end": (
        "cert",
        ".pem",
        lambda n: _repeat(b"-----BEGIN CERTIFICATE-----\n", n),
    ),
    "pem-labels-without-end": (
        "cert",
        ".pem",
        lambda n: b"".join(b"-----BEGIN L%d-----\n" % i for i in range(max(1, n // 20))),
    ),
}
