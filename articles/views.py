import re
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView, MonthArchiveView, TemplateView, YearArchiveView
from taggit.models import Tag

from allforces.proxies import client_address
from articles import ranking, readership, search
from articles.context_processors import navigation_categories
from articles.delivery import db_breaker
from articles.images import share_card_png
from articles.models import Article, Author, Category, Series


class PublishedArticleMixin:
    """Every reader view starts from Article.objects.published()."""

    def get_queryset(self):
        return Article.objects.published().for_listing()


class RankingRailMixin:
    """Pages of article lists carry the access ranking beside the list (templates/articles/_with_rail.html), as the
    front page does: on a wide screen a list alone left two fifths of the page empty."""

    def get_context_data(self, **kwargs):
        return super().get_context_data(ranking=ranking.both(), **kwargs)


class PaginatedMixin:
    """One URL per page: `?page=N` only as plain digits from 2 (page 1 is the URL without it, to which
    `?page=1` redirects); `01`, `+1`, `１` or `١`, which int() would take for page 1, are 404s, so that no page
    is rendered, and cached, under several URLs."""

    def dispatch(self, request, *args, **kwargs):
        page = request.GET.get("page")
        if page == "1":
            query = request.GET.copy()
            del query["page"]
            return HttpResponsePermanentRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        if page is not None and not re.fullmatch(r"[1-9][0-9]{0,8}", page):
            raise Http404("ページ番号が正しくありません。")
        return super().dispatch(request, *args, **kwargs)

    def get_paginate_by(self, queryset):
        return settings.ARTICLES_PER_PAGE


class HomeView(PublishedArticleMixin, PaginatedMixin, ListView):
    """The front page: a lead story (the newest featured article, else the newest), the next few as secondary
    stories, then the rest of the page's articles as a list; one section per category and the ranking.
    Later pages (?page=2, …) continue the list of the newest articles."""

    template_name = "articles/home.html"
    context_object_name = "articles"
    secondary_stories = 4
    section_length = 4

    def get(self, request, *args, **kwargs):
        self.featured = super().get_queryset().filter(is_featured=True).first()
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        articles = super().get_queryset()
        return articles.exclude(pk=self.featured.pk) if self.featured else articles

    def get_context_data(self, **kwargs):
        context = super().get_context_data(featured=self.featured, **kwargs)
        if context["page_obj"].has_previous():
            return context
        stories = list(context["articles"])
        lead = self.featured or (stories.pop(0) if stories else None)
        return {
            **context,
            "lead": lead,
            "secondary": stories[: self.secondary_stories],
            "latest": stories[self.secondary_stories :],
            "sections": self.category_sections(),
            "ranking": ranking.both(),
        }

    def category_sections(self):
        """[(category, [its newest articles]), …] in navigation order, categories without articles left out."""
        newest = {}
        for article in Article.objects.published().for_listing().newest_per_category(self.section_length):
            newest.setdefault(article.category_id, []).append(article)
        return [(category, newest[category.pk]) for category in navigation_categories() if category.pk in newest]


class ArticleDetailView(PublishedArticleMixin, DetailView):
    context_object_name = "article"

    def get_queryset(self):
        # series_part: a reverse one-to-one, joined in the same query (None for an article outside any series).
        articles = Article.objects.published().for_reading().select_related("series_part__series")
        return articles.prefetch_related("tags", "secondary_categories")

    def get_context_data(self, **kwargs):
        article = self.object
        previous_article, next_article = article.adjacent_published()
        series_part = getattr(article, "series_part", None)
        previous_part, next_part = series_part.place() if series_part else (None, None)
        return super().get_context_data(
            series_part=series_part,
            previous_part=previous_part,
            next_part=next_part,
            article_tags=list(article.tags.all()),
            article_categories=article.all_categories(),
            table_of_contents=article.table_of_contents(),
            related_articles=Article.objects.related_to(article),
            previous_article=previous_article,
            next_article=next_article,
            **kwargs,
        )


class DateArchiveMixin(RankingRailMixin, PublishedArticleMixin, PaginatedMixin):
    """A year's or a month's articles, both drawn by one template: each view names its period as the
    generic view's context does ("year": year, previous_year, next_year), how it is written and its URL."""

    date_field = "published_at"
    make_object_list = True
    context_object_name = "articles"
    template_name = "articles/article_archive_period.html"
    period = ""
    period_format = ""  # for the date filter
    period_nav_label = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        previous, following = context[f"previous_{self.period}"], context[f"next_{self.period}"]
        return {
            **context,
            "period": context[self.period],
            "period_format": self.period_format,
            "period_nav_label": self.period_nav_label,
            "previous_period": previous,
            "previous_period_url": previous and self.period_url(previous),
            "next_period": following,
            "next_period_url": following and self.period_url(following),
        }


class ArchiveIndex(TemplateView):
    """Every month that has published articles, newest first, with its article count."""

    template_name = "articles/article_archive.html"

    def get_context_data(self, **kwargs):
        months = (
            Article.objects.published()
            .annotate(month=TruncMonth("published_at"))
            .values("month")
            .annotate(count=Count("pk"))
            .order_by("-month")
        )
        return super().get_context_data(months=months, **kwargs)


class YearArchive(DateArchiveMixin, YearArchiveView):
    period = "year"
    period_format = "Y年"
    period_nav_label = "年の移動"

    def period_url(self, day):
        return reverse("articles:archive-year", kwargs={"year": day.year})


