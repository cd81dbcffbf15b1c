"""The exercise library: shipped content, versioned updates, search, media checks."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import Factory
from webapp.content import vocab
from webapp.models import Exercise, LadderRung, ProgramTemplate, utcnow
from webapp.services import library, media, programs
from webapp.services.errors import ValidationError
from webapp.services.library import browsing
from webapp.services.library import shipped as shipped_content

REQUIRED_TEMPLATES = {
    "low-back-pain",
    "neck-shoulder-tension",
    "knee-osteoarthritis",
    "fibromyalgia-gentle",
    "post-surgical-shoulder",
    "post-surgical-hip",
    "stress-sleep",
    "balance-falls",
    "lymphatic-flow",
    "hand-arthritis",
}


def _exercise(session: Session, slug: str) -> Exercise:
    found = session.scalar(select(Exercise).where(Exercise.slug == slug))
    assert found is not None
    return found


def test_shipped_library_is_loaded(session: Session) -> None:
    exercises = session.scalars(select(Exercise)).all()
    assert len(exercises) >= 100
    assert {e.kind for e in exercises} == set(vocab.KINDS)
    pendulum = [e for e in exercises if e.post_surgical]
    assert pendulum and all(not e.self_care for e in pendulum)
    slugs = set(session.scalars(select(ProgramTemplate.slug)).all())
    assert REQUIRED_TEMPLATES <= slugs


def test_sync_again_changes_nothing(session: Session) -> None:
    report = library.sync_builtin(session)
    assert report.added == [] and report.updated == []


def test_newer_content_updates_only_what_the_clinic_left_alone(
    session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    therapist = make.therapist()
    exercise = _exercise(session, "knee-to-chest")
    data = library.input_from_exercise(exercise)
    data.purpose = "Our clinic's own words for this stretch."
    library.update_exercise(session, therapist, exercise, data)
    assert exercise.clinic_changed == ["purpose"]

    shipped = library.builtin_exercises()
    newer = []
    for item in shipped:
        if item["slug"] == "knee-to-chest":
            item = {
                **item,
                "version": item["version"] + 1,
                "title": "Knee to chest (gentle)",
                "purpose": "New shipped purpose.",
            }
        newer.append(item)
    monkeypatch.setattr(shipped_content, "builtin_exercises", lambda: newer)
    report = library.sync_builtin(session)
    assert report.updated == ["knee-to-chest"]
    assert exercise.title == "Knee to chest (gentle)"
    assert exercise.purpose == "Our clinic's own words for this stretch."


def test_patients_see_self_care_only(session: Session, make: Factory) -> None:
    patient, therapist = make.patient(), make.therapist()
    everything = library.search(session, therapist, library.LibraryFilter())
    mine = library.search(session, patient, library.LibraryFilter())
    assert len(mine) < len(everything)
    assert all(e.self_care and not e.post_surgical for e in mine)
    pendulum = next(e for e in everything if e.post_surgical)
    with pytest.raises(Exception) as err:
        library.get_exercise(session, patient, pendulum.id)
    assert err.type.__name__ == "NotFound"


@pytest.mark.parametrize(
    ("args", "check"),
    [
        ({"region": "knees"}, lambda e: "knees" in e.regions),
        ({"kind": "breathing"}, lambda e: e.kind == "breathing"),
        ({"condition": "hand_arthritis"}, lambda e: "hand_arthritis" in e.conditions),
        ({"q": "ankle"}, lambda e: "ankle" in browsing._haystack(e)),
    ],
)
def test_filters(session: Session, make: Factory, args: dict[str, str], check: Any) -> None:
    results = library.search(session, make.therapist(), library.LibraryFilter.from_args(args))
    assert results and all(check(e) for e in results)


def test_search_ranks_title_matches_first(session: Session, make: Factory) -> None:
    results = library.search(session, make.therapist(), library.LibraryFilter(q="ankle"))
    assert results[0].title.lower().startswith("ankle")


def test_unknown_filter_values_are_ignored() -> None:
    wanted = library.LibraryFilter.from_args({"region": "<script>", "kind": "x", "q": "  a   b "})
    assert wanted == library.LibraryFilter(q="a b")


def test_create_exercise_reports_every_problem(session: Session, make: Factory) -> None:
    with pytest.raises(ValidationError) as err:
        library.create_exercise(
            session,
            make.therapist(),
            library.ExerciseInput(
                dose={
                    "sets": "0",
                    "reps": "x",
                    "hold_seconds": "5",
                    "rest_seconds": "5",
                    "side": "both",
                    "times_per_day": "9",
                }
            ),
        )
    assert {
        "title",
        "kind",
        "regions",
        "purpose",
        "steps",
        "cautions",
        "sets",
        "reps",
        "times_per_day",
    } <= set(err.value.errors)


def test_create_clinic_exercise(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    created = library.create_exercise(
        session,
        therapist,
        library.ExerciseInput(
            title="Seated towel stretch",
            kind="stretch",
            regions=["calves", "nowhere"],
            conditions=["ankle_foot"],
            purpose="Stretches the calf while sitting.",
            steps="Sit tall.\nLoop a towel round your foot.\n\nPull gently.",
            cautions="Stop if you feel sharp pain.",
            self_care=True,
            dose={
                "sets": "1",
                "reps": "3",
                "hold_seconds": "30",
                "rest_seconds": "10",
                "side": "both",
                "times_per_day": "2",
            },
        ),
    )
    assert created.slug == "clinic-seated-towel-stretch"
    assert created.regions == ["calves"]
    assert created.steps == ["Sit tall.", "Loop a towel round your foot.", "Pull gently."]
    assert not created.is_builtin and created.hold_seconds == 30


# --- media -------------------------------------------------------------------------------


def _image_bytes(fmt: str, size: tuple[int, int] = (1600, 900), exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 120, 80))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "PhoneMaker"  # Make
        data[0x0131] = "SecretApp 1.0"  # Software
        kwargs["exif"] = data.tobytes()
    img.save(out, format=fmt, **kwargs)
    return out.getvalue()


def test_image_is_reencoded_resized_and_stripped() -> None:
    raw = _image_bytes("JPEG", exif=True)
    assert b"PhoneMaker" in raw
    cleaned, width, height = media.clean_image(media.Upload("photo.JPG", raw))
    assert b"PhoneMaker" not in cleaned and b"SecretApp" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as img:
        assert img.format == "WEBP"
        assert max(img.size) == media.IMAGE_MAX_SIDE == max(width, height)
        assert not img.getexif()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (media.Upload("notes.jpg", b"hello, not an image"), "not a picture"),
        (media.Upload("pic.jpg", _image_bytes("PNG", (10, 10))), "really a PNG"),
        (media.Upload("pic.gif", _image_bytes("GIF", (10, 10))), "JPEG, PNG or WebP"),
        (media.Upload("big.png", b"\x89PNG" + b"0" * (5 * 1024 * 1024)), "at most 5 MB"),
        (media.Upload("empty.png", b""), "empty"),
    ],
)
def test_bad_images_are_refused(upload: media.Upload, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        media.clean_image(upload)
    assert message in (err.value.first("image") or "")


def test_video_checks() -> None:
    mp4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100
    media.check_video(media.Upload("clip.mp4", mp4))
    with pytest.raises(ValidationError):
        media.check_video(media.Upload("clip.mp4", b"not a video at all......"))
    with pytest.raises(ValidationError):
        media.check_video(media.Upload("clip.mov", mp4))
    with pytest.raises(ValidationError):
        media.check_video(media.Upload("clip.mp4", mp4 + b"\x00" * media.VIDEO_MAX_BYTES))


# --- easier and harder versions, and one-sided exercises, through the sync ----------------


def _slugs(exercises: list[Exercise]) -> set[str]:
    return {e.slug for e in exercises}


def test_ladder_is_loaded_from_the_shipped_content(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    quad = library.ladder(session, therapist, _exercise(session, "quad-set"))
    assert _slugs(quad.easier) == set()
    assert _slugs(quad.harder) == {"straight-leg-raise", "seated-knee-extension"}
    sit = library.ladder(session, therapist, _exercise(session, "sit-to-stand"))
    assert _slugs(sit.easier) == {"straight-leg-raise"}
    assert _slugs(sit.harder) == {"step-ups"}
    assert not library.ladder(session, therapist, _exercise(session, "body-scan"))


def test_ladder_shows_only_what_the_viewer_may_see(session: Session, make: Factory) -> None:
    therapist = make.therapist()
    patient = make.patient(therapist)
    elbows = _exercise(session, "prone-on-elbows")
    # The press-up is for a therapist to choose: a patient sees it only once it is theirs.
    assert _slugs(library.ladder(session, therapist, elbows).harder) == {"prone-press-up"}
    assert library.ladder(session, patient, elbows).harder == []
    program = programs.create_program(session, therapist, patient, today=utcnow().date())
    programs.add_item(
        session, therapist, program, _exercise(session, "prone-press-up"), today=program.start_date
    )
    assert _slugs(library.ladder(session, patient, elbows).harder) == {"prone-press-up"}
    # Archived exercises are never offered.
    _exercise(session, "straight-leg-raise").archived = True
    session.flush()
    quad = library.ladder(session, therapist, _exercise(session, "quad-set"))
    assert _slugs(quad.harder) == {"seated-knee-extension"}


def _shipped_with(changes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the shipped exercises with some entries changed, as a newer release would."""
    return [
        {**item, **changes[item["slug"]]} if item["slug"] in changes else item
        for item in library.builtin_exercises()
    ]


