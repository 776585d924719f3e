import contextlib
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from articles import search
from articles.management.commands.evaluate_search import DEFAULT_JUDGEMENTS, evaluate, load_judgements
from articles.models import Article
from articles.search_index import ArticleSearchGrams, ArticleSearchIndex
from tests.conftest import FIXTURES
from tests.factories import make_article, make_author, make_category

DEMO_ARCHIVE = Path(__file__).resolve().parents[1] / "demo" / "archive"
SEARCH = reverse("articles:search")

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def sql_sent():
    """The statements this connection sends within the block, as written (placeholders, not values)."""
    sent = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield sent


def found(text, articles=None):
    """Titles found for `text`, best first."""
    results = search.search(articles or Article.objects.published(), search.parse_query(text))
    return [article.title for article in results]


# --- text, n-grams and queries, no database ----------------------------------------------------


def test_normalize_folds_width_case_and_the_middle_dot_for_the_index_and_the_query_only():
    assert search.normalize("ＡＷＳ　Ｔｒａｉｎｉｕｍ") == "aws trainium"
    assert search.normalize("ﾃﾞｰﾀｾﾝﾀｰ") == "データセンター"
    assert search.normalize("データ・センター") == "データセンター"
    assert search.normalize("㍿") == "株式会社"


def test_runs_end_at_punctuation_spaces_and_where_japanese_meets_latin_letters():
    assert search.runs(search.normalize("生成AIの推論、NVIDIA H100（汎用）")) == [
        "生成", "ai", "の推論", "nvidia", "h100", "汎用",
    ]  # fmt: skip


def test_documents_hold_characters_bigrams_and_word_starts_but_no_bigram_across_punctuation():
    grams = search.document_grams("半導体、AWS")

    assert {"半", "半導", "導体", "aw", "ws", "_a", "_aw"} <= grams
    assert "体a" not in grams and "体、" not in grams


def test_a_term_needs_its_bigrams_its_single_character_or_for_a_latin_word_its_start():
    assert search.term_grams(("推論",)) == {"推論"}
    assert search.term_grams(("半導体",)) == {"半導", "導体"}
    assert search.term_grams(("株",)) == {"株"}
    assert search.term_grams(("ot",)) == {"ot", "_ot"}


def test_query_terms_are_split_on_half_and_full_width_spaces_and_deduplicated():
    query = search.parse_query("  推論　コスト 推論 ")

    assert query.text == "推論 コスト 推論"
    assert query.terms == (("推論",), ("コスト",))


def test_unprintable_characters_and_lone_surrogates_never_reach_a_query():
    query = search.parse_query("推\x00論\x07\ud800\ufffd\u200bコスト")

    assert query.text == "推 論 コスト"
    assert query.terms == (("推",), ("論",), ("コスト",))


def test_queries_without_letters_or_digits_are_empty():
    for text in ("", "   \u3000 ", "& | ! ( ) : * ' \" \\", "。、「」…"):
        assert not search.parse_query(text)


def test_long_queries_are_capped_in_characters_and_terms():
    long_query = search.parse_query("あ" * 10_000)
    many_terms = search.parse_query(" ".join(f"語{number}" for number in range(50)))

    assert long_query.truncated and len(long_query.text) == search.MAX_QUERY_CHARACTERS
    assert len(long_query.grams()) == 1  # あ and あああ… need the same bigram
    assert many_terms.truncated and len(many_terms.terms) == search.MAX_TERMS
    assert search.parse_query("\x00" * 1_000_000 + "推論").truncated  # megabytes are cut before any work


def test_highlight_escapes_html_and_keeps_the_readers_characters():
    html = search.highlight("<b>ＡＷＳ</b> と aws の推論", search.parse_query("AWS 推論"))

    assert html == "&lt;b&gt;<mark>ＡＷＳ</mark>&lt;/b&gt; と <mark>aws</mark> の<mark>推論</mark>"


