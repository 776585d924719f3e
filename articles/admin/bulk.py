"""The confirmation page of the article list's bulk 今すぐ公開する: each article by name, what will happen to
it, and every scheduled time that publishing now would override, each only with its own box ticked."""

from django.contrib.admin import helpers
from django.template.response import TemplateResponse

from articles.desk import permissions


def bulk_publish_confirmation(model_admin, request, queryset):
    now_upcoming = set(queryset.upcoming().values_list("pk", flat=True))
    rows = []
    for article in queryset.select_related("author"):
        refusal = permissions.transition_refusal(request.user, article, "publish")
        rows.append({"article": article, "refusal": refusal, "scheduled": not refusal and article.pk in now_upcoming})
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": "選択した記事を今すぐ公開しますか？",
        "rows": rows,
        "publishable": sum(1 for row in rows if not row["refusal"]),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/articles/article/bulk_publish_confirmation.html", context)
