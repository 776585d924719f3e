import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.exporters.jekyll import post_from_article, post_path, render_post
from articles.models import Article


class Command(BaseCommand):
    help = (
        "すべての記事を Jekyll 形式（YAML front matter + Markdown）で書き出します。"
        "公開日時のある記事は _posts/、ない記事は _drafts/ に入ります。同じ名前のファイルは上書きします。"
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir", help="書き出し先のフォルダ（なければ作ります）")

    def handle(self, *args, out_dir, **options):
        out = Path(out_dir)
        if out.exists() and not out.is_dir():
            raise CommandError(f"フォルダではありません: {out}")
        articles = list(
            Article.objects.select_related("author", "category")
            .prefetch_related("secondary_categories", "tags")
            .order_by("pk")
        )
        live = 0
        started = time.monotonic()
        for article in tqdm(articles, desc="書き出し", unit="件", disable=options["verbosity"] < 1, file=sys.stderr):
            post = post_from_article(article)
            path = out / post_path(post)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render_post(post), encoding="utf-8", newline="\n")
            live += post.is_live
        self.stdout.write(
            f"{len(articles)} 件を {time.monotonic() - started:.1f} 秒で {out} に書き出し: "
            f"公開・予約公開 {live} / 非公開（published: false） {len(articles) - live}"
        )
