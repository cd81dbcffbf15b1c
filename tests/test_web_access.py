"""Who may open what: every role against every protected route."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.conftest import Factory, login, post_form
from webapp.models import Role, User

# (method, path template, roles allowed). {own} is a patient linked to the signed-in
# therapist; {other} is a patient of another therapist.
ROUTES = [
    ("GET", "/me/", {Role.PATIENT}),
    ("GET", "/clinic/", {Role.THERAPIST}),
    ("GET", "/clinic/patients/new", {Role.THERAPIST}),
    ("GET", "/clinic/patients/{own}", {Role.THERAPIST}),
    ("GET", "/clinic/patients/{own}/invite", {Role.THERAPIST}),
    ("POST", "/clinic/patients/{own}/invite", {Role.THERAPIST}),
    ("GET", "/admin/", {Role.ADMIN}),
    ("GET", "/admin/audit", {Role.ADMIN}),
    ("GET", "/admin/patients", {Role.ADMIN}),
    ("GET", "/clinic/settings", {Role.THERAPIST}),
    ("GET", "/clinic/patients/{own}/report", {Role.THERAPIST}),
    ("GET", "/clinic/patients/{own}/program", {Role.THERAPIST}),
    ("GET", "/me/reminders", {Role.PATIENT}),
    ("GET", "/me/progress", {Role.PATIENT}),
    ("GET", "/me/checkin", {Role.PATIENT}),
    ("GET", "/account", {Role.PATIENT, Role.THERAPIST, Role.ADMIN}),
    ("POST", "/clinic/patients/{own}/discharge", {Role.THERAPIST}),
    ("POST", "/clinic/patients/{own}/reactivate", {Role.THERAPIST}),
    ("POST", "/admin/patients/{own}/discharge", {Role.ADMIN}),
    ("POST", "/admin/patients/{own}/reactivate", {Role.ADMIN}),
    ("GET", "/admin/patients/{own}/erase", {Role.ADMIN}),
    ("POST", "/me/erasure-request", {Role.PATIENT}),
]
OTHERS_ROUTES = [
    ("GET", "/clinic/patients/{other}"),
    ("GET", "/clinic/patients/{other}/invite"),
    ("POST", "/clinic/patients/{other}/invite"),
    ("GET", "/clinic/patients/{missing}"),
    ("GET", "/clinic/patients/{other}/report"),
    ("GET", "/clinic/patients/{other}/fhir.json"),
    ("GET", "/clinic/patients/{other}/export.csv"),
    ("GET", "/clinic/patients/{other}/program"),
    ("POST", "/clinic/patients/{other}/discharge"),
    ("POST", "/clinic/patients/{other}/reactivate"),
    ("POST", "/clinic/patients/{missing}/discharge"),
]


@pytest.fixture
def people(make: Factory) -> dict[str, User]:
    """A therapist with a patient, another therapist with theirs, and an admin."""
    therapist = make.therapist()
    other_therapist = make.therapist()
    return {
        "therapist": therapist,
        "own": make.patient(therapist),
        "other": make.patient(other_therapist),
        "admin": make.admin(),
    }


def _request(client: FlaskClient, method: str, path: str) -> int:
    if method == "GET":
        return client.get(path).status_code
    return post_form(client, path).status_code


def _path(template: str, people: dict[str, User]) -> str:
    return template.format(own=people["own"].id, other=people["other"].id, missing=999999)


@pytest.mark.parametrize("role", [Role.PATIENT, Role.THERAPIST, Role.ADMIN, None])
@pytest.mark.parametrize(("method", "template", "allowed"), ROUTES)
def test_role_access(
    client: FlaskClient,
    people: dict[str, User],
    role: Role | None,
    method: str,
    template: str,
    allowed: set[Role],
) -> None:
    user = {
        Role.PATIENT: people["own"],
        Role.THERAPIST: people["therapist"],
        Role.ADMIN: people["admin"],
        None: None,
    }[role]
    if user is not None:
        login(client, user)
    status = _request(client, method, _path(template, people))
    if role is None:
        assert status == 302  # to the sign-in page
    elif role in allowed:
        assert status in {200, 303}
    else:
        assert status == 404  # not 403: the page does not exist for this role


@pytest.mark.parametrize(("method", "template"), OTHERS_ROUTES)
def test_another_therapists_patient_is_not_found(
    client: FlaskClient, people: dict[str, User], method: str, template: str
) -> None:
    login(client, people["therapist"])
    response_status = _request(client, method, _path(template, people))
    assert response_status == 404


def test_other_patient_is_not_listed(client: FlaskClient, people: dict[str, User]) -> None:
    login(client, people["therapist"])
    html = client.get("/clinic/").get_data(as_text=True)
    assert people["own"].display_name in html
    assert people["other"].display_name not in html


def test_disabled_staff_cannot_sign_in(client: FlaskClient, make: Factory) -> None:
    therapist = make.therapist(active=False)
    response = post_form(client, "/login", {"login": therapist.login, "password": "x" * 12})
    assert response.status_code == 422


@pytest.mark.parametrize("role", [Role.PATIENT, Role.THERAPIST, Role.ADMIN, None])
@pytest.mark.parametrize("huge", [2**31, 2**63, 2**64, 10**40])
def test_ids_beyond_any_column_are_not_found(
    client: FlaskClient, people: dict[str, User], role: Role | None, huge: int
) -> None:
    user = {
        Role.PATIENT: people["own"],
        Role.THERAPIST: people["therapist"],
        Role.ADMIN: people["admin"],
        None: None,
    }[role]
    if user is not None:
        login(client, user)
    for method, path in [
        ("GET", f"/clinic/patients/{huge}"),
        ("GET", f"/clinic/patients/{huge}/export.csv"),
        ("GET", f"/me/visits/{huge}.ics"),
        ("GET", f"/library/{huge}"),
        ("GET", f"/library/media/{huge}"),
        ("POST", f"/clinic/patients/{huge}/invite"),
        ("POST", f"/me/completions/{huge}/undo"),
        ("POST", f"/admin/therapists/{huge}/active"),
    ]:
        assert _request(client, method, path) == 404, (method, path)
    if user is not None:
        # The largest id a column holds is looked up like any other, and not found.
        assert client.get(f"/library/{2**31 - 1}").status_code == 404


def test_ids_beyond_any_column_in_forms_and_queries(
    client: FlaskClient, people: dict[str, User]
) -> None:
    huge = str(2**31)
    login(client, people["admin"])
    assert client.get(f"/admin/audit?before={huge}").status_code == 200
    moved = post_form(
        client, f"/admin/patients/{people['own'].id}/therapist", {"therapist_id": huge}
    )
    assert moved.status_code == 303
    assert "Please choose an active therapist." in client.get("/admin/patients").get_data(
        as_text=True
    )