def test_latin_words_are_highlighted_only_where_a_word_starts():
    html = search.highlight("spot と OT", search.parse_query("ot"))

    assert html == "spot と <mark>OT</mark>"


def test_snippet_shows_the_sentence_with_the_most_terms_with_ellipses():
    text = "前置きの文です。" * 20 + "推論だけの文。" + "推論のコストを下げる方法を考える。" + "後書き。" * 40

    snippet = search.snippet(text, search.parse_query("推論 コスト"))

    assert snippet.startswith("…<mark>推論</mark>の<mark>コスト</mark>を下げる")
    assert snippet.endswith("…")
    assert search.snippet(text, search.parse_query("量子")) is None


# --- matching and ranking --------------------------------------------------------------------


def test_japanese_terms_of_two_characters_and_more_are_found():
    make_article(title="生成AIの推論コスト", body="推論用のチップと半導体の話。")
    make_article(title="為替の話", body="円相場を読む。")

    for term in ("推論", "半導体", "チップ", "コスト"):
        assert found(term) == ["生成AIの推論コスト"], term
    assert found("量子") == []


def test_a_term_of_japanese_and_latin_letters_matches_only_where_its_parts_are_next_to_each_other():
    """生成AI is two runs (script changes inside it): an article with 生成 in one place and AI in another is not
    about 生成AI, whether or not another article is."""
    make_article(title="生成AIの電力", body="生成ＡＩは電力を食う。AI投資も膨らむ。")
    make_article(title="画像の生成とAIの規制", body="画像を生成する。AIと投資の規制の話。")

    assert found("生成AI") == ["生成AIの電力"]
    assert found("AI投資") == ["生成AIの電力"]
    assert found("生成A") == ["生成AIの電力"]  # a Latin word still matches from its start
    Article.objects.filter(title="生成AIの電力").delete()
    assert found("生成AI") == [] and found("AI投資") == []


def test_mixed_terms_match_whatever_the_width_and_case():
    make_article(title="推論チップ", body="AWS Trainium と AWS Inferentia を比べる。")

    for text in ("AWS Trainium", "aws trainium", "ＡＷＳ　ｔｒａｉｎｉｕｍ", "Train", "inferentia"):
        assert found(text) == ["推論チップ"], text


def test_latin_words_match_from_their_start_only():
    make_article(title="工場のOTセキュリティ", body="OT と IT の違い。")
    make_article(title="クラウドの割引", body="Spot instances are cheaper.")

    assert found("OT") == ["工場のOTセキュリティ"]


def test_every_term_must_match():
    make_article(title="半導体と推論", body="本文。")
    make_article(title="半導体だけ", body="本文。")

    assert found("半導体 推論") == ["半導体と推論"]
    assert found("半導体 ビットコイン") == []


def test_a_one_character_term_matches_wherever_the_character_is():
    make_article(title="株価の見方", body="本文。")
    make_article(title="日本株の展望", body="本文。")
    make_article(title="為替の話", body="本文。")

    assert sorted(found("株")) == ["日本株の展望", "株価の見方"]


def test_title_matches_rank_above_tags_and_excerpt_above_body_then_newer_first():
    now = timezone.now()
    make_article(title="市場の話（古い）", body="半導体の需要。", published_at=now - timedelta(days=5))
    make_article(title="市場の話（新しい）", body="半導体の需要。", published_at=now - timedelta(days=2))
    make_article(title="別の話", body="本文。", tags=["半導体"], published_at=now - timedelta(days=1))
    make_article(title="半導体の見通し", body="本文。", published_at=now - timedelta(days=9))

    assert found("半導体") == ["半導体の見通し", "別の話", "市場の話（新しい）", "市場の話（古い）"]


