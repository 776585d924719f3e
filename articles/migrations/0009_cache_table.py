"""The table of Django's database cache, the cache of every process when REDIS_URL is not set (settings.py says
why). Made here rather than by `createcachetable` in each recipe, so every database that is migrated (`make
run`, `make serve`, the benchmarks, a fresh clone's tests) has it, even if it was migrated with REDIS_URL set."""

from django.conf import settings
from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command(
        "createcachetable", settings.DATABASE_CACHE_TABLE, database=schema_editor.connection.alias, verbosity=0
    )


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(settings.DATABASE_CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0008_article_visibility_covering_index")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]
