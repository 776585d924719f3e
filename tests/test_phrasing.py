"""Japanese titles and headings break only between phrases: <wbr> stored once, never in <title>, og or feeds."""

import json

import pytest

from articles.markdown import render_markdown, sanitize_html
from articles.phrasing import phrase_html, phrase_text, strip_wbr
from tests.factories import make_article


def test_a_title_gets_wbr_between_phrases_but_never_inside_a_number_or_a_latin_word():
    phrased = phrase_text("2027年の論点：日本企業の生成AI投資は回収できるか")

    assert phrased == "2027年の<wbr>論点：<wbr>日本企業の<wbr>生成AI投資は<wbr>回収できるか"
    assert "202<wbr>7" not in phrased  # BudouX alone cuts 202|7年の


def test_no_phrase_is_one_character_and_a_word_after_a_colon_stays_whole():
    """BudouX alone gives 「J-RE|IT：分|配金と」 and 「現在|地」."""
    assert phrase_text("J-REIT：分配金と物件価値") == "J-REIT：<wbr>分配金と<wbr>物件価値"
    assert phrase_text("再編の現在地").endswith("現在地")
    assert phrase_text("「見通し」は明るいのか？") == "「見通し」は<wbr>明るいのか？"


def test_text_without_japanese_is_left_alone_and_markup_in_a_title_is_escaped():
    assert phrase_text("NVIDIA H100 and AMD MI300") == "NVIDIA H100 and AMD MI300"
    assert "<script>" not in phrase_text("<script>alert(1)</script>日本企業の見通し")
    assert "&lt;script&gt;" in phrase_text("<script>alert(1)</script>日本企業の見通し")


def test_phrasing_html_keeps_tags_and_entities():
    phrased = phrase_html("日本企業の<strong>「見通し」</strong>と&amp;&lt;b&gt;の関係")

    assert "<strong>「見通し」</strong>" in phrased and "&amp;&lt;b&gt;" in phrased and "<wbr>" in phrased
    assert strip_wbr(phrased) == "日本企業の<strong>「見通し」</strong>と&amp;&lt;b&gt;の関係"


def test_headings_in_stored_html_break_between_phrases_and_paragraphs_do_not():
    html = render_markdown("## 日本企業の生成AI投資の論点\n\n本文の段落は日本企業の生成AI投資を扱います。")

    assert '<h2 id="日本企業の生成ai投資の論点">日本企業の<wbr>生成AI投資の<wbr>論点</h2>' in html
    assert "<p>本文の段落は日本企業の生成AI投資を扱います。</p>" in html
    assert sanitize_html(html) == html  # stored HTML stays inside the sanitizer's allow-list


@pytest.mark.django_db
def test_pages_show_the_phrased_title_but_title_og_and_feeds_do_not(client):
    article = make_article(title="半導体サプライチェーン再編の現在地", body="## 日本企業の役割\n\n本文。")

    served = client.get(article.get_absolute_url()).served_content.decode()
    home = client.get("/").served_content.decode()
    feed = client.get("/feed/json/").content.decode()

    assert article.title_html == "半導体<wbr>サプライチェーン再編の<wbr>現在地"  # not 現在<wbr>地
    assert f'<h1 class="article__title">{article.title_html}</h1>' in served
    assert "日本企業の<wbr>役割</h2>" in served
    assert f">{article.title_html}</a>" in home
    assert f"<title>{article.title} | ALLFORCES</title>" in served
    assert f'<meta property="og:title" content="{article.title}">' in served
    assert "<wbr>" not in feed and json.loads(feed)["items"][0]["title"] == article.title
    assert "日本企業の役割</h2>" in json.loads(feed)["items"][0]["content_html"]


@pytest.mark.django_db
def test_the_migration_phrases_stored_titles_and_headings_and_its_reverse_removes_them():
    """Migration 0014 re-renders articles stored before phrasing; going back leaves headings without <wbr>."""
    import importlib

    from django.apps import apps

    from articles.models import Article

    article = make_article(title="日本企業の生成AI投資", body="## 日本企業の役割\n\n本文。")
    Article.objects.filter(pk=article.pk).update(title_html="", body_html='<h2 id="日本企業の役割">日本企業の役割</h2>')
    migration = importlib.import_module("articles.migrations.0014_rerender_phrases")

    migration.rerender(apps, None)
    stored = Article.objects.get(pk=article.pk)

    assert stored.title_html == "日本企業の<wbr>生成AI投資"
    assert "日本企業の<wbr>役割</h2>" in stored.body_html

    migration.forget_phrases(apps, None)

    assert '<h2 id="日本企業の役割">日本企業の役割</h2>' in Article.objects.get(pk=article.pk).body_html


@pytest.mark.django_db
def test_search_results_titles_break_between_phrases_around_the_marked_terms(client):
    make_article(title="2027年に向けた市場展望：金利・為替・エネルギーの三つの焦点", body="金利の本文。")

    served = client.get("/search/", {"q": "金利"}).served_content.decode()

    # the same breaks as the title has everywhere else (stored at save), with the marks placed among them
    assert "2027年に<wbr>向けた<wbr>市場展望：<wbr><mark>金利</mark>・為替・エネルギーの<wbr>三つの<wbr>焦点" in served
