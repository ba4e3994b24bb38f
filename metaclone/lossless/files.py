"""Reading input files with errors that say which file and why."""

from __future__ import annotations

import os

from metaclone.errors import MetacloneError


def read_input(
    path: str | os.PathLike[str], error: type[MetacloneError], what: str
) -> tuple[str, bytes]:
    """The name and bytes of the file at ``path``; ``error`` (naming ``what``) if unreadable."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as file:
            return name, file.read()
    except FileNotFoundError:
        raise error(f"cannot read {what}: no such file", path=name) from None
    except IsADirectoryError:
        raise error(f"cannot read {what}: it is a folder", path=name) from None
    except OSError as exc:
        raise error(f"cannot read {what}: {exc.strerror or exc}", path=name) from None
