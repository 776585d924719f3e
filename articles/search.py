"""Japanese full-text search: matching and ranking (reading the query and its synonyms is in
articles/search_query.py; the text analysis itself, pure, in articles/search_text.py; building the index in
articles/search_indexing.py).

Finding. A query is terms separated by half- or full-width spaces; 「…」 or "…" make one term of a phrase
(spaces and all) that synonyms leave alone. Every term must match. A term has alternatives: itself and,
unless quoted, the other words of its 同義語辞書 entries (Synonym, read at query time and cached until an
editor changes it, so a change needs no re-indexing). Words are SudachiPy's, normalised (サーバ = サーバー,
取組 = 取り組み, 引上げ = 引き上げ; compound nouns by their short units: 東京都 is 東京 都, 京都市 is 京都 市;
see search_text.py). The n-gram index (PostgreSQL: GIN on a tsvector; SQLite: FTS5) answers, for each term:

- whole: some alternative's words and each pair of its neighbouring words are lexemes of the article
  (京都 is whole in 京都市; 東京都 does not hold it; 全固体電池 needs 全, 固体, 電池, 全_固体, 固体_電池);
  a Latin word by its characters from a word's start (「train」 finds Trainium, 「OT」 not spot), a
  one-character term wherever the character is (株 in 株価 is the word's own sense);
- characters: some alternative's bigrams, anywhere (inside longer words, or apart).

Articles holding every term whole are the results. Only when none does, articles holding a term only as
characters are results, and then only where the stored word text of the article shows them adjacent
(「半導体」 is not found in 半導…導体). Both answers come from the index without reading any row.

Ranking: BM25F (Robertson & Zaragoza) over three fields, then a proximity bonus:

    tf(t, d)  = max(1, Σ over t's alternatives a, fields f:  w_f × whole(a, f))
                fields: title (w 4), keywords = tags, excerpt and headings (w 2), the body's lead (w 1):
                its first 800 characters of word text; whole(a, f): occurrences of a's words from a
                word's start. The max: a term the index found only past the lead counts once, and so does
                one held only inside longer words (those articles are results only when no article holds
                every term whole, so whole-word matches always rank first)
    idf(t)    = ln(1 + (N − n_t + 0.5) / (n_t + 0.5))
                N: indexed articles; n_t: articles the index finds for t (whole or as characters)
    bm25(t,d) = idf(t) × tf × (k1 + 1) / (tf + k1 × (1 − b + b × len(d) / avglen)),  k1 = 1.2, b = 0.75
                len(d): words in the three fields; avglen: their mean over the index (+1)
    proximity = for each pair of neighbouring query terms both in the lead:
                P × (idf(left) + idf(right)) / 2 / (1 + distance / S), the distance between their first
                occurrences in characters of the lead's word text; P = 0.5, S = 200
    score     = round(Σ_t bm25(t, d) + proximity, 6)

Only the newest RANKED_MATCHES (200) matches are ranked; any further ones follow them by date (a search
with hundreds of matches is made of words that say little about any one of them). One query answers how
many articles match and which are the newest 200; their ranking fields (title, keywords, lead: about 1.5 kB
each) are read in a second, and the score is computed here in Python, the same on PostgreSQL and SQLite
(rounded to 6 places so that equal scores stay equal). In SQL the same arithmetic (length, replace, strpos)
cost ~50 µs of database CPU per article; counting occurrences in whole bodies instead of the lead cost 2.4 s
for a word in 658 of 10,000 articles: every match's body read from TOAST and scanned a dozen times.

Freshness is only the tie-breaker: equal scores go to the newer article, then the higher id.
"""

import contextlib
import functools
import itertools
import math
import operator

from django.core.cache import cache
from django.db import connections, models, transaction
from django.db.models import Count, Window
from django.db.models.expressions import RawSQL

from articles.models import ArticleSearchGrams, ArticleSearchIndex
from articles.search_indexing import (
    COLLECTION_CACHE_KEY,
    COLLECTION_CACHE_SECONDS,
    SQLITE_FTS_TABLE,
    compact_search_index,
    index_fields,
    index_rows,
    rebuild_search_index,
    remove_from_search_index,
    store_index_rows,
    update_search_index,
)
from articles.search_query import (
    MAX_ALTERNATIVES,
    MAX_QUERY_CHARACTERS,
    MAX_TERMS,
    Query,
    canonical_text,
    expand,
    forget_synonyms,
    parse_query,
    synonym_groups,
)
from articles.search_text import (
    Hit,
    document_grams,
    highlight,
    hit,
    is_word,
    normalize,
    run_words,
    runs,
    snippet,
    term_grams,
    term_word_grams,
)

