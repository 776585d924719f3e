from django.contrib.auth.management import create_permissions
from django.db import migrations

# A first house style for the 校正 panel; the 編集長 keeps it from here on in the admin (表記ゆれ辞書).
SEED = [
    ("サーバ", "サーバー", "内閣告示「外来語の表記」に合わせ、語末の長音を付ける"),
    ("ユーザ", "ユーザー", "長音を付ける"),
    ("コンピュータ", "コンピューター", "長音を付ける"),
    ("出来る", "できる", "補助動詞・可能の意味はひらがな"),
    ("下さい", "ください", "補助動詞はひらがな"),
    ("致します", "いたします", "補助動詞はひらがな"),
    ("全て", "すべて", "副詞はひらがな"),
    ("予め", "あらかじめ", "副詞はひらがな"),
    ("殆ど", "ほとんど", "副詞はひらがな"),
    ("即ち", "すなわち", "接続詞はひらがな"),
]
# The dictionary is the 編集長's (desk/permissions.py can_edit_house_style); every role may read it.
ROLE_PERMISSIONS = {
    "ライター": ["view"],
    "編集者": ["view"],
    "編集長": ["add", "change", "delete", "view"],
}


def seed(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    HouseStyleTerm = apps.get_model("articles", "HouseStyleTerm")
    for variant, preferred, note in SEED:
        HouseStyleTerm.objects.get_or_create(variant=variant, defaults={"preferred": preferred, "note": note})
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, actions in ROLE_PERMISSIONS.items():
        for group in Group.objects.filter(name=role):
            for action in actions:
                group.permissions.add(
                    Permission.objects.get(content_type__app_label="articles", codename=f"{action}_housestyleterm")
                )


def unseed(apps, schema_editor):
    apps.get_model("articles", "HouseStyleTerm").objects.filter(variant__in=[row[0] for row in SEED]).delete()


class Migration(migrations.Migration):
    dependencies = [("articles", "0018_house_style_dictionary")]

    operations = [migrations.RunPython(seed, unseed)]
