"""What each email says, as plain text and as simple HTML, always naming the clinic.

Emails never carry health detail: no message text, no pain scores, no exercise names.
Each is written in its recipient's language (``languages.of(user.language, clinic_language)``),
whoever caused it to be sent.
"""

from __future__ import annotations

from html import escape

from webapp.models import User
from webapp.services import languages
from webapp.services.mail.outbox import LINK, Email


def _html(language: str, clinic_name: str, paragraphs: list[str], link: str, button: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="{escape(language)}" dir="{languages.direction(language)}">'
        "<body>"
        f"<h1>{escape(clinic_name)}</h1>{body}"
        f'<p><a href="{escape(link)}">{escape(button)}</a></p>'
        f"<p>{escape(link)}</p></body></html>"
    )


def _text(clinic_name: str, paragraphs: list[str], link: str) -> str:
    return "\n\n".join([clinic_name, *paragraphs, link, ""])


def _language(user: User, clinic_language: str) -> str:
    return languages.of(user.language, clinic_language)


def reset(
    user: User, clinic_name: str, ttl_minutes: int, clinic_language: str = languages.DEFAULT
) -> Email:
    """Return the "choose a new password" email (its link is filled in when it is sent)."""
    language = _language(user, clinic_language)
    lines = [
        languages.translate(language, "Hello %(name)s,", name=user.first_name),
        languages.translate(
            language,
            "Someone, probably you, asked to choose a new password for your account at "
            "%(clinic)s. The link below works once, for %(minutes)s minutes.",
            clinic=clinic_name,
            minutes=ttl_minutes,
        ),
        languages.translate(
            language,
            "If it was not you, you can ignore this email: your password stays as it is.",
        ),
    ]
    return Email(
        subject=languages.translate(
            language, "Choose a new password for %(clinic)s", clinic=clinic_name
        ),
        text=_text(clinic_name, lines, LINK),
        html=_html(
            language,
            clinic_name,
            lines,
            LINK,
            languages.translate(language, "Choose a new password"),
        ),
    )


def invite(
    user: User, clinic_name: str, ttl_days: int, clinic_language: str = languages.DEFAULT
) -> Email:
    """Return the invitation email (its link is filled in when it is sent)."""
    language = _language(user, clinic_language)
    lines = [
        languages.translate(language, "Hello %(name)s,", name=user.first_name),
        languages.translate_plural(
            language,
            "%(clinic)s has set up your home program in Between Visits. Open the link below "
            "on your phone to choose a password and sign in. It works once, for %(num)d day.",
            "%(clinic)s has set up your home program in Between Visits. Open the link below "
            "on your phone to choose a password and sign in. It works once, for %(num)d days.",
            ttl_days,
            clinic=clinic_name,
        ),
    ]
    return Email(
        subject=languages.translate(
            language, "Your home program at %(clinic)s", clinic=clinic_name
        ),
        text=_text(clinic_name, lines, LINK),
        html=_html(
            language,
            clinic_name,
            lines,
            LINK,
            languages.translate(language, "Open my home program"),
        ),
    )


def new_message(
    user: User, clinic_name: str, url: str, clinic_language: str = languages.DEFAULT
) -> Email:
    """Return the "you have a message" email: a link, never the message itself."""
    language = _language(user, clinic_language)
    lines = [
        languages.translate(language, "Hello %(name)s,", name=user.first_name),
        languages.translate(
            language,
            "You have a new message in Between Visits from %(clinic)s. Sign in to read it.",
            clinic=clinic_name,
        ),
    ]
    return Email(
        subject=languages.translate(language, "New message from %(clinic)s", clinic=clinic_name),
        text=_text(clinic_name, lines, url),
        html=_html(
            language, clinic_name, lines, url, languages.translate(language, "Read the message")
        ),
    )


def summary(
    user: User,
    clinic_name: str,
    counts: dict[str, int],
    *,
    patients_url: str,
    unsubscribe_url: str,
    clinic_language: str = languages.DEFAULT,
) -> Email:
    """Return the weekly "who needs you" summary: counts and links, never a patient's name."""
    language = _language(user, clinic_language)
    lines = [
        languages.translate(language, "Hello %(name)s,", name=user.first_name),
        languages.translate(
            language,
            "This week at %(clinic)s: %(attention)s of your patients need your attention, "
            "%(alerts)s alerts are open and %(unread)s messages are unread.",
            clinic=clinic_name,
            attention=counts["attention"],
            alerts=counts["alerts"],
            unread=counts["unread"],
        ),
        languages.translate(language, "Open My patients to see who."),
    ]
    no_more = languages.translate(language, "No more weekly summaries")
    text = _text(clinic_name, lines, patients_url)
    text += f"\n{no_more}: {unsubscribe_url}\n"
    html = _html(
        language,
        clinic_name,
        lines,
        patients_url,
        languages.translate(language, "Open My patients"),
    ).replace(
        "</body>",
        f'<p><a href="{escape(unsubscribe_url)}">{escape(no_more)}</a></p></body>',
    )
    return Email(
        subject=languages.translate(language, "Your week at %(clinic)s", clinic=clinic_name),
        text=text,
        html=html,
        headers={
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
