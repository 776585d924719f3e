"""The desk in the admin: every rule is enforced on crafted requests, not only by hidden buttons."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from PIL import Image

from articles.desk import permissions, roles
from articles.models import Article, PreviewLink
from tests.factories import make_article, make_author, make_category, make_user

pytestmark = pytest.mark.django_db
Status = Article.Status
WRITER, EDITOR, CHIEF = roles.WRITER, roles.EDITOR, roles.EDITOR_IN_CHIEF


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_data(article, **overrides):
    data = {
        "title": article.title,
        "slug": article.slug,
        "body": article.body,
        "excerpt": article.excerpt,
        "hero_image_alt": article.hero_image_alt,
        "author": article.author_id,
        "category": article.category_id,
        "tags": ", ".join(article.tags.names()),
        "correction_note": article.correction_note,
        "permalink": article.permalink,
        "loaded_version": article.edit_version,
    }
    data.update(overrides)
    return data


def login(client, user):
    client.force_login(user)
    return client


def test_writer_creates_a_draft_that_records_owner_and_a_revision(client, desk):
    login(client, desk[WRITER])
    author, category = make_author("ALLFORCES編集部"), make_category("技術動向")

    response = client.post(
        reverse("admin:articles_article_add"),
        {"title": "新しい記事", "slug": "", "body": "## 見出し\n\n本文", "excerpt": "", "hero_image_alt": "",
         "author": author.pk, "category": category.pk, "tags": "AI, 半導体", "status": "published"},
    )  # fmt: skip

    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(title="新しい記事")
    assert article.created_by == desk[WRITER]
    assert article.status == Status.DRAFT  # a crafted status is ignored
    assert article.revisions.count() == 1
    assert sorted(article.tags.names()) == ["AI", "半導体"]


def test_writer_cannot_change_someone_elses_article_by_crafted_post(client, desk):
    article = make_article(status=Status.DRAFT, created_by=make_user(WRITER), title="他人の記事")
    login(client, desk[WRITER])

    response = client.post(change_url(article), form_data(article, title="書き換え"))

    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).title == "他人の記事"


def test_writer_cannot_publish_through_the_step_url(client, desk):
    article = make_article(status=Status.APPROVED, created_by=desk[WRITER], published_at=None)
    login(client, desk[WRITER])

    response = client.post(reverse("admin:articles_article_transition", args=[article.pk, "publish"]), {})

    assert response.status_code == 200
    assert "編集長だけ" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Status.APPROVED


def test_editor_sends_back_with_a_reason_and_the_history_shows_it(client, desk):
    article = make_article(status=Status.IN_REVIEW, created_by=desk[WRITER], published_at=None)
    login(client, desk[EDITOR])
    url = reverse("admin:articles_article_transition", args=[article.pk, "request_changes"])

    refused = client.post(url, {"comment": ""})
    assert "理由のコメントが必要" in refused.content.decode()

    client.post(url, {"comment": "出典を追記してください"})
    page = client.get(change_url(article)).content.decode()
    assert Article.objects.get(pk=article.pk).status == Status.CHANGES_REQUESTED
    assert "出典を追記してください" in page and "差し戻し" in page


def test_chief_schedules_with_a_time(client, desk):
    article = make_article(status=Status.APPROVED, published_at=None)
    login(client, desk[CHIEF])
    when = timezone.localtime() + timedelta(hours=3)

    client.post(
        reverse("admin:articles_article_transition", args=[article.pk, "schedule"]),
        {"when": when.strftime("%Y-%m-%dT%H:%M")},
    )

    article.refresh_from_db()
    assert article.status == Status.SCHEDULED
    assert abs(article.published_at - when) < timedelta(minutes=1)


def test_a_scheduled_article_whose_time_has_come_reads_as_live_on_the_desk(client, desk):
    due = make_article(title="予約した記事", status=Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))
    login(client, desk[CHIEF])

    before = client.get(reverse("admin:articles_article_changelist")).content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        after = client.get(reverse("admin:articles_article_changelist")).content.decode()
        form = client.get(change_url(due)).content.decode()

    assert ">予約公開</span>" in before and "公開中（予約公開済み）" not in before
    assert ">公開中（予約公開済み）</span>" in after
    assert 'class="desk-badge" style="background:#15803d">公開中（予約公開済み）</span>' in form


def test_editing_a_published_article_keeps_readers_on_the_live_version(client, desk):
    article = make_article(title="公開版", body="公開中の本文")
    login(client, desk[CHIEF])

    client.post(change_url(article), form_data(article, title="修正版", body="修正した本文"))

    assert Article.objects.get(pk=article.pk).title == "公開版"
    assert "公開中の本文" in client.get(article.get_absolute_url()).content.decode()
    form_page = client.get(change_url(article)).content.decode()
    assert "修正した本文" in form_page and "未公開の編集があります" in form_page

    client.post(reverse("admin:articles_article_transition", args=[article.pk, "publish_changes"]), {})

    assert "修正した本文" in client.get(article.get_absolute_url()).content.decode()


def test_second_save_from_a_stale_form_is_refused_and_the_text_is_kept(client, desk):
    article = make_article(status=Status.DRAFT, created_by=desk[WRITER], published_at=None)
    stale = form_data(article)
    login(client, desk[EDITOR]).post(change_url(article), form_data(article, body="編集者が先に保存"))

    client.force_login(desk[WRITER])
    response = client.post(change_url(article), {**stale, "body": "ライターの大事な文章"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "他の人が保存しました" in html
    assert "ライターの大事な文章" in html  # still in the form, to copy
    assert Article.objects.get(pk=article.pk).body == "編集者が先に保存"


def test_the_form_an_editor_opens_carries_the_version_it_was_loaded_at(client, desk):
    """What the lost-update check compares: a hidden input (outside the fieldsets, so no <label> for it)."""
    article = make_article(status=Status.DRAFT, created_by=desk[WRITER], published_at=None)
    login(client, desk[EDITOR]).post(change_url(article), form_data(article, body="一度保存"))
    version = Article.objects.get(pk=article.pk).edit_version

    html = client.get(change_url(article)).content.decode()

    assert f'<input type="hidden" name="loaded_version" value="{version}" id="id_loaded_version">' in html
    assert 'for="id_loaded_version"' not in html


def test_hero_image_needs_alt_text(client, desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, "PNG")
    article = make_article(status=Status.DRAFT, created_by=desk[WRITER], published_at=None)
    login(client, desk[WRITER])

    response = client.post(
        change_url(article),
        {**form_data(article), "hero_image": SimpleUploadedFile("hero.png", buffer.getvalue(), "image/png")},
    )

    assert response.status_code == 200
    assert "代替テキストが必要" in response.content.decode()


def test_staff_preview_shows_unpublished_text_marked_noindex(client, desk):
    article = make_article(status=Status.DRAFT, published_at=None, body="まだ秘密の本文")
    login(client, desk[EDITOR])

    response = client.get(reverse("admin:articles_article_preview", args=[article.pk]))

    html = response.content.decode()
    assert "まだ秘密の本文" in html and "プレビュー" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def test_anonymous_cannot_reach_previews_revisions_or_steps(client):
    article = make_article(status=Status.DRAFT, published_at=None)
    for name in ("preview", "revisions", "change"):
        response = client.get(reverse(f"admin:articles_article_{name}", args=[article.pk]))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert client.get(article.get_absolute_url()).status_code == 404


def test_share_preview_link_works_until_it_expires_or_is_revoked(client, desk):
    article = make_article(status=Status.IN_REVIEW, published_at=None, body="社外レビュー用の本文")
    other = make_article(status=Status.DRAFT, published_at=None, body="別の下書き")
    login(client, desk[EDITOR]).post(reverse("admin:articles_article_share_links", args=[article.pk]))
    link = PreviewLink.objects.get()
    client.logout()

    page = client.get(link.get_absolute_url()).content.decode()
    assert "社外レビュー用の本文" in page and "別の下書き" not in page
    assert client.get(f"/preview/{link.token}x/").status_code == 404
    assert other.preview_links.count() == 0

    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert client.get(link.get_absolute_url()).status_code == 410

    login(client, desk[EDITOR]).post(
        reverse("admin:articles_article_share_links", args=[article.pk]), {"revoke": link.pk}
    )
    client.logout()
    assert client.get(link.get_absolute_url()).status_code == 410


def test_a_share_preview_link_is_a_link_with_a_copy_button_and_its_expiry(client, desk):
    article = make_article(status=Status.IN_REVIEW, published_at=None)
    login(client, desk[EDITOR]).post(reverse("admin:articles_article_share_links", args=[article.pk]))
    link = PreviewLink.objects.get()
    url = f"http://testserver{link.get_absolute_url()}"
    expiry = date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT")

    page = client.get(change_url(article)).content.decode()

    assert f'<a href="{url}" target="_blank" rel="noopener" id="share-link-{link.pk}">{url}' in page
    assert f'data-copy="{url}" aria-describedby="share-link-{link.pk}">リンクをコピー</button>' in page
    assert f"有効期限 {expiry}（あと 6日" in page

    client.post(reverse("admin:articles_article_share_links", args=[article.pk]), {"revoke": link.pk})
    page = client.get(change_url(article)).content.decode()
    assert f'<a href="{url}"' not in page and "（取り消し済み" in page


def test_revisions_compare_shows_character_level_changes_and_restore_works(client, desk):
    article = make_article(status=Status.DRAFT, created_by=desk[WRITER], published_at=None, body="半導体の需要は強い。")
    login(client, desk[WRITER])
    client.post(change_url(article), form_data(article))
    article.refresh_from_db()
    client.post(change_url(article), form_data(article, body="半導体の需要はとても強い。"))

    html = client.get(reverse("admin:articles_article_revisions", args=[article.pk])).content.decode()
    assert "<ins>とても</ins>" in html

    first = article.revisions.order_by("pk").first()
    client.post(reverse("admin:articles_article_restore", args=[article.pk, first.pk]))
    assert Article.objects.get(pk=article.pk).body == "半導体の需要は強い。"


def test_bulk_actions_apply_each_articles_rules_and_report_skips(client, desk):
    ready = make_article(status=Status.APPROVED, published_at=None, title="承認済み")
    draft = make_article(status=Status.DRAFT, published_at=None, title="ただの下書き")
    login(client, desk[CHIEF])
    selection = {"action": "bulk_publish", "_selected_action": [ready.pk, draft.pk]}

    confirmation = client.post(reverse("admin:articles_article_changelist"), selection).content.decode()
    assert Article.objects.get(pk=ready.pk).status == Status.APPROVED  # nothing before the confirmation
    assert "「承認済み」" in confirmation and "今すぐ公開します" in confirmation
    assert "「ただの下書き」" in confirmation and "公開しません" in confirmation

    response = client.post(reverse("admin:articles_article_changelist"), {**selection, "confirm": "yes"}, follow=True)

    html = response.content.decode()
    assert Article.objects.get(pk=ready.pk).status == Status.PUBLISHED
    assert Article.objects.get(pk=draft.pk).status == Status.DRAFT
    assert "1 件に「今すぐ公開する」を行いました: 「承認済み」" in html
    assert "スキップ" in html and "ただの下書き" in html


def test_bulk_publish_by_an_editor_publishes_nothing(client, desk):
    ready = make_article(status=Status.APPROVED, published_at=None)
    login(client, desk[EDITOR])

    client.post(
        reverse("admin:articles_article_changelist"), {"action": "bulk_publish", "_selected_action": [ready.pk]}
    )

    assert Article.objects.get(pk=ready.pk).status == Status.APPROVED


def test_dashboard_and_calendar(client, desk):
    make_article(status=Status.DRAFT, created_by=desk[WRITER], published_at=None, title="私の下書き")
    soon = timezone.now() + timedelta(days=2)
    make_article(status=Status.SCHEDULED, published_at=soon, title="予約の記事")
    login(client, desk[WRITER])

    index = client.get(reverse("admin:index")).content.decode()
    calendar = client.get(
        reverse("admin:articles_article_calendar"), {"month": timezone.localtime(soon).strftime("%Y-%m")}
    )

    assert "編集部ダッシュボード" in index and "私の下書き" in index and "予約の記事" in index
    assert calendar.status_code == 200 and "予約の記事" in calendar.content.decode()


@pytest.mark.parametrize(
    ("role", "view", "expected"),
    [
        (WRITER, "delete", 403),
        (EDITOR, "delete", 403),
        (CHIEF, "delete", 200),
        (WRITER, "history", 200),
        (WRITER, "change", 200),  # read-only view of someone else's article
    ],
)
def test_admin_urls_by_role(client, desk, role, view, expected):
    article = make_article(status=Status.DRAFT, published_at=None, created_by=make_user(WRITER))
    login(client, desk[role])

    response = client.get(reverse(f"admin:articles_article_{view}", args=[article.pk]))

    assert response.status_code == expected


def test_only_the_chief_manages_categories_and_authors(client, desk):
    for role, expected in ((WRITER, 403), (EDITOR, 403), (CHIEF, 302)):
        login(client, desk[role])
        response = client.post(reverse("admin:articles_category_add"), {"name": f"新カテゴリ{role}", "position": 1})
        assert response.status_code == expected, role


def test_workflow_buttons_match_the_rules(client, desk):
    article = make_article(status=Status.IN_REVIEW, published_at=None, created_by=desk[WRITER])

    writer_page = login(client, desk[WRITER]).get(change_url(article)).content.decode()
    editor_page = login(client, desk[EDITOR]).get(change_url(article)).content.decode()

    assert "承認する" not in writer_page
    assert "承認する" in editor_page and "差し戻す" in editor_page
    assert permissions.available_transitions(desk[WRITER], article) == []


def test_hero_upload_is_verified_and_reencoded_without_metadata(client, desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    image = Image.new("RGB", (64, 48), "teal")
    exif = image.getexif()
    exif[0x8825] = {2: (35.0, 41.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    article = make_article(status=Status.DRAFT, created_by=desk[WRITER], published_at=None)
    login(client, desk[WRITER])

    upload = SimpleUploadedFile("camera.jpg", buffer.getvalue(), "image/jpeg")
    client.post(change_url(article), {**form_data(article), "hero_image": upload, "hero_image_alt": "青緑の画像"})

    article.refresh_from_db()
    assert article.hero_image.name.startswith("heroes/") and "camera" not in article.hero_image.name
    with Image.open(article.hero_image.path) as stored:
        assert 0x8825 not in stored.getexif()


def test_a_fake_image_as_hero_is_refused_and_nothing_is_stored(client, desk, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    article = make_article(status=Status.DRAFT, created_by=desk[WRITER], published_at=None)
    login(client, desk[WRITER])

    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")
    response = client.post(change_url(article), {**form_data(article), "hero_image": fake, "hero_image_alt": "x"})

    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not any(tmp_path.rglob("*.*"))


def test_a_non_numeric_admin_address_is_not_a_server_error(client, desk):
    login(client, desk[CHIEF])

    response = client.get("/admin/articles/article/abc/change/")

    assert response.status_code in {302, 404}


def test_the_desk_is_named_allforces_not_django(client):
    page = client.get(reverse("admin:login")).content.decode()

    assert "ALLFORCES 編集デスク" in page
    assert "Django" not in page


def test_the_desk_index_names_tags_in_japanese(client, desk):
    login(client, desk[CHIEF])

    page = client.get(reverse("admin:index")).content.decode()

    assert "Taggit" not in page and ">Tags<" not in page
    assert reverse("admin:taggit_tag_changelist") in page
    assert ">タグ</a>" in page


# --- Trust: nothing saved is lost or silently undone, nothing withdrawn is still served ----------------


def stage_edit(client, article, **changes):
    """The 編集長 saves an edit of a live article from a freshly loaded form."""
    article = Article.objects.get(pk=article.pk)
    return client.post(change_url(article), form_data(article, **changes))


def test_a_live_article_with_tags_and_a_pending_edit_saves_again(client, desk):
    """The second correction of a live, tagged article is saved as the pending edit, not a server error."""
    article = make_article(title="公開版", body="公開中の本文", tags=["半導体", "AI"])
    login(client, desk[CHIEF])
    stage_edit(client, article, body="一度目の訂正")

    response = stage_edit(client, article, body="二度目の訂正", tags="半導体, AI, 訂正")

    assert response.status_code == 302
    article.refresh_from_db()
    assert article.pending_revision.content["body"] == "二度目の訂正"
    assert article.pending_revision.content["tags"] == ["AI", "半導体", "訂正"]
    assert article.body == "公開中の本文"


def test_after_an_unpublish_the_pending_edit_is_the_draft_and_it_saves(client, desk):
    """Unpublishing folds the pending edit into the article: the form shows it as plain text, saving works."""
    article = make_article(title="公開版", body="公開中の本文", tags=["半導体"])
    login(client, desk[CHIEF])
    stage_edit(client, article, body="未公開の訂正")
    client.post(reverse("admin:articles_article_transition", args=[article.pk, "unpublish"]), {"comment": "誤報"})

    article.refresh_from_db()
    assert (article.status, article.body, article.pending_revision) == (Status.UNPUBLISHED, "未公開の訂正", None)
    form_page = client.get(change_url(article)).content.decode()
    assert "未公開の訂正" in form_page and "未公開の編集があります" not in form_page
    assert stage_edit(client, article, body="下書きとして直す").status_code == 302
    assert Article.objects.get(pk=article.pk).body == "下書きとして直す"


def test_a_save_from_a_form_loaded_before_a_publish_is_refused_and_keeps_the_text(client, desk):
    """An editor's slow save that overlaps the 編集長's 今すぐ公開する cannot undo the publish."""
    article = make_article(status=Status.APPROVED, published_at=None, body="承認された本文")
    stale = form_data(article, body="編集者の遅い保存")
    login(client, desk[CHIEF]).post(reverse("admin:articles_article_transition", args=[article.pk, "publish"]), {})

    response = login(client, desk[EDITOR]).post(change_url(article), stale)

    assert response.status_code in {200, 403}
    if response.status_code == 200:
        assert "編集者の遅い保存" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.body == "承認された本文"
    client.logout()
    assert client.get(article.get_absolute_url()).status_code == 200


def test_a_chiefs_stale_form_cannot_unpublish_by_saving(client, desk):
    """The 編集長 may edit live articles; a form loaded while the article was a draft still cannot write
    its old state back over a publish."""
    article = make_article(status=Status.APPROVED, published_at=None, body="承認された本文")
    stale = form_data(article, body="古いフォームからの保存")
    login(client, desk[CHIEF]).post(reverse("admin:articles_article_transition", args=[article.pk, "publish"]), {})

    response = client.post(change_url(article), stale)

    assert response.status_code == 200 and "他の人が保存しました" in response.content.decode()
    assert "古いフォームからの保存" in response.content.decode()
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and article.body == "承認された本文"


def test_featured_and_permalink_on_a_live_article_are_applied_not_dropped(client, desk):
    article = make_article(title="公開中", is_featured=False)
    login(client, desk[CHIEF])

    response = stage_edit(client, article, is_featured="on", permalink="/2019/01/old-post.html")

    article.refresh_from_db()
    assert article.is_featured and article.permalink == "/2019/01/old-post.html"
    assert client.get("/2019/01/old-post.html").status_code == 301
    messages_shown = [str(message) for message in response.wsgi_request._messages]
    assert len(messages_shown) == 1 and "注目記事" in messages_shown[0]


def test_reverting_a_pending_edit_to_the_live_text_withdraws_it(client, desk):
    """Saving the live text again means there is nothing left to publish: the old pending edit does not
    wait to be published by mistake."""
    article = make_article(title="公開中", body="公開中の本文")
    login(client, desk[CHIEF])
    stage_edit(client, article, body="やめた修正")

    stage_edit(client, article, body="公開中の本文")

    article.refresh_from_db()
    assert article.pending_revision is None


def test_unpublishing_revokes_share_preview_links(client, desk):
    article = make_article(body="撤回される本文")
    login(client, desk[CHIEF]).post(reverse("admin:articles_article_share_links", args=[article.pk]))
    link = PreviewLink.objects.get()
    client.post(reverse("admin:articles_article_transition", args=[article.pk, "unpublish"]), {"comment": "撤回"})
    client.logout()

    assert client.get(article.get_absolute_url()).status_code == 404
    response = client.get(link.get_absolute_url())
    assert response.status_code == 410 and "撤回される本文" not in response.content.decode()


def test_only_the_owner_an_editor_or_the_chief_shares_or_revokes_previews(client, desk):
    owner = make_user(WRITER)
    article = make_article(status=Status.DRAFT, published_at=None, created_by=owner)
    share_url = reverse("admin:articles_article_share_links", args=[article.pk])

    assert login(client, desk[WRITER]).post(share_url).status_code == 403
    assert PreviewLink.objects.count() == 0
    login(client, owner).post(share_url)
    link = PreviewLink.objects.get()
    assert login(client, desk[WRITER]).post(share_url, {"revoke": link.pk}).status_code == 403
    assert PreviewLink.objects.get().revoked_at is None
    login(client, desk[EDITOR]).post(share_url, {"revoke": link.pk})
    assert PreviewLink.objects.get().revoked_at is not None


def test_a_draft_cannot_take_a_published_articles_old_slug(client, desk):
    """Renaming a draft to a published article's former slug is refused; the old URL keeps redirecting."""
    published = make_article(slug="old-name")
    published = Article.objects.get(pk=published.pk)
    published.slug = "new-name"
    published.save()
    draft = make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER], slug="writers-draft")
    login(client, desk[WRITER])

    response = client.post(change_url(draft), form_data(draft, slug="old-name"))
    client.post(change_url(draft), form_data(Article.objects.get(pk=draft.pk), slug="another-name"))

    assert response.status_code == 200 and "旧 URL" in response.content.decode()
    client.logout()
    assert client.get("/articles/old-name/")["Location"] == "/articles/new-name/"


