from django.core.management.base import BaseCommand

from articles.desk.workflow import publish_due


class Command(BaseCommand):
    help = (
        "予約時刻を過ぎた記事を「公開中」として記録し、公開時の処理を行います。"
        "読者への表示はこのコマンドを待たずに予約時刻ちょうどに始まります。cron で毎分実行しても安全です。"
    )

    def handle(self, *args, **options):
        published = publish_due()
        for article in published:
            self.stdout.write(f"公開: {article.title}（{article.published_at:%Y-%m-%d %H:%M}）")
        self.stdout.write(f"予約公開の処理: {len(published)} 件")
