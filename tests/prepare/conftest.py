"""Fixtures shared by the prepare tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def key(tmp_path, monkeypatch) -> Path:
    """A pseudonymisation key of the test's own ($OBA_KEY_FILE), outside every data folder."""
    path = tmp_path / "private" / "oba.key"
    monkeypatch.setenv("OBA_KEY_FILE", str(path))
    return path