def test_only_the_chief_renames_tags(client, desk):
    from taggit.models import Tag

    tag = Tag.objects.create(name="半導体", slug="半導体")
    url = reverse("admin:taggit_tag_change", args=[tag.pk])

    response = login(client, desk[EDITOR]).post(url, {"name": "改名", "slug": "改名"})

    assert response.status_code == 403
    assert Tag.objects.get(pk=tag.pk).name == "半導体"
    login(client, desk[CHIEF]).post(url, {"name": "改名", "slug": "改名"})
    assert Tag.objects.get(pk=tag.pk).name == "改名"


def test_bulk_publish_moves_a_scheduled_time_only_when_its_box_naming_the_time_is_ticked(client, desk):
    due = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    scheduled = make_article(status=Status.SCHEDULED, published_at=due, title="予約した記事")
    ready = make_article(status=Status.APPROVED, published_at=None, title="承認済みの記事")
    login(client, desk[CHIEF])
    selection = {"action": "bulk_publish", "_selected_action": [scheduled.pk, ready.pk]}
    shown_time = timezone.localtime(due).strftime("%Y年%-m月%-d日 %H:%M")

    confirmation = client.post(reverse("admin:articles_article_changelist"), selection).content.decode()
    assert f"予約時刻（{shown_time}）を取り消して今すぐ公開する" in confirmation
    assert "「承認済みの記事」" in confirmation

    response = client.post(reverse("admin:articles_article_changelist"), {**selection, "confirm": "yes"}, follow=True)
    html = response.content.decode()
    scheduled.refresh_from_db()
    assert (scheduled.status, scheduled.published_at) == (Status.SCHEDULED, due)
    assert f"スキップ — 「予約した記事」: {shown_time} の予約公開のままです" in html
    assert Article.objects.get(pk=ready.pk).status == Status.PUBLISHED

    response = client.post(
        reverse("admin:articles_article_changelist"),
        {**selection, "confirm": "yes", "override_schedule": [scheduled.pk]},
        follow=True,
    )
    scheduled.refresh_from_db()
    assert scheduled.status == Status.PUBLISHED and scheduled.published_at < due
    assert f"「予約した記事」（予約 {shown_time} を取り消し）" in response.content.decode()


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        (WRITER, {"bulk_submit"}),
        (EDITOR, {"bulk_submit", "bulk_approve"}),
        (CHIEF, {"bulk_submit", "bulk_approve", "bulk_publish", "bulk_unpublish", "delete_selected"}),
    ],
)
def test_the_list_offers_only_the_bulk_steps_the_role_may_take(client, desk, role, offered):
    make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER])

    html = login(client, desk[role]).get(reverse("admin:articles_article_changelist")).content.decode()

    every = {"bulk_submit", "bulk_approve", "bulk_publish", "bulk_unpublish", "delete_selected"}
    assert {name for name in every if f'value="{name}"' in html} == offered


