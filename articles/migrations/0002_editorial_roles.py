from django.contrib.auth.management import create_permissions
from django.db import migrations

# Model permissions per role. What each role may do with an article's state lives in
# articles/workflow.py; these only open the admin screens the role works in.
ROLE_PERMISSIONS = {
    "ライター": [
        "articles.add_article", "articles.change_article", "articles.view_article",
        "articles.view_category", "articles.view_author", "taggit.add_tag", "taggit.view_tag",
    ],
    "編集者": [
        "articles.add_article", "articles.change_article", "articles.view_article",
        "articles.view_category", "articles.view_author", "taggit.add_tag", "taggit.view_tag",
        "taggit.change_tag",
    ],
    "編集長": [
        "articles.add_article", "articles.change_article", "articles.view_article", "articles.delete_article",
        "articles.add_category", "articles.change_category", "articles.view_category", "articles.delete_category",
        "articles.add_author", "articles.change_author", "articles.view_author", "articles.delete_author",
        "taggit.add_tag", "taggit.change_tag", "taggit.view_tag", "taggit.delete_tag",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
