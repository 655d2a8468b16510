"""Where things are: the repository root and the folder the tests write their artifacts to."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Worker and private-service logs (scripts/test creates it; CI keeps it).
ARTIFACTS = ROOT / "test-artifacts"
