"""Routes of the public site (no sign-in): figures, incidents, timeline, memorial, downloads."""

from django.urls import path

from civharm.web.public import damage, views

app_name = "public"
urlpatterns = [
    path("", views.home, name="home"),
    path("figures/estimate", views.estimate, name="estimate"),
    path("incidents", views.incidents, name="incidents"),
    path("incidents/<str:code>", views.incident, name="incident"),
    path("timeline", views.timeline, name="timeline"),
    path("damage", damage.damage, name="damage"),
    path("memorial", views.memorial, name="memorial"),
    path("downloads", views.downloads, name="downloads"),
    path("downloads/<str:name>", views.download, name="download"),
]
