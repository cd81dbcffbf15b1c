"""Exercise pictures and videos: checked, cleaned and stored outside the web root."""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from webapp.models import Exercise, Media, User
from webapp.services import audit
from webapp.services.db import Db
from webapp.services.errors import ValidationError, text
from webapp.services.languages import N_

IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_SIDE = 1200
IMAGE_MAX_PIXELS = 40_000_000
TOO_MANY_PIXELS = N_("This picture has more than %(num)s million pixels. Please use a smaller one.")
VIDEO_MAX_BYTES = 20 * 1024 * 1024
# Pillow format name -> file extensions that honestly name it.
IMAGE_FORMATS = {"JPEG": {"jpg", "jpeg"}, "PNG": {"png"}, "WEBP": {"webp"}}
MP4_BRANDS = {
    b"isom",
    b"iso2",
    b"iso4",
    b"iso5",
    b"iso6",
    b"mp41",
    b"mp42",
    b"avc1",
    b"M4V ",
    b"dash",
}


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name and bytes."""

    filename: str
    data: bytes

    @property
    def extension(self) -> str:
        """Return the lower-case extension of the file name, without the dot."""
        return Path(self.filename).suffix.lower().lstrip(".")


def _store(folder: Path, data: bytes, extension: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{extension}"
    (folder / name).write_bytes(data)
    return name


def clean_image(upload: Upload) -> tuple[bytes, int, int]:
    """Check an uploaded picture and return it re-encoded as WebP, resized, metadata gone."""
    if not upload.data:
        raise ValidationError(N_("The file is empty."), "image")
    if len(upload.data) > IMAGE_MAX_BYTES:
        raise ValidationError(
            N_("Pictures can be at most 5 MB. Please choose a smaller one."), "image"
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 million pixels; our own limit below is lower and says so
            # next to the field, so its warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(upload.data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
    except Image.DecompressionBombError as exc:
        # Twice Pillow's limit: a small file that would unpack to gigabytes.
        raise ValidationError(
            text(TOO_MANY_PIXELS, num=IMAGE_MAX_PIXELS // 1_000_000), "image"
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ValidationError(
            N_("This file is not a picture we can use. Please upload a JPEG, PNG or WebP."),
            "image",
        ) from exc
    if fmt not in IMAGE_FORMATS:
        raise ValidationError(N_("Please upload a JPEG, PNG or WebP picture."), "image")
    if upload.extension not in IMAGE_FORMATS[fmt]:
        raise ValidationError(
            text(
                N_(
                    "The file is named .%(extension)s but is really a %(format)s picture. "
                    "Please check the file and upload it again."
                ),
                extension=upload.extension or "?",
                format=fmt,
            ),
            "image",
        )
    if width * height > IMAGE_MAX_PIXELS:
        raise ValidationError(text(TOO_MANY_PIXELS, num=IMAGE_MAX_PIXELS // 1_000_000), "image")
    try:
        with Image.open(io.BytesIO(upload.data)) as opened:
            opened.load()
            turned = ImageOps.exif_transpose(opened)
            img = turned.convert("RGBA" if turned.mode in ("RGBA", "LA", "P") else "RGB")
            img.thumbnail((IMAGE_MAX_SIDE, IMAGE_MAX_SIDE))
            # A fresh image from the pixels alone: no EXIF, GPS, ICC or comments survive.
            clean = Image.new(img.mode, img.size)
            clean.paste(img)
            out = io.BytesIO()
            clean.save(out, format="WEBP", quality=82, method=4)
            return out.getvalue(), clean.width, clean.height
    except (OSError, ValueError) as exc:
        raise ValidationError(
            N_("This picture could not be read. Please try another."), "image"
        ) from exc


def check_video(upload: Upload) -> None:
    """Accept only a short MP4 video."""
    if not upload.data:
        raise ValidationError(N_("The file is empty."), "video")
    if len(upload.data) > VIDEO_MAX_BYTES:
        raise ValidationError(
            N_("Videos can be at most 20 MB. Please use a shorter clip."), "video"
        )
    if upload.extension not in {"mp4", "m4v"}:
        raise ValidationError(N_("Please upload an MP4 video."), "video")
    if upload.data[4:8] != b"ftyp" or upload.data[8:12] not in MP4_BRANDS:
        raise ValidationError(N_("This file is not an MP4 video. Please upload an MP4."), "video")


def attach_image(
    session: Db, therapist: User, exercise: Exercise, upload: Upload, folder: Path, alt_text: str
) -> Media:
    """Store a cleaned picture and make it the exercise's picture."""
    data, width, height = clean_image(upload)
    media = Media(
        kind="image",
        storage_name=_store(folder, data, "webp"),
        content_type="image/webp",
        size_bytes=len(data),
        width=width,
        height=height,
        alt_text=" ".join(alt_text.split())[:300] or f"Picture of {exercise.title}",
        uploaded_by_id=therapist.id,
    )
    session.add(media)
    session.flush()
    exercise.image_id = media.id
    audit.record(session, therapist, "exercise.image", detail=exercise.slug)
    return media


def attach_video(
    session: Db, therapist: User, exercise: Exercise, upload: Upload, folder: Path
) -> Media:
    """Store a checked MP4 and make it the exercise's video."""
    check_video(upload)
    media = Media(
        kind="video",
        storage_name=_store(folder, upload.data, "mp4"),
        content_type="video/mp4",
        size_bytes=len(upload.data),
        uploaded_by_id=therapist.id,
    )
    session.add(media)
    session.flush()
    exercise.video_id = media.id
    audit.record(session, therapist, "exercise.video", detail=exercise.slug)
    return media
