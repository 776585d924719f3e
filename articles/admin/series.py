"""連載 in the desk: 編集者 and 編集長 group articles into a series and number them (desk/permissions.py)."""

from django.contrib import admin
from django.db import transaction

from articles.admin.access import RoleRuleAccess
from articles.desk import permissions
from articles.models import Series, SeriesPart
from articles.side_effects import after_series_change


class SeriesPermissionMixin(RoleRuleAccess):
    """Series and their parts: 編集者 and 編集長 (permissions.can_manage_series)."""

    may = staticmethod(permissions.can_manage_series)


class SeriesPartInline(SeriesPermissionMixin, admin.TabularInline):
    model = SeriesPart
    extra = 1
    autocomplete_fields = ("article",)
    ordering = ("number",)


@admin.register(Series)
class SeriesAdmin(SeriesPermissionMixin, admin.ModelAdmin):
    """A change shows on every part's page (連載：… 第N回, the parts' links), so cached pages go after commit."""

    list_display = ("title", "slug", "part_count")
    search_fields = ("title",)
    prepopulated_fields = {"slug": ("title",)}
    inlines = (SeriesPartInline,)

    @admin.display(description="回数")
    def part_count(self, series):
        return series.parts.count()

    def save_model(self, request, obj, form, change):
        old_slug = Series.objects.filter(pk=obj.pk).values_list("slug", flat=True).first() if change else None
        super().save_model(request, obj, form, change)
        slugs = {obj.slug, old_slug} - {None}
        transaction.on_commit(lambda: after_series_change(sorted(slugs)))

    def delete_model(self, request, obj):
        slug = obj.slug
        super().delete_model(request, obj)
        transaction.on_commit(lambda: after_series_change([slug]))

    def delete_queryset(self, request, queryset):
        slugs = list(queryset.values_list("slug", flat=True))
        super().delete_queryset(request, queryset)
        transaction.on_commit(lambda: after_series_change(slugs))
