"""Settings from the environment: embedded defaults, loud failures on bad values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tierdesk import env


def test_bad_boolean_fails_loudly(monkeypatch):
    monkeypatch.setenv("TIERDESK_DEBUG", "maybe")
    with pytest.raises(env.ConfigurationError, match="TIERDESK_DEBUG"):
        env.env_bool("TIERDESK_DEBUG")


def test_port_prefers_tierdesk_port_then_port(monkeypatch):
    monkeypatch.delenv("TIERDESK_PORT", raising=False)
    monkeypatch.setenv("PORT", "9100")
    assert env.port() == 9100
    monkeypatch.setenv("TIERDESK_PORT", "9200")
    assert env.port() == 9200
    monkeypatch.setenv("TIERDESK_PORT", "http")
    with pytest.raises(env.ConfigurationError, match="TIERDESK_PORT"):
        env.port()


def test_secret_key_is_generated_once_and_reused(tmp_path, monkeypatch):
    monkeypatch.delenv("TIERDESK_SECRET_KEY", raising=False)
    first = env.secret_key(tmp_path)
    second = env.secret_key(tmp_path)
    assert first == second
    assert len(first) >= 50
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"


def test_configured_secret_key_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("TIERDESK_SECRET_KEY", "from-the-environment")
    assert env.secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_default_database_is_sqlite_in_the_data_dir(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "TIERDESK_DATABASE_URL"}
    environment.update(TIERDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tierdesk.settings")
    script = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == str(tmp_path / "tierdesk.sqlite3")


def test_embedded_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    environment = {k: v for k, v in os.environ.items() if k != "TIERDESK_DATABASE_URL"}
    environment.update(TIERDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tierdesk.settings")
    script = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor();"
        "c.execute('PRAGMA journal_mode'); print(c.fetchone()[0]);"
        "c.execute('PRAGMA busy_timeout'); print(c.fetchone()[0])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, capture_output=True, text=True, check=True
    )
    journal_mode, busy_timeout = done.stdout.split()
    assert journal_mode == "wal"
    assert int(busy_timeout) >= 5000


def test_mail_goes_to_files_until_an_smtp_server_is_named(tmp_path):
    assert env.mail_settings("", tmp_path) == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path),
    }


def test_smtp_url_names_host_port_credentials_and_tls(tmp_path):
    mail = env.mail_settings("smtp://desk%40acme:p%2Fss@mail.acme.test:587?starttls", tmp_path)
    assert (mail["EMAIL_HOST"], mail["EMAIL_PORT"]) == ("mail.acme.test", 587)
    assert (mail["EMAIL_HOST_USER"], mail["EMAIL_HOST_PASSWORD"]) == ("desk@acme", "p/ss")
    assert (mail["EMAIL_USE_TLS"], mail["EMAIL_USE_SSL"]) == (True, False)
    assert env.mail_settings("smtps://mail.acme.test", tmp_path)["EMAIL_PORT"] == 465


@pytest.mark.parametrize("url", ["http://mail.acme.test", "smtp://", "smtp://host:port"])
def test_a_bad_smtp_url_fails_loudly(tmp_path, url):
    with pytest.raises(env.ConfigurationError, match="TIERDESK_SMTP_URL"):
        env.mail_settings(url, tmp_path)
