"""Article vectors kept in step with the knowledge base, and each process's matrix of them: a
change to an article renews a version token in its transaction and encodes the article after
commit; a request reads the token (one tiny query) and reloads the matrix only when it moved."""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone

from tierdesk.knowledge.choices import ArticleState, Visibility
from tierdesk.knowledge.models import Article
from tierdesk.suggestions import semantic
from tierdesk.suggestions.models import ArticleVector, SuggestionIndexVersion

logger = logging.getLogger(__name__)

# A transaction changing more articles than this leaves their encoding (~7 ms each) to the
# worker rather than holding up the request that committed it.
ENCODE_AFTER_COMMIT_MAX = 20
BATCH = 200
# The first sentence of the problem: up to the first full stop, question or exclamation mark
# followed by a space or the end (or a Japanese one, followed by anything), and never more than
# this many characters.
FIRST_SENTENCE_MAX = 300
_SENTENCE_END = re.compile(r"(.+?(?:[.!?](?=\s|$)|[\u3002\uff01\uff1f]))", re.S)


def first_sentence(text: str) -> str:
    text = " ".join((text or "").split())
    match = _SENTENCE_END.match(text)
    return (match.group(1) if match else text)[:FIRST_SENTENCE_MAX]


def embedded_text(title: str, problem: str) -> str:
    """What an article's vector encodes: its title and the first sentence of its problem (the
    customer's words). On stackfaq, title alone and title plus a first sentence score alike
    (MRR 0.969 and 0.968), and the whole body worse, so the vector stays short."""
    sentence = first_sentence(problem)
    if not sentence or sentence.casefold() == title.strip().casefold():
        return title.strip()
    return f"{title.strip()}. {sentence}"


def text_hash(text: str) -> str:
    return hashlib.sha256(f"{semantic.MODEL_NAME}\n{text}".encode()).hexdigest()


# --- the version token -------------------------------------------------------------------------


def renew_token() -> str:
    """A new token; called inside every transaction that changes an article or its vector."""
    token = uuid.uuid4().hex
    if not SuggestionIndexVersion.objects.filter(pk=1).update(token=token):
        SuggestionIndexVersion.objects.update_or_create(pk=1, defaults={"token": token})
    return token


def current_token() -> str:
    return SuggestionIndexVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""


# --- keeping vectors in step -------------------------------------------------------------------


def articles_changed(article_ids: Collection[int]) -> None:
    """The knowledge app's listener (knowledge.events): called inside the writing transaction.
    Renews the token now, so no process keeps the old article (its state, visibility or
    language may have changed), and encodes the articles once the change is committed."""
    ids = sorted({int(i) for i in article_ids})
    if not ids:
        return
    renew_token()
    transaction.on_commit(lambda: _encode_committed(ids))


def _encode_committed(ids: list[int]) -> None:
    if len(ids) > ENCODE_AFTER_COMMIT_MAX:
        from tierdesk.suggestions.tasks import vectors_refresh_task

        vectors_refresh_task(ids)
        return
    try:
        vectors_refresh(ids)
    except Exception:
        # The article is saved; the hourly task encodes what this left missing.
        logger.exception("Encoding articles %s failed; the periodic task will retry", ids)


def vectors_refresh(article_ids: Iterable[int]) -> int:
    """Encodes the given articles whose embedded text (or model) changed since their vector was
    computed; returns how many were encoded. Safe to run twice; does nothing without the model."""
    ids = list(article_ids)
    if not ids or not semantic.available():
        return 0
    done = 0
    for start in range(0, len(ids), BATCH):
        done += _refresh_batch(ids[start : start + BATCH])
    return done


