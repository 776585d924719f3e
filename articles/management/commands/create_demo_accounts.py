from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from articles.desk import roles

DEMO_ACCOUNTS = (
    ("writer", "writer-demo-pass", roles.WRITER),
    ("editor", "editor-demo-pass", roles.EDITOR),
    ("chief", "chief-demo-pass", roles.EDITOR_IN_CHIEF),
)


class Command(BaseCommand):
    help = "開発用に、編集部の役割ごとにデモアカウントを 1 つずつ作ります（既にあればパスワードを戻します）。"

    def handle(self, *args, **options):
        User = get_user_model()
        self.stdout.write("デモアカウント（管理画面 /admin/ にログインできます）:")
        for username, password, role in DEMO_ACCOUNTS:
            user, created = User.objects.get_or_create(username=username)
            user.is_staff = True
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            state = "作成" if created else "既存"
            self.stdout.write(f"  {role:<4} ユーザー名 {username:<7} パスワード {password}  ({state})")