def test_the_list_shows_state_author_category_last_change_and_schedule_and_searches_titles(client, desk):
    due = timezone.now() + timedelta(days=3)
    make_article(status=Status.SCHEDULED, published_at=due, title="半導体の供給網", body="本文に為替と書く")
    make_article(status=Status.DRAFT, published_at=None, title="為替の見通し")
    login(client, desk[CHIEF])

    html = client.get(reverse("admin:articles_article_changelist")).content.decode()
    for heading in ("状態", "著者", "カテゴリ", "最終更新", "公開・予約日時"):
        assert f">{heading}</" in html
    local_due = timezone.localtime(due)
    day = local_due.strftime("%-m月%-d日" if local_due.year == timezone.localtime().year else "%Y年%-m月%-d日")
    assert f'>予約 {day}</span> <span class="desk-nowrap">{local_due:%H:%M}<' in html
    for filter_name in ("status__exact", "author__id__exact", "category__id__exact"):
        assert f"?{filter_name}=" in html

    found = client.get(reverse("admin:articles_article_changelist"), {"q": "為替"}).content.decode()
    assert "為替の見通し" in found and "半導体の供給網" not in found  # the title, not the body


def test_the_status_panel_comes_first_with_state_holder_steps_and_the_send_back_reason(client, desk):
    article = make_article(status=Status.IN_REVIEW, published_at=None, created_by=desk[WRITER], title="決算の読み方")
    from articles.desk import workflow

    workflow.perform("request_changes", article, desk[EDITOR], comment="数字の出典を足してください。")

    html = login(client, desk[WRITER]).get(change_url(article)).content.decode()

    panel = html.index('id="desk-status"')
    assert panel < html.index('name="title"')
    assert html.count("状態と次の操作") == 1 and ">編集部<" not in html
    assert ">差し戻し</span>" in html and f"{desk[WRITER]}（執筆）" in html
    assert "数字の出典を足してください。" in html[panel : html.index('name="title"')]
    assert ">レビューに出す</a>" in html[panel : html.index('name="title"')]


