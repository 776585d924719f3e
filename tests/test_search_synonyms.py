"""The 同義語辞書: applied when a query is read (no re-indexing), managed by 編集長 only, in Japanese."""

import pytest
from django.urls import reverse

from articles import search
from articles.desk import permissions
from articles.desk.roles import EDITOR, EDITOR_IN_CHIEF, WRITER
from articles.models import Article, Synonym
from tests.factories import make_article

pytestmark = pytest.mark.django_db
SEARCH = reverse("articles:search")


def found(text):
    return [article.title for article in search.search(Article.objects.published(), search.parse_query(text))]


def test_the_starter_list_finds_companies_in_latin_letters_and_katakana_both_ways():
    make_article(title="エヌビディアの決算", body="データセンター向けが伸びた。")
    make_article(title="NVIDIAの新製品", body="推論向けの新しいチップ。")
    make_article(title="為替の話", body="円相場を読む。")

    assert sorted(found("NVIDIA")) == ["NVIDIAの新製品", "エヌビディアの決算"]
    assert sorted(found("エヌビディア")) == ["NVIDIAの新製品", "エヌビディアの決算"]
    assert sorted(found("供給網")) == sorted(found("サプライチェーン")) == []


def test_a_new_entry_applies_to_the_next_search_without_reindexing(client, django_capture_on_commit_callbacks, desk):
    make_article(title="蓄電池の採算", body="系統用の蓄電池。")
    assert client.get(SEARCH, {"q": "バッテリー"}).context["hits"] == []

    client.force_login(desk[EDITOR_IN_CHIEF])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_synonym_add"), {"words": "蓄電池 ＝ バッテリー", "note": ""})

    assert response.status_code == 302
    assert Synonym.objects.get(note="").words == "蓄電池 = バッテリー"
    hits = client.get(SEARCH, {"q": "バッテリー"}).context["hits"]
    assert [hit.article.title for hit in hits] == ["蓄電池の採算"]
    assert "<mark>蓄電池</mark>" in hits[0].title


def test_quoted_terms_are_not_expanded():
    make_article(title="エヌビディアの決算", body="本文。")

    assert found("「NVIDIA」") == []


def test_an_entry_needs_two_words_and_says_so_in_japanese(client, desk):
    client.force_login(desk[EDITOR_IN_CHIEF])

    response = client.post(reverse("admin:articles_synonym_add"), {"words": "NVIDIA", "note": ""})

    assert response.status_code == 200
    assert "「=」で区切って 2 語以上" in response.content.decode()
    assert not Synonym.objects.filter(words="NVIDIA").exists()


@pytest.mark.parametrize("role", [WRITER, EDITOR])
def test_only_the_editor_in_chief_sees_or_changes_the_dictionary(client, desk, role):
    entry = Synonym.objects.first()
    client.force_login(desk[role])

    assert not permissions.can_manage_synonyms(desk[role])
    assert client.get(reverse("admin:articles_synonym_changelist")).status_code == 403
    response = client.post(reverse("admin:articles_synonym_change", args=[entry.pk]), {"words": "A = B"})
    assert response.status_code == 403
    assert Synonym.objects.get(pk=entry.pk).words == entry.words
    assert permissions.can_manage_synonyms(desk[EDITOR_IN_CHIEF])


def test_the_admin_speaks_japanese(client, desk):
    client.force_login(desk[EDITOR_IN_CHIEF])

    html = client.get(reverse("admin:articles_synonym_changelist")).content.decode()

    assert "同義語辞書" in html and "NVIDIA = エヌビディア" in html
