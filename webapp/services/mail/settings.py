"""The SMTP settings, and whether email is on at all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Where links in emails lead when PUBLIC_BASE_URL is not set (as for pushes).
LOCAL_BASE_URL = "http://127.0.0.1:5000"


@dataclass(frozen=True)
class MailSettings:
    """How to reach the SMTP server, and who the emails are from."""

    server: str
    port: int
    use_tls: bool
    username: str
    password: str
    sender: str
    clinic_name: str
    base_url: str
    timeout_seconds: float = 20.0
    # For people who have not chosen a language: each email speaks its recipient's.
    clinic_language: str = "en"

    @property
    def enabled(self) -> bool:
        """Return True when email can be sent: a server and a From address are set."""
        return bool(self.server and self.sender)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Read the settings from the app's config."""
        return cls(
            server=str(config.get("MAIL_SERVER") or ""),
            port=int(config.get("MAIL_PORT") or 587),
            use_tls=bool(config.get("MAIL_USE_TLS", True)),
            username=str(config.get("MAIL_USERNAME") or ""),
            password=str(config.get("MAIL_PASSWORD") or ""),
            sender=str(config.get("MAIL_FROM") or ""),
            clinic_name=str(config.get("CLINIC_NAME") or "the clinic"),
            base_url=str(config.get("PUBLIC_BASE_URL") or LOCAL_BASE_URL).rstrip("/"),
            clinic_language=str(config.get("CLINIC_LANGUAGE") or "en"),
        )


def mail_enabled(config: Mapping[str, Any]) -> bool:
    """Return True when the app's config turns email on."""
    return MailSettings.from_config(config).enabled
