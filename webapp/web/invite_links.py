"""Invite links as people receive them: an absolute address and a QR code to scan."""

from __future__ import annotations

import segno
from flask import current_app, url_for
from flask_babel import gettext as _
from markupsafe import escape

from webapp.services import email_links, invites


def invite_url(token: str) -> str:
    """Return the absolute URL of an invite link."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for("auth.invite", token=token)
    return f"{base}{path}" if base else url_for("auth.invite", token=token, _external=True)


def invite_link_key() -> bytes:
    """Return the key invite links are made with, so they can be shown again."""
    return invites.link_key_from_secret(str(current_app.config["SECRET_KEY"]))


def link_policy() -> email_links.LinkPolicy:
    """Return what emailed sign-in links are made with, from the app's settings."""
    return email_links.LinkPolicy(
        clinic_name=current_app.config["CLINIC_NAME"],
        ttl_minutes=int(current_app.config["RESET_TTL_MINUTES"]),
        link_key=invite_link_key(),
        clinic_language=str(current_app.config["CLINIC_LANGUAGE"]),
    )


def qr_svg(url: str, label: str | None = None) -> str:
    """Return an inline SVG QR code for a URL (no style attribute: fine under our CSP)."""
    label = label if label is not None else _("QR code of the invite link")
    qr = segno.make(url, error="m")
    svg: str = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=True)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