__all__ = [
    "MAX_ALTERNATIVES", "MAX_QUERY_CHARACTERS", "MAX_TERMS", "Hit", "Query", "canonical_text", "compact_search_index",
    "document_grams", "expand", "forget_synonyms", "highlight", "hit", "index_fields", "index_rows", "normalize",
    "parse_query", "rebuild_search_index", "remove_from_search_index", "runs", "search", "snippet",
    "store_index_rows", "synonym_groups", "term_grams", "update_search_index",
]  # fmt: skip

TITLE_WEIGHT, KEYWORDS_WEIGHT, LEAD_WEIGHT = 4.0, 2.0, 1.0
K1, B = 1.2, 0.75
RANKED_MATCHES = 200
HASH_JOIN_MATCHES = 1_000  # below this, probing the articles' index once per match is cheap anyway
PROXIMITY_WEIGHT, PROXIMITY_SPAN = 0.5, 200.0


# --- finding and ranking ---------------------------------------------------------------------


def search(articles, query):
    """`articles` (e.g. Article.objects.published(), with any select_related or defer the page wants) that
    match every term of `query`, best first: a Results, which Django's Paginator counts and slices."""
    return Results(articles, expand(query))


class Results:
    """A search's matches, best first, read lazily: the first count() or slice asks the database which
    articles match (their number and the newest RANKED_MATCHES, one query), ranks those in Python, and each
    slice then fetches just its own articles. So a page costs the same few queries whether a word is in 5
    articles or in 10,000, and nothing reads the matches' text but the ranking fields of the ranked ones."""

    ordered = True  # Paginator warns about unordered object lists

    def __init__(self, articles, query):
        self.articles, self.query = articles, query
        self._index = _Index(articles.db)
        self._found = None  # (number of matches, ranked pks, the matches by date)

    def matching(self):
        """The matches, newest first, as a queryset (a benchmark explains it)."""
        return self._find()[2]

    def count(self):
        return self._find()[0]

    def __len__(self):
        return self.count()

    def __iter__(self):
        return iter(self[: self.count()])

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        start, stop, _step = key.indices(self.count())
        if start >= stop:
            return []
        _total, ranked, by_date = self._find()
        pks = ranked[start:stop]
        if stop > len(ranked):  # past the ranked ones, the rest follow by date
            pks += list(by_date.values_list("pk", flat=True)[max(start, len(ranked)) : stop])
        found = self.articles.order_by().in_bulk(pks)
        return [found[pk] for pk in pks if pk in found]

    def _find(self):
        if self._found is None:
            self._found = self._match()
        return self._found

    def _match(self):
        index, alternatives = self._index, self.query.alternatives()
        whole, candidates = [], []
        for term_alternatives in alternatives:
            whole.append(index.query(term_word_grams(alternative) for alternative in term_alternatives))
            candidates.append(index.query(grams for alternative in term_alternatives for grams in (
                term_word_grams(alternative), term_grams(alternative))))  # fmt: skip
        # BM25's statistics first: a term no indexed article holds means no results, without another query; and
        # the fewest articles any term has bounds the matches, which picks the join below.
        total_indexed, average_length, proposed = index.statistics(candidates)
        bound = min(proposed)
        if not bound:
            return 0, [], self.articles.none()
        # Terms held only as characters (inside longer words, or apart) count when no article holds every
        # term as whole words, and then only where the stored word text shows the characters adjacent. Two
        # plain queries rather than one with an OR, which made PostgreSQL read every candidate's tsvector.
        with index.planned_for(bound, total_indexed):
            by_date = self.articles.filter(index.matches(index.all(whole))).order_by("-published_at", "-pk")
            total, newest = _newest(by_date)
            if not total:
                adjacent = functools.reduce(operator.and_, map(_adjacent, alternatives))
                by_date = self.articles.filter(index.matches(index.all(candidates))).filter(adjacent)
                by_date = by_date.order_by("-published_at", "-pk")
                total, newest = _newest(by_date)
        if not total:
            return 0, [], by_date
        fields = index.ranking_fields(newest)
        ranking = _Ranking(alternatives, self.query.terms, total_indexed, average_length, proposed)
        # sorted() is stable: equal scores keep the date order, newest (then highest id) first.
        ranked = sorted(newest, key=lambda pk: -ranking.score(*fields.get(pk, ("", "", "", 0))))
        return total, ranked, by_date


