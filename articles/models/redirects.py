"""Old URLs of articles (a former slug, the archive's permalink), each answered with a 301 to its article."""

from urllib.parse import unquote

from django.db import models

from articles.slugs import slug_url


def article_path(slug):
    """The decoded path of the article page for `slug`, as redirects store it."""
    return unquote(slug_url("articles:detail", slug))


class ArticleRedirectQuerySet(models.QuerySet):
    def remember(self, article, old_path):
        """Answer `old_path` (a former URL or the archive's permalink) with a 301 to `article`, unless another
        article's redirect holds it: one article's changes never re-point or delete another's redirect.
        Returns whether `old_path` now leads to `article`."""
        old_path = unquote(old_path)
        own_path = unquote(article.get_absolute_url())
        self.filter(old_path=own_path, article=article).delete()  # its current URL answers for itself
        if not old_path or old_path == own_path:
            return False
        redirect, _ = self.get_or_create(old_path=old_path, defaults={"article": article})
        return redirect.article_id == article.pk

    def held_elsewhere(self, path, article):
        """The redirect of another article from `path`, or None: such a path is that article's old URL."""
        others = self.exclude(article_id=article.pk) if article.pk else self
        return others.filter(old_path=unquote(path)).select_related("article").first()


class ArticleRedirect(models.Model):
    """An old URL of an article (a former slug or the archive's permalink) answered with a 301."""

    old_path = models.CharField("旧パス", max_length=500, unique=True)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="redirects")

    objects = ArticleRedirectQuerySet.as_manager()

    class Meta:
        verbose_name = "リダイレクト"
        verbose_name_plural = "リダイレクト"

    def __str__(self):
        return f"{self.old_path} → {self.article.get_absolute_url()}"
