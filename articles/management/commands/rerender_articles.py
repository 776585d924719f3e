import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.models import Article
from articles.side_effects import after_site_change


class Command(BaseCommand):
    help = "全記事の本文 HTML・読了時間・要約を現在のレンダラーで作り直します（更新日時は変えません）。"

    def handle(self, *args, **options):
        articles = Article.objects.only(
            "pk", "title", "title_html", "body", "excerpt", "body_html", "reading_time", "summary"
        )
        changed = 0
        total = articles.count()
        for article in tqdm(articles.iterator(), total=total, desc="再生成", unit="件", file=sys.stderr):
            derived = article.derive_rendered_fields()
            if any(getattr(article, field) != value for field, value in derived.items()):
                Article.objects.filter(pk=article.pk).update(**derived)
                changed += 1
        if changed:
            after_site_change()
        self.stdout.write(f"{total} 件を確認し、{changed} 件の表示用データを作り直しました。")
