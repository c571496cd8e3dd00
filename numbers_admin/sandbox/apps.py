from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "numbers_admin.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox upstream"
