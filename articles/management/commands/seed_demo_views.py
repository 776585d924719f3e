import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from articles.models import Article, ArticleViewCount
from articles.readership import hour_of
from articles.side_effects import after_site_change

HOURS = 7 * 24


class Command(BaseCommand):
    help = (
        "デモ用に、公開中の記事へ直近 7 日間の閲覧数（1 時間ごと）を作り、アクセスランキングを埋めます。"
        "直近 7 日間の閲覧数が既にあれば何もしません（make run が毎回呼びます）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="既に閲覧数があっても追加する")

    def handle(self, *args, force=False, **options):
        now = timezone.now()
        if not force and ArticleViewCount.objects.filter(hour__gte=now - timedelta(days=7)).exists():
            self.stdout.write("直近 7 日間の閲覧数が既にあるため、デモの閲覧数は作りませんでした。")
            return
        articles = list(Article.objects.published().order_by("pk").values_list("pk", flat=True))
        # A fixed seed: every `make run` ranks the demo the same way. Each article gets a popularity, and a
        # few were "in the news" today, so the 24-hour and 7-day rankings differ as real ones do.
        rng = random.Random(19)  # noqa: S311 (demo numbers, not secrets)
        popularity = {pk: rng.uniform(0.5, 12) for pk in articles}
        trending = set(rng.sample(articles, min(2, len(articles))))
        rows = []
        for pk in articles:
            for age in range(HOURS):
                rate = popularity[pk] * (4 if pk in trending and age < 24 else 1) / (1 + age / 48)
                views = int(rng.gauss(rate, rate / 4))
                if views > 0:
                    rows.append(ArticleViewCount(article_id=pk, hour=hour_of(now - timedelta(hours=age)), views=views))
        ArticleViewCount.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        after_site_change()
        total = sum(row.views for row in rows)
        self.stdout.write(f"デモの閲覧数を作りました: 記事 {len(articles)} 本、{len(rows):,} 時間帯、計 {total:,} 回。")
