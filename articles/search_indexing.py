"""Building the search index: an article's live text analysed (articles/search_text.py) into its
ArticleSearchIndex and ArticleSearchGrams rows, one at a time after each change, or all again by
rebuild_search_index()."""

import contextlib
import multiprocessing
import os
from typing import NamedTuple

from django.core.cache import cache
from django.db import connections, router, transaction

from articles.markdown import html_to_text, table_of_contents
from articles.models import Article, ArticleSearchGrams, ArticleSearchIndex
from articles.search_text import document_grams, word_text

# A tsvector must stay under 1 MB; 60,000 characters (two hours of reading) stay well below it.
MAX_INDEXED_CHARACTERS = 60_000
# Ranking reads term frequencies in the title, keywords and the body's first 800 characters of word text
# (about 400 characters of the article): what an analysis is about is said early, and reading whole
# bodies for every match cost 2.4 s for a word in 658 of 10,000 articles (1,500 characters: 1.7 s for a
# query matching 9,999 of them, on a machine at load 9).
LEAD_CHARACTERS = 800
PARALLEL_FROM = 500  # articles: below this, forking a pool costs more than it saves
SQLITE_FTS_TABLE = "articles_search_fts"
# BM25's collection statistics (articles indexed, mean length), read by articles.search and forgotten on every
# write of the index. Forgotten before the write commits, so a search in between may keep the old numbers for
# up to COLLECTION_CACHE_SECONDS: one article in thousands moves them by a hair.
COLLECTION_CACHE_KEY = "search:collection"
COLLECTION_CACHE_SECONDS = 300


def index_fields(title, body_html, excerpt, tag_names):
    """The ArticleSearchIndex fields for an article's live text (pure: no database)."""
    headings = [text for _level, _anchor, text in table_of_contents(body_html)]
    keywords = [*tag_names, excerpt, *headings]
    body = html_to_text(body_html)[:MAX_INDEXED_CHARACTERS]
    body_words = word_text(body)
    lead = (
        body_words[: body_words.rfind(" ", 0, LEAD_CHARACTERS) + 1] if len(body_words) > LEAD_CHARACTERS else body_words
    )
    ranked = {"title": word_text(title), "keywords": word_text("\n".join(keywords)), "lead": lead}
    # Words, not characters: what BM25's length normalisation compares (two spaces between runs count one).
    length = sum(text.replace("  ", " ").count(" ") - 1 for text in ranked.values())
    grams = document_grams(" ".join([title, *keywords, body]))
    return {**ranked, "body": body_words, "length": max(length, 0), "grams": " ".join(sorted(grams))}


def index_rows(article_id, fields):
    """The two rows index_fields() fills: word text (ranking, exact matching) and n-grams (finding)."""
    fields = dict(fields)
    grams = ArticleSearchGrams(article_id=article_id, grams=fields.pop("grams"))
    return ArticleSearchIndex(article_id=article_id, **fields), grams


def update_search_index(article):
    """Index `article`'s live row (title, body, excerpt, tags). Call it after each write of the row."""
    tag_names = [tag.name for tag in article.tags.all()]
    for row in index_rows(article.pk, index_fields(article.title, article.body_html, article.excerpt, tag_names)):
        row.save()
    cache.delete(COLLECTION_CACHE_KEY)


def remove_from_search_index(article):
    ArticleSearchIndex.objects.filter(article=article).delete()
    ArticleSearchGrams.objects.filter(article=article).delete()
    cache.delete(COLLECTION_CACHE_KEY)


class Rebuilt(NamedTuple):
    indexed: int  # articles analysed
    rewritten: int  # of them, articles whose stored rows differed and were written again


