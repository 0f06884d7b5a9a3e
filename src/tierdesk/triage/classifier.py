"""A short-text classifier for support requests: TF-IDF word and character n-grams with a linear
SVM per target and temperature-scaled confidences. Pure scikit-learn, no Django, so the product
and `bench/triage_quality.py` train the very same thing."""

from __future__ import annotations

import pickle
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

# A ticket's request is stated in its first lines; long pasted logs add cost, not signal.
MAX_CHARS = 2_000
# Word tokens, plus the few symbols that tell requests apart ("?" asks, "$" is about money).
TOKEN_PATTERN = r"(?u)\b\w+\b|[?!$£€]"
# Temperatures tried when fitting confidences; decision scores of a linear SVM lie within a few
# units, so a scale from 0.5 to 60 covers flat to sharp probabilities.
SCALES = np.geomspace(0.5, 60.0, 48)
# Below this many training texts a held-out tenth is too small to fit a temperature on.
MIN_CALIBRATION_TEXTS = 200
SINGLE_TARGET = "label"
# Words whose character n-gram columns a vectorizer remembers; a desk's vocabulary fits many
# times over, and the cache starts again when full rather than growing without bound.
MAX_CACHED_WORDS = 200_000

_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lowercase, every number as 0 (an amount or an id says nothing of the intent), one space."""
    text = text[:MAX_CHARS].lower()
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip()


@dataclass(frozen=True)
class Prediction:
    """One predicted label and how sure the model is of it (0 to 1)."""

    label: str
    confidence: float


class _Block:
    """One fitted TF-IDF vectorizer reduced to what prediction needs: its analyzer, vocabulary
    and idf. It computes the same rows as scikit-learn's transform (sublinear tf x idf, unit
    length) without that method's per-call input checks, which cost more than the arithmetic for
    a single ticket.

    Character n-grams inside word boundaries depend on one word at a time, so each word's known
    n-gram columns are kept once computed: a ticket is mostly words seen before, and looking up
    forty words is much cheaper than cutting a thousand n-grams.
    """

    def __init__(self, vectorizer: TfidfVectorizer, weight: float) -> None:
        self.vectorizer = vectorizer
        self.vocabulary: dict[str, int] = vectorizer.vocabulary_
        self.idf = vectorizer.idf_.astype(np.float32)
        self.weight = weight
        self.per_word = vectorizer.analyzer == "char_wb"
        self._analyze = vectorizer.build_analyzer()
        self._word_columns: dict[str, tuple[int, ...]] = {}

    @classmethod
    def fitted(cls, vectorizer: TfidfVectorizer, weight: float) -> _Block:
        # The terms min_df dropped are kept by scikit-learn only for inspection; they would
        # double the stored model.
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
        return cls(vectorizer, weight)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        for derived in ("_analyze", "_word_columns", "per_word"):
            state.pop(derived, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        # Derived rather than stored, so models stored by earlier versions load the same way.
        self.per_word = self.vectorizer.analyzer == "char_wb"
        self._analyze = self.vectorizer.build_analyzer()
        self._word_columns = {}

    def _columns_of_word(self, word: str) -> tuple[int, ...]:
        lookup = self.vocabulary.get
        columns = tuple(c for c in map(lookup, self._analyze(word)) if c is not None)
        if len(self._word_columns) >= MAX_CACHED_WORDS:
            self._word_columns.clear()
        self._word_columns[word] = columns
        return columns

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The TF-IDF rows of normalized texts."""
        columns: list[int] = []
        lengths: list[int] = []
        if self.per_word:
            cached, miss = self._word_columns, self._columns_of_word
            for text in texts:
                before = len(columns)
                for word in text.split():
                    found = cached.get(word)
                    columns.extend(found if found is not None else miss(word))
                lengths.append(len(columns) - before)
        else:
            analyze, lookup = self._analyze, self.vocabulary.get
            for text in texts:
                before = len(columns)
                columns.extend(c for c in map(lookup, analyze(text)) if c is not None)
                lengths.append(len(columns) - before)
        width = len(self.vocabulary)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        # One key per occurrence, ordered by row then column; counting equal keys gives the
        # term counts, already in the order a CSR matrix wants.
        keys, counts = np.unique(
            rows * width + np.asarray(columns, dtype=np.int64), return_counts=True
        )
        row_of_value = keys // width
        indptr = np.zeros(len(texts) + 1, dtype=np.int32)
        np.cumsum(np.bincount(row_of_value, minlength=len(texts)), out=indptr[1:])
        values = (np.log(counts.astype(np.float32)) + 1.0) * self.idf[keys - row_of_value * width]
        norms = np.sqrt(np.bincount(row_of_value, weights=values * values, minlength=len(texts)))
        norms[norms == 0] = 1.0  # a text with no known term stays an empty row
        values *= (self.weight / norms[row_of_value]).astype(np.float32)
        return sp.csr_matrix(
            (values, (keys - row_of_value * width).astype(np.int32), indptr),
            shape=(len(texts), width),
        )


