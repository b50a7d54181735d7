"""The URLconf of browser tests that play processed media: the site's URLs, with the test's media
folder served as files first, as the production web server serves them (`served_media`)."""

from django.conf import settings
from django.conf.urls.static import static

from lms.urls import urlpatterns as site_urlpatterns

urlpatterns = list(site_urlpatterns)


def serve(media_root) -> None:
    global urlpatterns
    urlpatterns = static(settings.MEDIA_URL, document_root=media_root) + list(site_urlpatterns)
