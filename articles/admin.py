from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from articles.models import Article, Author, Category


@admin.register(Article)
class ArticleAdmin(MarkdownxModelAdmin):
    list_display = ("title", "status", "author", "category", "published_at", "updated_at", "reading_time")
    list_filter = ("status", "category", "author", "published_at")
    search_fields = ("title", "body")
    date_hierarchy = "published_at"
    autocomplete_fields = ("author", "category")
    filter_horizontal = ("secondary_categories",)
    readonly_fields = ("reading_time", "created_at", "updated_at", "source_name")
    fieldsets = (
        (None, {"fields": ("title", "slug", "body", "excerpt")}),
        ("分類", {"fields": ("author", "category", "secondary_categories", "tags")}),
        ("アイキャッチ", {"fields": ("hero_image", "hero_image_alt")}),
        ("公開", {"fields": ("status", "published_at")}),
        (
            "情報",
            {
                "classes": ("collapse",),
                "fields": ("reading_time", "permalink", "source_name", "created_at", "updated_at"),
            },
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "category")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "user")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
