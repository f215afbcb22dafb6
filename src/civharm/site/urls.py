"""URL routes: the web app's, and its error pages."""

from django.urls import include, path

urlpatterns = [path("", include("civharm.web.urls"))]

handler400 = "civharm.web.errors.bad_request"
handler403 = "civharm.web.errors.denied"
handler404 = "civharm.web.errors.not_found"
handler500 = "civharm.web.errors.server_error"
