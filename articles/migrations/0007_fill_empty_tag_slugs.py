"""Tags named only with symbols were saved with an empty slug, which no URL can carry: give them one."""

from django.db import migrations
from django.utils.text import slugify


def fill_empty_tag_slugs(apps, schema_editor):
    Tag = apps.get_model("taggit", "Tag")
    taken = set(Tag.objects.values_list("slug", flat=True))
    for tag in Tag.objects.filter(slug=""):
        base = slugify(tag.name, allow_unicode=True)[:90].strip("-") or "tag"
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        tag.slug = slug
        tag.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0006_search_index"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(fill_empty_tag_slugs, migrations.RunPython.noop)]
