"""Retrieval quality of suggestions and search on real and hand-made questions.

StackFAQ (../shared/data/stackfaq): the 125 FAQ threads become public validated English articles,
created through `knowledge.services.article_create` as a manager would, so the search index and the
suggestion vectors fill the way they do on a live desk. An article's title and problem are the
question as it was asked (the only text StackExchange has for it; the suggestion vector skips a
problem equal to the title), its resolution the thread's top answers. Each of the 1,249
paraphrased user questions is then sent through:

- `suggestions.selectors.suggest_articles(text, viewer=None, limit=10)`: the portal's suggestion path
  (sentence vectors plus the lexical match);
- `search.selectors.search(customer, text, kinds=["article"], limit=10)`: the search page's path;
- `search.selectors.match_articles(text, viewer=None, limit=10)`: the lexical candidates alone;
- a plain Okapi BM25 computed here (k1 1.2, b 0.75, title and answers concatenated, lower-cased
  \\w+ tokens, no stemming, no stop words): the baseline;
- `bm25_fields_offline`, a diagnostic: BM25 over the product analyzer's tokens with title and
  body normalised separately (what FTS5's whole-row normalisation gives up).

Each question has one correct article: MRR (0 past the list), P@1, recall@5, nDCG@10.

Then bench/data/knowledge_multilingual.json: 20 Japanese, 20 Russian and 10 English articles of a
data/analytics SaaS with 150 customer questions, loaded the same way into the same knowledge base
(so the 125 FAQ articles stay as distractors); P@1, recall@5 and MRR per language, with no
language filter and with the question's language as filter.

Prints a table, writes bench/results/search_quality.json; exits 1 when suggestions miss MRR 0.80
or recall@5 0.93 on StackFAQ, or do not beat the BM25 baseline on both.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import benchlib

sys.path.insert(0, str(benchlib.ROOT / "src"))

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "stackfaq"
FALLBACK_DATA = Path("/work/shared/data/stackfaq")
MULTILINGUAL = Path(__file__).resolve().parent / "data" / "knowledge_multilingual.json"
TARGETS = {"mrr": 0.80, "recall_at_5": 0.93}
DEPTH = 10


def setup_django(data_dir: Path, database: str | None) -> str:
    """Django on a fresh database (the embedded SQLite in `data_dir`, or a PostgreSQL database
    dropped and created anew), migrated. Returns what the results call it."""
    os.environ.pop("TIERDESK_REDIS_URL", None)
    os.environ["TIERDESK_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("TIERDESK_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tierdesk.settings"
    label = "sqlite (embedded default)"
    if database:
        from sla_bench import recreate_postgres

        recreate_postgres(database)
        os.environ["TIERDESK_DATABASE_URL"] = database
    else:
        os.environ.pop("TIERDESK_DATABASE_URL", None)
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    if database:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            label = f"postgresql {cursor.fetchone()[0]}"
    return label


# --- data ----------------------------------------------------------------------------------------


def read_stackfaq(folder: Path) -> tuple[list[dict], list[dict]]:
    with (folder / "faq_articles.csv").open(newline="", encoding="utf-8") as handle:
        faqs = list(csv.DictReader(handle))
    with (folder / "queries_with_gold_faq.csv").open(newline="", encoding="utf-8") as handle:
        # "*" marks a placeholder row without a real question in some exports of the set.
        queries = [row for row in csv.DictReader(handle) if row["query"].strip() not in {"", "*"}]
    return faqs, queries


def people():
    """A manager who writes the articles and a customer of one organization who searches."""
    from tierdesk.accounts.choices import Role
    from tierdesk.accounts.models import Organization, User

    manager = User.objects.create(
        username="bench-manager", email="manager@bench.example", role=Role.MANAGER
    )
    organization = Organization.objects.create(name="Bench Analytics", email_domains=["b.example"])
    customer = User.objects.create(
        username="bench-customer",
        email="customer@b.example",
        role=Role.CUSTOMER,
        organization=organization,
    )
    return manager, customer


def load_articles(manager, rows: Sequence[dict]) -> tuple[list[int], float]:
    """Creates each row as a public validated article through the knowledge service; returns the
    ids in row order and the seconds it took (indexing and encoding after each commit included)."""
    from tierdesk.knowledge.services import article_create

    started = time.perf_counter()
    ids = []
    for row in rows:
        article = article_create(
            actor=manager,
            title=row["title"],
            problem=row["problem"],
            resolution=row["resolution"],
            tags=row.get("tags") or [],
            product_area=row.get("product_area") or "",
            language=row.get("language") or "en",
            visibility="public",
            state="validated",
        )
        ids.append(article.pk)
    return ids, time.perf_counter() - started


def catch_up() -> dict:
    """Runs whatever the search and suggestion apps offer to finish pending work (the periodic
    tasks' functions), so every article is indexed and encoded before measuring; returns what
    each reported."""
    done: dict = {}
    try:
        from tierdesk.suggestions import vectors

        done["vectors_encoded_by_catch_up"] = vectors.vectors_fill_missing(100_000)
    except (ImportError, AttributeError) as error:
        done["vectors"] = f"no catch-up: {error}"
    try:
        from tierdesk.search import services as search_services

        for name in ("index_pending", "reindex_pending", "index_stale"):
            if hasattr(search_services, name):
                done[f"search.{name}"] = str(getattr(search_services, name)())
                break
    except ImportError as error:
        done["search"] = f"no catch-up: {error}"
    return done


def coverage() -> dict:
    from tierdesk.knowledge.models import Article

    counts = {"articles": Article.objects.count()}
    try:
        from tierdesk.suggestions.models import ArticleVector

        counts["article_vectors"] = ArticleVector.objects.count()
    except ImportError:
        pass
    return counts


# --- the plain BM25 baseline ---------------------------------------------------------------------

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


class PlainBM25:
    """Okapi BM25 over one field (title and answers concatenated), no stemming, no stop words."""

    def __init__(self, documents: Sequence[str], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.terms = [Counter(words(d)) for d in documents]
        self.lengths = [sum(t.values()) for t in self.terms]
        self.average = sum(self.lengths) / len(self.lengths)
        frequency = Counter(w for t in self.terms for w in t)
        n = len(documents)
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}

    def rank(self, query: str, limit: int = DEPTH) -> list[int]:
        scores = []
        query_words = set(words(query))
        for index, (terms, length) in enumerate(zip(self.terms, self.lengths, strict=True)):
            score = 0.0
            for w in query_words:
                tf = terms.get(w)
                if tf:
                    norm = self.k1 * (1 - self.b + self.b * length / self.average)
                    score += self.idf[w] * tf * (self.k1 + 1) / (tf + norm)
            if score > 0:
                scores.append((score, index))
        scores.sort(key=lambda item: (-item[0], item[1]))
        return [index for _score, index in scores[:limit]]


class FieldBM25:
    """Diagnostic, not a baseline: BM25 computed here over the product's own analyzer tokens
    (search.analysis.tokens), title and body each length-normalised on its own and summed with
    the title weighted 2, as in the search helper's offline measurement. Beside the `search` and
    `match_articles` rows it shows what the ranking (rather than the analyzer) costs: FTS5's
    bm25() normalises every column by the length of the whole row."""

    def __init__(self, titles: Sequence[str], bodies: Sequence[str], title_weight: float = 2.0):
        from tierdesk.search.analysis import tokens

        self.tokens = tokens
        self.fields = []
        for texts, weight in ((titles, title_weight), (bodies, 1.0)):
            terms = [Counter(tokens(t)) for t in texts]
            lengths = [sum(t.values()) for t in terms]
            self.fields.append((terms, lengths, sum(lengths) / len(lengths), weight))
        n = len(titles)
        frequency: Counter = Counter()
        for i in range(n):
            frequency.update(set().union(*(f[0][i] for f in self.fields)))
        self.idf = {w: math.log(1 + (n - f + 0.5) / (f + 0.5)) for w, f in frequency.items()}
        self.n = n

    def rank(self, query: str, limit: int = DEPTH, k1: float = 1.2, b: float = 0.75) -> list[int]:
        query_terms = set(self.tokens(query))
        scores = []
        for i in range(self.n):
            score = 0.0
            for terms, lengths, average, weight in self.fields:
                for w in query_terms:
                    tf = terms[i].get(w)
                    if tf:
                        norm = k1 * (1 - b + b * lengths[i] / average)
                        score += weight * self.idf[w] * tf * (k1 + 1) / (tf + norm)
            if score > 0:
                scores.append((score, i))
        scores.sort(key=lambda item: (-item[0], item[1]))
        return [i for _score, i in scores[:limit]]


# --- metrics -------------------------------------------------------------------------------------


def rank_of(gold: int, ranked: Sequence[int]) -> int | None:
    try:
        return list(ranked).index(gold) + 1
    except ValueError:
        return None


def metrics(ranks: Sequence[int | None]) -> dict:
    """One correct item per query: MRR (0 when not listed), P@1, recall@5, nDCG@10 (the ideal
    DCG is 1), and how many queries got nothing at all listed is counted separately."""
    n = len(ranks)
    return {
        "queries": n,
        "mrr": round(sum(1 / r for r in ranks if r) / n, 4),
        "p_at_1": round(sum(1 for r in ranks if r == 1) / n, 4),
        "recall_at_5": round(sum(1 for r in ranks if r and r <= 5) / n, 4),
        "ndcg_at_10": round(sum(1 / math.log2(r + 1) for r in ranks if r and r <= 10) / n, 4),
    }


class Run:
    """One method over a set of queries: the gold's rank per query, latencies, empty answers."""

    def __init__(self, name: str, ranker: Callable[[str], list[int]]) -> None:
        self.name, self.ranker = name, ranker
        self.ranks: list[int | None] = []
        self.ms: list[float] = []
        self.empty = 0
        self.misses: list[dict] = []

    def ask(self, query: str, gold: int, label: str = "") -> int | None:
        started = time.perf_counter()
        ranked = self.ranker(query)
        self.ms.append((time.perf_counter() - started) * 1000)
        if not ranked:
            self.empty += 1
        rank = rank_of(gold, ranked)
        self.ranks.append(rank)
        if rank != 1 and len(self.misses) < 400:
            self.misses.append({"query": query, "expected": label or gold, "rank": rank})
        return rank

    def result(self) -> dict:
        return {
            **metrics(self.ranks),
            "no_answer": self.empty,
            "median_ms": round(statistics.median(self.ms), 2),
            "p95_ms": round(sorted(self.ms)[int(0.95 * len(self.ms))], 2),
        }


def product_rankers(customer, language: str | None = None) -> dict[str, Callable[[str], list[int]]]:
    from tierdesk.search.selectors import match_articles, search
    from tierdesk.suggestions.selectors import suggest_articles

    def suggestions(text: str) -> list[int]:
        found = suggest_articles(text, viewer=None, limit=DEPTH, language=language)
        return [s.article.pk for s in found]

    def search_page(text: str) -> list[int]:
        page = search(customer, text, kinds=["article"], language=language, limit=DEPTH)
        return [hit.id for hit in page.hits if hit.kind == "article"]

    def lexical(text: str) -> list[int]:
        return [
            pk for pk, _score in match_articles(text, viewer=None, limit=DEPTH, language=language)
        ]

    return {"suggestions": suggestions, "search": search_page, "match_articles": lexical}


# --- the two sets --------------------------------------------------------------------------------


def stackfaq(folder: Path, manager, customer) -> dict:
    faqs, queries = read_stackfaq(folder)
    rows = [
        {"title": f["question"], "problem": f["question"], "resolution": f["answers"]} for f in faqs
    ]
    print(f"StackFAQ: loading {len(rows)} articles through article_create", flush=True)
    ids, load_seconds = load_articles(manager, rows)
    caught = catch_up()
    article_of = {f["faq_id"]: pk for f, pk in zip(faqs, ids, strict=True)}
    baseline = PlainBM25([f"{f['question']}\n{f['answers']}" for f in faqs])
    runs = {name: Run(name, ranker) for name, ranker in product_rankers(customer).items()}
    runs["bm25_plain"] = Run("bm25_plain", lambda q: [ids[i] for i in baseline.rank(q)])
    fields = FieldBM25(
        [r["title"] for r in rows], [f"{r['problem']}\n\n{r['resolution']}" for r in rows]
    )
    runs["bm25_fields_offline"] = Run(
        "bm25_fields_offline", lambda q: [ids[i] for i in fields.rank(q)]
    )
    print(f"StackFAQ: {len(queries)} questions through {', '.join(runs)}", flush=True)
    for row in queries:
        gold = article_of[row["faq_id"]]
        for run in runs.values():
            run.ask(row["query"], gold, row["faq_id"])
    return {
        "data": {
            "folder": str(folder),
            "articles": len(rows),
            "queries": len(queries),
            "article_fields": "title = question, problem = question (as asked), resolution = "
            "the thread's answers",
            "load_seconds": round(load_seconds, 2),
            "catch_up": caught,
            **coverage(),
        },
        "methods": {name: run.result() for name, run in runs.items()},
        "suggestion_misses": runs["suggestions"].misses[:40],
    }


def multilingual(path: Path, manager, customer) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    print(f"Multilingual: loading {len(data['articles'])} articles", flush=True)
    ids, load_seconds = load_articles(manager, data["articles"])
    caught = catch_up()
    article_of = {a["key"]: pk for a, pk in zip(data["articles"], ids, strict=True)}
    results: dict = {"filter_none": {}, "filter_language": {}}
    misses: dict[str, list] = defaultdict(list)
    for mode in results:
        by_language: dict[str, dict[str, Run]] = {}
        for q in data["queries"]:
            language = q["language"]
            if language not in by_language:
                rankers = product_rankers(customer, language if mode == "filter_language" else None)
                by_language[language] = {
                    name: Run(name, rankers[name]) for name in ("suggestions", "search")
                }
            for run in by_language[language].values():
                run.ask(q["query"], article_of[q["expected"]], q["expected"])
        for language, runs in sorted(by_language.items()):
            results[mode][language] = {name: run.result() for name, run in runs.items()}
            if mode == "filter_none":
                for name, run in runs.items():
                    misses[f"{name}/{language}"] = run.misses
    return {
        "data": {
            "file": str(path.relative_to(benchlib.ROOT)),
            "articles": Counter(a["language"] for a in data["articles"]),
            "queries": Counter(q["language"] for q in data["queries"]),
            "distractors": "the StackFAQ articles loaded before stay in the knowledge base",
            "load_seconds": round(load_seconds, 2),
            "catch_up": caught,
        },
        **results,
        "misses_no_filter": dict(misses),
    }


# --- output --------------------------------------------------------------------------------------


def print_results(result: dict) -> None:
    s = result["stackfaq"]
    print(
        f"\nStackFAQ: {s['data']['articles']} articles, {s['data']['queries']:,} questions "
        f"({s['data']['article_fields']})\n"
    )
    benchlib.print_table(
        ["method", "MRR", "P@1", "recall@5", "nDCG@10", "no answer", "median ms"],
        [
            [
                name,
                f"{m['mrr']:.3f}",
                f"{m['p_at_1']:.3f}",
                f"{m['recall_at_5']:.3f}",
                f"{m['ndcg_at_10']:.3f}",
                m["no_answer"],
                f"{m['median_ms']:.1f}",
            ]
            for name, m in s["methods"].items()
        ],
    )
    ml = result["multilingual"]
    print(
        f"\nMultilingual set: articles {dict(ml['data']['articles'])}, questions "
        f"{dict(ml['data']['queries'])}; 125 StackFAQ articles as distractors\n"
    )
    rows = []
    for mode, label in (("filter_none", "any"), ("filter_language", "query's")):
        for language, methods in ml[mode].items():
            for name, m in methods.items():
                rows.append(
                    [
                        f"{language} {name}",
                        label,
                        f"{m['p_at_1']:.3f}",
                        f"{m['recall_at_5']:.3f}",
                        f"{m['mrr']:.3f}",
                        m["no_answer"],
                    ]
                )
    benchlib.print_table(
        ["language / method", "lang filter", "P@1", "recall@5", "MRR", "none"], rows
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", type=Path, help="StackFAQ folder (default ../shared/data/stackfaq)."
    )
    parser.add_argument("--multilingual", type=Path, default=MULTILINGUAL)
    parser.add_argument(
        "--database",
        help="A PostgreSQL URL naming a database of the benchmark's own (dropped and created "
        "anew). Default: the embedded SQLite in a throwaway folder.",
    )
    parser.add_argument("--keep", action="store_true", help="Keep the data folder.")
    parser.add_argument("--output", help="JSON file (default bench/results/search_quality.json).")
    args = parser.parse_args()
    folder = args.data or (DEFAULT_DATA if DEFAULT_DATA.exists() else FALLBACK_DATA)
    if not (folder / "faq_articles.csv").exists():
        print(f"StackFAQ not found in {folder} (--data).", file=sys.stderr)
        return 1

    data_dir = Path(tempfile.mkdtemp(prefix="tierdesk-search-quality-"))
    try:
        database = setup_django(data_dir, args.database)
        from tierdesk.suggestions import semantic

        manager, customer = people()
        result = {
            "benchmark": "search_quality",
            "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": benchlib.machine(),
            "database": database,
            "sentence_model": semantic.available(),
            "stackfaq": stackfaq(folder, manager, customer),
            "multilingual": multilingual(args.multilingual, manager, customer),
        }
    finally:
        if args.keep:
            print(f"Data kept in {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)

    methods = result["stackfaq"]["methods"]
    suggestions, baseline = methods["suggestions"], methods["bm25_plain"]
    result["targets"] = {
        "suggestions_mrr": f">= {TARGETS['mrr']}",
        "suggestions_recall_at_5": f">= {TARGETS['recall_at_5']}",
        "beat_bm25_plain": "suggestions above the baseline on MRR and recall@5",
    }
    result["met"] = (
        suggestions["mrr"] >= TARGETS["mrr"]
        and suggestions["recall_at_5"] >= TARGETS["recall_at_5"]
        and suggestions["mrr"] > baseline["mrr"]
        and suggestions["recall_at_5"] > baseline["recall_at_5"]
    )
    print_results(result)
    path = benchlib.write_json("search_quality.json", result, args.output)
    print(f"\nTargets {'met' if result['met'] else 'MISSED'}; written to {path}")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
