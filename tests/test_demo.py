from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from articles.desk import roles
from articles.models import Article, Category

DEMO_ARCHIVE = Path(__file__).resolve().parents[1] / "demo" / "archive"

pytestmark = pytest.mark.django_db


def test_demo_archive_imports_cleanly_with_enough_variety():
    out = StringIO()
    call_command("import_jekyll", str(DEMO_ARCHIVE), stdout=out, stderr=StringIO(), verbosity=0)

    assert "失敗 0" in out.getvalue()
    assert Article.objects.published().count() >= 8
    assert Category.objects.filter(primary_articles__isnull=False).distinct().count() >= 3
    assert Article.objects.filter(status=Article.Status.DRAFT).exists()


def test_demo_accounts_one_per_role_and_idempotent():
    for _ in range(2):
        out = StringIO()
        call_command("create_demo_accounts", stdout=out)

    User = get_user_model()
    assert User.objects.count() == 3
    for username, password, role in (
        ("writer", "writer-demo-pass", roles.WRITER),
        ("editor", "editor-demo-pass", roles.EDITOR),
        ("chief", "chief-demo-pass", roles.EDITOR_IN_CHIEF),
    ):
        user = User.objects.get(username=username)
        assert user.check_password(password) and user.is_staff
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert password in out.getvalue()


def test_roles_open_the_admin_screens_they_need():
    call_command("create_demo_accounts", stdout=StringIO())
    User = get_user_model()

    writer, chief = User.objects.get(username="writer"), User.objects.get(username="chief")
    assert writer.has_perm("articles.add_article")
    assert not writer.has_perm("articles.delete_article")
    assert not writer.has_perm("articles.change_category")
    assert chief.has_perm("articles.change_category")


def test_demo_images_give_every_published_article_a_described_hero_and_the_front_page_a_featured_lead(
    client, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("import_jekyll", str(DEMO_ARCHIVE), stdout=StringIO(), stderr=StringIO(), verbosity=0)

    for _ in range(2):  # a second run (make run again) changes nothing
        call_command("seed_demo_images", stdout=StringIO())

    published = Article.objects.published()
    assert not published.filter(hero_image="").exists()
    assert all("架空の数値" in alt for alt in published.values_list("hero_image_alt", flat=True))
    assert published.filter(is_featured=True).count() == 1
    home = client.get("/")
    assert home.context["lead"].is_featured and home.context["lead"].hero_renditions
    assert all(len(articles) >= 3 for _category, articles in home.context["sections"])
