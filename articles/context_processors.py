from django.conf import settings
from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from articles.delivery.page_cache import current_generation
from articles.models import Category


def navigation_categories():
    """Categories for the site navigation, read once per content generation (they rarely change)."""
    key = f"pages:{current_generation()}:navigation"
    categories = cache.get(key)
    if categories is None:
        categories = list(Category.objects.all())
        cache.set(key, categories, settings.PAGE_CACHE_SECONDS or 60)
    return categories


def site(request):
    return {
        "site_name": settings.SITE_NAME,
        "site_description": settings.SITE_DESCRIPTION,
        "site_url": settings.SITE_URL,
        "navigation_categories": SimpleLazyObject(navigation_categories),
    }
