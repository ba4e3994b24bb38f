"""The log, tracing and limits settings of an IIS 7+ site, read by ``sites --json`` and
:meth:`~metaclone.document.ConfigDocument.with_settings` alone (and loaded then)."""

from __future__ import annotations

import attrs

__all__ = ["SiteSettings"]


@attrs.frozen
class SiteSettings:
    """What an IIS 7+ site's ``<limits>``, ``<logFile>`` and ``<traceFailedRequestsLogging>``
    say, as IIS uses it: for each attribute the site's own value, else that of
    ``<siteDefaults>`` (attribute by attribute), else the schema's default.

    Each part is ``(attribute, value)`` pairs in schema order, with the names and the text as
    the file writes them (``("directory", "%SystemDrive%\\inetpub\\logs\\LogFiles")``):
    the values are not interpreted.  ``inherited`` names the values taken from
    ``<siteDefaults>`` as ``part.attribute``, e.g. ``log_file.directory``.
    """

    limits: tuple[tuple[str, str], ...] = ()
    log_file: tuple[tuple[str, str], ...] = ()
    trace_failed_requests_logging: tuple[tuple[str, str], ...] = ()
    inherited: tuple[str, ...] = ()

    def value(self, name: str) -> str | None:
        """The value named ``part.attribute`` (``"log_file.directory"``); None: no such one."""
        part, _, attribute = name.partition(".")
        values: tuple[tuple[str, str], ...] = getattr(self, part, ()) if part in _PARTS else ()
        return next((v for key, v in values if key == attribute), None)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {part: dict(getattr(self, part)) for part in _PARTS}
        data["inherited"] = list(self.inherited)
        return data


#: The parts of :class:`SiteSettings`, as its fields and JSON keys name them.
_PARTS = ("limits", "log_file", "trace_failed_requests_logging")