@dataclass
class _Head:
    """A linear classifier for one target over the shared features."""

    classes: np.ndarray  # of str
    coef: np.ndarray  # (features, classes), float32
    intercept: np.ndarray  # (classes,)
    scale: float = 1.0

    def scores(self, features: sp.csr_matrix) -> np.ndarray:
        return np.asarray(features @ self.coef) + self.intercept

    def probabilities(self, features: sp.csr_matrix) -> np.ndarray:
        return _softmax(self.scores(features) * self.scale)


def _softmax(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


class TextClassifier:
    """Predicts one or more labels for each text, each with a confidence.

    `fit(texts, labels)` / `predict(texts)` handle one target; `fit_targets` / `predict_targets`
    train several targets (say ticket type and product area) over one shared feature extraction,
    so predicting both costs little more than one. Confidences are a softmax over the SVM's
    decision scores at a temperature fitted on a held-out tenth of the training texts.
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        char_weight: float = 1.5,
        calibrate: bool = True,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.char_weight = char_weight
        self.calibrate = calibrate
        self.random_state = random_state
        self._blocks: list[_Block] = []
        self._heads: dict[str, _Head] = {}

    # --- training -------------------------------------------------------------------------

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> TextClassifier:
        return self.fit_targets(texts, {SINGLE_TARGET: labels})

    def fit_targets(
        self, texts: Sequence[str], targets: Mapping[str, Sequence[str]]
    ) -> TextClassifier:
        """Trains one head per target on the same texts. A label that is empty (None or "")
        leaves that text out of that target's training only; each target needs at least two
        different labels.

        Raises ValueError when there are no texts, a target's length differs from the texts', or a
        target has fewer than two labels.
        """
        texts = [normalize(text) for text in texts]
        if not texts:
            raise ValueError("No texts to learn from.")
        for name, labels in targets.items():
            if len(labels) != len(texts):
                raise ValueError(f"{name}: {len(labels)} labels for {len(texts)} texts.")
            if len({label for label in labels if label}) < 2:
                raise ValueError(f"{name}: at least two different labels are needed.")
        words = TfidfVectorizer(
            lowercase=False,
            token_pattern=TOKEN_PATTERN,
            ngram_range=(1, 3),
            sublinear_tf=True,
            dtype=np.float32,
        )
        # Character n-grams inside word boundaries carry spelling variants and inflections
        # ("refund", "refunded", "refunds") that whole words miss in short texts.
        chars = TfidfVectorizer(
            lowercase=False,
            analyzer="char_wb",
            ngram_range=(2, 5),
            min_df=2,
            sublinear_tf=True,
            dtype=np.float32,
        )
        # scikit-learn's fit_transform rows are what _Block.transform computes later; taking them
        # saves a second pass over the training texts.
        features = sp.hstack(
            [words.fit_transform(texts), chars.fit_transform(texts) * self.char_weight],
            format="csr",
        )
        self._blocks = [
            _Block.fitted(words, 1.0),
            _Block.fitted(chars, self.char_weight),
        ]
        self._heads = {}
        for name, labels in targets.items():
            label_array = np.asarray([label or "" for label in labels], dtype=object)
            labelled = label_array != ""
            self._heads[name] = self._fit_head(features[labelled], label_array[labelled])
        return self

    def _train_svm(self, features: sp.csr_matrix, labels: np.ndarray) -> _Head:
        # Balanced class weights keep a rare type from being swallowed by the common ones.
        svm = LinearSVC(C=self.C, class_weight="balanced", random_state=self.random_state)
        svm.fit(features, labels)
        coef, intercept = svm.coef_, svm.intercept_
        if len(svm.classes_) == 2:
            # A binary SVM scores the second class only; score the first as its mirror image.
            coef, intercept = np.vstack([-coef, coef]), np.concatenate([-intercept, intercept])
        return _Head(
            classes=np.asarray(svm.classes_, dtype=object),
            coef=np.ascontiguousarray(coef.T, dtype=np.float32),
            intercept=intercept.astype(np.float32),
        )

    def _fit_head(self, features: sp.csr_matrix, labels: np.ndarray) -> _Head:
        scale = 1.0
        if self.calibrate and len(labels) >= MIN_CALIBRATION_TEXTS:
            scale = self._fit_scale(features, labels)
        head = self._train_svm(features, labels)
        head.scale = scale
        return head

    def _fit_scale(self, features: sp.csr_matrix, labels: np.ndarray) -> float:
        """The temperature that makes confidences on a held-out tenth most likely (lowest
        log-loss). The tenth is every tenth text, so the same data gives the same model."""
        held = np.zeros(len(labels), dtype=bool)
        held[::10] = True
        if len(set(labels[~held])) < 2:
            return 1.0
        head = self._train_svm(features[~held], labels[~held])
        column = {label: i for i, label in enumerate(head.classes)}
        known = np.array([label in column for label in labels[held]])
        if not known.any():
            return 1.0
        scores = head.scores(features[held][known])
        truth = np.array([column[label] for label in labels[held][known]])
        best, best_loss = 1.0, np.inf
        for scale in SCALES:
            probabilities = _softmax(scores * scale)
            loss = -np.log(np.maximum(probabilities[np.arange(len(truth)), truth], 1e-12)).mean()
            if loss < best_loss:
                best, best_loss = float(scale), loss
        return best

    # --- prediction -----------------------------------------------------------------------

    @property
    def targets(self) -> list[str]:
        return list(self._heads)

    def classes(self, target: str = SINGLE_TARGET) -> list[str]:
        return [str(c) for c in self._heads[target].classes]

    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        if not self._blocks:
            raise ValueError("The classifier has not been trained.")
        return self._transform([normalize(text) for text in texts])

    def _transform(self, texts: list[str]) -> sp.csr_matrix:
        """The feature rows of normalized texts: each block's TF-IDF, side by side."""
        if len(self._blocks) == 1:
            return self._blocks[0].transform(texts)
        return sp.hstack([block.transform(texts) for block in self._blocks], format="csr")

    def predict_proba(self, texts: Sequence[str], target: str = SINGLE_TARGET) -> np.ndarray:
        """Probabilities per text (rows) and class (columns, in `classes(target)` order)."""
        return self._heads[target].probabilities(self._features(texts))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return self.predict_targets(texts)[SINGLE_TARGET]

    def predict_targets(self, texts: Sequence[str]) -> dict[str, list[Prediction]]:
        """For each target, one Prediction per text, in the texts' order."""
        if not len(texts):
            return {name: [] for name in self._heads}
        features = self._features(texts)
        answers: dict[str, list[Prediction]] = {}
        for name, head in self._heads.items():
            probabilities = head.probabilities(features)
            best = probabilities.argmax(axis=1)
            confidence = probabilities[np.arange(len(best)), best]
            answers[name] = [
                Prediction(label=str(label), confidence=float(p))
                for label, p in zip(head.classes[best], confidence, strict=True)
            ]
        return answers

    # --- storage --------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, blob: bytes) -> TextClassifier:
        """The classifier `to_bytes` stored. Only load blobs this desk wrote: pickle runs code."""
        model = pickle.loads(blob)
        if not isinstance(model, cls):
            raise ValueError("The blob does not hold a TextClassifier.")
        return model
