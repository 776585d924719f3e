from django.db import migrations

# Renaming a tag changes every reader page that shows it at once: only 編集長 may (desk/permissions.py
# can_manage_tags decides; this takes the model permission away to match).
REVOKED = {"編集者": ["taggit.change_tag"]}


def _change(apps, grant):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, dotted_names in REVOKED.items():
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            for group in Group.objects.filter(name=role):
                if permission is not None:
                    (group.permissions.add if grant else group.permissions.remove)(permission)


def revoke(apps, schema_editor):
    _change(apps, grant=False)


def restore(apps, schema_editor):
    _change(apps, grant=True)


class Migration(migrations.Migration):
    dependencies = [("articles", "0009_cache_table")]

    operations = [migrations.RunPython(revoke, restore)]
