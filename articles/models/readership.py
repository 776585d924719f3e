"""Views per article per hour, the rows the アクセスランキング and the desk's view counts are computed from.

Nothing here identifies a reader: a row is an article, an hour and a number. Views are counted elsewhere
(articles/readership.py, in Redis or in memory) and added here in batches, one row per article and hour.
"""

from django.db import IntegrityError, models, transaction

from articles.models.content import Article


class ArticleViewCountQuerySet(models.QuerySet):
    def add(self, counts):
        """Add `counts` ({(article_id, hour): views}) to the stored rows, creating the missing ones.

        One UPDATE per row (views = views + n), so two batches added at once both count; a row two batches
        create at once is created by one, and the other's UPDATE then finds it. Articles deleted since the
        views were counted are skipped."""
        existing = set(Article.objects.filter(pk__in={pk for pk, _ in counts}).values_list("pk", flat=True))
        for (article_id, hour), views in counts.items():
            if article_id not in existing or views <= 0:
                continue
            rows = self.filter(article_id=article_id, hour=hour)
            if rows.update(views=models.F("views") + views):
                continue
            try:
                with transaction.atomic():
                    self.create(article_id=article_id, hour=hour, views=views)
            except IntegrityError:
                rows.update(views=models.F("views") + views)


class ArticleViewCount(models.Model):
    article = models.ForeignKey(Article, verbose_name="記事", on_delete=models.CASCADE, related_name="view_counts")
    hour = models.DateTimeField("時間帯（開始時刻）")
    views = models.PositiveIntegerField("閲覧数", default=0)

    objects = ArticleViewCountQuerySet.as_manager()

    class Meta:
        ordering = ["-hour"]
        verbose_name = "閲覧数（1 時間ごと）"
        verbose_name_plural = "閲覧数（1 時間ごと）"
        constraints = [models.UniqueConstraint(fields=["article", "hour"], name="unique_article_view_hour")]
        indexes = [models.Index(fields=["hour", "article"], name="article_view_hour_idx")]

    def __str__(self):
        return f"{self.article_id} {self.hour:%Y-%m-%d %H}時 {self.views}"
