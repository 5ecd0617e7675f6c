"""The Editor and Publisher groups, and the every-minute schedule that publishes due digests."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = [
    *(
        f"digests.{action}_{model}"
        for action in ("view", "change")
        for model in ("digest", "digestsection", "digestarticle", "placement")
    ),
    *(
        f"digests.view_{model}"
        for model in ("topic", "perspective", "topicfeed", "digestevent", "placementchange")
    ),
    *(f"sources.view_{model}" for model in ("source", "article", "feed")),
    "sources.change_source",  # rename and merge outlets
    "sources.change_article",  # correct an article's text
]
PUBLISHER = [*EDITOR, "digests.publish_digest"]
GROUPS = {"Editor": EDITOR, "Publisher": PUBLISHER}
SCHEDULE = "Publish scheduled digests"


def ensure_permissions(apps, using):
    """Permissions are made by post_migrate, after all migrations; a fresh database has none yet.

    ``create_permissions`` only reads ``models_module`` from the config it is given and then
    works with the historical models of ``apps``, so the global app config is passed in.
    """
    for label in ("sources", "digests"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)


def install(apps, schema_editor):
    using = schema_editor.connection.alias
    ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.using(using).get(
                    content_type__app_label=app_label, codename=codename
                )
            )
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.using(using).update_or_create(
        name=SCHEDULE,
        defaults={
            "func": "digests.tasks.publish_scheduled",
            "schedule_type": "I",
            "minutes": 1,
            "repeats": -1,
        },
    )


def remove(apps, schema_editor):
    using = schema_editor.connection.alias
    apps.get_model("auth", "Group").objects.using(using).filter(name__in=GROUPS).delete()
    apps.get_model("django_q", "Schedule").objects.using(using).filter(name=SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("digests", "0003_workflow"),
        ("sources", "0003_registry_and_country_origin"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0018_task_success_index"),
    ]

    operations = [migrations.RunPython(install, remove)]
