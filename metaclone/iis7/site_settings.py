"""The settings of an IIS 7+ site: its ``<limits>``, ``<logFile>`` and
``<traceFailedRequestsLogging>`` merged with those of ``<siteDefaults>``.

Reading them is asked for once per site of a listing, so it is made cheap: a site that
mentions none of the three elements is given the one value every such site shares; any other
site's own text is matched once, as a whole, by a regular expression that reads its direct
children (comments and nested elements skipped whole) and keeps the attribute text of the last
of each of the three; and the merge is worked out once per distinct attribute text.  A site the
expression cannot read (elements nested deeper than it follows) is read by the site parts
reader, with the same result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import attrs

from metaclone.iis7.children import decoded_attributes
from metaclone.iis7.index import SiteElement
from metaclone.iis7.schema import SITE_SETTING_DEFAULTS
from metaclone.iis7.site_parts import MERGED_ELEMENTS, read_site_parts
from metaclone.lazy import lazy_pattern
from metaclone.lossless.markup import ATTRIBUTE_TEXT, NAME, OPAQUE
from metaclone.model.sites import SiteSettings

#: The parts of :class:`~metaclone.model.sites.SiteSettings` by element name.
SETTING_PARTS = {
    "limits": "limits",
    "logFile": "log_file",
    "traceFailedRequestsLogging": "trace_failed_requests_logging",
}

#: How deeply nested the elements of a site may be for the one-match reading (IIS writes at
#: most five levels below ``<site>``: ``ftpServer/security/authentication/.../add``).
_LEVELS = 6


def _element(levels: int) -> str:
    """Any element, nested at most ``levels`` deep, matched whole (possessive, so that an
    element nested deeper makes the match fail instead of backtracking)."""
    pattern = rf"<{NAME}{ATTRIBUTE_TEXT}/>"
    for _ in range(levels):
        pattern = rf"<{NAME}{ATTRIBUTE_TEXT}(?:/>|>{_content(pattern)}</{NAME}\s*+>)"
    return pattern


def _content(element: str) -> str:
    # Text, comments, CDATA sections, processing instructions and ``element``s.
    return rf"(?:[^<]++|<(?:{OPAQUE})|{element})*+"


def _own_settings_pattern() -> re.Pattern[str]:
    inner = _content(_element(_LEVELS - 2))
    own = "|".join(
        rf"<{name}(?=[\s/>])(?P<{name}>{ATTRIBUTE_TEXT})(?:/>|>{inner}</{NAME}\s*+>)"
        for name in MERGED_ELEMENTS
    )
    names = "|".join(MERGED_ELEMENTS)
    other = f"(?!(?:{names})[\\s/>]){_element(_LEVELS - 1)[1:]}"
    # The ``<`` of the other elements is shared with the three named ones.
    return re.compile(rf"(?:[^<]++|<(?:{OPAQUE})|{own}|<{other})*+", re.S)


# A site's content as its direct children; each of the three groups holds the attribute text
# of the last such child (what a reading that follows the nesting keeps, too).
_OWN_SETTINGS = lazy_pattern(_own_settings_pattern)


# The first mention of one of the three names (group 1), or of a comment, CDATA section or
# processing instruction, whichever comes first.
_FIRST = lazy_pattern(lambda: re.compile(rf"<(?:({'|'.join(MERGED_ELEMENTS)})|[!?])"))

# The start of each of the three elements' tags.
_OPENINGS = tuple(f"<{name}" for name in MERGED_ELEMENTS)

#: What a site that has none of the three elements has of its own.
NO_SETTINGS: tuple[str | None, ...] = (None,) * len(MERGED_ELEMENTS)

#: How many settings texts :meth:`SettingsMerge.json_text` keeps whole: those many sites share
#: come first in a large file, and one of its own per site need not all be held.
_KEPT_JSON = 1024


def own_setting_texts(text: str, start: int, end: int) -> tuple[str | None, ...] | None:
    """The attribute text of the own ``<limits>``, ``<logFile>`` and
    ``<traceFailedRequestsLogging>`` (None: it has none) of the site whose content is
    ``text[start:end]``; None when the site is nested too deeply to be read this way.

    A site written the way IIS writes it (the three elements last) is read from the first
    mention of their names on: when no comment, CDATA section or processing instruction
    starts before it, that mention starts a tag (a ``<`` is markup everywhere else); and when
    the text from there to the end is a sequence of whole elements, that tag is a direct
    child of the site, whose content is balanced as a whole.
    """
    first = _FIRST.search(text, start, end)
    if first is None:
        return NO_SETTINGS
    if first.group(1) is not None:
        found = _OWN_SETTINGS.fullmatch(text, first.start(), end)
        if found is not None:
            return found.group(*MERGED_ELEMENTS)
    elif all(text.find(opening, start, end) < 0 for opening in _OPENINGS):
        return NO_SETTINGS
    found = _OWN_SETTINGS.fullmatch(text, start, end)
    return None if found is None else found.group(*MERGED_ELEMENTS)


# One element's part of the settings: its (attribute, value) pairs, and the ``part.attribute``
# of those inherited from ``<siteDefaults>``.
_Part = tuple[tuple[tuple[str, str], ...], tuple[str, ...]]


class SettingsMerge:
    """The settings of sites under one ``<siteDefaults>``, whose ``limits``, ``logFile`` and
    ``traceFailedRequestsLogging`` have the attributes ``defaults`` (by element name).

    Each attribute's value is the site's own, else that of the defaults, else the schema's
    default (schema order, then any other attribute as written).  Each element's part is
    worked out once per distinct attribute text, and each site's settings once per
    combination: most sites of a large file set the same few values.
    """

    def __init__(self, defaults: Mapping[str, Mapping[str, str]]) -> None:
        self._defaults = defaults
        self._parts: dict[tuple[str, str], _Part] = {}
        self._templates: dict[str, _Template] = {}
        self._by_text: dict[tuple[str | None, ...], SiteSettings] = {}
        self._by_values: dict[tuple[tuple[str, tuple[tuple[str, str], ...]], ...], SiteSettings]
        self._by_values = {}
        self.plain = self.from_values({})
        self._by_text[NO_SETTINGS] = self.plain
        self._json_by_text: dict[tuple[str | None, ...], str] = {}
        self._part_json: dict[tuple[str, str], tuple[str, str]] = {}
        self._json_templates: dict[str, _JsonTemplate] = {}

    def from_text(self, texts: tuple[str | None, ...]) -> SiteSettings:
        """The settings of a site whose own elements have the attribute texts ``texts`` (as
        :func:`own_setting_texts` gives them)."""
        made = self._by_text.get(texts)
        if made is None:
            named = zip(MERGED_ELEMENTS, texts, strict=True)
            parts = [self._part(name, text or "") for name, text in named]
            made = self._by_text[texts] = _settings(parts)
        return made

    def json_text(self, texts: tuple[str | None, ...]) -> str:
        """``json.dumps(self.from_text(texts).to_json())``, put together from the JSON text of
        each element's part, itself worked out once per distinct attribute text: in a large
        file most sites share each part, but many have one of their own (a log directory
        named after the site), which makes the three together distinct."""
        made = self._json_by_text.get(texts)
        if made is None:
            named = zip(MERGED_ELEMENTS, texts, strict=True)
            (limits, limits_taken), (log_file, log_taken), (trace, trace_taken) = [
                self._json_part(name, text or "") for name, text in named
            ]
            taken = ", ".join(
                [labels for labels in (limits_taken, log_taken, trace_taken) if labels]
            )
            made = (
                f'{{"limits": {limits}, "log_file": {log_file}, '
                f'"trace_failed_requests_logging": {trace}, "inherited": [{taken}]}}'
            )
            if len(self._json_by_text) < _KEPT_JSON:
                self._json_by_text[texts] = made
        return made

    def read_json(self, texts: tuple[str | None, ...]) -> str | tuple[str | None, ...]:
        """What :meth:`json_text` of ``texts`` needs, worked out now: its text where it is
        kept (shared by many sites), else ``texts`` once the JSON text of each of its parts is
        known, which :meth:`json_text` then only puts together.  A listing holds one or the
        other for each site until it is printed: ``texts`` is a fraction of the size."""
        made = self._json_by_text.get(texts)
        if made is not None:
            return made
        if len(self._json_by_text) < _KEPT_JSON:
            return self.json_text(texts)
        for name, text in zip(MERGED_ELEMENTS, texts, strict=True):
            self._json_part(name, text or "")
        return texts

    def _json_part(self, name: str, attribute_text: str) -> tuple[str, str]:
        """The JSON text of one element's values, and of its inherited labels (joined)."""
        key = (name, attribute_text)
        part = self._part_json.get(key)
        if part is None:
            template = self._json_templates.get(name)
            if template is None:
                template = self._json_templates[name] = _JsonTemplate.of(self._template(name))
            part = self._part_json[key] = template.merged(decoded_attributes(attribute_text))
        return part

    def from_values(self, own: Mapping[str, Mapping[str, str]]) -> SiteSettings:
        """The settings of a site whose elements have the decoded attributes ``own``."""
        key = tuple((name, tuple(values.items())) for name, values in own.items())
        made = self._by_values.get(key)
        if made is None:
            parts = [self._merged(name, own.get(name, {})) for name in MERGED_ELEMENTS]
            made = self._by_values[key] = _settings(parts)
        return made

    def _part(self, name: str, attribute_text: str) -> _Part:
        key = (name, attribute_text)
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = self._merged(name, decoded_attributes(attribute_text))
        return part

    def _template(self, element: str) -> _Template:
        template = self._templates.get(element)
        if template is None:
            template = self._templates[element] = _Template.of(
                element, self._defaults.get(element, {})
            )
        return template

    def _merged(self, element: str, own: Mapping[str, str]) -> _Part:
        """The element's (attribute, value) pairs and the inherited ones' ``part.attribute``."""
        template = self._template(element)
        # A site sets a few attributes: each replaces the value it would otherwise have.
        values = list(template.values)
        extra: list[tuple[str, str]] = []
        positions = template.positions
        for name, value in own.items():
            at = positions.get(name)
            if at is None:
                extra.append((name, value))
            else:
                values[at] = (name, value)
        taken = template.inherited
        if not template.inherited_names.isdisjoint(own):
            taken = tuple(label for name, label in template.labels if name not in own)
        return (*values, *extra), taken


