"""Views per article for the desk: a 7-day column in the article list and a 7-day chart on the article."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import IntegerField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from articles.models import ArticleViewCount
from articles.readership import views_by_day

CHART_WIDTH, CHART_HEIGHT, BAR_GAP = 280, 80, 6


def with_views_last_7_days(queryset):
    """Each article annotated with `views_7d`: a correlated subquery, so the changelist's other joins (tags,
    categories) cannot multiply the sum."""
    since = timezone.now() - timedelta(days=7)
    total = (
        ArticleViewCount.objects.filter(article=OuterRef("pk"), hour__gte=since)
        .values("article")
        .annotate(total=Sum("views"))
        .values("total")
    )
    return queryset.annotate(views_7d=Coalesce(Subquery(total, output_field=IntegerField()), 0))


class ArticleViewsAdminMixin:
    @admin.display(description="閲覧（7日）", ordering="views_7d")
    def views_last_7_days(self, article):
        return f"{getattr(article, 'views_7d', 0):,}"

    @admin.display(description="閲覧数（直近7日間）")
    def views_chart(self, article):
        """Bars per Tokyo day, oldest first, with each day's number as text too (the chart is not the only way
        to read it)."""
        if article.pk is None:
            return "—"
        days = views_by_day(article)
        highest = max((views for _, views in days), default=0) or 1
        bar_width = (CHART_WIDTH - BAR_GAP * (len(days) - 1)) / len(days)
        bars = format_html_join(
            "",
            '<rect x="{}" y="{}" width="{}" height="{}" fill="#0b5cad"><title>{}: {}</title></rect>',
            (
                (
                    f"{index * (bar_width + BAR_GAP):.1f}",  # numbers formatted here: format_html escapes to text
                    f"{CHART_HEIGHT - CHART_HEIGHT * views / highest:.1f}",
                    f"{bar_width:.1f}",
                    f"{CHART_HEIGHT * views / highest:.1f}",
                    f"{day.month}月{day.day}日",
                    f"{views:,}",
                )
                for index, (day, views) in enumerate(days)
            ),
        )
        figures = format_html_join(
            "", "<li>{}月{}日: {}</li>", ((day.month, day.day, f"{views:,}") for day, views in days)
        )
        total = sum(views for _, views in days)
        return format_html(
            '<div class="views-chart"><svg width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">{}'
            '</svg><p>合計 {}</p><ul class="views-chart__days" style="margin: 0; padding: 0; list-style: none">{}'
            "</ul></div>",
            CHART_WIDTH,
            CHART_HEIGHT,
            CHART_WIDTH,
            CHART_HEIGHT,
            f"直近7日間の閲覧数（合計 {total:,}）",
            bars,
            f"{total:,}",
            figures,
        )