def test_more_terms_in_the_title_rank_above_fewer():
    now = timezone.now()
    make_article(title="半導体", body="需要がある。", published_at=now - timedelta(days=1))
    make_article(title="半導体の需要", body="本文。", published_at=now - timedelta(days=3))
    make_article(title="市場", body="半導体の需要。", published_at=now - timedelta(hours=2))

    assert found("半導体 需要") == ["半導体の需要", "半導体", "市場"]


def test_only_published_articles_are_found_and_a_scheduled_one_when_it_goes_live():
    make_article(title="下書きの半導体", status=Article.Status.DRAFT)
    make_article(title="非公開の半導体", status=Article.Status.UNPUBLISHED)
    make_article(
        title="予約の半導体", status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1)
    )

    assert found("半導体") == []
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert found("半導体") == ["予約の半導体"]


def test_updating_the_index_follows_the_live_text_and_removing_forgets_it():
    article = make_article(title="量子の話", body="量子ビット。")
    article.title, article.body = "為替の話", "円相場。"
    article.save()
    assert found("円相場") == []  # saving does not index: the workflow calls update_search_index

    search.update_search_index(article)
    assert found("円相場") == ["為替の話"]
    assert found("量子") == []

    search.remove_from_search_index(article)
    assert found("円相場") == []


def test_deleting_an_article_deletes_its_index_row():
    article = make_article(title="量子の話")

    article.delete()

    assert not ArticleSearchIndex.objects.exists()
    assert found("量子") == []


def test_rebuild_search_index_command_indexes_every_article_and_reports():
    make_article(title="索引のない量子の話", index=False)
    make_article(title="索引のない下書きの量子", index=False, status=Article.Status.DRAFT)
    out = StringIO()

    call_command("rebuild_search_index", stdout=out, stderr=StringIO())

    assert "2 件の記事を" in out.getvalue()
    assert ArticleSearchIndex.objects.count() == 2
    assert found("量子") == ["索引のない量子の話"]


