from django.core.management.base import BaseCommand
from django.db import transaction

from articles.models import Article, Series, SeriesPart
from articles.side_effects import after_series_change

DEMO_SERIES = {
    "title": "AIインフラの経済学",
    "slug": "ai-infrastructure-economics",
    "description": "生成AIを支える半導体、電力、推論コストを3回に分けて読み解く連載です。",
}
# The demo archive's articles (demo/archive/), by slug, in the series' order.
DEMO_PARTS = ("semiconductor-supply-chain", "data-center-power-demand", "generative-ai-inference-cost")


class Command(BaseCommand):
    help = (
        "デモ用の 3 回の連載「AIインフラの経済学」を、デモ記事（demo/archive/）から作ります。"
        "繰り返し実行しても連載は 1 つのままです。"
    )

    def handle(self, *args, **options):
        articles = {article.slug: article for article in Article.objects.filter(slug__in=DEMO_PARTS)}
        missing = [slug for slug in DEMO_PARTS if slug not in articles]
        if missing:
            self.stdout.write(f"デモ記事 {', '.join(missing)} がないため、デモの連載は作りませんでした。")
            return
        with transaction.atomic():
            series, _ = Series.objects.update_or_create(slug=DEMO_SERIES["slug"], defaults=DEMO_SERIES)
            SeriesPart.objects.filter(series=series).delete()
            SeriesPart.objects.filter(article__in=articles.values()).delete()
            SeriesPart.objects.bulk_create(
                SeriesPart(series=series, article=articles[slug], number=number)
                for number, slug in enumerate(DEMO_PARTS, start=1)
            )
            transaction.on_commit(lambda: after_series_change([series.slug]))
        self.stdout.write(
            f"デモの連載「{series.title}」（全 {len(DEMO_PARTS)} 回）を用意しました: /series/{series.slug}/"
        )
