import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importers.jekyll import find_post_files
from articles.importers.loader import Outcome, import_posts
from articles.side_effects import after_site_change


class Command(BaseCommand):
    help = "Jekyll 形式の記事（YAML front matter + Markdown）を取り込みます。何度実行しても重複しません。"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="ファイルまたはフォルダ（フォルダは再帰的に探します）")
        parser.add_argument("--dry-run", action="store_true", help="書き込まずに結果だけ表示します")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="読み込みと描画をするプロセス数（既定: 大量なら CPU 数、0 で使わない）",
        )

    def handle(self, *args, paths, dry_run, workers, **options):
        missing = [path for path in paths if not Path(path).exists()]
        if missing:
            raise CommandError(f"見つかりません: {', '.join(missing)}")
        found = find_post_files(paths)
        files = found.posts
        started = time.monotonic()
        progress = tqdm(total=len(files), desc="取り込み", unit="件", disable=options["verbosity"] < 1, file=sys.stderr)
        report = import_posts(files, dry_run=dry_run, workers=workers, on_post=progress.update)
        progress.close()
        if not dry_run and report.changed_anything:
            after_site_change()

        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"注意 {warning}"))
        for failure in report.failures:
            self.stderr.write(self.style.ERROR(f"失敗 {failure}"))
        counts = report.counts
        prefix = "[dry-run] 書き込みなし — " if dry_run else ""
        if options["verbosity"] >= 2:
            for path, reason in found.not_posts:
                self.stdout.write(f"投稿ではない {path}: {reason}")
        not_posts = f" / 投稿ではない {len(found.not_posts)}" if found.not_posts else ""
        hidden = f"（隠しファイル・フォルダの {found.hidden} 件は対象外）" if found.hidden else ""
        self.stdout.write(
            f"{prefix}{len(files) + len(found.not_posts)} 件を {time.monotonic() - started:.1f} 秒で処理: "
            f"新規 {counts[Outcome.CREATED]} / 更新 {counts[Outcome.UPDATED]} / "
            f"変更なし {counts[Outcome.UNCHANGED]} / 失敗 {counts[Outcome.FAILED]}{not_posts}{hidden}"
        )
        if found.not_posts and options["verbosity"] < 2:
            self.stdout.write("投稿ではないファイルの一覧は -v 2 で表示します。")
        if report.failures:
            raise CommandError(f"{len(report.failures)} 件のファイルを取り込めませんでした（上記の理由を参照）。")
