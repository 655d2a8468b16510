"""Where things are: the repository root and the folder the tests write their artifacts to."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Worker and private-service logs (scripts/test creates it; CI keeps it).
ARTIFACTS = ROOT / "test-artifacts"
# A private exercise source as a deployment keeps one (exercises/ and graders/ like ours): one unlisted
# exercise with support files (tests/platform/catalog/conftest.py copies it for a test).
PRIVATE_SOURCE = ROOT / "tests" / "platform" / "catalog" / "fixtures" / "private-source"
PRICE_STATS = "acme-data-101/price-stats"
