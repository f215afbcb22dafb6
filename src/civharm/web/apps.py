from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "civharm.web"
    label = "web"
    verbose_name = "civharm web app"
