"""Certificate and key files on disk: reading a set of them, and writing new ones safely.

An audit is given folders of certificate files in every format Windows exports; a request or a
PFX writes a private key, which must never replace an existing file, never follow a symbolic
link and never be readable by others.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from metaclone.certs.certificate import LoadedCertificate
from metaclone.certs.loading import (
    key_matches,
    leaf_certificates,
    load_certificate,
    open_pkcs12,
    unsupported_key,
)
from metaclone.errors import CertificateError, CertificateKeyError, OutputExistsError
from metaclone.lossless.files import read_input

#: The file name endings read from a folder given to :func:`collect_certificates`.
CERTIFICATE_SUFFIXES = frozenset(
    {".pem", ".crt", ".cer", ".der", ".pfx", ".p12", ".p7b", ".p7c", ".key"}
)

_PASSWORD_OPTIONS = "--password-env or --password-file"


def collect_certificates(
    paths: Iterable[str | os.PathLike[str]], password: bytes | None = None
) -> tuple[LoadedCertificate, ...]:
    """The certificates in ``paths``: files, or folders searched for certificate files.

    Files are read as :func:`~metaclone.certs.load_certificate` reads them, except that a
    PKCS#12 file without a private key is accepted (``has_private_key`` False).  A PEM file that
    holds only a private key counts as the key of whichever certificate it matches.  In folders,
    files ending in one of :data:`CERTIFICATE_SUFFIXES` are read, recursively, in name order,
    and PEM files holding only a signing request are passed over.
    A certificate found twice is listed once, with a key if either copy had one.

    Raises :class:`~metaclone.errors.CertificateError` for a file that cannot be read.
    """
    found: dict[str, LoadedCertificate] = {}
    keys: list[PrivateKeyTypes] = []
    for path, in_folder in _certificate_files(paths):
        name, data = read_input(path, CertificateError, "certificate file")
        has_certificate = b"-----BEGIN CERTIFICATE-----" in data
        if in_folder and not has_certificate and b"CERTIFICATE REQUEST-----" in data:
            continue  # a signing request kept beside the certificates
        if b"PRIVATE KEY-----" in data and not has_certificate:
            keys.append(_load_key(data, name, password))
            continue
        loaded = _load_one(name, data, password)
        earlier = found.get(loaded.thumbprint)
        if earlier is None or (loaded.has_private_key and not earlier.has_private_key):
            found[loaded.thumbprint] = loaded
    return tuple(
        attrs.evolve(c, has_private_key=True)
        if not c.has_private_key and any(key_matches(k, c.certificate) for k in keys)
        else c
        for c in found.values()
    )


def _certificate_files(paths: Iterable[str | os.PathLike[str]]) -> list[tuple[str, bool]]:
    """Each file to read, and whether it was found in a folder (rather than named)."""
    files: list[tuple[str, bool]] = []
    for path in paths:
        if not os.path.isdir(path):
            files.append((os.fspath(path), False))
            continue
        inside = sorted(p for p in Path(path).rglob("*") if p.is_file())
        files.extend((str(p), True) for p in inside if p.suffix.lower() in CERTIFICATE_SUFFIXES)
    return files


def _load_key(data: bytes, path: str, password: bytes | None) -> PrivateKeyTypes:
    """The PEM key in ``data``; ``password`` is used only if the key is encrypted."""
    try:
        return serialization.load_pem_private_key(data, None)
    except TypeError:
        problem = "is encrypted; give its password"  # or, with one, the password is wrong
    except ValueError:
        problem = "cannot be read (it is damaged or not a private key)"
    except UnsupportedAlgorithm as exc:
        raise unsupported_key(path, exc) from None
    else:  # pragma: no cover - returned above
        raise AssertionError
    if password is not None and problem.startswith("is encrypted"):
        try:
            return serialization.load_pem_private_key(data, password)
        except ValueError:
            problem = "cannot be decrypted: the password is wrong"
    raise CertificateError(
        f"the private key in this file {problem} ({_PASSWORD_OPTIONS})", path=path
    )


def _load_one(path: str, data: bytes, password: bytes | None) -> LoadedCertificate:
    try:
        return load_certificate(path, password)
    except CertificateKeyError:
        # A PKCS#12 file exported without its private key is still the certificate.
        bare = _keyless_pkcs12(data, password)
        if bare is None:
            raise
        return LoadedCertificate.from_certificate(bare, path, has_private_key=False)


def _keyless_pkcs12(data: bytes, password: bytes | None) -> x509.Certificate | None:
    content = open_pkcs12(data, password)
    if content is None or content[0] is not None:
        return None
    _, certificate, others = content
    # Without a key to tell, the certificate is the one that issued none of the others.
    leaves = leaf_certificates([certificate] if certificate is not None else others)
    return leaves[0] if len(leaves) == 1 else None


def load_private_key(
    path: str | os.PathLike[str], password: bytes | None = None
) -> PrivateKeyTypes:
    """The private key in the file ``path``: PEM (PKCS#8 or traditional) or DER PKCS#8.

    ``password`` is used only when the key is encrypted.  Raises
    :class:`~metaclone.errors.CertificateError` for a file that holds no readable key, an
    encrypted key without a password, or a wrong password.
    """
    name, data = read_input(path, CertificateError, "private key file")
    if b"-----BEGIN " in data:
        return _load_key(data, name, password)
    for attempt in (None, password):
        try:
            return serialization.load_der_private_key(data, attempt)
        except TypeError:
            continue
        except ValueError:
            break
        except UnsupportedAlgorithm as exc:
            raise unsupported_key(name, exc) from None
    raise CertificateError(
        "this file holds no private key metaclone can read (PEM or DER PKCS#8), or its "
        f"password is wrong or missing ({_PASSWORD_OPTIONS})",
        path=name,
    )


def write_new_file(path: str | os.PathLike[str], data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to a file that must not exist yet, readable only by its owner (``mode``).

    The file is created with ``O_EXCL`` (so neither an existing file nor a symbolic link, even
    a dangling one, is followed or replaced) and removed again if writing fails.  Raises
    :class:`~metaclone.errors.OutputExistsError` when something is already there.
    """
    name = os.fspath(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(name, flags, mode)
    except FileExistsError:
        raise _exists(name) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        # The umask may have taken bits away; never added any.
        os.chmod(name, mode)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


def refuse_existing(*paths: str | os.PathLike[str]) -> None:
    """Raise :class:`~metaclone.errors.OutputExistsError` if any of ``paths`` exists.

    Checked before a key is generated, so that nothing is written when one output is taken.
    """
    for path in paths:
        if os.path.lexists(path):
            raise _exists(os.fspath(path))


def _exists(name: str) -> OutputExistsError:
    what = "a symbolic link" if os.path.islink(name) else "a file"
    return OutputExistsError(
        f"{what} is already there; metaclone never replaces it: choose another name or move "
        "it away first",
        path=name,
    )
