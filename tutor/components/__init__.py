"""Widgets, one a file, each named for what it shows."""
