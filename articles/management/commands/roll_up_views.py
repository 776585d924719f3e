from django.core.management.base import BaseCommand

from articles import readership


class Command(BaseCommand):
    help = (
        "数えた閲覧数（Redis、または Redis なしではこのプロセスのメモリ）を 1 時間ごとの集計行としてデータベースへ"
        "移します。閲覧のたびに 1 分に 1 回は自動で行われます。cron から毎分呼んでもかまいません。"
    )

    def handle(self, *args, **options):
        moved = readership.roll_up()
        self.stdout.write(f"閲覧数 {moved:,} 件をデータベースへ移しました。")
