"""IIS 7+ applicationHost.config (IIS and IIS Express) and appcmd XML."""

from __future__ import annotations

from typing import ClassVar

from metaclone.base import ConfigDocument


class AppHostDocument(ConfigDocument):
    format: ClassVar[str] = "iis7-applicationhost"


class AppcmdDocument(ConfigDocument):
    format: ClassVar[str] = "appcmd-xml"
