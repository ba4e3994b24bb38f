"""What a virtual directory inherits from the ``<virtualDirectoryDefaults>`` around it.

:meth:`~metaclone.iis7.defaults.SiteDefaults.directory_values` keeps the settings it worked
out under the sites-level defaults alone, by the directory's own values; whatever was asked
before, each answer must be what IIS gives: the directory's own value, else the nearest
default's, else the schema's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import given
from hypothesis import strategies as st

import metaclone
from metaclone.iis7.applicationhost import AppHostDocument
from metaclone.iis7.defaults import SiteDefaults
from metaclone.model.sites import VirtualDirectory

SCHEMA = {"userName": "", "password": "", "logonMethod": "ClearText", "allowSubDirConfig": "true"}
FIELDS = {
    "userName": "user_name",
    "password": "password_set",
    "logonMethod": "logon_method",
    "allowSubDirConfig": "allow_sub_dir_config",
}
WRITTEN = {
    "userName": ["", "u", "HOST\\m"],
    "password": ["", "secret", "[enc:IISWASOnlyAesProvider::enc]", " [enc:A:b:enc]"],
    "logonMethod": ["ClearText", "Network"],
    "allowSubDirConfig": ["true", "false", " False "],
}
SETTINGS = st.fixed_dictionaries(
    {}, optional={name: st.sampled_from(values) for name, values in WRITTEN.items()}
)
DIRECTORIES = st.builds(
    lambda own, path: {**own, "path": path, "physicalPath": f"D:\\{path}"},
    SETTINGS,
    st.sampled_from(["/", "/a"]),
)


def _expected(own: Mapping[str, str], chain: Sequence[Mapping[str, str]]) -> VirtualDirectory:
    """The directory as IIS reads it: own value, else the nearest of ``chain``, else the
    schema's (an encrypted empty password is no password)."""
    values: dict[str, str] = {}
    inherited: list[str] = []
    for name, default in SCHEMA.items():
        nearest = next((d[name] for d in chain if name in d), None)
        if name in own:
            values[name] = own[name]
        elif nearest is not None:
            values[name] = nearest
            inherited.append(FIELDS[name])
        else:
            values[name] = default
    password = values["password"].strip()
    empty_secret = password.startswith("[enc:") and password.endswith("::enc]")
    return VirtualDirectory(
        own["path"],
        own["physicalPath"],
        user_name=values["userName"],
        logon_method=values["logonMethod"],
        allow_sub_dir_config=values["allowSubDirConfig"].strip().lower() != "false",
        password_set=bool(password) and not empty_secret,
        inherited=tuple(inherited),
    )


def _fields(directory: VirtualDirectory) -> tuple[object, ...]:
    return (
        directory.path,
        directory.physical_path,
        directory.user_name,
        directory.logon_method,
        directory.allow_sub_dir_config,
        directory.password_set,
        directory.inherited,
    )


@given(
    sites_level=st.none() | SETTINGS,
    asked=st.lists(st.tuples(DIRECTORIES, st.none() | SETTINGS, st.none() | SETTINGS), max_size=12),
)
def test_each_directory_gets_its_own_else_the_nearest_default_whatever_came_before(
    sites_level: dict[str, str] | None,
    asked: list[tuple[dict[str, str], dict[str, str] | None, dict[str, str] | None]],
) -> None:
    defaults = SiteDefaults(directory=sites_level)
    for own, application_level, site_level in asked:
        found = defaults.directory_values(own, (application_level, site_level))
        chain = [d for d in (application_level, site_level, sites_level) if d is not None]
        assert _fields(found) == _fields(_expected(own, chain))


def test_a_site_with_defaults_of_its_own_is_not_given_those_of_another() -> None:
    text = (
        "<configuration><system.applicationHost><sites>"
        '<site name="a" id="1"><application path="/"><virtualDirectory path="/" '
        'physicalPath="D:\\a" /></application></site>'
        '<site name="b" id="2"><application path="/"><virtualDirectory path="/" '
        'physicalPath="D:\\b" /></application><virtualDirectoryDefaults userName="b" /></site>'
        '<site name="c" id="3"><application path="/"><virtualDirectory path="/" '
        'physicalPath="D:\\c" /></application></site>'
        '<virtualDirectoryDefaults userName="all" logonMethod="Network" />'
        "</sites></system.applicationHost></configuration>"
    )
    doc = metaclone.loads(text.encode(), "defaults.config")
    assert isinstance(doc, AppHostDocument)
    read = [doc.applications(site)[0].virtual_directories[0] for site in (1, 2, 3)]
    assert [(d.user_name, d.logon_method, d.inherited) for d in read] == [
        ("all", "Network", ("user_name", "logon_method")),
        ("b", "Network", ("user_name", "logon_method")),
        ("all", "Network", ("user_name", "logon_method")),
    ]
