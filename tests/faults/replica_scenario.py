"""Readers and the desk against a real streaming replica whose replay is paused; run by tests/faults/test_replica.py.

Runs in its own process, with DATABASE_URL at a temporary primary and DATABASE_REPLICA_URL at its replica
(both migrated and caught up), because the test process's own DATABASES cannot be swapped. The 編集長
publishes while the replica stands still; what readers and the desk saw is printed as one JSON object for
the test to assert on.
"""

import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allforces.settings")
django.setup()

from django.conf import settings  # noqa: E402 (after django.setup())
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from articles.desk import roles, workflow  # noqa: E402
from articles.models import Article  # noqa: E402
from tests.factories import make_article, make_user  # noqa: E402

EXISTING = "レプリカにもある記事"
NEW = "公開したばかりの記事"
REPLAY_TIMEOUT = 10


def replica_value(sql, params=()):
    with connections["replica"].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_until(condition, what):
    deadline = time.monotonic() + REPLAY_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the replica did not {what} within {REPLAY_TIMEOUT} s")
        time.sleep(0.05)


def wait_for_replay():
    """Until the replica has replayed everything the primary has written so far.

    The insert position, not pg_current_wal_lsn(): with synchronous_commit off (CLUSTER_CONF) a commit record
    can sit in WAL buffers past the write position for up to wal_writer_delay; waiting for the write position
    then ends before the publish is replayed (the flake that once withdrew this test).
    """
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_insert_lsn()")
        written = cursor.fetchone()[0]
    wait_until(lambda: replica_value("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written]), "catch up")


def pause_replay():
    replica_value("SELECT pg_wal_replay_pause()::text")
    wait_until(lambda: replica_value("SELECT pg_get_wal_replay_pause_state()") == "paused", "pause")


def seen_by(client, path):
    response = client.get(path)
    return {
        "status": response.status_code,
        "shows_new": NEW in response.content.decode(),
        "page_cache": response.get("X-Page-Cache"),
    }


def main():
    setup_test_environment()  # the test client's host name is allowed
    chief = make_user(roles.EDITOR_IN_CHIEF, username="chief")
    make_article(title=EXISTING)
    article = make_article(title=NEW, status=Article.Status.APPROVED, published_at=None)
    reader, desk = Client(), Client()
    desk.force_login(chief)
    wait_for_replay()
    seen = {"lag_seconds": settings.REPLICA_LAG_SECONDS, "routers": settings.DATABASE_ROUTERS}
    seen["home_before"] = seen_by(reader, "/")

    pause_replay()
    article = workflow.perform("publish", article, chief)
    changed_at = time.monotonic()
    seen["home_while_paused"] = seen_by(reader, "/")
    seen["article_while_paused"] = seen_by(reader, article.get_absolute_url())
    seen["desk_while_paused"] = seen_by(desk, "/admin/articles/article/?status__exact=published")
    seen["desk_home_while_paused"] = seen_by(desk, "/")
    seen["replica_rows_while_paused"] = replica_value(
        "SELECT count(*) FROM articles_article WHERE status = %s", [Article.Status.PUBLISHED]
    )

    replica_value("SELECT pg_wal_replay_resume()::text")
    wait_for_replay()
    seen["home_caught_up_within_lag"] = seen_by(reader, "/")
    seen["seconds_since_change"] = time.monotonic() - changed_at

    time.sleep(max(0.0, settings.REPLICA_LAG_SECONDS - (time.monotonic() - changed_at)) + 0.2)
    seen["home_after_lag"] = seen_by(reader, "/")
    seen["home_after_lag_again"] = seen_by(reader, "/")
    seen["article_after_lag"] = seen_by(reader, article.get_absolute_url())
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
