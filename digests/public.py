"""Public pages readers see: only published digests (the full public site is issue 6)."""

from datetime import date

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from .models import Digest
from .views import digest_page_context


def digest_detail(request: HttpRequest, topic: str, day: str) -> HttpResponse:
    try:
        edition = date.fromisoformat(day)
    except ValueError:
        raise Http404("No such edition.") from None
    digest = get_object_or_404(
        Digest.objects.published().select_related("topic"), topic__slug=topic, edition_date=edition
    )
    return render(request, "digests/digest_detail.html", digest_page_context(digest))
