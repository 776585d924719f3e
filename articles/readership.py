"""Counting article views for the アクセスランキング, without cookies or anything that identifies a reader.

The article page (cached whole, 0 queries on a hit) sends one `navigator.sendBeacon` POST to the counting
endpoint after it has been open for a moment. A view is not counted when it comes from staff, from a bot
(by User-Agent) or again from the same client within REPEAT_WINDOW_SECONDS. "The same client" is an HMAC of
the address and User-Agent under a random salt that lives one day in the cache and nowhere else: the next day
nothing can link a reader to the day before, and no address is ever stored.

Counts are kept per article and hour in Redis (one pipelined HINCRBY + SADD per view, no database) and rolled
up into ArticleViewCount rows at most once every ROLLUP_SECONDS, by whichever request comes first after that
(or by `manage.py roll_up_views` from cron): a view costs no database time itself, a roll-up one UPDATE per
article and hour. Without Redis each process keeps its counts in memory and adds them to the database at most
once a second (a process that dies loses at most that second's views).
"""

import atexit
import contextlib
import hashlib
import hmac
import logging
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from redis.exceptions import ResponseError

from articles.models import ArticleViewCount

logger = logging.getLogger(__name__)

REPEAT_WINDOW_SECONDS = 30 * 60
# Per client (address and User-Agent) and minute: a reader opening articles in tabs stays far below it.
RATE_LIMIT_PER_MINUTE = 30
ROLLUP_SECONDS = 60
MEMORY_FLUSH_SECONDS = 1.0
HOUR_KEYS_SET = "views:hours"
ROLLUP_LOCK_KEY = "views:rollup-lock"
# The URL takes any digits; a pk outside a bigint would make the roll-up's query fail, and fail again.
LARGEST_PK = 2**63 - 1
# Crawlers, link previews, monitors, HTTP libraries and headless browsers; an empty User-Agent is none of ours.
BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiver|scrap|fetch|monitor|preview|headless|lighthouse|pagespeed|phantom|"
    r"curl|wget|python|java/|go-http|httpclient|okhttp|axios|node-fetch|facebookexternalhit|embedly|pingdom",
    re.IGNORECASE,
)


class Outcome:
    COUNTED = "counted"
    BOT = "bot"
    REPEAT = "repeat"
    LIMITED = "limited"
    UNAVAILABLE = "unavailable"


def is_bot(user_agent):
    return not user_agent.strip() or BOT_USER_AGENT.search(user_agent) is not None


def hour_of(moment):
    """The start of `moment`'s hour in UTC, the key of its row."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _daily_salt(today):
    """Today's random salt, shared by every process through the cache and dropped after two days."""
    key = f"views:salt:{today:%Y%m%d}"
    cache.add(key, secrets.token_hex(32), 2 * 24 * 60 * 60)
    return cache.get(key)


def _client_digest(salt, *parts):
    return hmac.new(salt.encode(), "\0".join(parts).encode(), hashlib.sha256).hexdigest()


def record_view(article_id, address, user_agent, now=None):
    """Count one reader's view of article `article_id` (not checked here: the roll-up skips unknown ones).
    Returns an Outcome: only COUNTED added a view; LIMITED means this client sent too many."""
    if is_bot(user_agent):
        return Outcome.BOT
    if not 0 < article_id <= LARGEST_PK:
        return Outcome.UNAVAILABLE
    now = now or timezone.now()
    salt = _daily_salt(now.astimezone(UTC).date())
    if salt is None:
        return Outcome.UNAVAILABLE  # the cache is unreachable: no way to tell repeats, so nothing is counted
    client = _client_digest(salt, address, user_agent)
    rate_key = f"views:rate:{client}:{int(now.timestamp()) // 60}"
    cache.add(rate_key, 0, 120)
    try:
        if cache.incr(rate_key) > RATE_LIMIT_PER_MINUTE:
            return Outcome.LIMITED
    except ValueError:
        return Outcome.UNAVAILABLE
    if not cache.add(f"views:seen:{_client_digest(salt, client, str(article_id))}", 1, REPEAT_WINDOW_SECONDS):
        return Outcome.REPEAT
    _store().add(article_id, hour_of(now))
    return Outcome.COUNTED


def roll_up():
    """Move the counts kept so far into ArticleViewCount rows; returns the number of views moved."""
    return _store().roll_up()