def test_a_rebuild_that_changes_nothing_writes_nothing():
    """Deleting and inserting every row left PostgreSQL's tables and GIN index three times their size after
    each rebuild, and searches slower until a VACUUM FULL."""
    for number in range(3):
        make_article(title=f"量子と半導体{number}", body=f"東京都の量子計算、その{number}。", tags=["AI"])
    with sql_sent() as sent:
        rebuilt = search.rebuild_search_index(batch_size=2)

    assert rebuilt == (3, 0)
    writes = [sql for sql in sent if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert len(found("量子")) == 3


def test_a_rebuild_writes_only_the_articles_whose_index_changed_and_finds_their_new_text():
    kept, changed, other = (make_article(title=f"半導体の記事{number}") for number in range(3))
    before = dict(ArticleSearchIndex.objects.values_list("article_id", "indexed_at"))
    Article.objects.filter(pk=changed.pk).update(body_html="<p>量子計算の話。</p>")  # not indexed on the way
    ArticleSearchGrams.objects.filter(pk=other.pk).delete()
    assert found("量子計算") == []

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert search.rebuild_search_index() == (3, 2)

    assert found("量子計算") == [changed.title]
    assert len(found("半導体")) == 3
    after = dict(ArticleSearchIndex.objects.values_list("article_id", "indexed_at"))
    assert after[kept.pk] == before[kept.pk] and after[other.pk] == before[other.pk]
    assert after[changed.pk] > before[changed.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM is PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_rebuild_that_rewrote_rows_vacuums_the_index_tables_on_postgresql():
    for number in range(3):
        make_article(title=f"量子と半導体{number}")

    def vacuums():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(SUM(vacuum_count), 0) FROM pg_stat_user_tables WHERE relname IN "
                "('articles_articlesearchindex', 'articles_articlesearchgrams')"
            )
            return cursor.fetchone()[0]

    before = vacuums()  # counted since the test database was made
    search.rebuild_search_index()
    assert vacuums() == before  # nothing rewritten, nothing to tidy
    ArticleSearchGrams.objects.all().delete()
    search.rebuild_search_index()
    assert vacuums() == before + 2
    assert len(found("量子")) == 3


@pytest.mark.django_db(transaction=True)
def test_rebuilding_in_several_processes_stores_what_one_process_stores():
    """rebuild_search_index() analyses in forked processes on a big archive (the analysis is ~12 ms an article):
    the rows are the same as one process makes, and this process's connection is still usable afterwards."""
    for number in range(7):
        make_article(title=f"量子と半導体{number}", body=f"東京都の量子計算、その{number}。", tags=["AI"], index=False)

    def rows():
        words = ArticleSearchIndex.objects.order_by("pk").values_list("article_id", "title", "keywords", "lead", "body")
        grams = ArticleSearchGrams.objects.order_by("pk").values_list("article_id", "grams")
        return list(words), [(pk, sorted(str(value).split())) for pk, value in grams]

    assert search.rebuild_search_index(batch_size=3, processes=1) == (7, 7)
    alone = rows()
    ArticleSearchIndex.objects.all().delete()
    ArticleSearchGrams.objects.all().delete()
    assert search.rebuild_search_index(batch_size=3, processes=2) == (7, 7)

    assert rows() == alone and len(alone[0]) == 7
    assert len(found("量子")) == 7


def test_imported_posts_are_indexed():
    call_command("import_jekyll", str(FIXTURES / "jekyll" / "good"), stdout=StringIO(), stderr=StringIO(), verbosity=0)

    assert "半導体の見通し" in found("半導体")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index exists on PostgreSQL only")
def test_postgresql_answers_a_search_from_the_gin_index_even_for_a_term_in_every_article():
    """Without the index the planner would read every article's tsvector for a term they all hold."""
    author, category, now = make_author(), make_category(), timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"記事{number}",
            slug=f"article-{number}",
            body="推論のコスト。",
            body_html=f"<p>推論のコスト。{'為替と金利の話。' * 50}</p>",
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=number + 1),
            author=author,
            category=category,
        )
        for number in range(1000)
    )
    search.rebuild_search_index()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article, articles_articlesearchindex, articles_articlesearchgrams")
    results = search.search(Article.objects.published(), search.parse_query("推論 コスト"))

    plan = results.matching().explain()

    assert "Bitmap Index Scan on articles_search_grams_gin" in plan, plan
    assert "Seq Scan on articles_articlesearchgrams" not in plan, plan
    assert results.count() == 1000


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL planner setting")
def test_a_term_in_most_articles_is_matched_by_a_hash_join_that_leaves_the_connection_as_it_was(
    monkeypatch,
):
    """The planner cannot see the lexemes (see _GinMatch), so for a term in most articles search.py turns nested
    loops off for its matching query only: the same results, and the caller's transaction goes on with them on."""
    now = timezone.now()
    for number in range(6):
        make_article(title=f"半導体{number}", body="半導体の需要。", published_at=now - timedelta(hours=number + 1))
    make_article(title="為替", body="為替の話。", published_at=now - timedelta(hours=9))
    expected = found("半導体")
    monkeypatch.setattr(search, "HASH_JOIN_MATCHES", 1)

    with sql_sent() as sent:
        hashed = found("半導体")
        assert found("為替") == ["為替"]  # one article in seven: planned as usual

    assert hashed == expected
    assert sum("enable_nestloop = off" in sql for sql in sent) == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_nestloop")
        assert cursor.fetchone() == ("on",)


# --- the page --------------------------------------------------------------------------------


def test_every_page_has_a_labelled_search_box(client):
    html = client.get(reverse("articles:home")).content.decode()

    assert '<form class="site-search" role="search"' in html
    assert 'action="/search/"' in html
    assert '<label class="visually-hidden" for="site-search-q">' in html


