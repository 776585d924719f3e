"""Readable slugs (Japanese kept) and the URLs of routes named by a slug. No model imports: the models, the
importer and taggit's Tag all use these."""

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.text import slugify

SLUG_MAX_LENGTH = 120


def slug_base(text, *, fallback, max_length=SLUG_MAX_LENGTH):
    """The readable slug `text` asks for (Japanese kept); text with nothing sluggable gets `fallback`."""
    return slugify(text, allow_unicode=True)[:max_length].strip("-") or fallback


def unique_slug(
    model, text, *, fallback, exclude_pk=None, max_length=SLUG_MAX_LENGTH, also_taken=(), reserved=lambda slug: False
):
    """A readable slug for `text` (Japanese kept), made unique in `model` with -2, -3, …

    Text with nothing sluggable (e.g. only punctuation) falls back to `fallback`. `also_taken` holds slugs
    not yet saved but spoken for (a batch being imported); `reserved(slug)` says a slug is held elsewhere.
    """
    base = slug_base(text, fallback=fallback, max_length=max_length)
    others = model._default_manager.exclude(pk=exclude_pk)
    candidate, number = base, 1
    while candidate in also_taken or others.filter(slug=candidate).exists() or reserved(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)] + suffix
    return candidate


def slug_url(viewname, slug):
    """reverse() for a route named by a slug, remembered: an uncached page names the same categories and
    articles some forty times, and each reverse() walks the resolver again (~25 µs)."""
    return _remembered_slug_url(viewname, slug, get_script_prefix())


@functools.lru_cache(maxsize=20_000)
def _remembered_slug_url(viewname, slug, script_prefix):
    return reverse(viewname, kwargs={"slug": slug})


@receiver(setting_changed)
def _forget_slug_urls(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":
        _remembered_slug_url.cache_clear()
