"""The change form's autosave endpoint and restore offer (static/js/desk-autosave.js is the other half).

POST only, behind the admin's login and CSRF checks; the rules are desk/permissions.py's and the lost-update
check is desk/workflow.py's, through desk/autosave.py. Answers are JSON with a Japanese `message`.
"""

from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.desk import autosave
from articles.models import Article


class AutosaveViews:
    """Mixed into ArticleAdmin: /admin/articles/article/autosave/ (a new article) and <id>/autosave/."""

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path("<int:object_id>/autosave/", view(self.autosave_view), name="articles_article_autosave"),
            *super().get_urls(),
        ]

    def autosave_view(self, request, object_id=None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = get_object_or_404(Article, pk=object_id) if object_id is not None else None
        if request.POST.get("discard"):
            autosave.discard(request.user, article)
            return JsonResponse({"message": "自動保存を破棄しました。"})
        try:
            kept = autosave.store(request.user, article, _int(request.POST.get("loaded_version")), request.POST)
        except autosave.AutosaveRefused as refusal:
            return JsonResponse({"message": str(refusal)}, status=refusal.status)
        when = date_format(timezone.localtime(kept.saved_at), "H:i:s")
        return JsonResponse({"message": f"自動保存しました（{when}）。まだ保存はされていません。"})

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """The form's autosave address, and an offer to restore what this person typed and did not save."""
        article = obj if change else None
        shown = autosave.content_of(article)
        if change:
            url = reverse("admin:articles_article_autosave", args=[obj.pk])
        else:
            url = reverse("admin:articles_article_autosave_new")
        offer = autosave.offer(request.user, article, shown) if request.method == "GET" else None
        context.update(autosave_url=url, autosave_offer=offer)
        return super().render_change_form(request, context, add, change, form_url, obj)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
