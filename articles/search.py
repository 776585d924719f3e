"""Japanese full-text search: normalisation, n-grams, query parsing, ranking and snippets.

Japanese has no spaces between words, so text is not split into words. It is NFKC-folded and
case-folded, cut into runs of letters and digits (a run ends at a space, at punctuation and where
Japanese script meets Latin letters or digits, so 「生成AI」 and 「生成 AI」 agree), and every run is
indexed as its characters and its overlapping pairs of characters (bigrams). A query term matches an
article that holds all of the term's bigrams, or its character when the term is one character long: a
substring match answered by the index (PostgreSQL: a GIN index on a tsvector; SQLite: FTS5; both made
by migration 0006). Every term must match. Latin words match from their start (「OT」 finds OT, not spot;
「train」 finds Trainium): their first one and two letters are also indexed, marked with `_`. The bigrams
of a longer term are not checked for adjacency, so 「半導体」 could in principle match 「半導…導体」; in
practice this is rare, and it keeps the match exact in the index, with no recheck of the text. Kana are
not folded into each other: ガス would find 逃がす.

Ranking: per term, 4 when it is in the title, 2 in the tags, excerpt or headings, 1 in the body only;
the sum orders the results, then the newer article first.

The readers' text (snippets, titles) keeps its own characters; only the index and the query are folded.
"""

import functools
import operator
import re
import unicodedata
from dataclasses import dataclass

from django.db import connections, models, router, transaction
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import mark_safe

from articles.markdown import html_to_text, table_of_contents
from articles.models import Article
from articles.search_index import ArticleSearchIndex

MAX_QUERY_CHARACTERS = 100
MAX_TERMS = 8
# A tsvector must stay under 1 MB; 60,000 characters (two hours of reading) stay well below it.
MAX_INDEXED_CHARACTERS = 60_000
SNIPPET_CHARACTERS = 120
SNIPPET_LEAD = 30
TITLE_WEIGHT, KEYWORD_WEIGHT, BODY_WEIGHT = 4, 2, 1
SQLITE_FTS_TABLE = "articles_search_fts"

_JAPANESE = (
    "\u3005-\u3007"  # 々 〆 〇
    "\u3040-\u30fa\u30fc-\u30ff"  # hiragana, katakana and ー (not the middle dot)
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"
)
_RUN = re.compile(f"[{_JAPANESE}]+|[^\\W_{_JAPANESE}]+")
_WORD_CHARACTER = re.compile(f"[^\\W_{_JAPANESE}]")  # Latin (or other alphabet) letters and digits
WORD_START = "_"  # marks the n-grams that begin a Latin word; never part of a run
# The katakana middle dot joins words (データ・センター); readers often leave it out.
_IGNORED = "\u30fb"
# Control characters, lone surrogates, private-use and unassigned code points, and U+FFFD (what an
# undecodable byte in the URL became): never part of a query.
_UNPRINTABLE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]?")


def normalize(text):
    """NFKC and case folding, as both the index and the query see text: ＡＷＳ → aws, ｶﾞ → ガ."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return unicodedata.normalize("NFKC", folded).replace(_IGNORED, "")


def runs(text):
    """The runs of letters and digits in already normalised text."""
    return _RUN.findall(text)


def is_word(run):
    """True for a run of Latin (or other alphabetic) letters and digits, which match from their start."""
    return bool(_WORD_CHARACTER.match(run))


def document_grams(text):
    """Every character and bigram of every run of `text`, and each word's start: what the index holds."""
    text_runs = runs(normalize(text))
    joined = " ".join(text_runs)  # one pass over the text, then drop what straddles two runs
    grams = set(joined) | set(map(operator.add, joined, joined[1:]))
    grams = {gram for gram in grams if " " not in gram}
    grams.update(WORD_START + run[:size] for run in text_runs if is_word(run) for size in (1, 2))
    return grams


def term_grams(term_runs):
    """What an article must hold to match a term: each run's bigrams (its character, if it has only one),
    and for a Latin word its start."""
    grams = set()
    for run in term_runs:
        grams.update(map(operator.add, run, run[1:]) if len(run) > 1 else {run})
        if is_word(run):
            grams.add(WORD_START + run[:2])
    return grams


@dataclass(frozen=True)
class Query:
    text: str = ""  # what the reader typed, cleaned and capped: shown back, never folded
    terms: tuple[tuple[str, ...], ...] = ()  # each term as its normalised runs
    truncated: bool = False

    def __bool__(self):
        return bool(self.terms)

    @property
    def patterns(self):
        """The runs to find and highlight, longest first."""
        return sorted({run for term in self.terms for run in term}, key=lambda run: (-len(run), run))

    def grams(self):
        return sorted(set().union(*(term_grams(term) for term in self.terms)))


