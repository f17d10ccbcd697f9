"""Fixtures for every test: a real TutorApp over the shipped lessons, with its own data folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lessons.catalog import load_catalog
from tutor.app import TutorApp
from tutor.gc_settings import freeze_startup_objects, raise_gc_thresholds
from tutor.progress import Progress


def pytest_configure(config: pytest.Config) -> None:
    """Lessons and the app run in the test process as in `python -m tutor`: with its collector settings."""
    raise_gc_thresholds()
    freeze_startup_objects()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` (pyproject's addopts): one worker more than the cores this process may use.

    A third of the suite's time is spent waiting on servers, browsers and child processes, so a spare
    worker keeps both cores busy: on the 2-core machine the suite took 211 s with two workers and 181 s
    with three (one run each, the same commit).
    """
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture
def make_app(tmp_path: Path):
    def make(data_dir: Path | None = None, extra: list[Path] | None = None, **kwargs) -> TutorApp:
        catalog = load_catalog(extra or [])
        return TutorApp(catalog, Progress.load(data_dir or tmp_path / "data"), **kwargs)

    return make
