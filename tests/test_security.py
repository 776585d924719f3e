"""Secure by default: headers, production checks, login throttling, passwords and sessions."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from articles.desk import roles
from tests.factories import make_article, make_user

PROJECT = Path(__file__).resolve().parents[1]
TEST_ONLY_VARIABLES = {"DEBUG", "STATIC_HASHED", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY"}
pytestmark = pytest.mark.django_db


def test_reader_pages_carry_security_headers(client):
    article = make_article()

    response = client.get(article.get_absolute_url())

    policy = response["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script_src and "unsafe-inline" not in script_src and "unsafe-eval" not in script_src
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script_except_json_ld(client):
    article = make_article()

    for url in ("/", article.get_absolute_url(), reverse("admin:login")):
        html = client.get(url).content.decode()
        scripts = [chunk.split(">", 1)[0] for chunk in html.split("<script")[1:]]
        for opening in scripts:
            assert "src=" in opening or 'type="application/ld+json"' in opening or "application/json" in opening, (
                url,
                opening,
            )


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **{key: value for key, value in os.environ.items() if key not in TEST_ONLY_VARIABLES},
        "DEBUG": "0",
        "SECRET_KEY": "k3y-" + "x7Qp9Lz2" * 8,
        "SITE_URL": "https://allforces.example",
        "ALLOWED_HOSTS": "allforces.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_repeated_login_failures_lock_the_account_with_a_japanese_message(client):
    make_user(roles.EDITOR, username="desk", is_superuser=False)
    login_url = reverse("admin:login")
    for _ in range(5):
        client.post(login_url, {"username": "desk", "password": "wrong-password"})

    response = client.post(login_url, {"username": "desk", "password": "correct-horse-battery"})

    assert response.status_code == 429
    assert "ログインが一時的に制限されています" in response.content.decode()
    assert "_auth_user_id" not in client.session


def fail_logins(client, username, times=5, **headers):
    for _ in range(times):
        client.post(reverse("admin:login"), {"username": username, "password": "wrong-password"}, **headers)


BALANCER = {"REMOTE_ADDR": "10.0.0.2"}  # every request reaches the app from the load balancer's address


def test_behind_a_load_balancer_an_attacker_does_not_lock_the_chief_out(client, settings):
    """Behind the load balancer the README describes, every login comes from its address; the lockout must
    count the client's address, which the balancer appended to X-Forwarded-For, or five wrong passwords from
    anyone would lock the 編集長 out for 30 minutes."""
    settings.TRUSTED_PROXY_COUNT = 1
    make_user(roles.EDITOR_IN_CHIEF, username="chief", is_superuser=False)
    attacker = {**BALANCER, "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    # What the client sends on the left is not believed: forging the chief's address does not help.
    forging = {**BALANCER, "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}
    fail_logins(client, "chief", **attacker)
    fail_logins(client, "chief", **forging)

    chief = Client()
    response = chief.post(
        reverse("admin:login"),
        {"username": "chief", "password": "correct-horse-battery"},
        **BALANCER,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    assert response.status_code == 302, "the 編集長, from her own address, still signs in"
    locked = client.post(reverse("admin:login"), {"username": "chief", "password": "correct-horse-battery"}, **attacker)
    assert locked.status_code == 429, "the attacker's address is locked"


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(client, settings):
    """Directly exposed (TRUSTED_PROXY_COUNT 0), a client could otherwise dodge the lockout with a new header
    per attempt."""
    settings.TRUSTED_PROXY_COUNT = 0
    make_user(roles.EDITOR, username="desk3", is_superuser=False)
    for attempt in range(5):
        client.post(
            reverse("admin:login"),
            {"username": "desk3", "password": "wrong"},
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",
        )

    response = client.post(
        reverse("admin:login"),
        {"username": "desk3", "password": "correct-horse-battery"},
        REMOTE_ADDR="203.0.113.9",
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )

    assert response.status_code == 429


def test_a_correct_login_still_works_before_the_limit(client):
    make_user(roles.EDITOR, username="desk2")
    login_url = reverse("admin:login")
    for _ in range(3):
        client.post(login_url, {"username": "desk2", "password": "wrong"})

    response = client.post(login_url, {"username": "desk2", "password": "correct-horse-battery"})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


@pytest.mark.parametrize("weak", ["password123", "12345678901234", "allforces", "desk-desk"])
def test_weak_passwords_are_refused(weak):
    user = make_user(roles.WRITER, username="desk-desk")

    with pytest.raises(ValidationError):
        validate_password(weak, user)


def test_changing_the_password_ends_other_sessions(client, django_user_model):
    from django.test import Client

    user = make_user(roles.EDITOR, username="changer")
    other_device = Client()
    other_device.force_login(user)
    assert other_device.get(reverse("admin:index")).status_code == 200
    client.force_login(user)

    response = client.post(
        reverse("admin:password_change"),
        {
            "old_password": "correct-horse-battery",
            "new_password1": "新しい長いパスフレーズ2026",
            "new_password2": "新しい長いパスフレーズ2026",
        },
    )

    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200  # this device stays signed in
    assert other_device.get(reverse("admin:index")).status_code == 302  # the other one is signed out
