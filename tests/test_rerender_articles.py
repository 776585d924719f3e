from io import StringIO

import pytest
from django.core.management import call_command

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_rerender_rebuilds_stale_html_without_touching_updated_at():
    article = make_article(body="**要点**\n\n本文です。")
    Article.objects.filter(pk=article.pk).update(body_html="<p>古い HTML</p>", reading_time=99, summary="古い")
    before = Article.objects.get(pk=article.pk).updated_at

    out = StringIO()
    call_command("rerender_articles", stdout=out, stderr=StringIO())

    article.refresh_from_db()
    assert '<h2 id="要点">要点</h2>' in article.body_html
    assert article.reading_time == 1
    assert article.summary == "本文です。"
    assert article.updated_at == before
    assert "1 件の表示用データを作り直しました" in out.getvalue()


def test_rerender_reports_nothing_to_do_when_current():
    make_article()
    out = StringIO()

    call_command("rerender_articles", stdout=out, stderr=StringIO())

    assert "0 件の表示用データを作り直しました" in out.getvalue()
