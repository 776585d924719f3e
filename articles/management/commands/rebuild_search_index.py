import sys
import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from articles.models import Article
from articles.search import rebuild_search_index


class Command(BaseCommand):
    help = "全記事の検索索引を作り直します（公開状態にかかわらず。検索時に公開中の記事だけに絞ります）。"

    def handle(self, *args, **options):
        started = time.monotonic()
        progress = tqdm(
            total=Article.objects.count(),
            desc="検索索引",
            unit="件",
            disable=options["verbosity"] < 1,
            file=sys.stderr,
        )
        with progress:
            rebuilt = rebuild_search_index(on_batch=progress.update)
        self.stdout.write(
            f"{rebuilt.indexed} 件の記事を {time.monotonic() - started:.1f} 秒で索引しました"
            f"（索引が変わった記事 {rebuilt.rewritten} 件を書き換え、ほかはそのまま）。"
        )
