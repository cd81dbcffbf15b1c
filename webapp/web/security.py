"""Security headers, cookie flags, CSRF failures and role checks."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from webapp.models import Role, User
from webapp.web.i18n import page_language

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self'",
        "manifest-src 'self'",
        "worker-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

F = TypeVar("F", bound=Callable[..., Any])


def is_plain_http_loopback() -> bool:
    """Return True when this request came over plain HTTP to a loopback address."""
    if request.is_secure:
        return False
    host = (request.host or "").rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secure_cookies(response: Response) -> None:
    """Mark every cookie of the response Secure unless served over loopback HTTP."""
    # The flag is added everywhere except a laptop's http://127.0.0.1, where a browser
    # would otherwise drop the cookie.
    if is_plain_http_loopback():
        return
    cookies = response.headers.getlist("Set-Cookie")
    if not cookies:
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if "; secure" not in cookie.lower():
            cookie = f"{cookie}; Secure"
        response.headers.add("Set-Cookie", cookie)


def _add_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages and downloads (CSV, FHIR, calendar files) carry patient data: no cache keeps
    # them, unless the view chose otherwise (static files, pictures, the service worker).
    response.headers.setdefault("Cache-Control", "no-store")
    if response.mimetype == "text/html":
        # Tells the service worker whose pages it keeps for offline use (and to drop them
        # when someone else signs in or the person signs out). Not the id itself.
        response.headers["X-BV-User"] = user_marker()
        # The page's language, for the service worker: its offline page speaks it too.
        response.headers.setdefault("Content-Language", page_language())
    return response


def user_marker() -> str:
    """Name the signed-in person without giving their id away ("" when signed out)."""
    # The service worker keys its saved pages by it, and the outbox its waiting actions.
    if not current_user.is_authenticated:
        return ""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, current_user.get_id().encode(), hashlib.sha256).hexdigest()[:16]


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return (
        render_template(
            "errors/csrf.html",
            reason=error.description,
        ),
        400,
    )


def init_app(app: Flask) -> None:
    """Install security headers, proxy handling and the CSRF error page."""
    proxies = app.config.get("TRUSTED_PROXIES", 0)
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies
        )
    app.after_request(_add_headers)
    app.register_error_handler(CSRFError, _csrf_error)


def me() -> User:
    """Return the signed-in person (every view that asks sits behind ``roles_required``)."""
    user = current_user._get_current_object()
    if not isinstance(user, User):
        abort(401)
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only signed-in users with one of these roles in; others get 404 or the login."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return cast(F, wrapped)

    return decorator


login_required = roles_required(Role.PATIENT, Role.THERAPIST, Role.ADMIN)
