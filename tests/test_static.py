"""Static files in production: hashed, compressed names served by whitenoise for a year."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import make_published_digest

pytestmark = pytest.mark.django_db


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    return settings.STATIC_ROOT


def test_pages_link_hashed_stylesheets_that_whitenoise_serves_for_a_year(collected):
    digest = make_published_digest()
    client = Client()  # a new handler: whitenoise reads STATIC_ROOT when it starts
    html = client.get(digest.get_absolute_url()).content.decode()
    stylesheet = re.search(r'href="(/static/digests/digest\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "the page should link the hashed stylesheet"
    assert (collected / stylesheet.group(1).removeprefix("/static/")).exists()
    assert (collected / (stylesheet.group(1).removeprefix("/static/") + ".gz")).exists()
    response = client.get(stylesheet.group(1), HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "max-age=315360000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
