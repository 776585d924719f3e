"""The desk's extra admin screens for an article: workflow steps, comments, revisions, previews,
share links and the editorial calendar. Every view checks its rule in desk/permissions.py, whatever the
buttons on the page showed."""

import calendar
import datetime as dt
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone

from articles.desk import permissions, status, workflow
from articles.desk.diff import compare_revisions
from articles.desk.preview import create_preview_link, render_preview, revoke_preview_links
from articles.markdown import body_length_refusal
from articles.models import Article, ArticleRevision, HouseStyleTerm
from articles.proofreading import ProofreadingUnavailable, proofread

PREVIEW_LINK_DAYS = 7


class TransitionForm(forms.Form):
    comment = forms.CharField(label="コメント", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    when = forms.DateTimeField(
        label="公開日時",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )


class ArticleEditorialViews:
    """Mixed into ArticleAdmin: URLs under /admin/articles/article/<id>/…"""

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(function)

        info = "articles_article"
        return [
            path("calendar/", view(self.calendar_view), name=f"{info}_calendar"),
            path("proofread/", view(self.proofread_view), name=f"{info}_proofread"),
            path("<int:object_id>/step/<str:step>/", view(self.transition_view), name=f"{info}_transition"),
            path("<int:object_id>/comment/", view(self.comment_view), name=f"{info}_comment"),
            path("<int:object_id>/revisions/", view(self.revisions_view), name=f"{info}_revisions"),
            path(
                "<int:object_id>/revisions/<int:revision_id>/restore/",
                view(self.restore_view),
                name=f"{info}_restore",
            ),
            path("<int:object_id>/preview/", view(self.preview_view), name=f"{info}_preview"),
            path("<int:object_id>/share-links/", view(self.share_link_view), name=f"{info}_share_links"),
            *super().get_urls(),
        ]

    def _article_for(self, request, object_id):
        article = get_object_or_404(Article.objects.select_related("pending_revision"), pk=object_id)
        if not self.has_view_permission(request, article):
            raise PermissionDenied
        return article

    def _back(self, article):
        return redirect(reverse("admin:articles_article_change", args=[article.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        article = Article.objects.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if article is not None:
            extra_context = {**(extra_context or {}), **self._desk_context(request, article)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _desk_context(self, request, article):
        return {
            "transitions": permissions.available_transitions(request.user, article),
            "edit_refusal": permissions.edit_refusal(request.user, article),
            "workflow_events": [
                (event, workflow.step_label(event.action))
                for event in article.workflow_events.select_related("actor")[:50]
            ],
            "desk_comments": article.comments.select_related("author"),
            "revisions": article.revisions.select_related("created_by")[:20],
            "preview_links": article.preview_links.select_related("created_by")[:10],
            "has_pending_edit": article.pending_revision_id is not None,
            "now": timezone.now(),
            "status": status.summary(article),
        }

    def proofread_view(self, request):
        """The 校正 panel's findings for the text typed so far (static/js/desk-proofread.js): advice only."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not permissions.can_proofread(request.user):
            raise PermissionDenied
        text = request.POST.get("content", "")
        refusal = body_length_refusal(text)
        if refusal:
            return JsonResponse({"error": refusal}, status=400)
        try:
            findings = proofread(text, HouseStyleTerm.prh_dictionary())
        except ProofreadingUnavailable as error:
            return JsonResponse({"error": str(error)}, status=503)
        return JsonResponse({"findings": [finding.as_dict() for finding in findings]})

    def transition_view(self, request, object_id, step):
        article = self._article_for(request, object_id)
        if step not in permissions.TRANSITIONS:
            raise Http404("その操作はありません。")
        form = TransitionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                workflow.perform(
                    step, article, request.user, comment=form.cleaned_data["comment"], when=form.cleaned_data["when"]
                )
            except workflow.WorkflowError as refusal:
                messages.error(request, f"できませんでした: {refusal}")
            else:
                messages.success(request, f"「{permissions.TRANSITIONS[step].label}」を行いました。")
                return self._back(article)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "article": article,
            "step": step,
            "transition": permissions.TRANSITIONS[step],
            "refusal": permissions.transition_refusal(request.user, article, step),
            "form": form,
            "title": f"「{article.title}」: {permissions.TRANSITIONS[step].label}",
        }
        return TemplateResponse(request, "admin/articles/article/transition.html", context)

    def comment_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for(request, object_id)
        try:
            workflow.add_comment(article, request.user, request.POST.get("body", ""))
        except workflow.WorkflowError as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, "コメントを追加しました。")
        return self._back(article)

    def revisions_view(self, request, object_id):
        article = self._article_for(request, object_id)
        revisions = list(article.revisions.select_related("created_by"))
        by_id = {revision.pk: revision for revision in revisions}
        old = by_id.get(_int(request.GET.get("from"))) or (revisions[1] if len(revisions) > 1 else None)
        new = by_id.get(_int(request.GET.get("to"))) or (revisions[0] if revisions else None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "article": article,
            "revisions": revisions,
            "old": old,
            "new": new,
            "differences": compare_revisions(old.content, new.content) if old and new else [],
            "can_restore": permissions.can_edit(request.user, article),
            "title": f"「{article.title}」の版",
        }
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def restore_view(self, request, object_id, revision_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for(request, object_id)
        revision = get_object_or_404(ArticleRevision, pk=revision_id, article=article)
        try:
            workflow.restore_revision(article, revision, request.user)
        except workflow.WorkflowError as refusal:
            messages.error(request, f"復元できませんでした: {refusal}")
        else:
            messages.success(request, f"版 #{revision.pk} を新しい版として復元しました。")
        return self._back(article)

    def preview_view(self, request, object_id):
        return render_preview(request, self._article_for(request, object_id))

    def share_link_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for(request, object_id)
        if not permissions.can_share_preview(request.user, article):
            raise PermissionDenied
        revoke_id = _int(request.POST.get("revoke"))
        if revoke_id:
            revoke_preview_links(article, pk=revoke_id)
            messages.success(request, "共有プレビューリンクを取り消しました。")
        else:
            link = create_preview_link(article, request.user, days=PREVIEW_LINK_DAYS)
            messages.success(
                request,
                f"共有プレビューリンクを作りました（{PREVIEW_LINK_DAYS} 日間有効）: "
                f"{request.build_absolute_uri(link.get_absolute_url())}",
            )
        return self._back(article)

    def calendar_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        month = _parse_month(request.GET.get("month")) or today.replace(day=1)
        start = timezone.make_aware(dt.datetime.combine(month, dt.time()))
        next_month = (month + timedelta(days=32)).replace(day=1)
        end = timezone.make_aware(dt.datetime.combine(next_month, dt.time()))
        articles = (
            Article.objects.released().filter(published_at__gte=start, published_at__lt=end).order_by("published_at")
        )
        by_day = {}
        for article in articles:
            by_day.setdefault(timezone.localdate(article.published_at), []).append(article)
        weeks = [
            [(day, by_day.get(day, []), day.month == month.month) for day in week]
            for week in calendar.Calendar(firstweekday=6).monthdatescalendar(month.year, month.month)
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"編集カレンダー {month.year}年{month.month}月",
            "weeks": weeks,
            "weekday_names": ["日", "月", "火", "水", "木", "金", "土"],
            "previous_month": (month - timedelta(days=1)).replace(day=1).strftime("%Y-%m"),
            "next_month": next_month.strftime("%Y-%m"),
            "today": today,
        }
        return TemplateResponse(request, "admin/articles/article/calendar.html", context)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse_month(value):
    """The first day of ?month=YYYY-MM, or None. Months whose neighbours a date cannot hold (0001-01,
    9999-12) are None too: the calendar links to the previous and next month."""
    try:
        month = dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return None
    return month if dt.MINYEAR < month.year < dt.MAXYEAR else None
