from django.apps import AppConfig


class StoreConfig(AppConfig):
    name = "civharm.store"
    label = "civharm"
    verbose_name = "civharm records"
    default_auto_field = "django.db.models.BigAutoField"
