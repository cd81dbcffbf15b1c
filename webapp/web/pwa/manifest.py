"""The web app manifest: what a phone needs to install the app to its home screen."""

from __future__ import annotations

from typing import Any

from webapp.web.assets import asset_url


def web_manifest(clinic_name: str) -> dict[str, Any]:
    """Return the manifest: names, start page, colours, icons, shortcuts and screenshots."""
    name = "Between Visits"
    return {
        "id": "/",
        "name": name,
        "short_name": name,
        "description": (
            f"Your home program between visits to {clinic_name}: "
            "today's exercises with a guide, a daily check-in and your progress."
        ),
        "start_url": "/me/?source=home-screen",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f6f5f1",
        "theme_color": "#1d6b73",
        "lang": "en",
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
                "name": "Today",
                "short_name": "Today",
                "url": "/me/",
                "icons": [{"src": asset_url("icons/icon-192.png"), "sizes": "192x192"}],
            },
            {
                "name": "Daily check-in",
                "short_name": "Check-in",
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
                "label": "Today's plan",
            },
            {
                "src": asset_url("screenshots/player.png"),
                "sizes": "390x844",
                "type": "image/png",
                "form_factor": "narrow",
                "label": "The guided player with its timer",
            },
            {
                "src": asset_url("screenshots/wide.png"),
                "sizes": "1280x800",
                "type": "image/png",
                "form_factor": "wide",
                "label": "Progress: pain and adherence over six weeks",
            },
        ],
    }
