"""An image upload when the media folder is full or read-only (markdownx's endpoint).

MEDIA_ROOT is a 64 KiB tmpfs (root only; skipped, saying why, elsewhere). A valid 200 KB PNG
from a staff user must get a readable error the editor's upload widget can show, and leave
no partly written file behind; a small PNG on the same mount proves the mount works.
"""

from __future__ import annotations

import io
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from tests.faults.helpers import mount_tmpfs, remount, unmount

pytestmark = pytest.mark.django_db


def png(side: int) -> bytes:
    """A valid PNG of random pixels: it does not compress, so it stays ~3 bytes a pixel."""
    noise = random.Random(side).randbytes(side * side * 3)
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(buffer, "PNG")
    return buffer.getvalue()


BIG = png(260)  # ~200 KB, under the 2 MB limit, over the 64 KiB mount
SMALL = png(8)


@pytest.fixture
def tiny_media(settings) -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="faults-media-"))
    if why := mount_tmpfs(folder, "64k"):
        folder.rmdir()
        pytest.skip(why)
    settings.MEDIA_ROOT = folder
    try:
        yield folder
    finally:
        unmount(folder)
        folder.rmdir()


@pytest.fixture
def staff() -> Client:
    from django.contrib.auth.models import User

    client = Client(raise_request_exception=False)  # what a browser gets, not the exception
    client.force_login(User.objects.create_user("edith", password="pw", is_staff=True))
    return client


def upload(client: Client, content: bytes):
    return client.post(
        reverse("markdownx_upload"),
        {"image": SimpleUploadedFile("photo.png", content, content_type="image/png")},
        headers={"x-requested-with": "XMLHttpRequest"},
    )


def files(folder: Path) -> list[tuple[str, int]]:
    return sorted(
        (str(p.relative_to(folder)), p.stat().st_size) for p in folder.rglob("*") if p.is_file()
    )


def readable_error(response) -> str:
    """The message markdownx's widget would show: a JSON error naming the problem."""
    assert 400 <= response.status_code < 600, response.status_code
    assert response.headers["Content-Type"].startswith("application/json"), (
        response.status_code,
        response.content[:300],
    )
    errors = response.json()
    message = " ".join(" ".join(v) if isinstance(v, list) else str(v) for v in errors.values())
    assert message.strip(), errors
    return message


def test_the_tiny_media_folder_is_where_uploads_go_and_a_big_picture_cannot_fit(tiny_media, staff):
    """The setup the two tests below rely on: a small image fits, a big one does not."""
    assert 150_000 < len(BIG) < 2 * 1024 * 1024  # under the upload limit
    response = upload(staff, SMALL)
    assert response.status_code == 200, response.content[:300]
    [(name, size)] = files(tiny_media)
    assert name.startswith("uploads/") and name.endswith(".png") and size == len(SMALL)
    with pytest.raises(OSError, match="No space left"):
        (tiny_media / "probe").write_bytes(BIG)


def test_an_upload_to_a_full_media_folder_is_refused_clearly_and_leaves_nothing(tiny_media, staff):
    response = upload(staff, BIG)
    leftovers = files(tiny_media)
    message = readable_error(response)
    assert "space" in message.lower() or "full" in message.lower(), message
    assert leftovers == [], leftovers


def test_an_upload_to_a_read_only_media_folder_is_refused_clearly_and_leaves_nothing(
    tiny_media, staff
):
    assert upload(staff, SMALL).status_code == 200  # the mount works …
    stored = files(tiny_media)
    remount(tiny_media, "ro")
    try:
        response = upload(staff, SMALL)  # … until it is read-only
        after = files(tiny_media)
    finally:
        remount(tiny_media, "rw")
    readable_error(response)
    assert after == stored
