"""Autosaves (articles/desk/autosave.py, articles/admin/autosave.py): what a person typed and did not save is
kept per person and article, offered back when the form opens, never shown to readers, and never kept over
someone else's newer save."""

import pytest
from django.test import Client
from django.urls import reverse

from articles.desk import roles, workflow
from articles.markdown import BODY_MAX_CHARACTERS
from articles.models import Article, Autosave
from tests.factories import make_article

pytestmark = pytest.mark.django_db
Status = Article.Status
WRITER, EDITOR, CHIEF = roles.WRITER, roles.EDITOR, roles.EDITOR_IN_CHIEF


def autosave_url(article=None):
    if article is None:
        return reverse("admin:articles_article_autosave_new")
    return reverse("admin:articles_article_autosave", args=[article.pk])


def typed(article, **changes):
    data = {"title": article.title, "slug": article.slug, "body": article.body, "excerpt": article.excerpt}
    data["loaded_version"] = article.edit_version
    data.update(changes)
    return data


@pytest.fixture
def draft(desk):
    return make_article(
        title="円安と輸出企業", body="最初の段落。", status=Status.DRAFT, published_at=None, created_by=desk[WRITER]
    )


def test_typed_text_is_offered_back_with_its_differences_and_the_article_is_unchanged(client, desk, draft):
    client.force_login(desk[WRITER])

    response = client.post(autosave_url(draft), typed(draft, title="円安と輸出企業の決算", body="書きかけの段落。"))
    assert response.status_code == 200 and "自動保存しました" in response.json()["message"]

    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert "保存されていない入力があります" in html and ">復元する</button>" in html
    assert "<ins>の決算</ins>" in html and "書きかけ" in html
    draft.refresh_from_db()
    assert (draft.title, draft.body) == ("円安と輸出企業", "最初の段落。")
    assert not draft.revisions.exists()  # an autosave is not a revision


def test_another_persons_save_stops_autosaves_and_the_old_one_cannot_be_restored(client, desk, draft):
    client.force_login(desk[EDITOR])
    client.post(autosave_url(draft), typed(draft, body="編集者の書きかけ。"))
    loaded = draft.edit_version
    workflow.record_saved_edit(draft, desk[CHIEF])  # someone else saves in between

    response = client.post(autosave_url(draft), typed(draft, body="さらに書いた。", loaded_version=loaded))

    assert response.status_code == 409 and "他の人が保存しました" in response.json()["message"]
    assert Autosave.objects.get(user=desk[EDITOR]).content["body"] == "編集者の書きかけ。"
    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()
    assert "復元できません" in html and ">復元する</button>" not in html
    assert "<ins>書きかけ</ins>" in html  # still readable, to copy from


def test_a_writer_cannot_autosave_someone_elses_article_and_anonymous_is_sent_to_log_in(client, desk, draft):
    other = make_article(status=Status.DRAFT, published_at=None, created_by=desk[EDITOR])

    assert Client().post(autosave_url(draft), typed(draft)).status_code == 302
    client.force_login(desk[WRITER])
    response = client.post(autosave_url(other), typed(other, body="乗っ取り"))
    assert response.status_code == 403 and "自分の記事だけ" in response.json()["message"]
    assert client.get(autosave_url(draft)).status_code == 405
    assert not Autosave.objects.exists()


def test_autosave_needs_the_csrf_token(desk, draft):
    client = Client(enforce_csrf_checks=True)
    client.force_login(desk[WRITER])

    assert client.post(autosave_url(draft), typed(draft, body="書きかけ")).status_code == 403
    assert not Autosave.objects.exists()


def test_an_autosave_over_the_body_limit_is_refused_with_a_reason(client, desk, draft):
    client.force_login(desk[WRITER])

    response = client.post(autosave_url(draft), typed(draft, body="あ" * (BODY_MAX_CHARACTERS + 1)))

    assert response.status_code == 413 and "文字" in response.json()["message"]
    assert not Autosave.objects.exists()


def test_a_never_saved_article_is_autosaved_and_offered_on_the_new_article_form(client, desk):
    client.force_login(desk[WRITER])

    client.post(autosave_url(), {"title": "まだ保存していない記事", "body": "新しい本文。", "loaded_version": ""})
    client.post(autosave_url(), {"title": "まだ保存していない記事（改）", "body": "新しい本文。"})

    assert Autosave.objects.filter(user=desk[WRITER], article=None).count() == 1
    html = client.get(reverse("admin:articles_article_add")).content.decode()
    assert "保存されていない入力があります" in html and "まだ保存していない記事（改）" in html


def test_saving_the_form_discards_the_autosave_and_discard_removes_it(client, desk, draft):
    from tests.test_admin import form_data

    client.force_login(desk[WRITER])
    client.post(autosave_url(draft), typed(draft, body="保存する本文。"))
    client.post(reverse("admin:articles_article_change", args=[draft.pk]), form_data(draft, body="保存する本文。"))
    assert not Autosave.objects.exists()

    draft.refresh_from_db()
    client.post(autosave_url(draft), typed(draft, body="やっぱり要らない。"))
    assert client.post(autosave_url(draft), {"discard": "1"}).json()["message"] == "自動保存を破棄しました。"
    assert not Autosave.objects.exists()


def test_a_hostile_autosave_is_shown_escaped_in_the_offer(client, desk, draft):
    client.force_login(desk[WRITER])
    hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    client.post(autosave_url(draft), typed(draft, title=hostile, body=hostile))

    html = client.get(reverse("admin:articles_article_change", args=[draft.pk])).content.decode()

    assert "保存されていない入力があります" in html
    assert "<script>alert(1)" not in html and "<img src=x" not in html
