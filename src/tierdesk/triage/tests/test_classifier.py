"""The text classifier on its own: learning, confidences, several targets, storage."""

from __future__ import annotations

import random

import numpy as np
import pytest

from tierdesk.triage.classifier import TextClassifier, normalize

TOPICS = {
    "refund": ["refund my order", "money back please", "I want a refund", "refund status"],
    "password": ["reset my password", "forgot password", "password does not work", "new password"],
    "delivery": [
        "where is my parcel",
        "delivery is late",
        "parcel not delivered",
        "track delivery",
    ],
}


def toy_set(copies: int = 5) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    for label, phrases in TOPICS.items():
        for phrase in phrases * copies:
            texts.append(phrase)
            labels.append(label)
    return texts, labels


def test_learns_a_small_separable_set():
    texts, labels = toy_set()

    model = TextClassifier().fit(texts, labels)

    answers = model.predict(["please refund me", "I forgot my password", "my parcel is late"])
    assert [a.label for a in answers] == ["refund", "password", "delivery"]


def test_confidences_are_probabilities_and_the_answer_is_the_likeliest():
    texts, labels = toy_set()
    model = TextClassifier().fit(texts, labels)
    probe = ["refund", "password reset", "something else entirely", ""]

    answers = model.predict(probe)
    probabilities = model.predict_proba(probe)

    assert np.allclose(probabilities.sum(axis=1), 1.0)
    for answer, row in zip(answers, probabilities, strict=True):
        assert 0.0 <= answer.confidence <= 1.0
        assert answer.confidence == pytest.approx(row.max())
        assert answer.label == model.classes()[int(row.argmax())]


def test_a_clear_text_is_more_certain_than_an_unrelated_one():
    texts, labels = toy_set()
    model = TextClassifier().fit(texts, labels)

    clear, unrelated = model.predict(["I want a refund of my order", "hello"])

    assert clear.confidence > unrelated.confidence


def test_storage_round_trip_predicts_the_same():
    texts, labels = toy_set()
    model = TextClassifier().fit(texts, labels)
    probe = ["refund please", "password", "parcel"]

    restored = TextClassifier.from_bytes(model.to_bytes())

    assert restored.predict(probe) == model.predict(probe)
    assert np.allclose(restored.predict_proba(probe), model.predict_proba(probe))


def test_from_bytes_refuses_other_objects():
    import pickle

    with pytest.raises(ValueError):
        TextClassifier.from_bytes(pickle.dumps({"not": "a model"}))


def test_two_targets_share_the_texts_and_an_empty_label_is_left_out_of_its_target():
    texts, labels = toy_set()
    urgency = ["urgent" if "not" in t or "late" in t else "" for t in texts]
    urgency[0] = "calm"

    model = TextClassifier().fit_targets(texts, {"topic": labels, "urgency": urgency})

    assert model.targets == ["topic", "urgency"]
    assert model.classes("urgency") == ["calm", "urgent"]
    answers = model.predict_targets(["delivery is late", "refund status"])
    assert [a.label for a in answers["topic"]] == ["delivery", "refund"]
    assert answers["urgency"][0].label == "urgent"


def test_a_binary_target_scores_both_classes():
    texts = ["good service", "great help", "bad service", "awful help"] * 5
    labels = ["happy", "happy", "angry", "angry"] * 5

    model = TextClassifier().fit(texts, labels)

    assert [a.label for a in model.predict(["good", "awful"])] == ["happy", "angry"]
    assert model.predict_proba(["good"]).shape == (1, 2)


def test_refuses_a_target_with_one_label_and_mismatched_lengths():
    with pytest.raises(ValueError, match="two different labels"):
        TextClassifier().fit(["a", "b"], ["x", "x"])
    with pytest.raises(ValueError, match="labels for"):
        TextClassifier().fit(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="not been trained"):
        TextClassifier().predict(["a"])


def test_confidence_temperature_is_fitted_on_enough_texts():
    rng = random.Random(3)
    texts, labels = [], []
    for label, phrases in TOPICS.items():
        for _ in range(100):
            texts.append(" ".join(rng.sample(phrases, 2)))
            labels.append(label)

    fitted = TextClassifier().fit(texts, labels)
    fixed = TextClassifier(calibrate=False).fit(texts, labels)

    assert fixed._heads["label"].scale == 1.0
    assert fitted._heads["label"].scale != 1.0


def test_numbers_and_case_do_not_matter():
    assert normalize("Card  #4921 declined\tTWICE") == "card #0 declined twice"


def test_prediction_features_equal_the_training_features():
    texts, labels = toy_set()
    model = TextClassifier().fit(texts, labels)
    words, chars = (block.vectorizer for block in model._blocks)
    normalized = [normalize(t) for t in [*texts, "unseen words only", ""]]

    expected = np.hstack(
        [words.transform(normalized).toarray(), chars.transform(normalized).toarray() * 1.5]
    )

    assert np.allclose(model._features([*texts, "unseen words only", ""]).toarray(), expected)
