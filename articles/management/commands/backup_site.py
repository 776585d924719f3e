import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from articles.backups import BackupError, backup


class Command(BaseCommand):
    help = "データベースとアップロード画像をフォルダーにバックアップします（既定: var/backups/日時）。"

    def add_arguments(self, parser):
        parser.add_argument("folder", nargs="?", help="出力先フォルダー")

    def handle(self, *args, folder=None, **options):
        folder = folder or f"var/backups/{timezone.localtime():%Y%m%d-%H%M%S}"
        started = time.monotonic()
        self.stdout.write(f"バックアップ中: {folder} …")
        try:
            manifest = backup(folder)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"バックアップ完了（{manifest['database']}、{time.monotonic() - started:.1f} 秒）: {folder} — "
            + "、".join(manifest["files"])
        )
