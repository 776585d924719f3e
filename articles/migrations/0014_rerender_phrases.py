from django.db import migrations

BATCH = 500
FIELDS = ["title_html", "body_html", "summary", "reading_time"]


def rerender(apps, schema_editor):
    """Titles and headings now carry <wbr> between phrases (articles/phrasing.py): every stored article's
    title HTML and body HTML are made again with the current renderer, as `manage.py rerender_articles`
    would, and cached pages are refreshed."""
    from articles.models.content import rendered_fields

    Article = apps.get_model("articles", "Article")
    changed = []
    for article in Article.objects.only("pk", "title", "body", "excerpt", *FIELDS).iterator(chunk_size=BATCH):
        derived = rendered_fields(article.body, article.excerpt, article.title)
        if any(getattr(article, field) != value for field, value in derived.items()):
            for field, value in derived.items():
                setattr(article, field, value)
            changed.append(article)
    for start in range(0, len(changed), BATCH):
        Article.objects.bulk_update(changed[start : start + BATCH], FIELDS)
    if changed:
        from articles.side_effects import after_site_change

        after_site_change()


def forget_phrases(apps, schema_editor):
    """Back to headings without <wbr>; title_html goes with the field in the previous migration."""
    from articles.phrasing import strip_wbr

    Article = apps.get_model("articles", "Article")
    changed = []
    for article in Article.objects.only("pk", "body_html").iterator(chunk_size=BATCH):
        plain = strip_wbr(article.body_html)
        if plain != article.body_html:
            article.body_html = plain
            changed.append(article)
    Article.objects.bulk_update(changed, ["body_html"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("articles", "0013_article_title_html")]

    operations = [migrations.RunPython(rerender, forget_phrases)]
