"""What each email says, as plain text and as simple HTML, always naming the clinic.

Emails never carry health detail: no message text, no pain scores, no exercise names.
"""

from __future__ import annotations

from html import escape

from webapp.models import User
from webapp.services.mail.outbox import LINK, Email


def _html(clinic_name: str, paragraphs: list[str], link: str, button: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        '<!doctype html><html lang="en"><body>'
        f"<h1>{escape(clinic_name)}</h1>{body}"
        f'<p><a href="{escape(link)}">{escape(button)}</a></p>'
        f"<p>{escape(link)}</p></body></html>"
    )


def _text(clinic_name: str, paragraphs: list[str], link: str) -> str:
    return "\n\n".join([clinic_name, *paragraphs, link, ""])


def reset(user: User, clinic_name: str, ttl_minutes: int) -> Email:
    """Return the "choose a new password" email (its link is filled in when it is sent)."""
    lines = [
        f"Hello {user.first_name},",
        "Someone, probably you, asked to choose a new password for your account at "
        f"{clinic_name}. The link below works once, for {ttl_minutes} minutes.",
        "If it was not you, you can ignore this email: your password stays as it is.",
    ]
    return Email(
        subject=f"Choose a new password for {clinic_name}",
        text=_text(clinic_name, lines, LINK),
        html=_html(clinic_name, lines, LINK, "Choose a new password"),
    )


def invite(user: User, clinic_name: str, ttl_days: int) -> Email:
    """Return the invitation email (its link is filled in when it is sent)."""
    lines = [
        f"Hello {user.first_name},",
        f"{clinic_name} has set up your home program in Between Visits. Open the link "
        f"below on your phone to choose a password and sign in. It works once, for "
        f"{ttl_days} days.",
    ]
    return Email(
        subject=f"Your home program at {clinic_name}",
        text=_text(clinic_name, lines, LINK),
        html=_html(clinic_name, lines, LINK, "Open my home program"),
    )


def new_message(user: User, clinic_name: str, url: str) -> Email:
    """Return the "you have a message" email: a link, never the message itself."""
    lines = [
        f"Hello {user.first_name},",
        f"You have a new message in Between Visits from {clinic_name}. Sign in to read it.",
    ]
    return Email(
        subject=f"New message from {clinic_name}",
        text=_text(clinic_name, lines, url),
        html=_html(clinic_name, lines, url, "Read the message"),
    )


def summary(
    user: User,
    clinic_name: str,
    counts: dict[str, int],
    *,
    patients_url: str,
    unsubscribe_url: str,
) -> Email:
    """Return the weekly "who needs you" summary: counts and links, never a patient's name."""
    lines = [
        f"Hello {user.first_name},",
        f"This week at {clinic_name}: {counts['attention']} of your patients need your "
        f"attention, {counts['alerts']} alerts are open and {counts['unread']} messages are "
        "unread.",
        "Open My patients to see who.",
    ]
    text = _text(clinic_name, lines, patients_url)
    text += f"\nNo more weekly summaries: {unsubscribe_url}\n"
    html = _html(clinic_name, lines, patients_url, "Open My patients").replace(
        "</body>",
        f'<p><a href="{escape(unsubscribe_url)}">No more weekly summaries</a></p></body>',
    )
    return Email(
        subject=f"Your week at {clinic_name}",
        text=text,
        html=html,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
