"""Typed readers for settings that come from the environment; a bad value fails loudly at start."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigurationError(RuntimeError):
    """A setting in the environment has a value tierdesk cannot use."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(
        f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no, on/off)"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not an integer") from None
    if minimum is not None and value < minimum:
        raise ConfigurationError(f"{name}={value} must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def data_dir() -> Path:
    """The folder that holds the embedded database, queue, uploads and the generated secret key."""
    path = Path(env_str("TIERDESK_DATA_DIR", "var")).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(folder: Path) -> str:
    """TIERDESK_SECRET_KEY, or a key generated once into the data folder and reused after."""
    configured = env_str("TIERDESK_SECRET_KEY")
    if configured:
        return configured
    key_file = folder / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    key = secrets.token_urlsafe(50)
    # Write through a temporary name so two processes starting together never read half a key.
    tmp = key_file.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(key)
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, key_file)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return key_file.read_text().strip()


def port() -> int:
    """The web port: TIERDESK_PORT, else PORT (as platforms set it), else 8000."""
    if os.environ.get("TIERDESK_PORT", "").strip():
        return env_int("TIERDESK_PORT", 8000, minimum=1)
    return env_int("PORT", 8000, minimum=1)


def mail_settings(url: str, outbox: Path) -> dict[str, object]:
    """Django's mail settings from TIERDESK_SMTP_URL (`smtp://user:password@host:587`, `?starttls`
    for STARTTLS, `smtps://` for TLS from the start). Without one, mail is written as files to
    `outbox`, so nothing is lost on a desk that has no mail server yet."""
    from urllib.parse import parse_qs, unquote, urlsplit

    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(outbox),
        }
    parts = urlsplit(url)
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ConfigurationError(
            f"TIERDESK_SMTP_URL={url!r} is not an SMTP address (smtp://host:port or smtps://...)"
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigurationError(f"TIERDESK_SMTP_URL={url!r} has a bad port") from None
    options = parse_qs(parts.query, keep_blank_values=True)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "smtp" and "starttls" in options,
        "EMAIL_TIMEOUT": 30,
    }
