"""Purging a CDN in front of the site (CDN_PURGE_URL), when readers' view changes."""

import json
import logging
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)


def purge_cdn(paths, purge_all=True):
    """POST the changed paths (and whether everything else changed too) to CDN_PURGE_URL, if configured;
    failures are logged, never raised, because the site itself is already correct."""
    url = settings.CDN_PURGE_URL
    if not url.startswith(("https://", "http://")):
        return
    payload = json.dumps({"paths": list(paths), "purge_all": purge_all}).encode()
    headers = {"Content-Type": "application/json"}
    request = urllib.request.Request(url, data=payload, headers=headers, method="POST")  # noqa: S310 (http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310  # nosec B310 (http(s) only)
            response.read()
    except OSError as error:
        logger.warning("CDN purge failed: %s", error)
