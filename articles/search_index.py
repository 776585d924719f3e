"""The stored search index: one row per article, filled by articles.search.update_search_index().

Loaded with the app's models (articles/models/__init__.py imports it). The n-gram index itself is created by the
migration: a GIN index on `grams` on PostgreSQL, an FTS5 table kept in step by triggers on SQLite.
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
    """An article's searchable text: NFKC-folded title and keywords for ranking, n-grams for matching."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="search_index"
    )
    title = models.TextField("タイトル（正規化）", default="")
    keywords = models.TextField("タグ・抜粋・見出し（正規化）", default="")
    grams = NgramField("n-gram", default="")
    indexed_at = models.DateTimeField("索引更新日時", auto_now=True)

    class Meta:
        verbose_name = "検索索引"
        verbose_name_plural = "検索索引"

    def __str__(self):
        return f"{self.article_id} の検索索引"
