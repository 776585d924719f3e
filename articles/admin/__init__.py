import yaml
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from markdownx.admin import MarkdownxModelAdmin
from taggit.admin import TagAdmin
from taggit.models import Tag

from articles.admin import synonyms  # noqa: F401 (registers the 同義語辞書)
from articles.admin.autosave import AutosaveViews
from articles.admin.bulk import bulk_publish_confirmation
from articles.admin.desk_views import ArticleEditorialViews
from articles.admin.forms import ArticleAdminForm
from articles.admin.readership import ArticleViewsAdminMixin, with_views_last_7_days
from articles.admin.series import SeriesAdmin  # noqa: F401 (registered with the admin site on import)
from articles.desk import autosave, permissions, workflow
from articles.desk.revisions import apply_content, snapshot
from articles.desk.status import status_colour
from articles.models import Article, ArticleRedirect, Author, Category, HouseStyleTerm
from articles.side_effects import after_site_change

# The desk's own name instead of Django's "Django 管理サイト" in the header and the browser tab.
admin.site.site_header = "ALLFORCES 編集デスク"
admin.site.site_title = "ALLFORCES 編集デスク"
admin.site.index_title = "記事と編集作業"


# What a form's save writes: never the state, its time or the desk's bookkeeping (edit version, pending edit).
FORM_WRITES = [
    field.name
    for field in Article._meta.concrete_fields
    if field.name not in {"id", "status", "published_at", "edit_version", "pending_revision", "corrected_at",
                          "created_by", "created_at", "source_name", "source_checksum"}
]  # fmt: skip


def _live_save_message(applied, revision, article):
    applied_text = f"{'・'.join(applied)}を反映しました。" if applied else ""
    if article.pending_revision_id == revision.pk:
        return (
            f"{applied_text}本文などの編集を「未公開の編集」として保存しました。公開中の記事はまだ変わっていません。"
            "編集長が「編集内容を公開する」を押すと読者に反映されます。"
        )
    if applied_text:
        return applied_text + "本文などに公開中の記事との違いはありません。"
    return "公開中の記事と同じ内容です。公開を待つ編集はありません。"