def _newest(by_date):
    """How many articles `by_date` holds and the pks of its newest RANKED_MATCHES, in one query."""
    rows = list(by_date.annotate(_total=Window(Count("pk"))).values_list("pk", "_total")[:RANKED_MATCHES])
    return (rows[0][1] if rows else 0), [pk for pk, _total in rows]


class _Ranking:
    """BM25F with a proximity bonus (the module's docstring has the formula), for the articles being ranked.
    Computed here rather than by the database: counting a pattern in a few hundred short fields is
    microseconds in Python, where the same arithmetic in SQL (length, replace, strpos) cost ~50 µs of
    database CPU per article; and the score is then the same on PostgreSQL and SQLite by construction."""

    def __init__(self, alternatives, terms, total, average_length, proposed):
        self.idfs = [math.log(1 + (total - count + 0.5) / (count + 0.5)) for count in proposed]
        self.average_length = average_length
        self.patterns = [[whole_pattern(alternative) for alternative in term] for term in alternatives]
        self.neighbours = [
            (whole_pattern(left), whole_pattern(right), left_idf + right_idf)
            for (left, left_idf), (right, right_idf) in itertools.pairwise(zip(terms, self.idfs, strict=True))
        ]

    def score(self, title, keywords, lead, length):
        norm = K1 * (1 - B) + length * (K1 * B / self.average_length)
        score = 0.0
        for patterns, idf in zip(self.patterns, self.idfs, strict=True):
            frequency = sum(
                text.count(pattern) * weight
                for pattern in patterns
                for text, weight in ((title, TITLE_WEIGHT), (keywords, KEYWORDS_WEIGHT), (lead, LEAD_WEIGHT))
            )
            score += idf * (K1 + 1) * (1.0 - norm / (max(frequency, 1.0) + norm))
        for left, right, idfs in self.neighbours:
            first, second = lead.find(left), lead.find(right)
            if first >= 0 and second >= 0:
                score += idfs * (PROXIMITY_WEIGHT / 2) / (1.0 + abs(first - second) / PROXIMITY_SPAN)
        return round(score, 6)


