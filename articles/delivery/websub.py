"""Telling a WebSub hub (WEBSUB_HUB_URL) that feeds changed, so subscribers hear of an article at once
instead of at their next poll. Feeds name the hub (<link rel="hub">, JSON Feed `hubs`); after each publish,
correction and unpublish the changed feeds' URLs are posted to it as `hub.mode=publish` with one `hub.url`
per feed, the form hubs such as Google's and Superfeedr's accept.

The article is already correct for readers when this runs (after commit), so a hub that is down, refuses or
hangs is logged and nothing else: at most TIMEOUT_SECONDS of the editor's request, never a failed publish.
"""

import logging
import urllib.request
from urllib.parse import urlencode

from django.conf import settings

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2


def ping_hub(feed_urls):
    """POST the absolute `feed_urls` to WEBSUB_HUB_URL, if configured; returns whether the hub accepted them."""
    hub = settings.WEBSUB_HUB_URL
    if not hub.startswith(("https://", "http://")) or not feed_urls:
        return False
    body = urlencode([("hub.mode", "publish"), *(("hub.url", url) for url in feed_urls)]).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(hub, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) only)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            response.read()
    except (OSError, ValueError) as error:  # refused, timed out, an HTTP error status, a malformed URL
        logger.warning("WebSub hub ping failed (%s): %s", hub, error)
        return False
    return True