def test_search_page_shows_title_snippet_date_category_and_count(client):
    category = make_category("技術動向")
    make_article(
        title="生成AIの推論コスト",
        body="前置き。\n\n推論の<コスト>は下がるのか。",
        category=category,
        published_at=timezone.make_aware(timezone.datetime(2025, 12, 21, 9, 0)),
    )

    response = client.get(SEARCH, {"q": "推論"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>「推論」の検索結果 | ALLFORCES</title>" in html
    assert '<meta name="robots" content="noindex">' in html
    assert "1 件の記事が見つかりました" in html
    assert "生成AIの<mark>推論</mark>コスト</a>" in html
    assert "<mark>推論</mark>の&lt;コスト&gt;は下がるのか" in html
    assert "2025年12月21日" in html
    assert 'href="/category/' in html and ">技術動向</a>" in html


def test_search_page_without_a_query_asks_for_one(client):
    make_article(title="推論の話")

    response = client.get(SEARCH)

    assert response.status_code == 200
    assert "検索語を入力してください" in response.content.decode()
    assert list(response.context["articles"]) == []


def test_a_search_that_finds_nothing_offers_what_readers_are_reading_and_one_that_finds_does_not(client):
    """No match is not a dead end: the page lists the most read articles, as the front page's ranking does."""
    from articles.models import ArticleViewCount
    from articles.readership import hour_of

    read = make_article(title="今日よく読まれた半導体の記事")
    ArticleViewCount.objects.add({(read.pk, hour_of(timezone.now())): 30})

    nothing = client.get(SEARCH, {"q": "ビットコイン"}).content.decode()
    found_some = client.get(SEARCH, {"q": "半導体"}).content.decode()

    assert "一致する記事はありませんでした" in nothing
    assert "アクセスランキング" in nothing and "今日よく読まれた半導体の記事" in nothing[nothing.index("ranking") :]
    assert "アクセスランキング" not in found_some


def test_search_page_filters_by_category_and_tag(client):
    tech, market = make_category("技術動向"), make_category("市場レポート")
    make_article(title="技術の半導体", category=tech, tags=["AI"])
    make_article(title="市場の半導体", category=market)
    make_article(title="その他の半導体", category=market, secondary_categories=[tech])

    by_category = client.get(SEARCH, {"q": "半導体", "category": tech.slug}).context["articles"]
    by_tag = client.get(SEARCH, {"q": "半導体", "tag": "ai"}).context["articles"]

    assert sorted(article.title for article in by_category) == ["その他の半導体", "技術の半導体"]
    assert [article.title for article in by_tag] == ["技術の半導体"]


@pytest.mark.parametrize("params", [{"category": "存在しない"}, {"tag": "存在しない"}, {"category": "a\x00b"}])
def test_unknown_or_malformed_filters_are_404(client, params):
    make_article(title="半導体の話")

    assert client.get(SEARCH, {"q": "半導体", **params}).status_code == 404


def test_search_results_are_paginated_with_the_query_kept(client, settings):
    settings.ARTICLES_PER_PAGE = 2
    for number in range(5):
        make_article(title=f"半導体その{number}")

    first = client.get(SEARCH, {"q": "半導体"})
    last = client.get(SEARCH, {"q": "半導体", "page": 3})

    assert len(first.context["articles"]) == 2 and len(last.context["articles"]) == 1
    assert 'href="?q=%E5%8D%8A%E5%B0%8E%E4%BD%93&amp;page=2"' in first.content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "99", "-1", "%00"])
def test_bad_page_numbers_are_404(client, page):
    make_article(title="半導体の話")

    assert client.get(SEARCH, {"q": "半導体", "page": page}).status_code == 404