class _Index:
    """The n-gram index's query language and look-ups, on PostgreSQL (tsquery, GIN) or SQLite (FTS5)."""

    def __init__(self, alias):
        self.alias = alias
        self.postgresql = connections[alias].vendor == "postgresql"

    def query(self, alternatives):
        """Any of the alternatives (each a set of lexemes, all required)."""
        lexeme = self._postgresql_lexeme if self.postgresql else self._sqlite_lexeme
        conjunction, disjunction = (" & ", " | ") if self.postgresql else (" AND ", " OR ")
        options = dict.fromkeys(conjunction.join(map(lexeme, sorted(grams))) for grams in alternatives if grams)
        return disjunction.join(f"({option})" for option in options)

    def all(self, queries):
        return (" & " if self.postgresql else " AND ").join(f"({query})" for query in queries)

    def matches(self, index_query):
        """Articles whose index entry matches `index_query`, answered by the index alone."""
        if self.postgresql:
            return models.Q(_GinMatch(models.F("search_grams__grams"), models.Value(index_query)))
        fts_ids = f"SELECT rowid FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s"  # noqa: S608  # nosec B608 (a constant table name)
        return models.Q(pk__in=RawSQL(fts_ids, (index_query,)))  # noqa: S611 (the query is a parameter)  # nosec B611

    @contextlib.contextmanager
    def planned_for(self, bound, total):
        """Matching queries planned for about `bound` matches. PostgreSQL is not shown the lexemes (see
        _GinMatch), so it expects a few dozen and probes the articles' index once per match; for a term in
        most of the articles, a hash join over one scan of them is twice as fast (10,000: 18 → 9 ms)."""
        if not self.postgresql or bound < HASH_JOIN_MATCHES or bound * 3 < total:
            yield
            return
        with transaction.atomic(using=self.alias), connections[self.alias].cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")
            try:
                yield
            finally:  # LOCAL lasts to the end of the transaction, and a caller's transaction may go on
                cursor.execute("RESET enable_nestloop")

    def statistics(self, term_queries):
        """BM25's statistics in one query: indexed articles, their mean length (+1) and, per term, how many the
        index finds. The first two are kept in the cache until the index changes (search_indexing): reading
        every row's length costs 1 ms a search at 10,000 articles and grows with the archive. Plain numbers, so
        the ranking's arithmetic is the same on both databases (and PostgreSQL's is in float8, not numeric)."""
        table, grams = ArticleSearchIndex._meta.db_table, ArticleSearchGrams._meta.db_table
        if self.postgresql:
            count = f"(SELECT COUNT(*) FROM {grams} WHERE grams @@ (SELECT (%s)::tsquery))"  # noqa: S608  # nosec B608
        else:
            count = f"(SELECT COUNT(*) FROM {SQLITE_FTS_TABLE} WHERE {SQLITE_FTS_TABLE} MATCH %s)"  # noqa: S608  # nosec B608
        counts = ", ".join(count for _ in term_queries)
        collection = cache.get(COLLECTION_CACHE_KEY)
        sql = f"SELECT {counts}" if collection else f"SELECT COUNT(*), AVG(length), {counts} FROM {table}"  # noqa: S608  # nosec B608 (constant names)
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, term_queries)
            row = cursor.fetchone()
        if not collection:
            collection, row = (float(row[0]), float(row[1] or 0) + 1.0), row[2:]
            cache.set(COLLECTION_CACHE_KEY, collection, COLLECTION_CACHE_SECONDS)
        return *collection, [float(count) for count in row]

    def ranking_fields(self, pks):
        """{pk: (title, keywords, lead, length)} of the index rows of `pks`. By hand rather than by the ORM: on
        PostgreSQL one array instead of 200 parameters, each quoted by the client (3 ms a search)."""
        table = ArticleSearchIndex._meta.db_table
        select = f"SELECT article_id, title, keywords, lead, length FROM {table} WHERE article_id"  # noqa: S608  # nosec B608
        sql, params = (
            (f"{select} = ANY(%s)", [list(pks)])
            if self.postgresql
            else (f"{select} IN ({', '.join('%s' for _ in pks)})", pks)
        )
        with connections[self.alias].cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: row[1:] for row in cursor.fetchall()}

    @staticmethod
    def _postgresql_lexeme(gram):  # quoted for tsquery input, read verbatim (no parser, no dictionary)
        return "'{}'".format(gram.replace("\\", "\\\\").replace("'", "''"))

    @staticmethod
    def _sqlite_lexeme(gram):
        return '"{}"'.format(gram.replace('"', '""'))


def whole_pattern(alternative):
    """What a whole-word occurrence of a term looks like in word text: its words from a word's start, the
    last one open (Trainium for train, 引き上げる for 引き上げ, 京都府 for 京都)."""
    return " " + "  ".join(" ".join(run_words(run)) for run in alternative)


def inside_pattern(alternative):
    """What an occurrence inside one longer word looks like, or None (Latin words match from their start,
    and a term of several runs spans a boundary)."""
    if len(alternative) > 1 or is_word(alternative[0]):
        return None
    return "".join(run_words(alternative[0]))


def _adjacent(term_alternatives):
    """Some alternative's characters are adjacent in the article's full word text."""
    found = models.Q()
    for alternative in term_alternatives:
        for pattern in filter(None, (whole_pattern(alternative), inside_pattern(alternative))):
            found |= models.Q(search_index__body__contains=pattern)
    return found


class _GinMatch(models.Func):
    """`grams @@ (SELECT '…'::tsquery)`. The sub-select hides the lexemes from the planner, which would
    otherwise, for a common term, read the whole table: every row's tsvector fetched from TOAST and
    decompressed, ten times slower than the GIN index. A query of plain lexemes (AND, OR) needs no recheck,
    so with the index no tsvector is read at query time."""

    output_field = models.BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (grams_sql, grams_params), (query_sql, query_params) = map(compiler.compile, self.get_source_expressions())
        return f"{grams_sql} @@ (SELECT ({query_sql})::tsquery)", (*grams_params, *query_params)
