from django.conf import settings
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from articles.models import Article, Author, Category


class PublishedArticleMixin:
    """Every reader view starts from Article.objects.published()."""

    def get_queryset(self):
        return Article.objects.published().for_listing().prefetch_related("tags")


class HomeView(PublishedArticleMixin, ListView):
    template_name = "articles/home.html"
    context_object_name = "articles"

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE


class ArticleDetailView(PublishedArticleMixin, DetailView):
    context_object_name = "article"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("secondary_categories")


class ArchiveView(PublishedArticleMixin, ListView):
    """A paginated list of one category's, tag's or author's articles; the subject is resolved once."""

    template_name = "articles/article_archive.html"
    context_object_name = "articles"
    subject_model = None
    subject_label = ""

    def dispatch(self, request, *args, **kwargs):
        self.subject = get_object_or_404(self.subject_model, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.subject, subject_label=self.subject_label, **kwargs)


class CategoryArchiveView(ArchiveView):
    subject_model = Category
    subject_label = "カテゴリ"

    def get_queryset(self):
        in_category = Q(category=self.subject) | Q(secondary_categories=self.subject)
        return super().get_queryset().filter(pk__in=Article.objects.filter(in_category).values("pk"))


class TagArchiveView(ArchiveView):
    subject_model = Tag
    subject_label = "タグ"

    def get_queryset(self):
        return super().get_queryset().filter(tags=self.subject)


class AuthorArchiveView(ArchiveView):
    subject_model = Author
    subject_label = "著者"

    def get_queryset(self):
        return super().get_queryset().filter(author=self.subject)