HOSTILE_QUERIES = [
    "",
    "   \u3000\t",
    "あ" * 10_000,
    "a" * 10_000,
    "推論 " * 2_000,
    "\x00",
    "推\x00論",
    "\x01\x02\x1b[31m\x7f",
    "' OR 1=1 --",
    "'; DROP TABLE articles_article; --",
    "%_\\",
    ".*[(\\",
    "& | ! ( ) : * <-> <2>",
    "'推論':* & !'コスト'",
    '"推論" NEAR(a b) OR * ^',
    "推論 AND OR NOT",
    "<script>alert(1)</script>",
    "\ufeff\u200b\u202e",
    "\U0001f600\U0001f600",
    "ﾃﾞｰﾀ" * 500,
]


@pytest.mark.parametrize("text", HOSTILE_QUERIES)
def test_hostile_queries_get_a_friendly_page(client, text):
    make_article(title="推論のコスト", body="本文。")

    response = client.get(SEARCH, {"q": text}, follow=True)

    assert response.status_code == 200
    assert len(response.redirect_chain) <= 1, "at most one redirect, to the canonical spelling"
    assert "<script>alert" not in response.content.decode()


def test_undecodable_bytes_and_lone_surrogates_in_the_url_get_a_friendly_page(client):
    make_article(title="推論のコスト")

    for raw in ("q=%ED%A0%80", "q=%FF%FE", "q=%E6%8E%A8%E8%AB%96%ED%A0%80", "q=%00%00&category=%ED%A0%80"):
        response = client.get(f"{SEARCH}?{raw}", follow=True)
        assert response.status_code in {200, 404}, raw
    found = client.get(f"{SEARCH}?q=%E6%8E%A8%E8%AB%96%ED%A0%80", follow=True)
    assert found.context["articles"][0].title == "推論のコスト"


@pytest.mark.usefixtures("cache_off_the_database")
@pytest.mark.parametrize("count", [1, 12])
def test_result_page_query_count_does_not_grow_with_results(client, django_assert_max_num_queries, count):
    category = make_category("技術動向")
    for number in range(count):
        make_article(title=f"推論その{number}", category=category, tags=["AI"])

    search.synonym_groups()  # the 同義語辞書 is read once, then cached until an editor changes it
    # navigation, tag, the matches (how many, and the newest to rank), BM25's statistics (articles, mean
    # length, per term how many), the ranked ones' fields, the page's articles
    with django_assert_max_num_queries(6):
        response = client.get(SEARCH, {"q": "推論", "tag": "ai"})
    assert len(response.context["hits"]) == count


# --- quality on the demo archive ---------------------------------------------------------------


def test_judged_queries_on_the_demo_archive_have_high_precision_and_recall():
    call_command("import_jekyll", str(DEMO_ARCHIVE), stdout=StringIO(), stderr=StringIO(), verbosity=0)
    judgements = load_judgements(DEFAULT_JUDGEMENTS)

    scores, precision, recall = evaluate(judgements)

    assert len(judgements) >= 40
    assert sum(not judgement.expected for judgement in judgements) >= 5  # queries that should find nothing
    assert precision > 0.9, [(s.judgement.query, s.found) for s in scores if s.precision < 1]
    assert recall > 0.9, [(s.judgement.query, s.found) for s in scores if s.recall < 1]


def test_evaluate_search_command_prints_precision_and_recall():
    call_command("import_jekyll", str(DEMO_ARCHIVE), stdout=StringIO(), stderr=StringIO(), verbosity=0)
    out = StringIO()

    call_command("evaluate_search", stdout=out)

    assert "precision@5 0.9" in out.getvalue() and "recall@10 " in out.getvalue()


# --- words (SudachiPy), adjacency, phrases and BM25 (#20) -------------------------------------------


def test_a_word_inside_another_word_is_not_the_word():
    """京都 in 東京都 is not Kyoto; 京都市 is (Sudachi's short units: 東京 都, 京都 市)."""
    make_article(title="東京都の予算", body="都の住宅支援。")
    make_article(title="京都の観光", body="ホテル価格が上がった。")
    make_article(title="京都市の宿泊税", body="税を引き上げる。")

    assert sorted(found("京都")) == ["京都の観光", "京都市の宿泊税"]
    assert found("東京") == ["東京都の予算"]