def test_a_published_article_has_one_link_to_its_page(client, desk):
    article = make_article(title="公開中の記事")

    html = login(client, desk[CHIEF]).get(change_url(article)).content.decode()

    assert html.count(f'href="{article.get_absolute_url()}"') + html.count("/r/") == 1


def test_the_editors_group_no_longer_holds_the_tag_rename_permission(desk):
    assert not desk[EDITOR].has_perm("taggit.change_tag")
    assert desk[CHIEF].has_perm("taggit.change_tag")


@pytest.mark.parametrize("month", ["9999-12", "0001-01", "2026-13", "abc"])
def test_a_calendar_month_out_of_range_shows_this_month(client, desk, month):
    response = login(client, desk[EDITOR]).get(reverse("admin:articles_article_calendar"), {"month": month})

    today = timezone.localdate()
    assert response.status_code == 200
    assert f"編集カレンダー {today.year}年{today.month}月" in response.content.decode()


def test_a_pending_edits_tags_are_quoted_in_the_tag_box(client, desk):
    """Tag names with spaces or commas come back in the box as the editor typed them, quoted."""
    article = make_article(tags=["AI"])
    login(client, desk[CHIEF])
    stage_edit(client, article, tags='AI, "生成 AI", "東京,大阪"')

    html = client.get(change_url(article)).content.decode()

    assert 'value="&quot;東京,大阪&quot;, &quot;生成 AI&quot;, AI"' in html


