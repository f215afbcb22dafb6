"""URL routes. The web app adds its pages here."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