def maybe_roll_up():
    """Roll up if no process has in the last ROLLUP_SECONDS (one cache add decides which process does)."""
    if cache.add(ROLLUP_LOCK_KEY, 1, ROLLUP_SECONDS):
        try:
            roll_up()
        except Exception:
            logger.exception("Rolling up article views failed; the counts stay where they are until the next try.")


def _store():
    default = caches["default"]  # the backend itself: `cache` is a proxy, which isinstance() cannot see through
    return _RedisStore(default) if isinstance(default, RedisCache) else _MEMORY_STORE


class _RedisStore:
    """A hash per hour (article id → views) and a set naming the hashes not yet rolled up."""

    def __init__(self, redis_cache):
        self.cache = redis_cache
        self.client = redis_cache._cache.get_client(write=True)

    def hour_key(self, hour):
        return self.cache.make_key(f"views:hour:{hour:%Y%m%d%H}")

    def add(self, article_id, hour):
        key = self.hour_key(hour)
        pipeline = self.client.pipeline(transaction=False)
        pipeline.hincrby(key, str(article_id), 1)
        pipeline.sadd(self.cache.make_key(HOUR_KEYS_SET), key)
        pipeline.expire(key, 8 * 24 * 60 * 60)  # never rolled up (no request for a week): dropped, not kept
        try:
            pipeline.execute()
        except Exception as error:  # a view is not worth a reader's error page
            logger.warning("Could not count a view in Redis: %s", error)

    def roll_up(self):
        """Each hour's hash is renamed away and removed from the set in one MULTI, so a view arriving meanwhile
        starts a new hash (and puts it back in the set) instead of being lost between the read and the delete."""
        moved = 0
        hours_set = self.cache.make_key(HOUR_KEYS_SET)
        for raw_key in self.client.smembers(hours_set):
            key = raw_key.decode()
            taken = f"{key}:rolling:{uuid.uuid4().hex}"
            pipeline = self.client.pipeline(transaction=True)
            pipeline.srem(hours_set, key)
            pipeline.rename(key, taken)
            try:
                pipeline.execute()
            except ResponseError:
                continue  # no such key: another process rolled this hour up first, or it expired
            hour = datetime.strptime(key.rsplit(":", 1)[1], "%Y%m%d%H").replace(tzinfo=UTC)
            counts = {(int(pk), hour): int(views) for pk, views in self.client.hgetall(taken).items()}
            try:
                ArticleViewCount.objects.add(counts)
            except Exception:
                for (pk, _), views in counts.items():
                    self.add_many(pk, hour, views)
                self.client.delete(taken)
                raise
            self.client.delete(taken)
            moved += sum(counts.values())
        return moved

    def add_many(self, article_id, hour, views):
        key = self.hour_key(hour)
        self.client.hincrby(key, str(article_id), views)
        self.client.sadd(self.cache.make_key(HOUR_KEYS_SET), key)


class _MemoryStore:
    """Without Redis: this process's counts, added to the database at most once every MEMORY_FLUSH_SECONDS."""

    def __init__(self):
        self.counts = Counter()
        self.lock = threading.Lock()
        self.flushed_at = time.monotonic()

    def add(self, article_id, hour):
        with self.lock:
            self.counts[(article_id, hour)] += 1
            due = time.monotonic() - self.flushed_at >= MEMORY_FLUSH_SECONDS
        if due:
            self.roll_up()

    def roll_up(self):
        with self.lock:
            counts, self.counts = self.counts, Counter()
            self.flushed_at = time.monotonic()
        if counts:
            ArticleViewCount.objects.add(counts)
        return sum(counts.values())


_MEMORY_STORE = _MemoryStore()


@atexit.register
def _flush_at_exit():
    """A process that ends normally (a gunicorn worker recycled, runserver stopped) keeps its last second."""
    with contextlib.suppress(Exception):  # the database may already be gone at exit; nothing else to do
        _MEMORY_STORE.roll_up()


def views_by_day(article, days=7, now=None):
    """[(date, views)] for the last `days` Tokyo days, oldest first, today included; days without views are 0."""
    today = timezone.localdate(now or timezone.now())
    first = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    totals = Counter()
    for hour, views in ArticleViewCount.objects.filter(article=article, hour__gte=start).values_list("hour", "views"):
        totals[timezone.localdate(hour)] += views
    return [(first + timedelta(days=offset), totals[first + timedelta(days=offset)]) for offset in range(days)]