def parse_query(raw):
    """A Query from what the reader typed: unprintable characters become spaces, the text is capped at
    MAX_QUERY_CHARACTERS and MAX_TERMS terms (half- or full-width spaces between them), and terms with no
    letters or digits are dropped. Never raises."""
    kept = raw[: MAX_QUERY_CHARACTERS * 10]  # room for spaces and control characters, not for megabytes
    cleaned = "".join(" " if _is_unprintable(char) else char for char in kept)
    words = cleaned.split()
    text = " ".join(words)
    truncated = len(kept) < len(raw) or len(text) > MAX_QUERY_CHARACTERS or len(words) > MAX_TERMS
    text = " ".join(text[:MAX_QUERY_CHARACTERS].split()[:MAX_TERMS])
    terms = []
    for word in text.split():
        term = tuple(runs(normalize(word)))
        if term and term not in terms:
            terms.append(term)
    return Query(text=text, terms=tuple(terms), truncated=truncated)


def canonical_text(raw):
    """The one spelling of a query that its result page is shown and cached under (articles/views.py redirects
    to it): NFKC (full-width Latin letters and digits, half-width kana), spaces collapsed, a repeated word
    once, capped as parse_query caps. Case is kept: readers see the query they typed."""
    folded = unicodedata.normalize("NFKC", raw[: MAX_QUERY_CHARACTERS * 10])
    return " ".join(dict.fromkeys(parse_query(folded).text.split()))


def _is_unprintable(char):
    return char == "\ufffd" or unicodedata.category(char) in _UNPRINTABLE_CATEGORIES


def search(articles, query):
    """`articles` (e.g. Article.objects.published()) that match every term of `query`, best first."""
    grams = query.grams()
    if connections[articles.db].vendor == "postgresql":
        # Lexemes quoted for tsquery input, read verbatim (no parser, no dictionary), all required.
        tsquery = " & ".join("'{}'".format(gram.replace("\\", "\\\\").replace("'", "''")) for gram in grams)
        matching = articles.filter(_GinMatch(models.F("search_index__grams"), models.Value(tsquery)))
    else:
        fts_query = " AND ".join('"{}"'.format(gram.replace('"', '""')) for gram in grams)
        fts_ids = f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s"  # noqa: S608  # nosec B608 (a constant table name)
        matching = articles.filter(pk__in=RawSQL(fts_ids, (fts_query,)))  # noqa: S611 (the query is a parameter)  # nosec B611
    return matching.annotate(search_rank=_rank(query.terms)).order_by("-search_rank", "-published_at", "-pk")


class _GinMatch(models.Func):
    """`grams @@ (SELECT '…'::tsquery)`. The sub-select hides the lexemes from the planner, which would
    otherwise, for a common term, read the whole table: every row's tsvector fetched from TOAST and
    decompressed, ten times slower than the GIN index. A plain AND of lexemes needs no recheck, so with
    the index no tsvector is read at query time."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (grams_sql, grams_params), (query_sql, query_params) = map(compiler.compile, self.get_source_expressions())
        return f"{grams_sql} @@ (SELECT ({query_sql})::tsquery)", (*grams_params, *query_params)


def _rank(terms):
    def contains_all(field_name, term):
        lookup = f"search_index__{field_name}__contains"
        return functools.reduce(operator.and_, (models.Q(**{lookup: _stored_pattern(run)}) for run in term))

    weights = (
        models.Case(
            models.When(contains_all("title", term), then=models.Value(TITLE_WEIGHT)),
            models.When(contains_all("keywords", term), then=models.Value(KEYWORD_WEIGHT)),
            default=models.Value(BODY_WEIGHT),
        )
        for term in terms
    )
    return functools.reduce(operator.add, weights)


# --- the index -----------------------------------------------------------------------------


def index_fields(title, body_html, excerpt, tag_names):
    """The ArticleSearchIndex fields for an article's live text (pure: no database)."""
    headings = [text for _level, _anchor, text in table_of_contents(body_html)]
    keywords = [*tag_names, excerpt, *headings]
    body = html_to_text(body_html)[:MAX_INDEXED_CHARACTERS]
    grams = document_grams(" ".join([title, *keywords, body]))
    return {
        "title": _stored_runs(title),
        "keywords": _stored_runs(" ".join(keywords)),
        "grams": " ".join(sorted(grams)),
    }


def _stored_runs(text):
    """Runs after a space each, so that " word" finds a Latin word only from its start."""
    return "".join(" " + run for run in runs(normalize(text)))


def _stored_pattern(run):
    return " " + run if is_word(run) else run


def update_search_index(article):
    """Index `article`'s live row (title, body, excerpt, tags). Call it after each write of the row."""
    tag_names = [tag.name for tag in article.tags.all()]
    fields = index_fields(article.title, article.body_html, article.excerpt, tag_names)
    ArticleSearchIndex(article=article, **fields).save()


def remove_from_search_index(article):
    ArticleSearchIndex.objects.filter(article=article).delete()


