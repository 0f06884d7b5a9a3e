"""The classifier on real customer-support text: banking77 (real queries, fixed split), cut to a
fixed 20 of its 77 intents so the test takes seconds. bench/triage_quality.py runs all 77."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from tierdesk.triage.classifier import TextClassifier

# The shared data sets sit beside the checkout: <checkout>/../shared/data.
SHARED = Path(__file__).resolve().parents[4].parent / "shared" / "data"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data")
DATA = Path(os.environ.get("TIERDESK_BANKING77", SHARED / "banking77"))
CLASSES = 20
# The full 77-intent set reaches about 92%; these 20 (the first in name order) reach 97.5%.
MIN_ACCURACY = 0.95


def read_split(name: str) -> list[tuple[str, str]]:
    with (DATA / f"{name}.csv").open(newline="", encoding="utf-8") as handle:
        return [(row["text"], row["category"]) for row in csv.DictReader(handle)]


@pytest.mark.skipif(
    not (DATA / "train.csv").exists(),
    reason=f"banking77 is not at {DATA} (set TIERDESK_BANKING77 to its folder)",
)
def test_reaches_the_accuracy_floor_on_twenty_banking77_intents():
    train, test = read_split("train"), read_split("test")
    kept = set(sorted({label for _, label in train})[:CLASSES])
    train = [row for row in train if row[1] in kept]
    test = [row for row in test if row[1] in kept]

    model = TextClassifier().fit([t for t, _ in train], [label for _, label in train])
    answers = model.predict([t for t, _ in test])

    correct = sum(a.label == label for a, (_, label) in zip(answers, test, strict=True))
    assert correct / len(test) >= MIN_ACCURACY, f"accuracy {correct / len(test):.3f}"