def test_sync_follows_a_changed_ladder_but_keeps_the_clinics_links(
    session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    therapist = make.therapist()
    own = library.input_from_exercise(_exercise(session, "step-ups"))
    own.title = "Step-ups onto a higher step"
    higher = library.create_exercise(session, therapist, own)
    session.add(LadderRung(easier_id=_exercise(session, "step-ups").id, harder_id=higher.id))
    session.flush()

    newer = _shipped_with(
        {
            "quad-set": {"harder": ["straight-leg-raise"]},
            "seated-knee-extension": {"easier": []},
            "heel-slide": {"harder": ["mini-squats"]},
        }
    )
    monkeypatch.setattr(shipped_content, "builtin_exercises", lambda: newer)
    report = library.sync_builtin(session)
    assert "ladder:quad-set>seated-knee-extension" in report.updated
    assert "ladder:heel-slide>mini-squats" in report.added
    therapist_view = library.ladder(session, therapist, _exercise(session, "quad-set"))
    assert _slugs(therapist_view.harder) == {"straight-leg-raise"}
    step_ups = library.ladder(session, therapist, _exercise(session, "step-ups"))
    assert higher in step_ups.harder  # the clinic's own link stays
    assert library.sync_builtin(session).added == []  # and a second sync changes nothing


def test_sync_leaves_a_ladder_the_clinic_changed(
    session: Session, monkeypatch: pytest.MonkeyPatch, make: Factory
) -> None:
    quad = _exercise(session, "quad-set")
    quad.clinic_changed = [library.LADDER_FIELD]
    newer = _shipped_with({"quad-set": {"harder": []}, "straight-leg-raise": {"easier": []}})
    monkeypatch.setattr(shipped_content, "builtin_exercises", lambda: newer)
    library.sync_builtin(session)
    harder = library.ladder(session, make.therapist(), quad).harder
    assert "straight-leg-raise" in _slugs(harder)


def test_sync_makes_an_updated_exercise_need_a_side_and_keeps_clinic_text(
    session: Session, make: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clinic whose pendulum predates the rule gets it on the next release."""
    therapist = make.therapist()
    pendulum = _exercise(session, "pendulum")
    data = library.input_from_exercise(pendulum)
    data.cautions = "Our own caution: stop if you feel sharp pain or dizzy."
    library.update_exercise(session, therapist, pendulum, data)
    # As it was before this release: version 1, no side needed.
    pendulum.side_required = False
    pendulum.content_version = 1
    shipped = next(e for e in library.builtin_exercises() if e["slug"] == "pendulum")
    report = library.sync_builtin(session)
    assert "pendulum" in report.updated
    assert pendulum.side_required is True
    assert pendulum.content_version == shipped["version"]
    assert pendulum.cautions == ["Our own caution: stop if you feel sharp pain or dizzy."]


def test_a_clinic_exercise_can_need_a_side(session: Session, make: Factory) -> None:
    data = library.input_from_exercise(_exercise(session, "post-op-heel-slide"))
    data.title = "Heel slides after a knee clean-out"
    data.sided = False
    data.side_required = True
    created = library.create_exercise(session, make.therapist(), data)
    assert created.side_required and created.sided
