"""The JSON text ``sites --json`` writes for a site directly is ``json.dumps(site.to_json())``
to the character, for any site: strings with quotes, controls and non-ASCII characters, ports
that are no number, certificates on the site or its bindings, settings or none."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metaclone.cli.site_json import SiteJson, binding_json
from metaclone.model.sites import Binding, CertificateRef, Site, SiteKind, SiteSettings

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["", "*", "shop", 'q"uote', "back\\slash", "caf\u00e9", "\u202e", "\x00\n\t", "\U0001f600"]
)
_INFORMATION = _TEXT | st.sampled_from(
    ["*:443:shop", ":80:", "[::1]:8443:x", "10.0.0.1:x:", "808:*"]
)
_CERTIFICATES = st.none() | st.builds(CertificateRef, _TEXT, _TEXT)
_BINDINGS = st.builds(
    Binding,
    st.sampled_from(["http", "https", "ftp", "HTTPS", "net.tcp", "Http"]) | _TEXT,
    _INFORMATION,
    st.none() | st.integers(0, 2**32),
    _CERTIFICATES,
)
_PAIRS = st.lists(st.tuples(_TEXT, _TEXT), max_size=3).map(tuple)
_SETTINGS = st.none() | st.builds(
    SiteSettings, _PAIRS, _PAIRS, _PAIRS, st.lists(_TEXT, max_size=2).map(tuple)
)
_SITES = st.builds(
    Site,
    st.integers(-(2**40), 2**40),
    _TEXT,
    st.booleans(),
    st.lists(_BINDINGS, max_size=4).map(tuple),
    _CERTIFICATES,
    st.sampled_from(SiteKind),
    st.none() | st.integers(1, 10**7),
    st.booleans(),
    st.lists(st.sampled_from(["auto_start", "bindings", "certificate"]), max_size=3).map(tuple),
)


@given(binding=_BINDINGS)
def test_a_binding_is_written_as_the_json_module_writes_it(binding: Binding) -> None:
    assert binding_json(binding) == json.dumps(binding.to_json())


@given(sites=st.lists(st.tuples(_SITES, _SETTINGS), max_size=4))
def test_a_site_is_written_as_the_json_module_writes_it(
    sites: list[tuple[Site, SiteSettings | None]],
) -> None:
    encoder = SiteJson()
    for site, settings in sites * 2:  # each settings value again, as most sites share one
        expected = Site(
            site.id,
            site.name,
            site.auto_start,
            site.bindings,
            site.certificate,
            site.kind,
            site.line,
            site.certificate_known,
            site.inherited,
            settings,
        )
        assert encoder.site(site, settings) == json.dumps(expected.to_json())


def test_a_shared_settings_value_is_encoded_once(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = SiteSettings((("maxBandwidth", "1"),), (), (), ("limits.maxBandwidth",))
    fragment = json.dumps(settings.to_json())
    encoded: list[SiteSettings] = []
    to_json = SiteSettings.to_json

    def counted(self: SiteSettings) -> dict[str, object]:
        encoded.append(self)
        return to_json(self)

    monkeypatch.setattr(SiteSettings, "to_json", counted)
    encoder = SiteJson()
    texts = [encoder.site(Site(n, "a", True, ()), settings) for n in range(3)]
    assert all(text.endswith(f'"settings": {fragment}}}') for text in texts)
    assert encoded == [settings]
