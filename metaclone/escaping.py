"""Untrusted text shown where it could act: terminals, cmd scripts and PowerShell scripts.

Names and values come from configuration files and netsh captures metaclone does not control.
A line end inside a site name would start a new line in a listing or a script; an escape
sequence would move the terminal's cursor; a bidi override would show a line in another order;
``%`` or ``&`` would expand or run something in cmd, a quote would end a PowerShell literal.
Each function here makes such text inert for one destination, by showing the offending
characters as escapes (``\\x1b``, ``\\u202e``) rather than removing them, so that what is shown
still tells which characters are there.
"""

from __future__ import annotations

import re
import unicodedata

# Controls (C0, DEL, C1), format characters (bidi embeddings, overrides and isolates, zero-width
# characters, the BOM), lone surrogates, and the line and paragraph separators.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

# Characters cmd acts on in a script line (even in a ``rem`` line, ``%`` expands and a final
# ``^`` joins the next line); ``!`` expands when delayed expansion is on.
_CMD_ACTIVE = frozenset('^&|<>!"')

# PowerShell ends a single-quoted string at any of these, not only at the ASCII apostrophe.
_PS_QUOTES = re.compile("['\u2018\u2019\u201a\u201b]")


def escape_character(character: str) -> str:
    """``character`` as a Python-style escape: ``\\x1b``, ``\\u202e`` or ``\\U0001f600``."""
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def is_invisible(character: str) -> bool:
    """Whether ``character`` is a control, format or separator character (see the module)."""
    return unicodedata.category(character) in _INVISIBLE_CATEGORIES


# Only these can be invisible; the rest of the text is left to the regular expression engine.
_NOT_PRINTABLE_ASCII = re.compile(r"[^\x20-\x7e]")


def _escape_if_invisible(match: re.Match[str]) -> str:
    character = match.group()
    return escape_character(character) if is_invisible(character) else character


def visible(text: str) -> str:
    """``text`` for a terminal: one line, with every control and format character escaped.

    Line ends, escape sequences, bidi overrides and isolates (U+202A-U+202E, U+2066-U+2069),
    zero-width characters and the like are shown as escapes; everything else is kept.
    """
    if text.isprintable():
        return text
    return _NOT_PRINTABLE_ASCII.sub(_escape_if_invisible, text)


def cmd_comment(text: str) -> str:
    """``text`` for the rest of a cmd ``rem`` line, where nothing in it can act.

    ``%`` is doubled (cmd shows it once), ``"`` is shown as ``'``, and the characters cmd acts on
    (``^ & | < > !``), controls and everything outside printable ASCII are escapes: cmd reads a
    script in the console's code page, in which UTF-8 bytes could turn into other characters.
    """
    out: list[str] = []
    for character in text:
        if character == "%":
            out.append("%%")
        elif character == '"':
            out.append("'")
        elif character in _CMD_ACTIVE or not " " <= character <= "~":
            out.append(escape_character(character))
        else:
            out.append(character)
    return "".join(out)


def powershell_comment(text: str) -> str:
    """``text`` for the rest of a PowerShell ``#`` comment: one line (see :func:`visible`)."""
    return visible(text)


def powershell_literal(text: str) -> str:
    """``text`` as a PowerShell single-quoted string: no ``$(...)``, variable or backtick in it
    is evaluated, and every quote PowerShell would end the string at is doubled."""
    return "'" + _PS_QUOTES.sub(lambda match: match.group() * 2, visible(text)) + "'"