@attrs.frozen
class _Template:
    """One element's part for a site that sets none of its attributes, and what tells apart
    a site that sets some.

    ``values`` are the (attribute, value) pairs (schema order, then the other attributes of
    the defaults as written), ``positions`` where each attribute is among them, ``labels``
    the ``part.attribute`` of those the defaults give, by attribute, and ``inherited`` those
    labels alone.
    """

    values: tuple[tuple[str, str], ...]
    positions: dict[str, int]
    labels: tuple[tuple[str, str], ...]
    inherited: tuple[str, ...]
    inherited_names: frozenset[str]

    @classmethod
    def of(cls, element: str, defaults: Mapping[str, str]) -> _Template:
        schema = dict(SITE_SETTING_DEFAULTS[element])
        names = [*schema, *(name for name in defaults if name not in schema)]
        prefix = SETTING_PARTS[element]
        labels = tuple((name, f"{prefix}.{name}") for name in names if name in defaults)
        return cls(
            tuple((name, defaults[name] if name in defaults else schema[name]) for name in names),
            {name: at for at, name in enumerate(names)},
            labels,
            tuple(label for _, label in labels),
            frozenset(name for name, _ in labels),
        )


@attrs.frozen
class _JsonTemplate:
    """A :class:`_Template` as JSON text: each (attribute, value) pair as ``"name": "value"``
    and the inherited labels joined, so that a site's own values alone are encoded."""

    template: _Template
    pairs: tuple[str, ...]
    taken: str
    string: Callable[[str], str]

    @classmethod
    def of(cls, template: _Template) -> _JsonTemplate:
        # The json module is loaded by the listings that write JSON alone.
        from json.encoder import encode_basestring_ascii as string  # noqa: PLC0415

        return cls(
            template,
            tuple(f"{string(name)}: {string(value)}" for name, value in template.values),
            ", ".join(map(string, template.inherited)),
            string,
        )

    def merged(self, own: Mapping[str, str]) -> tuple[str, str]:
        """``json.dumps(dict(values))`` and the inherited labels, each encoded and joined, of
        the part :meth:`SettingsMerge._merged` makes of ``own``."""
        template, string = self.template, self.string
        pairs = list(self.pairs)
        positions = template.positions
        for name, value in own.items():
            at = positions.get(name)
            pair = f"{string(name)}: {string(value)}"
            if at is None:
                pairs.append(pair)
            else:
                pairs[at] = pair
        taken = self.taken
        if not template.inherited_names.isdisjoint(own):
            taken = ", ".join([string(label) for name, label in template.labels if name not in own])
        return f"{{{', '.join(pairs)}}}", taken


def _settings(parts: list[_Part]) -> SiteSettings:
    (limits, limits_taken), (log_file, log_taken), (trace, trace_taken) = parts
    return SiteSettings(limits, log_file, trace, limits_taken + log_taken + trace_taken)


def read_settings(
    text: str, site: SiteElement, merge: SettingsMerge, *, exact: bool = False
) -> SiteSettings:
    """The settings of the indexed ``site``; ``exact`` reads the site following the nesting
    of every element (the same result)."""
    if not exact:
        # Most sites set none of their own: one search finds that, and the value is shared.
        texts = own_setting_texts(text, site.content_start, site.content_end)
        if texts is not None:
            return merge.from_text(texts)
    merged = read_site_parts(text, site.element, exact=exact).merged
    return merge.from_values(merged) if merged else merge.plain
