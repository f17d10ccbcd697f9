"""The names corpus shipped with the engine: contents, seeded splits, vocabulary and makemore-style datasets."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pytest

from engine.names import BOUNDARY, build_dataset, build_vocab, load_names, split_names

ROOT = Path(__file__).resolve().parents[2]


def test_the_corpus_is_the_census_first_names_cleaned():
    names = load_names()
    assert len(names) == 5163  # 4,275 female + 1,219 male, 331 in both
    assert names == sorted(set(names))
    assert all(re.fullmatch(r"[a-z]+", n) for n in names)
    assert {"mary", "james", "patricia", "john", "emma", "olivia"} <= set(names)
    assert min(map(len, names)) == 2 and max(map(len, names)) == 11


def test_the_data_file_and_its_notice_ship_with_the_package():
    assert (ROOT / "engine" / "names_data" / "names.txt").is_file()
    notice = (ROOT / "engine" / "names_data" / "README.md").read_text(encoding="utf-8")
    assert "public domain" in notice.lower() and "1990" in notice
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["engine"]
    assert "names_data/*.txt" in patterns and "names_data/*.md" in patterns


def test_splits_are_seeded_disjoint_and_complete():
    names = load_names()
    train, dev, test = split_names(names, seed=42)
    assert (len(train), len(dev), len(test)) == (4130, 516, 517)
    assert sorted(train + dev + test) == names
    assert split_names(names, seed=42) == (train, dev, test)
    assert split_names(names, seed=1)[0] != train
    assert train[:3] != names[:3]  # shuffled
    halves = split_names(names[:10], seed=0, fractions=(0.5, 0.5, 0.0))
    assert [len(part) for part in halves] == [5, 5, 0]
    assert [len(part) for part in split_names(names[:10], seed=0, fractions=(0.7, 0.2, 0.1))] == [7, 2, 1]
    for bad in [(0.5, 0.5), (0.8, 0.1, 0.2), (1.1, -0.1, 0.0)]:
        with pytest.raises(ValueError, match="fractions"):
            split_names(names, seed=0, fractions=bad)


def test_vocabulary_puts_the_boundary_first():
    stoi, itos = build_vocab()
    assert len(stoi) == 27 and BOUNDARY == "."
    assert stoi["."] == 0 and stoi["a"] == 1 and stoi["z"] == 26
    assert all(itos[i] == ch for ch, i in stoi.items())
    assert build_vocab(["bob", "ada"])[0] == {".": 0, "a": 1, "b": 2, "d": 3, "o": 4}
    with pytest.raises(ValueError, match="boundary"):
        build_vocab(["a.b"])


def test_dataset_pairs_each_character_with_the_context_before_it():
    stoi, itos = build_vocab()
    X, Y = build_dataset(["ann", "bo"], block_size=3, stoi=stoi)
    contexts = ["".join(itos[i] for i in row) for row in X]
    targets = [itos[i] for i in Y]
    assert contexts == ["...", "..a", ".an", "ann", "...", "..b", ".bo"]
    assert targets == ["a", "n", "n", ".", "b", "o", "."]
    assert X.dtype == np.int64 and Y.dtype == np.int64 and X.shape == (7, 3)
    train, _, _ = split_names(load_names(), seed=42)
    X, Y = build_dataset(train, block_size=8, stoi=stoi)
    assert X.shape == (sum(len(w) + 1 for w in train), 8) and Y.shape == (len(X),)
    assert build_dataset([], 3, stoi)[0].shape == (0, 3)
    with pytest.raises(ValueError, match="vocabulary"):
        build_dataset(["ann!"], 3, stoi)
    with pytest.raises(ValueError, match="block_size"):
        build_dataset(["ann"], 0, stoi)
