"""Every route of the web app: the public site, the map, the workspace and the API."""

from django.urls import include, path

from civharm.web.api import api

urlpatterns = [
    path("", include("civharm.web.public.urls")),
    path("", include("civharm.web.maps.urls")),
    path("workspace/", include("civharm.web.workspace.urls")),
    path("api/", api.urls),
]
