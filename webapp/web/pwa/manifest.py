"""The web app manifest: what a phone needs to install the app to its home screen."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask_babel import force_locale
from flask_babel import gettext as _

from webapp.web.assets import asset_url


def web_manifest(clinic_name: str, language: str) -> dict[str, Any]:
    """Return the manifest in ``language``: names, start page, colours, icons, shortcuts."""
    with force_locale(language):
        return _manifest(clinic_name, language)


def _manifest(clinic_name: str, language: str) -> dict[str, Any]:
    # The name is the app's own and stays as it is in every language. The id stays too:
    # the installed app is the same one whichever language its manifest was read in.
    name = "Between Visits"
    right_to_left = Locale.parse(language).character_order == "right-to-left"
    return {
        "id": "/",
        "name": name,
        "short_name": name,
        "description": _(
            "Your home program between visits to %(clinic)s: "
            "today's exercises with a guide, a daily check-in and your progress.",
            clinic=clinic_name,
        ),
        "start_url": "/me/?source=home-screen",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f5f1",
        "theme_color": "#1d6b73",
        "lang": language,
        "dir": "rtl" if right_to_left else "ltr",
        "categories": ["health", "medical", "lifestyle"],
        "icons": [
            {
                "src": asset_url("icons/icon-192.png"),
                "sizes": "192x192",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": asset_url("icons/icon-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "any",
            },
            {
                "src": asset_url("icons/maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [
            {
                "name": _("Today"),
                "short_name": _("Today"),
                "url": "/me/",
                "icons": [{"src": asset_url("icons/icon-192.png"), "sizes": "192x192"}],
            },
            {
                "name": _("Daily check-in"),
                "short_name": _("Check-in"),
                "url": "/me/checkin",
                "icons": [{"src": asset_url("icons/icon-192.png"), "sizes": "192x192"}],
            },
        ],
        "screenshots": [
            {
                "src": asset_url("screenshots/today.png"),
                "sizes": "390x844",
                "type": "image/png",
                "form_factor": "narrow",
                "label": _("Today's plan"),
            },
            {
                "src": asset_url("screenshots/player.png"),
                "sizes": "390x844",
                "type": "image/png",
                "form_factor": "narrow",
                "label": _("The guided player with its timer"),
            },
            {
                "src": asset_url("screenshots/wide.png"),
                "sizes": "1280x800",
                "type": "image/png",
                "form_factor": "wide",
                "label": _("Progress: pain and adherence over six weeks"),
            },
        ],
    }
