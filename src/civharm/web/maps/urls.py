from django.urls import path

from civharm.web.maps import views

app_name = "maps"
urlpatterns = [
    path("map", views.map_page, name="map"),
    path("map/incidents.geojson", views.incidents_geojson, name="incidents_geojson"),
    path("map/damage.geojson", views.damage_geojson, name="damage_geojson"),
    path("map/layers/<slug:name>.geojson", views.layer_geojson, name="layer"),
]
