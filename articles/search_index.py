"""The stored search index (per article, a row of word text and a row of n-grams, filled by
articles.search.update_search_index()) and the editors' synonym dictionary, read by articles.search at query
time.

Loaded with the app's models (articles/models/__init__.py imports it). The n-gram index itself is created by the
migrations (0006, 0020): a GIN index on `grams` on PostgreSQL, an FTS5 table kept in step by triggers on SQLite.
"""

from django.db import models


class NgramField(models.TextField):
    """Space-separated n-grams: a `tsvector` on PostgreSQL, so a GIN index can serve it; text elsewhere.

    The n-grams hold only letters and digits, so PostgreSQL's tsvector input reads each one verbatim as a
    lexeme (no parser, no dictionary), the way articles.search builds its tsquery.
    """

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else super().db_type(connection)

    def get_placeholder(self, value, compiler, connection):
        return "%s::tsvector" if connection.vendor == "postgresql" else "%s"


class ArticleSearchIndex(models.Model):
    """An article's searchable text as word text (articles/search_text.py), for ranking and exact matching;
    what finds it, its n-grams, is in ArticleSearchGrams."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_index"
    )
    title = models.TextField("タイトル（正規化）", default="")
    keywords = models.TextField("タグ・抜粋・見出し（正規化）", default="")
    lead = models.TextField("本文の冒頭（正規化）", default="")
    body = models.TextField("本文（正規化）", default="")
    length = models.PositiveIntegerField("語数", default=0)
    indexed_at = models.DateTimeField("索引更新日時", auto_now=True)

    class Meta:
        # BM25's collection statistics (COUNT, AVG(length)) from this index alone, not from the wide rows.
        indexes = [models.Index(fields=["length"], name="articles_search_length")]
        verbose_name = "検索索引"
        verbose_name_plural = "検索索引"

    def __str__(self):
        return f"{self.article_id} の検索索引"


class ArticleSearchGrams(models.Model):
    """An article's n-grams and normalised words, which the index (GIN or FTS5) finds it by. A table of its own,
    apart from the wide ranking fields: each match the index returns is a visit to this table's row, and its
    rows are small (the tsvector itself is in TOAST), so a word in all of 10,000 articles visits 170 pages
    rather than 2,300."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_grams"
    )
    grams = NgramField("n-gram", default="")

    class Meta:
        verbose_name = "検索 n-gram"
        verbose_name_plural = "検索 n-gram"

    def __str__(self):
        return f"{self.article_id} の n-gram"


class Synonym(models.Model):
    """Words readers use for the same thing (NVIDIA = エヌビディア): a search for one finds the others too.
    Applied when a query is read, so a change needs no re-indexing."""

    words = models.CharField(
        "同義語",
        max_length=500,
        unique=True,
        help_text="同じものを指す語を「=」で区切って入力します（例: NVIDIA = エヌビディア）。2 語以上。",
    )
    note = models.CharField("メモ", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["words"]
        verbose_name = "同義語"
        verbose_name_plural = "同義語辞書"

    def __str__(self):
        return self.words

    def terms(self):
        """The words of the entry, as typed, without blanks and repeats."""
        return list(dict.fromkeys(word.strip() for word in self.words.replace("＝", "=").split("=") if word.strip()))