def _refresh_batch(ids: list[int]) -> int:
    rows = Article.objects.filter(pk__in=ids).values_list("pk", "title", "problem")
    known = dict(
        ArticleVector.objects.filter(article_id__in=ids).values_list("article_id", "text_hash")
    )
    todo: list[tuple[int, str, str]] = []
    for pk, title, problem in rows:
        text = embedded_text(title, problem)
        digest = text_hash(text)
        if known.get(pk) != digest:
            todo.append((pk, text, digest))
    if not todo:
        return 0
    vectors = semantic.encode([text for _, text, _ in todo])
    now = timezone.now()
    with transaction.atomic():
        # An article deleted while it was being encoded has nothing to attach a vector to.
        alive = set(
            Article.objects.filter(pk__in=[pk for pk, _, _ in todo]).values_list("pk", flat=True)
        )
        objs = [
            ArticleVector(
                article_id=pk,
                vector=vector.astype("<f4").tobytes(),
                text_hash=digest,
                model=semantic.MODEL_NAME,
                computed_at=now,
            )
            for (pk, _, digest), vector in zip(todo, vectors, strict=True)
            if pk in alive
        ]
        ArticleVector.objects.bulk_create(
            objs,
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["vector", "text_hash", "model", "computed_at"],
        )
        renew_token()
    return len(objs)


def vectors_fill_missing(limit: int = 5_000) -> int:
    """Encodes articles with no vector, one from another model, or one of text since changed
    (an encoding after commit that failed, the first run after installing the model); returns
    how many. The stale ones are found by hashing each article's embedded text here (about
    10k hashes of short texts, once an hour), not by a column the database could compare."""
    if not semantic.available():
        return 0
    rows = (
        Article.objects.order_by("pk")
        .values_list("pk", "title", "problem", "vector__text_hash", "vector__model")
        .iterator(chunk_size=2_000)
    )
    stale = [
        pk
        for pk, title, problem, digest, model in rows
        if model != semantic.MODEL_NAME or digest != text_hash(embedded_text(title, problem))
    ]
    return vectors_refresh(stale[:limit])


# --- the per-process matrix --------------------------------------------------------------------


@dataclass
class ArticleMatrix:
    """Every article not archived, a row each: its vector (zeros until encoded), whether
    customers may see it, and its language. Rows are in `ids` order."""

    token: str
    ids: np.ndarray
    vectors: np.ndarray
    customers_see: np.ndarray
    languages: np.ndarray
    encoded: np.ndarray
    positions: dict[int, int] = field(default_factory=dict)

    def allowed(self, *, customers_only: bool, language: str | None) -> np.ndarray:
        mask = self.customers_see.copy() if customers_only else np.ones(len(self.ids), bool)
        if language:
            mask &= self.languages == language
        return mask


_lock = threading.Lock()
_matrix: ArticleMatrix | None = None


def _load(token: str) -> ArticleMatrix:
    rows = list(
        Article.objects.exclude(state=ArticleState.ARCHIVED)
        .order_by("pk")
        .values_list("pk", "visibility", "state", "language", "vector__vector", "vector__model")
    )
    n = len(rows)
    vectors = np.zeros((n, semantic.DIMENSIONS), dtype=np.float32)
    encoded = np.zeros(n, dtype=bool)
    for i, (_, _, _, _, blob, model) in enumerate(rows):
        if blob is not None and model == semantic.MODEL_NAME:
            vectors[i] = np.frombuffer(bytes(blob), dtype="<f4")
            encoded[i] = True
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    return ArticleMatrix(
        token=token,
        ids=ids,
        vectors=vectors,
        customers_see=np.array(
            [r[1] == Visibility.PUBLIC and r[2] == ArticleState.VALIDATED for r in rows],
            dtype=bool,
        ),
        languages=np.array([r[3] for r in rows], dtype=object),
        encoded=encoded,
        positions={int(pk): i for i, pk in enumerate(ids)},
    )


def current_matrix() -> ArticleMatrix:
    """The process's matrix, reloaded when another process (or this one) changed an article or
    a vector since it was loaded. The token is read before the rows, so the rows are never
    older than the token they are kept under."""
    global _matrix
    token = current_token()
    matrix = _matrix
    if matrix is not None and token and matrix.token == token:
        return matrix
    with _lock:
        if not token:
            token = renew_token()
        matrix = _matrix
        if matrix is None or matrix.token != token:
            matrix = _load(token)
            _matrix = matrix
    return matrix


def forget_matrix() -> None:
    global _matrix
    _matrix = None