def test_a_body_over_the_limit_is_refused_in_the_form_and_the_live_preview(client, desk):
    from articles.markdown import BODY_MAX_CHARACTERS

    article = make_article(status=Status.DRAFT, published_at=None, created_by=desk[WRITER])
    login(client, desk[WRITER])
    huge = "あ" * (BODY_MAX_CHARACTERS + 1)

    form = client.post(change_url(article), form_data(article, body=huge))
    preview = client.post(reverse("markdownx_markdownify"), {"content": huge})

    assert form.status_code == 200 and "本文が長すぎます" in form.content.decode()
    assert "本文が長すぎます" in preview.content.decode() and "<h2" not in preview.content.decode()
    assert Article.objects.get(pk=article.pk).body == article.body


def test_the_desks_page_titles_are_worded_as_a_japanese_desk_words_them(client):
    """Django's own catalog says 「変更する 記事 を選択」 and 「記事 を追加」: spaces no Japanese writer puts there."""
    client.force_login(make_user(roles.EDITOR_IN_CHIEF))

    listing = client.get(reverse("admin:articles_article_changelist")).content.decode()
    adding = client.get(reverse("admin:articles_article_add")).content.decode()

    assert "<h1>記事一覧</h1>" in listing and "<title>記事一覧 |" in listing
    assert "記事を追加" in listing and "記事 を追加" not in listing
    assert "状態で絞り込む" in listing
    assert "<h1>記事を追加</h1>" in adding
    assert "<h1>カテゴリ一覧</h1>" in client.get(reverse("admin:articles_category_changelist")).content.decode()


def test_the_compiled_catalog_says_what_its_source_says():
    """locale/ja/LC_MESSAGES/django.mo is committed; a line added to django.po without `msgfmt` would not show."""
    import gettext
    import re

    from tests.tools import ROOT

    folder = ROOT / "locale" / "ja" / "LC_MESSAGES"
    source = (folder / "django.po").read_text(encoding="utf-8")
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.*)"$', source, flags=re.MULTILINE)
    with (folder / "django.mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)

    assert len(pairs) >= 10
    assert [(msgid, catalog.gettext(msgid)) for msgid, _ in pairs] == pairs
