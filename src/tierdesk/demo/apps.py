from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "tierdesk.demo"
    label = "demo"
