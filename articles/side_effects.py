"""What happens after readers' view of the site changes: called explicitly, after commit, from
workflow.py, the importer, the admin and commands — never hidden in save()."""

import json
import logging
import urllib.request

from django.conf import settings

from articles.page_cache import content_changed
from articles.search import update_search_index

logger = logging.getLogger(__name__)


def after_visibility_change(article):
    """The article appeared, changed or disappeared for readers: its live row is indexed again (search
    results are still filtered by published() at query time), and cached pages go."""
    update_search_index(article)
    after_site_change(paths=[article.get_absolute_url()])


def after_site_change(paths=()):
    """Something readers see changed: cached pages go, and a configured CDN is asked to purge."""
    content_changed()
    purge_cdn(paths)


def purge_cdn(paths):
    """POST the changed paths (and "everything") to CDN_PURGE_URL, if configured; failures are logged,
    never raised, because the site itself is already correct."""
    url = settings.CDN_PURGE_URL
    if not url.startswith(("https://", "http://")):
        return
    payload = json.dumps({"paths": list(paths), "purge_all": True}).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310 (http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  # nosec B310 (http(s) only)
            response.read()
    except OSError as error:
        logger.warning("CDN purge failed: %s", error)
