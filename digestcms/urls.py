from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from digestcms.health import healthz
from digests import views as digest_views

urlpatterns = [
    path("admin/", admin.site.urls),
    # markdownx's endpoints, wrapped: staff only, cleaned preview, no SVG (THREATS.md 12-13).
    path("markdownx/markdownify/", digest_views.markdownx_preview, name="markdownx_markdownify"),
    path("markdownx/upload/", digest_views.markdownx_upload, name="markdownx_upload"),
    path(
        "preview/digests/<int:pk>/<str:token>/",
        digest_views.digest_preview,
        name="digest_preview",
    ),
    path("healthz/", healthz, name="healthz"),
    path("", include("digests.urls")),
]

if settings.DEBUG:  # uploaded images in development; a web server serves them in production
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
