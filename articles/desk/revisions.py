"""An article's editable content as plain JSON, and back. No database writes here."""

CONTENT_FIELDS = (
    "title", "slug", "body", "excerpt", "hero_image_alt", "correction_note", "author_id", "category_id",
)  # fmt: skip


def snapshot(article, *, tags=None, secondary_category_ids=None):
    """What a revision stores. Tags and other categories come from the database unless given
    (a form's cleaned data, for an edit that must not touch the live article)."""
    content = {field: getattr(article, field) for field in CONTENT_FIELDS}
    content["hero_image"] = article.hero_image.name or ""
    if tags is None:
        tags = [tag.name for tag in article.tags.all()] if article.pk else []
    if secondary_category_ids is None:
        secondary_category_ids = list(article.secondary_categories.values_list("pk", flat=True)) if article.pk else []
    content["tags"] = sorted(tags)
    content["secondary_category_ids"] = sorted(secondary_category_ids)
    return content


def apply_content(article, content):
    """Set a revision's fields on the (unsaved) article; returns the tag names to set after save."""
    for field in CONTENT_FIELDS:
        if field in content:
            setattr(article, field, content[field])
    article.hero_image = content.get("hero_image") or ""
    return content.get("tags", [])


def store_pending_files(article):
    """Save a newly uploaded hero image to storage without saving the article row."""
    hero = article.hero_image
    if hero and not hero._committed:
        hero.save(hero.name, hero.file, save=False)
