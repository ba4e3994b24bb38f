"""The password of a certificate or key file, from an environment variable or a file."""

from __future__ import annotations

import os

from metaclone.errors import CertificateError
from metaclone.lossless.files import read_input


def password_from_env(variable: str) -> bytes:
    """The password in environment variable ``variable``, UTF-8 encoded."""
    value = os.environ.get(variable)
    if value is None:
        raise CertificateError(
            f"environment variable {variable} is not set; set it to the certificate's password"
        )
    return value.encode("utf-8")


def password_from_file(path: str | os.PathLike[str]) -> bytes:
    """The password in the file ``path``, without one trailing newline (LF or CRLF)."""
    _, data = read_input(path, CertificateError, "the password file")
    if data.endswith(b"\r\n"):
        return data[:-2]
    if data.endswith(b"\n"):
        return data[:-1]
    return data
