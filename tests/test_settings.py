"""Production settings: they refuse to start without their secrets, and pass Django's deploy check."""

import subprocess
import sys

import pytest

from tests.processes import ROOT

STRONG_KEY = "k" * 20 + "-Zq8#v!N2@rT5^wE9&yU1*oP4(aS7)dF0_gH3+jK6=lL"
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "tokshop.settings.production",
    "DJANGO_SECRET_KEY": STRONG_KEY,
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/tokshop",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "DJANGO_ALLOWED_HOSTS": "shop.example.com",
    "PATH": "/usr/bin:/bin",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_the_deploy_check_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert f"Set the {missing} environment variable" in result.stderr


def test_production_headers_and_hashing():
    code = (
        "from django.conf import settings as s;"
        "print(s.PASSWORD_HASHERS[0], s.SECURE_HSTS_SECONDS, s.X_FRAME_OPTIONS, s.SECURE_REFERRER_POLICY,"
        " s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_SECURE,"
        " s.CONTENT_SECURITY_POLICY['DIRECTIVES']['script-src'], s.DATABASES['default']['OPTIONS']['pool'])"
    )
    result = manage("shell", "--no-imports", "-c", code, env=PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:7] == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "31536000",
        "DENY",
        "strict-origin-when-cross-origin",
        "True",
        "True",
        "True",
    ]
    assert """["'self'"]""" in result.stdout
    assert "'max_size': 10" in result.stdout
