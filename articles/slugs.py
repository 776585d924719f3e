"""Readable slugs (Japanese kept) and the URLs of routes named by a slug. No model imports: the models, the
importer and taggit's Tag all use these."""

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.text import slugify

from articles import phrasing

SLUG_MAX_LENGTH = 120
# A default article slug from its title: a 60-character title made a ~300-character URL once percent-encoded.
# Forty characters keep the gist of a Japanese headline (its first few phrases) and stay shareable.
DEFAULT_SLUG_LENGTH = 40
# Besides BudouX's phrases, a title may be cut after a space or after Japanese punctuation.
_BREAK_AFTER = re.compile(r"(?<=[\s、。，．：；！？・」』）】])")


def slug_base(text, *, fallback, max_length=SLUG_MAX_LENGTH):
    """The readable slug `text` asks for (Japanese kept); text with nothing sluggable gets `fallback`."""
    return slugify(text, allow_unicode=True)[:max_length].strip("-") or fallback


def phrase_prefix(text, *, max_length=DEFAULT_SLUG_LENGTH):
    """The longest run of `text`'s first phrases whose slug fits in `max_length`: a title is cut where a
    reader would pause (BudouX's phrase boundaries, spaces, punctuation), never inside a word. A first phrase
    longer than that is cut by slug_base() instead."""
    kept = ""
    for phrase in _phrases(text):
        if len(slugify(kept + phrase, allow_unicode=True).strip("-")) > max_length:
            break
        kept += phrase
    return kept or text


def _phrases(text):
    for phrase in phrasing.parser().parse(text):
        yield from (part for part in _BREAK_AFTER.split(phrase) if part)


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
