"""The WSGI entry point: ``gunicorn wsgi:app`` (no scheduler runs in web workers)."""

from __future__ import annotations

from webapp import create_app

app = create_app()
