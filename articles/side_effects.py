"""What happens after readers' view of an article changes: called from workflow.py after commit."""

import logging

logger = logging.getLogger(__name__)


def after_visibility_change(article):
    """The article appeared, changed or disappeared for readers.

    Reader pages and feeds derive their cache keys and ETags from what published() returns, so they
    need no purge here; this is the one place where search indexing and outside pings hook in.
    """
    logger.info("visibility changed: article %s (%s)", article.pk, article.status)
