import sys
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles.importers.jekyll import PostParseError, find_post_files, parse_post
from articles.importers.loader import Outcome, save_post
from articles.side_effects import after_site_change


class Command(BaseCommand):
    help = "Jekyll 形式の記事（YAML front matter + Markdown）を取り込みます。何度実行しても重複しません。"

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="ファイルまたはフォルダ（フォルダは再帰的に探します）")
        parser.add_argument("--dry-run", action="store_true", help="書き込まずに結果だけ表示します")

    def handle(self, *args, paths, dry_run, **options):
        missing = [path for path in paths if not Path(path).exists()]
        if missing:
            raise CommandError(f"見つかりません: {', '.join(missing)}")
        files = find_post_files(paths)
        counts = dict.fromkeys([*Outcome, "failed"], 0)
        failures, warnings = [], []
        started = time.monotonic()
        progress = tqdm(files, desc="取り込み", unit="件", disable=options["verbosity"] < 1, file=sys.stderr)
        for path in progress:
            try:
                result = save_post(parse_post(path), dry_run=dry_run)
            except PostParseError as error:
                counts["failed"] += 1
                failures.append(f"{path}: {error}")
                continue
            counts[result.outcome] += 1
            warnings += [f"{path}: {warning}" for warning in result.warnings]
        progress.close()
        if not dry_run and (counts[Outcome.CREATED] or counts[Outcome.UPDATED]):
            after_site_change()

        for warning in warnings:
            self.stderr.write(self.style.WARNING(f"注意 {warning}"))
        for failure in failures:
            self.stderr.write(self.style.ERROR(f"失敗 {failure}"))
        prefix = "[dry-run] 書き込みなし — " if dry_run else ""
        self.stdout.write(
            f"{prefix}{len(files)} 件を {time.monotonic() - started:.1f} 秒で処理: "
            f"新規 {counts[Outcome.CREATED]} / 更新 {counts[Outcome.UPDATED]} / "
            f"変更なし {counts[Outcome.UNCHANGED]} / 失敗 {counts['failed']}"
        )
        if failures:
            raise CommandError(f"{len(failures)} 件のファイルを取り込めませんでした（上記の理由を参照）。")
