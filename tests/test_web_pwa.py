"""The installable app over HTTP: manifest, icons, service worker, caching headers."""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

from flask.testing import FlaskClient
from PIL import Image

from tests.conftest import Factory, login, post_form


def test_manifest_is_complete_and_its_icons_exist(client: FlaskClient) -> None:
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    for field in (
        "name",
        "short_name",
        "description",
        "start_url",
        "scope",
        "theme_color",
        "background_color",
    ):
        assert manifest[field], field
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    sizes = {}
    for icon in manifest["icons"]:
        served = client.get(icon["src"])
        assert served.status_code == 200
        with Image.open(io.BytesIO(served.get_data())) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
        served.close()
        sizes[(icon["sizes"], icon["purpose"])] = icon["src"]
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= set(sizes)
    assert [s["short_name"] for s in manifest["shortcuts"]] == ["Today", "Check-in"]
    for shot in manifest["screenshots"]:
        served = client.get(shot["src"])
        with Image.open(io.BytesIO(served.get_data())) as image:
            assert f"{image.width}x{image.height}" == shot["sizes"]
        served.close()
    assert {s["form_factor"] for s in manifest["screenshots"]} == {"narrow", "wide"}


def test_service_worker_is_served_at_the_root(client: FlaskClient) -> None:
    response = client.get("/sw.js")
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", body).group(1))  # type: ignore[union-attr]
    assert "/offline" in precache
    for url in precache:
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        fetched.close()
    version = re.search(r'const VERSION = "(\w+)"', body)
    assert version and client.get("/sw.js").get_data(as_text=True) == body


def test_versioned_static_files_are_cached_for_a_year_and_compressed(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    css = re.search(r'href="(/static/css/app\.css\?v=\w+)"', page)
    assert css
    response = client.get(css.group(1), headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert b"--accent" in gzip.decompress(response.get_data())
    response.close()
    plain = client.get("/static/css/app.css")
    assert plain.headers["Cache-Control"] == "no-cache"
    plain.close()


def test_pages_name_their_user_for_the_service_worker(client: FlaskClient, make: Factory) -> None:
    assert client.get("/login").headers["X-BV-User"] == ""
    first, second = make.patient(), make.patient()
    login(client, first)
    marker = client.get("/me/").headers["X-BV-User"]
    assert re.fullmatch(r"[0-9a-f]{16}", marker)  # a keyed hash, not the id itself
    post_form(client, "/logout")
    login(client, second)
    assert client.get("/me/").headers["X-BV-User"] not in ("", marker)


def test_offline_page_holds_nothing_personal(client: FlaskClient, make: Factory) -> None:
    patient = make.patient(name="Rosa Diaz")
    login(client, patient)
    html = client.get("/offline").get_data(as_text=True)
    assert "You're offline" in html
    assert "Rosa" not in html and "csrf" not in html.lower()


def test_outbox_token_is_fresh_and_names_its_owner(client: FlaskClient, make: Factory) -> None:
    signed_out = client.get("/outbox/token")
    assert signed_out.status_code == 401 and signed_out.get_json()["user"] == ""
    assert "csrf_token" not in signed_out.get_json()
    patient = make.patient()
    login(client, patient)
    page = client.get("/me/")
    stale = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True))
    assert stale
    # The browser was closed: the session cookie is gone, "keep me signed in" brings the
    # person back in a new session, and the token on the old page no longer works.
    client.delete_cookie("bv_session")
    refused = client.post(
        "/me/completions",
        data={"client_id": "kept-in-the-outbox"},
        headers={"X-CSRFToken": stale.group(1), "Accept": "application/json"},
    )
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    fresh = client.get("/outbox/token")
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "no-store"
    assert fresh.get_json()["user"] == page.headers["X-BV-User"]
    answer = client.post(
        "/me/completions",
        data={"client_id": "kept-in-the-outbox", "item_id": "1", "slot": "0"},
        headers={"X-CSRFToken": fresh.get_json()["csrf_token"], "Accept": "application/json"},
    )
    assert answer.status_code != 400  # the token is accepted: the answer is about the plan
    assert answer.get_json()["code"] == "not_in_plan"


def test_pages_name_their_owner_and_time_zone_for_the_outbox(
    client: FlaskClient, make: Factory
) -> None:
    patient = make.patient(timezone="America/Chicago")
    login(client, patient)
    response = client.get("/me/")
    html = response.get_data(as_text=True)
    assert f'<meta name="bv-user" content="{response.headers["X-BV-User"]}">' in html
    assert '<meta name="bv-zone" content="America/Chicago">' in html
    assert 'name="bv-user"' not in client.get("/offline").get_data(as_text=True)


def test_the_worker_is_served_without_its_comment_lines(client: FlaskClient) -> None:
    served = client.get("/sw.js").get_data(as_text=True)
    source = (Path(__file__).parents[1] / "templates" / "pwa" / "sw.js").read_text()
    assert "// The signed-in user behind cached pages" in source
    assert not [line for line in served.splitlines() if line.lstrip().startswith("//")]
    # The code is all there: every statement line of the source is served.
    assert 'self.addEventListener("fetch", (event) => {' in served
