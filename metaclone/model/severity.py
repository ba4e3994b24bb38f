"""How much a finding matters."""

from __future__ import annotations

import enum

__all__ = ["Severity"]


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
