"""Cloning an IIS 6 site: its keys copied under a new id, as one block after the source's.

In the copies, ``/LM/<service>/<old id>`` followed by ``/``, a line end or the end of the value
becomes ``/LM/<service>/<new id>`` in Location and every value that may hold a path (``<Custom>``
Values of string types included), case-insensitively; encrypted and binary values are copied
byte for byte.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from metaclone.iis6.checks import COM_PLUS_PROPERTIES
from metaclone.iis6.keys import MetabaseKey, ServerKeyEntry, Service
from metaclone.iis6.properties import KeyWriter, encode_name
from metaclone.iis6.schema import is_secure_blob, may_hold_path, parse_bool
from metaclone.lossless import Attribute, Editor, Element, XmlDocument
from metaclone.model.sites import Finding, Severity, Site

#: Reads the site whose server key of a service starts at an offset: (service, id, start, line).
SiteAt = Callable[[Service, int, int, int], Site]


class SubtreeCloner:
    """Copies the keys of the site at ``entry`` (``subtree``: its server key and every key
    below it): :meth:`insert_copy` writes the copies, :meth:`read_copy` reads the new site."""

    def __init__(
        self,
        xml: XmlDocument,
        writer: KeyWriter,
        entry: ServerKeyEntry,
        subtree: Sequence[MetabaseKey],
    ) -> None:
        self.xml = xml
        self.writer = writer
        self.entry = entry
        self.subtree = subtree
        self.pattern = _path_pattern(entry.service, entry.segment)
        self.last = max(subtree, key=lambda k: k.end)
        self._replacement = ""
        self._shared: dict[int, list[tuple[str, str]]] = {}

    def insert_copy(
        self, new_id: int, name: str, *, auto_start: bool
    ) -> list[tuple[MetabaseKey, int]]:
        """Insert the copies under ``new_id`` named ``name``; return each source key with the
        offset of its copy."""
        entry, xml = self.entry, self.xml
        scratch = xml.edit()
        self._replacement = replacement = str(new_id)
        set_on_server = {"ServerComment", "ServerAutoStart"}
        for key in self.subtree:
            skip = set_on_server if key == entry.key else set()
            self._rewrite_key(scratch, key, replacement, skip)
        # New properties at one place must be set in ordinal order: ServerAutoStart first.
        current_start = xml.attribute(entry.key.start_tag, "ServerAutoStart")
        if not auto_start:
            self.writer.set_property(scratch, entry.key, "ServerAutoStart", "FALSE")
        elif current_start is not None and not _true(current_start.value):
            self.writer.set_property(scratch, entry.key, "ServerAutoStart", "TRUE")
        self.writer.set_property(scratch, entry.key, "ServerComment", encode_name(name))

        last = self.last
        newline = _newline_at(xml.excerpt(last.end, last.end + 3)) or xml.newline_near(last.start)
        pieces: list[str] = []
        copies: list[tuple[MetabaseKey, int]] = []  # source key, offset of its copy
        position = last.end
        for key in self.subtree:
            begin = xml.line_start(key.start)
            if xml.excerpt(begin, key.start).strip(" \t"):
                begin = key.start
            piece = newline + scratch.render(begin, key.end)
            lead = len(newline) + key.start - begin
            copies.append((key, position + lead))
            pieces.append(piece)
            position += len(piece)
        self._shared = self._shared_com_plus()

        editor = xml.edit()
        editor.insert(last.end, "".join(pieces))
        editor.commit()
        return copies

    def read_copy(
        self, copies: list[tuple[MetabaseKey, int]], source: Site, site_at: SiteAt
    ) -> tuple[Site, list[Finding]]:
        """The new site, read from the inserted text (re-indexing a large file costs more),
        and a note for each COM+ setting it shares with ``source``."""
        last, entry, replacement = self.last, self.entry, self._replacement
        # The inserted text alone: reading the copies does not make the whole new text.
        inserted = self.xml.excerpt(last.start, copies[-1][1] if copies else last.end)
        new_id = int(replacement)
        end_line = last.line + inserted.count("\n", 0, last.end - last.start)
        new_site: Site | None = None
        notes: list[Finding] = []
        for key, offset in copies:
            line = end_line + inserted.count("\n", last.end - last.start, offset - last.start)
            if key == entry.key:
                new_site = site_at(entry.service, new_id, offset, line)
            for prop, value in self._shared.get(key.start, ()):
                clone_location = self.pattern.sub(lambda m: m.group(1) + replacement, key.location)
                notes.append(
                    Finding(
                        Severity.WARNING,
                        "shared-com-package",
                        f"{clone_location}: {prop} {value} is the same as in the source site "
                        f"{source.id}; in IIS 5 isolation mode both sites would run in one COM+ "
                        "application",
                        site_id=new_id,
                        line=line,
                    )
                )
        if new_site is None:
            raise AssertionError("the site key is part of its own subtree")
        return new_site, notes

    def _rewrite_key(
        self,
        editor: Editor,
        key: MetabaseKey,
        replacement: str,
        skip: set[str],
    ) -> None:
        for attribute in self.xml.attributes(key.start_tag):
            if attribute.name in skip:
                continue
            if attribute.name != "Location" and not may_hold_path(attribute.name, attribute.raw):
                continue
            _rewrite_value(editor, attribute, self.pattern, replacement)
        if not key.empty:
            for child in self.xml.children(key.element):
                self._rewrite_child(editor, child, replacement)

    def _rewrite_child(self, editor: Editor, element: Element, replacement: str) -> None:
        attributes = self.xml.attributes(element)
        if element.name == "Custom":
            by_name = {a.name: a for a in attributes}
            value = by_name.get("Value")
            kind = (by_name["Type"].value if "Type" in by_name else "STRING").strip().upper()
            flags = by_name["Attributes"].value if "Attributes" in by_name else ""
            if (
                value is not None
                and kind in ("STRING", "EXPANDSZ", "MULTISZ", "MIMEMAP")
                and "SECURE" not in flags.upper()
                and not is_secure_blob(value.raw)
            ):
                _rewrite_value(editor, value, self.pattern, replacement)
            return
        for attribute in attributes:
            if not is_secure_blob(attribute.raw):
                _rewrite_value(editor, attribute, self.pattern, replacement)
        if not element.is_empty_tag:
            for child in self.xml.children(element):
                self._rewrite_child(editor, child, replacement)

    def _shared_com_plus(self) -> dict[int, list[tuple[str, str]]]:
        shared: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for key in self.subtree:
            for prop in COM_PLUS_PROPERTIES:
                found = self.xml.attribute(key.start_tag, prop)
                if found is not None and found.value.strip():
                    shared[key.start].append((prop, found.value))
        return shared


def _true(text: str) -> bool:
    try:
        return parse_bool(text)
    except ValueError:
        return False


def _path_pattern(service: Service, segment: str) -> re.Pattern[str]:
    """``/LM/<service>/<segment>`` followed by ``/``, a line end or the end of the value."""
    return re.compile(
        r"(/LM/"
        + service.name
        + r"/)"
        + re.escape(segment)
        + r"(?=[/\r\n]|&#(?:0*1[03]|x0*[aAdD]);|\Z)",
        re.IGNORECASE,
    )


def _rewrite_value(
    editor: Editor, attribute: Attribute, pattern: re.Pattern[str], replacement: str
) -> None:
    new_raw = pattern.sub(lambda m: m.group(1) + replacement, attribute.raw)
    if new_raw != attribute.raw:
        editor.replace(attribute.value_start, attribute.value_end, new_raw)


def _newline_at(text: str) -> str | None:
    for ending in ("\r\r\n", "\r\n", "\n"):
        if text.startswith(ending):
            return ending
    return None
