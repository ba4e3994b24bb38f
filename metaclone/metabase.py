"""IIS 6 metabase (MetaBase.xml and iiscnfg /export files)."""

from __future__ import annotations

from typing import ClassVar

from metaclone.base import ConfigDocument


class MetabaseDocument(ConfigDocument):
    format: ClassVar[str] = "iis6-metabase"
