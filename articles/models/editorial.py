"""The desk's records around an article: revisions, workflow history, comments and share-preview links."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from articles.models.content import Article


class ArticleRevision(models.Model):
    """A snapshot of an article's editable content, stored on every save."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("保存日時", auto_now_add=True)
    content = models.JSONField("内容")
    note = models.CharField("メモ", max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "版"
        verbose_name_plural = "版"

    def __str__(self):
        return f"{self.article} の版 #{self.pk}"


class WorkflowEvent(models.Model):
    """One step of an article's editorial history: who moved it from which state to which, and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="workflow_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField("操作", max_length=40)
    from_status = models.CharField("変更前", max_length=20, choices=Article.Status.choices)
    to_status = models.CharField("変更後", max_length=20, choices=Article.Status.choices)
    comment = models.TextField("コメント", blank=True)
    created_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "ワークフロー履歴"
        verbose_name_plural = "ワークフロー履歴"

    def __str__(self):
        return f"{self.article}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class EditorialComment(models.Model):
    """A note between desk members about an article; never shown to readers."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    body = models.TextField("コメント")
    created_at = models.DateTimeField("日時", auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "編集部コメント"
        verbose_name_plural = "編集部コメント"

    def __str__(self):
        return self.body[:40]


class PreviewLink(models.Model):
    """A share-preview link for an outside reviewer: one article, until it expires or is revoked."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    token = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField("有効期限")
    revoked_at = models.DateTimeField("取り消し日時", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "共有プレビューリンク"
        verbose_name_plural = "共有プレビューリンク"

    def __str__(self):
        return f"{self.article} のプレビュー"

    def get_absolute_url(self):
        return reverse("articles:shared-preview", kwargs={"token": self.token})

    def is_usable(self):
        return self.revoked_at is None and self.expires_at > timezone.now()


class Autosave(models.Model):
    """What one person last typed into an article's form and has not saved: kept so that a reload, a closed
    tab or a crash loses nothing. Never a revision and never shown to readers. `article` is empty for a new
    article that was never saved (one per person). `base_version` is the article's edit_version the form was
    loaded from, so an autosave older than someone's later save is never offered as if it were current."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(Article, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    base_version = models.PositiveIntegerField(default=0)
    content = models.JSONField("内容")
    saved_at = models.DateTimeField("自動保存日時")

    class Meta:
        verbose_name = "自動保存"
        verbose_name_plural = "自動保存"
        constraints = [
            models.UniqueConstraint(fields=["user", "article"], name="one_autosave_per_user_and_article"),
            # NULLs are distinct in a unique index: the never-saved article needs its own rule.
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(article__isnull=True), name="one_new_article_autosave_per_user"
            ),
        ]

    def __str__(self):
        return f"{self.user} の自動保存（{self.article or '新しい記事'}）"