class MonthArchive(DateArchiveMixin, MonthArchiveView):
    month_format = "%m"
    period = "month"
    period_format = "Y年n月"
    period_nav_label = "月の移動"

    def period_url(self, day):
        return reverse("articles:archive-month", kwargs={"year": day.year, "month": day.month})


class ArchiveView(RankingRailMixin, PublishedArticleMixin, PaginatedMixin, ListView):
    """A paginated list of one category's, tag's or author's articles; the subject is resolved once."""

    context_object_name = "articles"
    subject_model = None
    subject_label = ""
    feed_url_name = ""  # "articles:category-feed" -> also "-atom" and "-json"

    def dispatch(self, request, *args, **kwargs):
        self.subject = get_object_or_404(self.subject_model, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        feeds = {
            kind: reverse(self.feed_url_name + suffix, kwargs={"slug": self.subject.slug})
            for kind, suffix in (("rss", ""), ("atom", "-atom"), ("json", "-json"))
        }
        return super().get_context_data(
            subject=self.subject, subject_label=self.subject_label, subject_feeds=feeds, **kwargs
        )


class CategoryArchiveView(ArchiveView):
    subject_model = Category
    subject_label = "カテゴリ"
    feed_url_name = "articles:category-feed"

    def get_queryset(self):
        return super().get_queryset().in_category(self.subject)


class TagArchiveView(ArchiveView):
    subject_model = Tag
    subject_label = "タグ"
    feed_url_name = "articles:tag-feed"

    def get_queryset(self):
        return super().get_queryset().tagged_with(self.subject)


class AuthorArchiveView(ArchiveView):
    subject_model = Author
    subject_label = "著者"
    feed_url_name = "articles:author-feed"

    def get_queryset(self):
        return super().get_queryset().filter(author=self.subject)


class SearchView(PaginatedMixin, ListView):
    """Full-text search of published articles (articles/search.py), optionally in one category or tag."""

    template_name = "articles/search.html"
    context_object_name = "articles"

    def dispatch(self, request, *args, **kwargs):
        typed = request.GET.getlist("q")
        canonical = search.canonical_text(typed[-1]) if typed else ""
        if typed and typed != [canonical]:
            # One page per search, not one per spelling: ＡＷＳ, " AWS " and "AWS AWS" are AWS (cached once).
            query = request.GET.copy()
            query.setlist("q", [canonical] if canonical else [])
            return HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        self.query = search.expand(search.parse_query(canonical))
        self.category = _subject_or_404(Category, request.GET.get("category"))
        self.tag = _subject_or_404(Tag, request.GET.get("tag"))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        if not self.query:
            return Article.objects.none()
        articles = Article.objects.published()
        if self.category:
            articles = articles.in_category(self.category)
        if self.tag:
            articles = articles.tagged_with(self.tag)
        return search.search(articles.select_related("category").defer("body"), self.query)

    def get_context_data(self, **kwargs):
        filters = {
            "q": self.query.text,
            "category": getattr(self.category, "slug", ""),
            "tag": getattr(self.tag, "slug", ""),
        }
        context = super().get_context_data(
            query=self.query,
            category=self.category,
            tag=self.tag,
            page_query=urlencode({name: value for name, value in filters.items() if value}),
            **kwargs,
        )
        context["hits"] = [search.hit(article, self.query) for article in context["articles"]]
        if not context["hits"]:
            # Nothing found (or nothing asked): not a dead end; what readers are reading instead.
            context["ranking"] = ranking.both()
        return context


class SeriesDetailView(RankingRailMixin, DetailView):
    """A 連載's published parts in order; a series with none is not there for readers (404)."""

    model = Series
    context_object_name = "series"

    def get_context_data(self, **kwargs):
        parts = list(self.object.published_parts())
        if not parts:
            raise Http404("この連載にはまだ公開された回がありません。")
        feeds = {
            kind: reverse("articles:series-feed" + suffix, kwargs={"slug": self.object.slug})
            for kind, suffix in (("rss", ""), ("atom", "-atom"), ("json", "-json"))
        }
        return super().get_context_data(parts=parts, series_feeds=feeds, **kwargs)


@csrf_exempt  # a beacon carries no token, and there is nothing of the sender's to protect: it only adds a view
@require_POST
def count_view(request, pk):
    """The article page's beacon (static/js/count-view.js): 204 whether or not the view counted, 429 when
    this client sent too many. Staff reading the site are not readers."""
    has_session = settings.SESSION_COOKIE_NAME in request.COOKIES
    if has_session and request.user.is_staff:
        return HttpResponse(status=204)
    address = client_address(request) or ""
    outcome = readership.record_view(pk, address, request.headers.get("User-Agent", ""))
    if outcome == readership.Outcome.LIMITED:
        return HttpResponse("閲覧の記録が多すぎます。しばらくしてからお試しください。", status=429)
    readership.maybe_roll_up()
    return HttpResponse(status=204)


def _subject_or_404(model, slug):
    """The category or tag a ?category= or ?tag= names; None when absent, 404 when unknown or malformed."""
    if not slug:
        return None
    if not re.fullmatch(r"[-\w]+", slug):
        raise Http404("不正なスラッグです。")
    return get_object_or_404(model, slug=slug)


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


def server_error(request):
    """handler500. A database that does not answer (refused, timed out) is 503 with Retry-After, and a failed
    connection opens the breaker (articles/delivery/db_breaker.py) so the next requests do not wait for it."""
    error = sys.exc_info()[1]
    if isinstance(error, (OperationalError, InterfaceError)):
        db_breaker.record(error)
        return db_breaker.unavailable(request)
    return defaults.server_error(request)
