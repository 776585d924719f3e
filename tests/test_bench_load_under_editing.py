"""bench/load_under_editing.py's desk against the real admin (pytest-django's live_server): it logs in
through the login form, scrapes the article forms (every field as rendered, loaded_version and the CSRF
token included) and posts them back with a marker line. An admin change that breaks the scraping fails
here, not only in a load test run. No gunicorn, no load: one save or two per test."""

import importlib
import sys
import time
from types import SimpleNamespace

import pytest

from articles.desk import roles
from articles.models import Article
from tests.factories import make_article, make_user

pytestmark = pytest.mark.django_db(transaction=True)
ROLES = {"chief": roles.EDITOR_IN_CHIEF, "editor": roles.EDITOR, "writer": roles.WRITER}


@pytest.fixture(scope="module")
def script():
    """The script as a module. It puts bench/ on sys.path for its own imports; that is undone afterwards."""
    path = list(sys.path)
    try:
        return importlib.import_module("bench.load_under_editing")
    finally:
        sys.path[:] = path


@pytest.fixture
def desk(script, live_server):
    """desk(role): that role's account as create_demo_accounts makes it, logged in through /admin/login/ in
    a browser of its own (label: a second tab of the same account)."""
    from django.contrib.auth import get_user_model

    def log_in(role, label=None):
        username, password = script.ACCOUNTS[role]
        if not get_user_model().objects.filter(username=username).exists():
            user = make_user(ROLES[role], username=username)
            user.set_password(password)
            user.save()
        desk = script.Desk(live_server.url, role, timeout=30, label=label)
        desk.login()
        return desk

    return log_in


@pytest.fixture
def run(script, live_server):
    """The load run whose desk steps (_save, _publish) the tests call, as its desk threads do."""
    run = script.LoadRun(live_server.url, site={}, args=SimpleNamespace(timeout=30), run_id="test")
    run.started = time.monotonic()
    return run


def test_the_chief_saves_a_live_article_through_the_scraped_form_and_publishes_the_edit(desk, run):
    article = make_article(body="公開中の本文です。")
    chief = desk("chief")

    save = run._save(chief, article.pk, "LOADMARK-test-chief-00001")

    assert save["outcome"] == "accepted", save
    assert save["loaded_version"] == str(article.edit_version)
    article.refresh_from_db()
    assert article.body == "公開中の本文です。"  # readers stay on the live text until it is published
    assert article.pending_revision.content["body"] == "公開中の本文です。\n\nLOADMARK-test-chief-00001"

    published = run._publish(chief, article.pk, save["marker"])

    assert published["outcome"] == "published", published
    article.refresh_from_db()
    assert "LOADMARK-test-chief-00001" in article.body
    assert not run.editor_errors


def test_the_writer_creates_a_draft_through_the_add_form_and_saves_it_through_the_change_form(desk, run):
    make_article()  # an author and a category for the add form's autocomplete to offer
    writer = desk("writer")

    draft_id = writer.create_draft("負荷試験の下書き", "下書きの本文です。\n")
    save = run._save(writer, draft_id, "LOADMARK-test-writer-00001")

    assert save["outcome"] == "accepted", save
    draft = Article.objects.get(pk=draft_id)
    assert draft.status == Article.Status.DRAFT
    assert draft.body == "下書きの本文です。\n\nLOADMARK-test-writer-00001"


def test_a_save_from_a_form_loaded_before_another_save_is_counted_as_refused(script, desk, run):
    draft = make_article(status=Article.Status.DRAFT, published_at=None, body="下書きです。")
    first, second = desk("chief"), desk("chief", label="chief-collide")
    path = f"/admin/articles/article/{draft.pk}/change/"
    stale, _ = second.form(path, "article_form")

    assert run._save(first, draft.pk, "LOADMARK-test-chief-00001")["outcome"] == "accepted"
    stale.replace("body", "下書きです。\n\nLOADMARK-test-chief-collide-00001\n")
    answer = second.post(path, [*stale.fields, ("_save", "保存")])

    assert answer.status == 200 and script.STALE_MESSAGE in answer.text
    assert "LOADMARK-test-chief-collide-00001" not in Article.objects.get(pk=draft.pk).body


def test_an_anonymous_read_right_after_the_chiefs_publish_is_checked_for_the_published_marker(script, desk, run):
    article = make_article(body="公開中の本文です。")
    run.site = {"chief_article": {"path": script.common.quote_path(article.get_absolute_url())}}
    chief = desk("chief")
    save = run._save(chief, article.pk, "LOADMARK-test-chief-00001")
    run._read_after_publish(save["marker"])  # not published yet: readers still get the live text

    run._publish(chief, article.pk, save["marker"])
    run._read_after_publish(save["marker"])

    assert [(check["status"], check["fresh"]) for check in run.fresh_checks] == [(200, False), (200, True)]