@admin.register(Article)
class ArticleAdmin(ArticleViewsAdminMixin, AutosaveViews, ArticleEditorialViews, MarkdownxModelAdmin):
    form = ArticleAdminForm
    change_form_template = "admin/articles/article/change_form.html"

    class Media:
        js = (
            "js/desk-common.js",  # what the others share: a POST's CSRF headers
            "js/desk-editor.js",  # image uploads whose refusals are shown, never inserted into the text
            "js/desk-autosave.js",  # nothing typed is lost: autosave, restore, a warning before leaving
            "js/desk-preview.js",  # the article beside the editor, in the reader's stylesheet; 文字数 and 読了時間
            "js/desk-proofread.js",  # the 校正 panel under the editor
            "js/desk-copy.js",  # copy buttons for share-preview links
        )

    list_display = (
        "title", "status_badge", "author", "category_list", "last_change", "publication_time", "views_last_7_days",
    )  # fmt: skip
    list_filter = ("status", "author", "category")
    list_select_related = ("author", "category")
    search_fields = ("title",)
    actions = ("bulk_submit", "bulk_approve", "bulk_publish", "bulk_unpublish")
    fieldsets = (
        # loaded_version (the lost-update check) is a hidden input of its own in change_form.html: in a
        # fieldset the admin would give it a <label> for a hidden control, which is invalid HTML.
        (None, {"fields": ("title", "slug", "body", "excerpt")}),
        ("分類", {"fields": ("author", "category", "secondary_categories", "tags")}),
        ("アイキャッチ", {"fields": ("hero_image", "hero_image_alt")}),
        # The state and its time are in the status panel at the top of the form (change_form.html).
        ("レビューと掲載", {"fields": ("reviewer", "is_featured", "correction_note")}),
        ("閲覧数", {"fields": ("views_chart",)}),
        (
            "情報",
            {
                "classes": ("collapse",),
                "fields": ("reading_time", "created_by", "permalink", "source_name", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request):
        return with_views_last_7_days(super().get_queryset(request).prefetch_related("secondary_categories"))

    def view_on_site(self, article):
        """Only a published article has a page to show; drafts have their preview instead."""
        return article.get_absolute_url() if article.is_published() else None

    def get_readonly_fields(self, request, obj=None):
        readonly = ["status", "published_at", "reading_time", "created_by", "created_at", "updated_at", "source_name"]
        readonly.append("views_chart")
        if not permissions.can_edit_front_page_fields(request.user):
            readonly += ["is_featured", "correction_note", "permalink"]
        if not permissions.can_assign_reviewer(request.user):
            readonly.append("reviewer")
        return readonly

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or permissions.can_edit(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or permissions.can_delete(request.user, obj))

    def get_object(self, request, object_id, from_field=None):
        """The edit form shows a live article's pending edit, not the live text."""
        article = super().get_object(request, object_id, from_field)
        if article is not None and article.is_released() and article.pending_revision_id:
            content = article.pending_revision.content
            apply_content(article, content)
            article.shown_revision_content = content
        return article

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj.status = Article.Status.DRAFT
            obj.save()
        elif obj.is_released():
            # Readers keep the live text (save_related stages it); settings that are not text apply now.
            changes = {field: form.cleaned_data[field] for field in form.changed_data}
            request.applied_at_once = workflow.apply_live_settings(obj, request.user, changes)
        else:
            # The state, its time and the desk's bookkeeping belong to the workflow, never to a form.
            obj.save(update_fields=FORM_WRITES)

    def save_related(self, request, form, formsets, change):
        article = form.instance
        autosave.discard(request.user, article if change else None)  # the save holds what was typed
        if change and article.is_released():
            content = snapshot(
                article,
                tags=form.cleaned_data.get("tags", []),
                secondary_category_ids=[category.pk for category in form.cleaned_data["secondary_categories"]],
            )
            revision = workflow.stage_live_edit(article, request.user, content)
            self._say_once(request, _live_save_message(request.applied_at_once, revision, article))
            return
        super().save_related(request, form, formsets, change)
        workflow.record_saved_edit(article, request.user)

    def _say_once(self, request, message):
        """Our own message replaces Django's generic 「…を変更しました」, so one message says what happened."""
        self.message_user(request, message, messages.WARNING if "まだ" in message else messages.SUCCESS)
        request.desk_message_sent = True

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if getattr(request, "desk_message_sent", False):
            return
        super().message_user(request, message, level, *args, **kwargs)

    @admin.display(description="状態", ordering="status")
    def status_badge(self, article):
        pending = " ＋未公開の編集" if article.pending_revision_id else ""
        return format_html(
            '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;white-space:nowrap">{}{}</span>',
            status_colour(article),
            article.desk_status(),
            pending,
        )

    @admin.display(description="カテゴリ")
    def category_list(self, article):
        return "、".join(category.name for category in article.all_categories())

    @admin.display(description="最終更新", ordering="updated_at")
    def last_change(self, article):
        return _list_time(article.updated_at)

    @admin.display(description="公開・予約日時", ordering="published_at")
    def publication_time(self, article):
        if article.published_at is None:
            return "—"
        scheduled = "予約 " if article.status == Article.Status.SCHEDULED and not article.is_published() else ""
        return _list_time(article.published_at, scheduled)

    def get_actions(self, request):
        """Only the bulk steps this person's role may take at all."""
        actions = super().get_actions(request)
        for name, step in BULK_STEPS.items():
            if not permissions.bulk_step_allowed(request.user, step):
                actions.pop(name, None)
        return actions

    def _bulk(self, request, queryset, step, comment="", notes=None):
        """Apply one step to each selected article under its own rules; report what was skipped and why."""
        done, skipped = [], []
        for article in queryset:
            try:
                workflow.perform(step, article, request.user, comment=comment)
                done.append(f"「{article.title}」{(notes or {}).get(article.pk, '')}")
            except workflow.WorkflowError as refusal:
                skipped.append(f"「{article.title}」: {refusal}")
        label = permissions.TRANSITIONS[step].label
        if done:
            self.message_user(request, f"{len(done)} 件に「{label}」を行いました: {'、'.join(done)}", messages.SUCCESS)
        for reason in skipped:
            self.message_user(request, f"スキップ — {reason}", messages.WARNING)

    @admin.action(description="選択した記事をレビューに出す")
    def bulk_submit(self, request, queryset):
        self._bulk(request, queryset, "submit")

    @admin.action(description="選択した記事を承認する")
    def bulk_approve(self, request, queryset):
        self._bulk(request, queryset, "approve")

    @admin.action(description="選択した記事を今すぐ公開する")
    def bulk_publish(self, request, queryset):
        """First a confirmation page naming each article; a scheduled article keeps its time unless the
        confirmation's box for it, which names the time, was ticked."""
        if request.POST.get("confirm") != "yes":
            return bulk_publish_confirmation(self, request, queryset)
        overrides = set(request.POST.getlist("override_schedule"))
        upcoming, notes = [], {}
        for article in queryset.upcoming():
            if str(article.pk) in overrides:
                notes[article.pk] = f"（予約 {_short_time(article.published_at)} を取り消し）"
            else:
                upcoming.append(article)
        for article in upcoming:
            self.message_user(
                request,
                f"スキップ — 「{article.title}」: {_short_time(article.published_at)} の予約公開のままです"
                "（予約時刻を取り消す指定がありませんでした）。",
                messages.WARNING,
            )
        self._bulk(request, queryset.exclude(pk__in=[article.pk for article in upcoming]), "publish", notes=notes)

    @admin.action(description="選択した記事を非公開にする")
    def bulk_unpublish(self, request, queryset):
        self._bulk(request, queryset, "unpublish", comment="一覧の一括操作で非公開にしました")


BULK_STEPS = {
    "bulk_submit": "submit",
    "bulk_approve": "approve",
    "bulk_publish": "publish",
    "bulk_unpublish": "unpublish",
}


def _short_time(moment):
    return date_format(timezone.localtime(moment), "Y年n月j日 H:i")


def _list_time(moment, prefix=""):
    """A date that breaks between the day and the time, never inside either, to keep list columns narrow; the
    year only when it is not this one (the seven columns then fit 1280 px with the title's 24 characters)."""
    local = timezone.localtime(moment)
    this_year = local.year == timezone.localtime().year
    return format_html(
        '<span class="desk-nowrap">{}{}</span> <span class="desk-nowrap">{}</span>',
        prefix,
        date_format(local, "n月j日" if this_year else "Y年n月j日"),
        date_format(local, "H:i"),
    )


class ReaderVisibleAdmin(admin.ModelAdmin):
    """For objects named on reader pages (categories, authors, tags): a change refreshes cached pages."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        transaction.on_commit(after_site_change)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        transaction.on_commit(after_site_change)

    def delete_queryset(self, request, queryset):  # the changelist's bulk 「削除」
        super().delete_queryset(request, queryset)
        transaction.on_commit(after_site_change)


@admin.register(Category)
class CategoryAdmin(ReaderVisibleAdmin):
    list_display = ("name", "slug", "position")

    def get_deleted_objects(self, objs, request):
        """List articles that still use a category as one of their other categories: the admin then
        refuses the deletion, as it does for the primary category (PROTECT)."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_use = Article.objects.filter(secondary_categories__in=list(objs)).distinct()
        protected = [*protected, *(f"記事「{article}」（その他のカテゴリ）" for article in in_use)]
        return deleted, counts, perms_needed, protected

    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Author)
class AuthorAdmin(ReaderVisibleAdmin):
    list_display = ("name", "slug", "user")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(ArticleRedirect)
class ArticleRedirectAdmin(admin.ModelAdmin):
    list_display = ("old_path", "article")
    search_fields = ("old_path", "article__title")
    raw_id_fields = ("article",)


@admin.register(HouseStyleTerm)
class HouseStyleTermAdmin(admin.ModelAdmin):
    """The 表記ゆれ辞書 the 校正 panel checks against: every desk member reads it, 編集長 edits it."""

    list_display = ("variant", "preferred", "note", "updated_at")
    search_fields = ("variant", "preferred", "note")

    def get_urls(self):
        prh = path("prh.yml", self.admin_site.admin_view(self.prh_view), name="articles_housestyleterm_prh")
        return [prh, *super().get_urls()]

    def prh_view(self, request):
        """The dictionary as a prh YAML file: what the 校正 panel checks, for textlint in an editor's own tools."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        rules = [{"expected": rule["expected"], "pattern": rule["pattern"]} for rule in HouseStyleTerm.prh_dictionary()]
        text = yaml.safe_dump({"version": 1, "rules": rules}, allow_unicode=True, sort_keys=False)
        return HttpResponse(text, content_type="application/yaml; charset=utf-8")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and permissions.can_edit_house_style(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.can_edit_house_style(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.can_edit_house_style(request.user)


admin.site.unregister(Tag)


@admin.register(Tag)
class ReaderVisibleTagAdmin(ReaderVisibleAdmin, TagAdmin):
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and permissions.can_manage_tags(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and permissions.can_manage_tags(request.user)
