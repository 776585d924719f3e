from django.db import migrations
from django.db.models import Q

BATCH = 500


def rerender(apps, schema_editor):
    """Emphasis next to Japanese punctuation now renders (articles/markdown_cjk.py): stored HTML, summaries and
    reading times of articles with emphasis markers are made again with the current renderer, as
    `manage.py rerender_articles` would, and cached pages are refreshed."""
    from articles.markdown import reading_time_minutes, render_markdown, summarize

    Article = apps.get_model("articles", "Article")
    marked = Article.objects.filter(Q(body__contains="*") | Q(body__contains="_")).only(
        "pk", "body", "excerpt", "body_html", "summary", "reading_time"
    )
    changed = []
    for article in marked.iterator(chunk_size=BATCH):
        body_html = render_markdown(article.body)
        derived = {
            "body_html": body_html,
            "reading_time": reading_time_minutes(body_html),
            "summary": article.excerpt.strip() or summarize(body_html),
        }
        if any(getattr(article, field) != value for field, value in derived.items()):
            for field, value in derived.items():
                setattr(article, field, value)
            changed.append(article)
    for start in range(0, len(changed), BATCH):
        Article.objects.bulk_update(changed[start : start + BATCH], ["body_html", "summary", "reading_time"])
    if changed:
        from articles.side_effects import after_site_change

        after_site_change()


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_editors_do_not_rename_tags")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
