"""Replay the fuzz corpus, and a fixed batch of random inputs, through the harness."""
import sys
from pathlib import Path

import numpy as np
import pytest

FUZZ = Path(__file__).parent / "fuzz"
sys.path.insert(0, str(FUZZ))
from fuzz_public import one_input  # noqa: E402

CORPUS = sorted((FUZZ / "corpus").iterdir())


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_corpus_entry_keeps_the_contract(path):
    one_input(path.read_bytes())


def test_random_inputs_keep_the_contract():
    rng = np.random.default_rng(2024)
    for _ in range(400):
        one_input(rng.bytes(int(rng.integers(0, 64))))
