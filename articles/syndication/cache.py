"""Feed responses: conditional GET and a rendered-feed cache that cannot serve a stale feed.

A feed's version is a hash of everything it prints that can change: the feed's own identity (format, title,
description, URLs) and the pk, update time and publication time of exactly the articles it shows, read with
one small query. Publishing, editing and unpublishing an article, and a scheduled article's time arriving,
all change that list, so they change the version by construction. The version is the ETag and the cache
key, so nothing ever has to invalidate the cache: an old body is simply never asked for again.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import Subquery
from django.http import HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag

# Renaming an author, category or tag does not touch its articles, so that alone is not in the version;
# this bounds how long such a rename takes to reach a cached feed.
CACHE_SECONDS = 10 * 60
MAX_AGE_SECONDS = 5 * 60


@dataclass(frozen=True)
class FeedVersion:
    digest: str
    last_modified: datetime | None

    @property
    def etag(self):
        return quote_etag(self.digest)

    @property
    def cache_key(self):
        return f"feed:{self.digest}"


def feed_version(identity, shown, subject_articles, limit):
    """The version of a feed printing `identity` (a list of strings) and the first `limit` of `shown`.

    `shown` is the feed's ordered queryset of published articles; `subject_articles` is every article of
    the feed's subject whatever its status. Last-Modified is the newest of the shown articles' publication
    and update times and of the subject's update times, so an article leaving the feed (unpublished,
    whose update time moves) still makes the feed newer for clients that only send If-Modified-Since.
    """
    newest_update = subject_articles.order_by("-updated_at").values("updated_at")[:1]
    rows = list(
        shown.annotate(subject_updated_at=Subquery(newest_update)).values_list(
            "pk", "updated_at", "published_at", "subject_updated_at"
        )[:limit]
    )
    fingerprint = json.dumps(
        [identity, [(pk, updated.isoformat(), published.isoformat()) for pk, updated, published, _ in rows]]
    )
    times = [time for _, updated, published, subject_updated in rows for time in (updated, published, subject_updated)]
    return FeedVersion(hashlib.sha256(fingerprint.encode()).hexdigest(), max(times, default=None))


def feed_response(request, version, render):
    """304 if the client's copy is `version`, else the feed from the cache or from `render()`.

    `render` returns (content type, text). Both answers carry ETag, Last-Modified and Cache-Control.
    """
    last_modified = int(version.last_modified.timestamp()) if version.last_modified else None
    response = get_conditional_response(request, etag=version.etag, last_modified=last_modified)
    if response is None:
        cached = cache.get(version.cache_key)
        if cached is None:
            cached = render()
            cache.set(version.cache_key, cached, CACHE_SECONDS)
        content_type, text = cached
        response = HttpResponse(text, content_type=content_type)
    response.headers["ETag"] = version.etag
    if last_modified is not None:
        response.headers["Last-Modified"] = http_date(last_modified)
    patch_cache_control(response, public=True, max_age=MAX_AGE_SECONDS)
    return response
