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