def rebuild_search_index(*, batch_size=200, on_batch=None):
    """Index every article again in one transaction; `on_batch(count)` is told of each batch's progress.
    Returns the number of articles indexed."""
    articles = Article.objects.only("title", "body_html", "excerpt").prefetch_related("tags")
    total = 0
    with transaction.atomic():
        ArticleSearchIndex.objects.all().delete()
        batch = []
        for article in articles.iterator(chunk_size=batch_size):
            tag_names = [tag.name for tag in article.tags.all()]
            fields = index_fields(article.title, article.body_html, article.excerpt, tag_names)
            batch.append(ArticleSearchIndex(article_id=article.pk, **fields))
            if len(batch) == batch_size:
                total += _store_batch(batch, on_batch)
        total += _store_batch(batch, on_batch)
        compact_search_index()
    return total


def compact_search_index():
    """After a bulk load, fold PostgreSQL's GIN pending list into the index (the planner shuns an index
    with a long one, and every search would scan it), or merge SQLite's FTS5 segments."""
    connection = connections[router.db_for_write(ArticleSearchIndex)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT gin_clean_pending_list('articles_search_grams_gin')")
        else:
            cursor.execute(f"INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}) VALUES ('optimize')")  # noqa: S608  # nosec B608


def _store_batch(batch, on_batch):
    ArticleSearchIndex.objects.bulk_create(batch)
    count = len(batch)
    batch.clear()
    if on_batch:
        on_batch(count)
    return count


# --- what readers see ----------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    article: object
    title: str  # highlighted HTML
    snippet: str  # highlighted HTML


def hit(article, query):
    """How a result is shown: its title and a passage of its body (else its summary), terms marked."""
    passage = snippet(html_to_text(article.body_html), query) or highlight(article.summary, query)
    return Hit(article, highlight(article.title, query), passage)


def highlight(text, query):
    """`text` HTML-escaped, with every occurrence of the query's terms in <mark>."""
    folded, sources = _fold_with_sources(text)
    spans = [
        (sources[start][0], sources[start + len(pattern) - 1][1])
        for pattern in query.patterns
        for start in _occurrences(folded, pattern)
    ]
    html, position = [], 0
    for start, end in _merged(spans):
        html += [escape(text[position:start]), "<mark>", escape(text[start:end]), "</mark>"]
        position = end
    html.append(escape(text[position:]))
    return mark_safe("".join(html))  # noqa: S308 (every piece of text above is escaped)  # nosec B308 B703


def snippet(text, query, width=SNIPPET_CHARACTERS):
    """About `width` characters of `text` from the first sentence holding the most of the query's terms,
    highlighted; None when no term is in the text."""
    start = _best_match(text, query.patterns)
    if start is None:
        return None
    sentence_start = max(text.rfind(end, 0, start) for end in "。！？!?") + 1
    begin = max(sentence_start, start - SNIPPET_LEAD, 0)
    while text[begin].isspace():
        begin += 1
    end = min(len(text), begin + width)
    prefix, suffix = ("…" if begin > 0 else ""), ("…" if end < len(text) else "")
    return mark_safe(prefix + highlight(text[begin:end], query) + suffix)  # noqa: S308 (highlight escapes)  # nosec B308 B703


def _best_match(text, patterns):
    """Where in `text` the first match starts in the first sentence with the most distinct patterns.

    Sentence by sentence, each folded in one call, stopping at a sentence that has every pattern the text
    has; only the chosen sentence is mapped back character by character."""
    folded_text = normalize(text)
    patterns = [pattern for pattern in patterns if _first_occurrence(folded_text, pattern) is not None]
    best, best_count = None, 0
    for sentence in _SENTENCE.finditer(text) if patterns else ():
        folded = normalize(sentence.group())
        count = sum(1 for pattern in patterns if _first_occurrence(folded, pattern) is not None)
        if count > best_count:
            best, best_count = sentence, count
        if best_count == len(patterns):
            break
    if best is None:
        return None
    folded, sources = _fold_with_sources(best.group())
    starts = [start for pattern in patterns for start in _occurrences(folded, pattern)]
    return best.start() + sources[min(starts)][0] if starts else None


def _first_occurrence(folded, pattern):
    return next(_occurrences(folded, pattern), None)


def _occurrences(folded, pattern):
    """Where `pattern` starts in `folded`; a Latin word only where a word starts."""
    start = folded.find(pattern)
    while start != -1:
        if not (is_word(pattern) and start > 0 and _WORD_CHARACTER.match(folded[start - 1])):
            yield start
        start = folded.find(pattern, start + len(pattern))


def _fold_with_sources(text):
    """normalize(text), and for each of its characters the (start, end) of the source text it came from."""
    folded, sources = [], []
    start = 0
    while start < len(text):
        end = start + 1
        while end < len(text) and (unicodedata.combining(text[end]) or text[end] in "\uff9e\uff9f"):
            end += 1  # a base character with its combining marks (half-width ﾞﾟ too) folds as one
        piece = _normalize_character(text[start:end])
        folded.append(piece)
        sources += [(start, end)] * len(piece)
        start = end
    return "".join(folded), sources


@functools.lru_cache(maxsize=8192)
def _normalize_character(cluster):
    return normalize(cluster)


def _merged(spans):
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
