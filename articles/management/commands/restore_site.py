import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from articles.backups import BackupError, restore
from articles.side_effects import after_site_change


class Command(BaseCommand):
    help = "backup_site で作ったフォルダーから、データベースとアップロード画像を置き換えて復元します。"

    def add_arguments(self, parser):
        parser.add_argument("folder", help="バックアップのフォルダー")
        parser.add_argument("--yes", action="store_true", help="確認せずに置き換えます")

    def handle(self, *args, folder, yes, **options):
        if not yes and input(f"現在のデータを {folder} の内容で置き換えます。よろしいですか？ [y/N] ").lower() != "y":
            raise CommandError("中止しました。")
        started = time.monotonic()
        try:
            manifest = restore(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        # A backup made before migration 0009 brings back a database without the cache table every page needs.
        call_command("createcachetable", settings.DATABASE_CACHE_TABLE, verbosity=0)
        after_site_change()
        self.stdout.write(f"復元完了: {manifest['created_at']} のバックアップ（{time.monotonic() - started:.1f} 秒）")
