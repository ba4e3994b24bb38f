"""The applications of a site and their virtual directories, as every format returns them.

Read by what lists or compares applications (``sites --applications``, ``check``, ``diff``),
and loaded then: a listing of sites never builds one.
"""

from __future__ import annotations

import attrs

__all__ = ["Application", "VirtualDirectory"]


@attrs.frozen
class VirtualDirectory:
    """A virtual directory: its path in the application and the folder it serves.

    ``user_name``, ``logon_method``, ``allow_sub_dir_config`` and ``password_set`` are the
    values IIS 7+ uses (None for IIS 6): the directory's own, else those of the nearest
    ``<virtualDirectoryDefaults>`` (application, site, ``<sites>``), else the schema's.  The
    password itself is never kept, only whether one is set.  ``inherited`` names the fields
    whose value came from a ``<virtualDirectoryDefaults>``.  These follow from the file
    around the directory, so two directories compare equal by path and folder alone.
    """

    path: str
    physical_path: str
    user_name: str | None = attrs.field(default=None, eq=False)
    logon_method: str | None = attrs.field(default=None, eq=False)
    allow_sub_dir_config: bool | None = attrs.field(default=None, eq=False)
    password_set: bool | None = attrs.field(default=None, eq=False)
    inherited: tuple[str, ...] = attrs.field(default=(), eq=False)

    @property
    def has_settings(self) -> bool:
        """Whether the inherited settings were read (see the class notes)."""
        return self.logon_method is not None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"path": self.path, "physical_path": self.physical_path}
        if self.has_settings:
            data.update(
                user_name=self.user_name,
                logon_method=self.logon_method,
                allow_sub_dir_config=self.allow_sub_dir_config,
                password_set=self.password_set,
                inherited=list(self.inherited),
            )
        return data


@attrs.frozen
class Application:
    """An application: its path in the site, its pool (None: not set) and directories.

    ``application_pool`` and ``enabled_protocols`` are the values IIS uses: the application's
    own, else those it inherits (IIS 7 ``applicationDefaults``, IIS 6 ``AppPoolId`` of a key
    above it); ``inherited`` names the fields whose value was inherited.
    """

    path: str
    application_pool: str | None
    virtual_directories: tuple[VirtualDirectory, ...] = ()
    enabled_protocols: str | None = None
    inherited: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "application_pool": self.application_pool,
            "enabled_protocols": self.enabled_protocols,
            "virtual_directories": [d.to_json() for d in self.virtual_directories],
            "inherited": list(self.inherited),
        }