def rebuild_search_index(*, batch_size=200, on_batch=None, processes=None):
    """Index every article again, with the current analysis, in one transaction; `on_batch(count)` is told
    of each batch's progress. The analysis (~12 ms an article) runs in `processes` processes (default: one
    per CPU, when there are more than PARALLEL_FROM articles); this one reads and writes the database.

    Only rows the analysis changes are written: deleting and inserting all of them left PostgreSQL a dead copy
    of both tables and half again the GIN index on every rebuild, never reclaimed where autovacuum is off. A
    rebuild that finds nothing to change writes nothing; after one that does, tidy_search_index() runs
    (outside a caller's transaction only: VACUUM cannot run inside one)."""
    articles = Article.objects.only("title", "body_html", "excerpt").prefetch_related("tags")
    if processes is None:
        processes = (os.cpu_count() or 1) if articles.count() > PARALLEL_FROM else 1
    indexed = rewritten = 0
    with transaction.atomic(), _analysing(processes) as analyse:
        batch = []
        for article in articles.iterator(chunk_size=batch_size):
            batch.append(
                (article.pk, article.title, article.body_html, article.excerpt, [t.name for t in article.tags.all()])
            )
            if len(batch) == batch_size:
                rewritten += _store_changed(analyse(batch))
                indexed += _progress(len(batch), on_batch)
                batch = []
        rewritten += _store_changed(analyse(batch))
        indexed += _progress(len(batch), on_batch)
        if rewritten:
            cache.delete(COLLECTION_CACHE_KEY)
            compact_search_index()
    if rewritten:
        tidy_search_index()
    return Rebuilt(indexed, rewritten)


def _progress(count, on_batch):
    if on_batch:
        on_batch(count)
    return count


_TEXT_FIELDS = ("title", "keywords", "lead", "body", "length")


def _lexemes(grams):
    """A grams value as a set: PostgreSQL returns a tsvector as 'quoted' lexemes in an order of its own."""
    return frozenset(str(grams).replace("'", "").split())


def _store_changed(rows):
    """Store the index_rows() pairs whose stored rows differ from them; returns how many articles changed."""
    ids = [text.article_id for text, _grams in rows]
    stored_text = {
        values[0]: values[1:]
        for values in ArticleSearchIndex.objects.filter(article_id__in=ids).values_list("article_id", *_TEXT_FIELDS)
    }
    stored_grams = dict(ArticleSearchGrams.objects.filter(article_id__in=ids).values_list("article_id", "grams"))
    texts = [
        text
        for text, _grams in rows
        if text.article_id not in stored_text
        or stored_text[text.article_id] != tuple(getattr(text, field) for field in _TEXT_FIELDS)
    ]
    grams = [
        grams
        for _text, grams in rows
        if grams.article_id not in stored_grams or _lexemes(stored_grams[grams.article_id]) != _lexemes(grams.grams)
    ]
    for model, changed in ((ArticleSearchIndex, texts), (ArticleSearchGrams, grams)):
        if changed:
            model.objects.filter(article_id__in=[row.article_id for row in changed]).delete()
            model.objects.bulk_create(changed)
    return len({row.article_id for row in [*texts, *grams]})


def tidy_search_index():
    """After many rows of the index were written again: on PostgreSQL, VACUUM the two tables, so their dead
    rows' space and GIN entries are reused rather than scanned past, and ANALYZE them for the planner (what
    autovacuum would do, later). Skipped inside a transaction, where VACUUM cannot run, and on SQLite."""
    connection = connections[router.db_for_write(ArticleSearchIndex)]
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        for model in (ArticleSearchIndex, ArticleSearchGrams):
            cursor.execute(f"VACUUM (ANALYZE) {connection.ops.quote_name(model._meta.db_table)}")


@contextlib.contextmanager
def _analysing(processes):
    """A function from articles' text to their index rows: here, or in a pool of forked processes, which see
    only the text (never this process's database connection) and load the analyser once each."""
    if processes <= 1:
        yield lambda batch: list(map(_analyse, batch))
        return
    pool = multiprocessing.get_context("fork").Pool(processes)
    try:
        yield lambda batch: pool.map(_analyse, batch, chunksize=max(1, len(batch) // (processes * 4)))
    finally:
        pool.close()  # not terminate(): idle workers leave on their own, no signal to race with
        pool.join()


def _analyse(text):
    pk, title, body_html, excerpt, tag_names = text
    return index_rows(pk, index_fields(title, body_html, excerpt, tag_names))


def compact_search_index():
    """After a bulk load, fold PostgreSQL's GIN pending list into the index (the planner shuns an index
    with a long one, and every search would scan it), or merge SQLite's FTS5 segments."""
    connection = connections[router.db_for_write(ArticleSearchIndex)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT gin_clean_pending_list('articles_search_grams_gin')")
        else:
            cursor.execute(f"INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}) VALUES ('optimize')")  # noqa: S608  # nosec B608


def store_index_rows(batch):
    """Insert index_rows() pairs in bulk."""
    ArticleSearchIndex.objects.bulk_create([text for text, _grams in batch])
    ArticleSearchGrams.objects.bulk_create([grams for _text, grams in batch])
    cache.delete(COLLECTION_CACHE_KEY)
