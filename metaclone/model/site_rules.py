"""How each IIS version numbers and names sites: the rules as data, and the checks that use them.

IIS 6 numbers FTP sites apart from web sites, takes the smallest free id once the highest one
is used, and lets two sites share a name; IIS 7 numbers all sites together, refuses to go past
its highest id and keeps names unique.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import attrs

from metaclone.errors import MetacloneError, SiteIdOutOfRangeError
from metaclone.model.rules import MAX_IIS6_SITE_ID, MAX_IIS7_SITE_ID
from metaclone.model.validation import require_site_id, require_site_name


@attrs.frozen
class SiteRules:
    """The site rules of one IIS version."""

    #: FTP and web sites have ids of their own (``"ftp/21"`` is not web site 21).
    separate_ftp_ids: bool
    #: The highest valid site id.
    max_site_id: int
    #: Two sites may not share a name (duplicates are errors rather than warnings).
    unique_names: bool
    #: Past the highest valid id, a new site takes the smallest free id instead of failing.
    wrap_ids_when_full: bool


IIS6_RULES = SiteRules(
    separate_ftp_ids=True,
    max_site_id=MAX_IIS6_SITE_ID,
    unique_names=False,
    wrap_ids_when_full=True,
)
IIS7_RULES = SiteRules(
    separate_ftp_ids=False,
    max_site_id=MAX_IIS7_SITE_ID,
    unique_names=True,
    wrap_ids_when_full=False,
)


def choose_site_id(
    requested: int | None,
    used: Collection[int],
    rules: SiteRules,
    *,
    path: str,
    taken: Callable[[int], MetacloneError | None],
    highest: int | None = None,
) -> int:
    """The id of a new site: ``requested`` once checked, else one past the highest ``used``.

    ``taken(id)`` is the format's own check of a requested id: the error naming what already
    uses it (a site, a key, customMetadata of a deleted site), or None when it is free.
    ``highest`` is the highest of ``used`` where the format keeps it (else ``used`` is gone
    through).
    """
    if requested is not None:
        require_site_id(requested, rules.max_site_id, path=path)
        problem = taken(requested)
        if problem is not None:
            raise problem
        return requested
    if highest is None:
        highest = max(used, default=0)
    if highest < rules.max_site_id:
        return highest + 1
    if not rules.wrap_ids_when_full:
        raise SiteIdOutOfRangeError(
            f"the highest site id in use is {highest}; no higher id is valid (give one explicitly)",
            path=path,
        )
    candidate = 1
    while candidate in used:
        candidate += 1
    return candidate


def check_free_name(name: str, *, path: str, taken: Callable[[str], MetacloneError | None]) -> str:
    """``name`` once it is a valid site name that ``taken(name)`` finds free.

    ``taken`` is the format's lookup of the name's owner: the error naming the site (or the
    configuration) that already has it, or None.
    """
    require_site_name(name, path=path)
    problem = taken(name)
    if problem is not None:
        raise problem
    return name
