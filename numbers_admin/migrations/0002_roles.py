"""Create the Viewer, Support and Admin groups with their model permissions."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_roles(apps, schema_editor):
    from numbers_admin.roles import sync_roles

    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in global_apps.get_app_configs():
        original = app_config.models_module
        app_config.models_module = True
        try:
            create_permissions(app_config, verbosity=0, apps=apps)
        finally:
            app_config.models_module = original
    sync_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Viewer", "Support", "Admin"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("numbers_admin", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
