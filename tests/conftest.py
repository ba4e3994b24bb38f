"""Shared test helpers: where the fixtures and the real-world corpus are."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# CI runs the same examples every time, so that a run's verdict does not depend on luck; local
# runs (and METACLONE_FUZZ=long) keep exploring new ones.  Nor on the machine's load: the
# deadline and the health check of slow input generation measure time, which a busy CI
# machine stretches (local runs keep the check, to learn of a generator grown slow).
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
#: Real captured files, kept beside the project (never copied into it); may be absent.
CORPUS = ROOT.parent / "shared" / "corpus"

CORPUS_SKIP = ("schema", "rscaext", "netsh_", "snippet_")


def corpus_files(*patterns: str) -> list[Path]:
    """Corpus XML/config files matching any glob pattern (all of them when none is given)."""
    if not CORPUS.is_dir():
        return []
    found: set[Path] = set()
    for pattern in patterns or ("**/*",):
        found.update(p for p in CORPUS.glob(pattern) if p.is_file())
    return sorted(
        p
        for p in found
        if p.suffix in (".xml", ".config") and not any(s in p.name.lower() for s in CORPUS_SKIP)
    )


def fixture_files(*patterns: str) -> list[Path]:
    found: set[Path] = set()
    for pattern in patterns or ("**/*",):
        found.update(p for p in FIXTURES.glob(pattern) if p.is_file())
    return sorted(found)


def corpus_params(*patterns: str) -> list[object]:
    """Parameters for ``pytest.mark.parametrize``: one per corpus file, or one skipped marker."""
    files = corpus_files(*patterns)
    if not files:
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/corpus not present"))]
    return [pytest.param(p, id=p.name) for p in files]


@pytest.fixture(scope="session", autouse=True)
def json_outputs_follow_their_schemas() -> Iterator[None]:
    """Check every JSON document printed in the suite against its schema (tests/json_contract)."""
    from tests.json_contract import checked_json_outputs

    with checked_json_outputs():
        yield
