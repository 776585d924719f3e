"""連載: articles grouped by the desk into a numbered series, each part linking to its neighbours."""

from django.db import models

from articles.models.content import Article
from articles.slugs import SLUG_MAX_LENGTH, slug_url, unique_slug


class Series(models.Model):
    title = models.CharField("タイトル", max_length=200, unique=True)
    slug = models.SlugField("スラッグ", max_length=SLUG_MAX_LENGTH, unique=True, allow_unicode=True, blank=True)
    description = models.TextField("説明", blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = "連載"
        verbose_name_plural = "連載"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Series, self.title, fallback="series", exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_url("articles:series", self.slug)

    def articles(self):
        """Every article of the series, whatever its status (filter with published() for readers)."""
        return Article.objects.filter(series_part__series=self)

    def published_parts(self):
        """Readers' parts in the series' order, each article annotated with its `part_number` (第N回)."""
        return (
            self.articles()
            .published()
            .for_listing()
            .annotate(part_number=models.F("series_part__number"))
            .order_by("series_part__number", "published_at", "pk")
        )


class SeriesPart(models.Model):
    """An article's place in a series: an article belongs to one series at most, and its number is its 第N回."""

    series = models.ForeignKey(Series, verbose_name="連載", on_delete=models.CASCADE, related_name="parts")
    article = models.OneToOneField(Article, verbose_name="記事", on_delete=models.CASCADE, related_name="series_part")
    number = models.PositiveSmallIntegerField("回", help_text="第N回の N。連載の中で重ならない番号にしてください。")

    class Meta:
        ordering = ["series", "number"]
        verbose_name = "連載の回"
        verbose_name_plural = "連載の回"
        constraints = [models.UniqueConstraint(fields=["series", "number"], name="unique_series_part_number")]

    def __str__(self):
        return f"{self.series.title} 第{self.number}回"

    def get_absolute_url(self):
        return self.article.get_absolute_url()

    def place(self):
        """(previous, next): the published parts just before and after this one in the series, each or None."""
        parts = list(self.series.published_parts().select_related(None).only("title", "slug"))
        position = next((index for index, part in enumerate(parts) if part.pk == self.article_id), None)
        if position is None:
            return None, None
        previous = parts[position - 1] if position > 0 else None
        following = parts[position + 1] if position + 1 < len(parts) else None
        return previous, following
