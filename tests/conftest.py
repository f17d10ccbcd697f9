"""Fixtures for every test: a real TutorApp over the shipped lessons, with its own data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from lessons.catalog import load_catalog
from tutor.app import TutorApp
from tutor.progress import Progress


@pytest.fixture
def make_app(tmp_path: Path):
    def make(data_dir: Path | None = None, extra: list[Path] | None = None, **kwargs) -> TutorApp:
        catalog = load_catalog(extra or [])
        return TutorApp(catalog, Progress.load(data_dir or tmp_path / "data"), **kwargs)

    return make