def test_terms_held_only_inside_words_are_found_when_nothing_holds_them_whole():
    make_article(title="電力量の計測", body="計測器の話。")  # 電力 only inside one dictionary word, if any

    assert found("電力") == ["電力量の計測"]


def test_spelling_variants_fold_to_one_word():
    make_article(title="AIサーバーの電力", body="冷却が課題。")
    make_article(title="組込みソフトの人材", body="技術者が足りない。")
    make_article(title="政策金利の引上げ", body="住宅ローンの負担。")

    assert found("サーバ") == ["AIサーバーの電力"]
    assert found("組み込み") == ["組込みソフトの人材"]
    assert found("引き上げ") == ["政策金利の引上げ"]


def test_a_term_matches_only_where_its_characters_are_adjacent():
    make_article(title="半導と導体", body="半導は造語、導体は物質。")  # 半導体's bigrams, apart
    make_article(title="半導体の需要", body="本文。")

    assert found("半導体") == ["半導体の需要"]


def test_quotes_search_a_phrase():
    make_article(title="金利の上昇が続く", body="本文。")
    make_article(title="金利の話、その上昇は速い", body="本文。")  # every bigram of 金利の上昇, not in a row

    assert found("「金利の上昇」") == ["金利の上昇が続く"]
    assert found('"金利の上昇"') == ["金利の上昇が続く"]
    assert sorted(found("金利 上昇")) == ["金利の上昇が続く", "金利の話、その上昇は速い"]


def test_an_article_about_the_term_outranks_a_newer_one_that_mentions_it():
    now = timezone.now()
    make_article(title="週間市場まとめ", body="半導体は横ばい。為替は円安。", published_at=now - timedelta(hours=1))
    make_article(
        title="設備投資の行方",
        body="半導体の需要が続く。半導体メーカーは増産し、半導体の価格も上がる。",
        published_at=now - timedelta(days=30),
    )

    assert found("半導体") == ["設備投資の行方", "週間市場まとめ"]


def test_only_the_newest_matches_are_ranked_and_older_ones_follow_by_date(monkeypatch):
    """Ranking reads each ranked match's fields, so a search with more matches than RANKED_MATCHES ranks the
    newest of them and lists the rest after them, newest first."""
    monkeypatch.setattr(search, "RANKED_MATCHES", 2)
    now = timezone.now()
    make_article(title="半導体の深掘り", body="半導体。" * 5, published_at=now - timedelta(days=30))
    make_article(title="古いまとめ", body="半導体は横ばい。", published_at=now - timedelta(days=20))
    make_article(title="新しいまとめ", body="半導体は横ばい。", published_at=now - timedelta(days=2))
    make_article(title="半導体の見通し", body="半導体の需要。", published_at=now - timedelta(days=3))

    assert found("半導体") == ["半導体の見通し", "新しいまとめ", "古いまとめ", "半導体の深掘り"]


def test_the_archives_size_and_mean_length_are_read_once_and_again_after_the_index_changes():
    """BM25's N and mean length: reading every row's length costs a search 1 ms at 10,000 articles and grows
    with the archive, so they are cached; any write of the index forgets them."""
    make_article(title="半導体の需要")

    with sql_sent() as sent:
        found("半導体")
        found("需要")
    assert sum("AVG(length)" in sql for sql in sent) == 1
    index = search._Index(connection.alias)
    assert index.statistics([index.query([{"半導"}])])[0] == 1.0

    make_article(title="半導体の供給", body="長い本文。" * 40)

    total, average_length, _counts = index.statistics([index.query([{"半導"}])])
    assert total == 2.0 and average_length > 10


