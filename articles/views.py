from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from articles.images import share_card_png
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
        return super().get_queryset().in_category(self.subject)


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


class ShareCardView(DetailView):
    """An article's share card (og:image PNG), drawn on first request and then read from storage.

    Its URL carries a hash of what the card shows, so it is cached for ever. An outdated hash is a 404:
    that image no longer exists, and the page's og:image already names the current one.
    """

    def get_queryset(self):
        return Article.objects.published().select_related("category")

    def render_to_response(self, context):
        if self.kwargs["digest"] != self.object.share_card_digest():
            raise Http404("古い共有画像です。")
        response = HttpResponse(share_card_png(self.object), content_type="image/png")
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
