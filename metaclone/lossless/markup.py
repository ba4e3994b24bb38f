"""The one copy of the markup patterns every scanner of the exact text composes.

Each fragment matches the text after a ``<``.  Comments, CDATA sections and processing
instructions are matched whole and lazily, so that nothing inside them is taken for a tag; the
tag fragments use possessive quantifiers (they never backtrack), which is what keeps the scans
of large files at regular-expression speed.  Keep the two forms apart when composing.
"""

from __future__ import annotations

import functools
import re

#: A comment, after its ``<``.
COMMENT = r"!--.*?-->"
#: A CDATA section, after its ``<``.
CDATA = r"!\[CDATA\[.*?\]\]>"
#: A processing instruction (the XML declaration included), after its ``<``.
PI = r"\?.*?\?>"
#: Any markup the scanners skip whole, after its ``<``.
OPAQUE = f"{COMMENT}|{CDATA}|{PI}"

#: A double-quoted attribute value that reads as written (nothing to decode), between its quotes.
PLAIN_VALUE = r'[^"&<\t\n\r]*+'
#: An element name (possessive).
NAME = r"[^\s/>!?][^\s/>]*+"
#: The attribute text of a tag, up to a final "/" (written out as a loop that never
#: backtracks: a per-character alternation is several times slower on large files).
ATTRIBUTE_TEXT = r"""[^>"'/]*+(?:(?:"[^"]*+"|'[^']*+'|/(?!>))[^>"'/]*+)*+"""
#: The attributes of a tag after its name, without the closing ``/>`` or ``>``.
TAG_ATTRIBUTES = r"(?:[^>\"'/]++|/(?!>)|\"[^\"]*+\"|'[^']*+')*+"
#: The rest of a tag after its name: attributes, then ``/>`` (group 1 is "/") or ``>``.
TAG_REST = rf"{TAG_ATTRIBUTES}(/?)>"


@functools.lru_cache(maxsize=32)
def end_tag(name: str) -> re.Pattern[str]:
    """The end tag ``</name>``, white space before its ``>`` allowed."""
    return re.compile(rf"</{re.escape(name)}\s*>")