def test_terms_near_each_other_score_a_proximity_bonus():
    now, filler = timezone.now(), "前置き。" * 80
    make_article(title="記事A", body=f"需要の話。{filler}量子の話。", published_at=now - timedelta(hours=1))
    make_article(title="記事B", body=f"需要と量子の話。{filler}終わり。", published_at=now - timedelta(days=9))

    assert found("需要 量子") == ["記事B", "記事A"]


def test_the_analyser_loads_on_first_use_and_once_per_process():
    from articles import search_text

    search_text._analyser.cache_clear()
    search_text.run_words.cache_clear()
    search_text.run_words("半導体の需要")
    search_text.run_words("京都の観光")

    assert search_text._analyser.cache_info().misses == 1
    code = "import django; django.setup(); import articles.search, sys; print('sudachipy' in sys.modules)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "allforces.settings", "DEBUG": "1"}
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)  # noqa: S603
    assert loaded.stdout.strip() == "False"


def test_normalize_is_nfkc_and_case_folding_for_every_character_its_fast_path_replaces():
    """normalize() decomposes common compatibility characters itself before NFKC's quick check (speed); the
    result must be what full NFKC and case folding give, combining marks and half-width kana included."""
    import random
    import unicodedata

    def reference(text):
        return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()).replace("・", "")

    blocks = [*range(0x2000, 0x2070), *range(0x2460, 0x2500), *range(0x3000, 0x3100), *range(0x3200, 0x3400)]
    blocks += [*range(0xF900, 0xFB00), *range(0xFF00, 0xFFF0)]
    pool = [*map(chr, blocks), *"aAßİ漢字カナか\u0301\u3099\u309a"]
    rng = random.Random(20)
    samples = ["ｶﾞｽ①㍿…　（ＡＩ）", "か\u3099"]
    samples += ["".join(rng.choices(pool, k=rng.randint(1, 6))) for _ in range(20_000)]
    assert [search.normalize(text) for text in samples] == [reference(text) for text in samples]


def test_highlights_map_folded_matches_back_to_the_readers_characters_on_every_path():
    """_fold_with_sources() skips the cluster-by-cluster walk when nothing can merge; where it does, the walk
    must give the same folding and sources (full-width letters, ｶﾞ, combining accents, ㍿, the middle dot)."""
    import random

    from articles import search_text

    pool = [*"ＡＩａｉ推論ｶﾞｶ㍿①・ﾟ（）：aéİß𠮷", "e\u0301", "\u3099"]
    rng = random.Random(4)
    fast = 0
    for _ in range(5_000):
        text = "".join(rng.choices(pool, k=rng.randint(1, 10)))
        folded, sources = search_text._fold_with_sources(text)
        walked, walked_sources = search_text._fold_walking(text)
        assert (folded, [sources[position] for position in range(len(folded))]) == (walked, walked_sources), text
        fast += len(search.normalize(text)) == len(text) and not search_text._may_merge().search(text)
    assert fast > 500  # the fast path was taken often enough to be compared
    assert search.highlight("ＡＩ推論", search.parse_query("ai")) == "<mark>ＡＩ</mark>推論"
    assert search.highlight("ｶﾞｽと推論", search.parse_query("ガス")) == "<mark>ｶﾞｽ</mark>と推論"
    assert search.highlight("データ・センター", search.parse_query("データセンター")) == "<mark>データ・センター</mark>"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL connection setting")
def test_postgresql_binds_a_searchs_parameters_on_the_server():
    """DATABASE_SERVER_SIDE_BINDING (default on): the ranked ids and the lexemes go apart from the query's text,
    not quoted into it by psycopg in Python (bench-search: the median search 16.4 → 13.5 ms)."""
    import psycopg

    make_article(title="半導体の需要")

    with sql_sent() as sent:
        assert found("半導体") == ["半導体の需要"]

    with connection.cursor() as cursor:
        assert not isinstance(cursor.cursor, psycopg.ClientCursor)
    assert any("ANY(%s)" in sql for sql in sent)  # the ranked ids: one array, bound by PostgreSQL
