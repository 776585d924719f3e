"""The article page's beacon in a real browser: a reader who stays counts once; reloading does not count again;
a page that never became visible does not count."""

import time

import pytest

from articles import readership
from articles.models import ArticleViewCount
from tests.factories import make_article

pytestmark = pytest.mark.django_db(transaction=True)
READER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def counted(article):
    readership.roll_up()
    return sum(ArticleViewCount.objects.filter(article=article).values_list("views", flat=True))


def wait_for_views(article, expected, seconds=8):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if counted(article) >= expected:
            break
        time.sleep(0.25)
    return counted(article)


def test_a_reader_who_stays_is_counted_once_and_a_reload_is_a_repeat(live_server, browser):
    article = make_article(title="ブラウザで読む記事")
    context = browser.new_context(user_agent=READER)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())

    assert wait_for_views(article, 1) == 1
    page.reload()
    page.wait_for_timeout(3000)
    assert counted(article) == 1
    assert context.cookies() == []
    context.close()


def test_a_page_left_before_two_seconds_is_not_counted(live_server, browser):
    article = make_article(title="すぐ閉じた記事")
    context = browser.new_context(user_agent=READER)
    page = context.new_page()
    page.goto(live_server.url + article.get_absolute_url())
    page.goto(live_server.url + "/")
    page.wait_for_timeout(2500)
    context.close()

    assert counted(article) == 0
