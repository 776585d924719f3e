"""Readable, never-empty slugs for taggit's Tag, which is not our model."""

from django.db.models.signals import pre_save
from django.dispatch import receiver
from taggit.models import Tag

from articles.slugs import unique_slug


@receiver(pre_save, sender=Tag, dispatch_uid="articles.ensure_tag_slug")
def ensure_tag_slug(sender, instance, **kwargs):
    """taggit slugifies a name of only symbols (＋, ★, -->) to "", which no URL can carry.

    A receiver because taggit creates tags itself (`article.tags.set(names)`); its own `save()` fills the slug
    first, so this only steps in where that left it empty.
    """
    if not instance.slug:
        max_length = Tag._meta.get_field("slug").max_length
        instance.slug = unique_slug(Tag, instance.name, fallback="tag", exclude_pk=instance.pk, max_length=max_length)
