"""Fewer indexes on PhoneNumber: each is paid for on every insert (most of a first sync's time
on PostgreSQL). Dropped: the account index (the unique (account, upstream_id) index starts with
the account) and PostgreSQL's LIKE-pattern twins of digits, national_digits and name (the search
asks for ranges and icontains, neither of which they serve). The plain indexes on those three
come back under names of our own.

The old indexes are dropped by name rather than through AlterField, which on SQLite would copy
the whole table four times."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "numbers_admin_phonenumber"
OLD_INDEXES = {
    # name: (columns, PostgreSQL pattern ops)
    "numbers_admin_phonenumber_account_id_308fe4d7": ("account_id", ""),
    "numbers_admin_phonenumber_digits_ee52e95d": ("digits", ""),
    "numbers_admin_phonenumber_digits_ee52e95d_like": ("digits", "varchar_pattern_ops"),
    "numbers_admin_phonenumber_name_030b7af1": ("name", ""),
    "numbers_admin_phonenumber_name_030b7af1_like": ("name", "varchar_pattern_ops"),
    "numbers_admin_phonenumber_national_digits_66799613": ("national_digits", ""),
    "numbers_admin_phonenumber_national_digits_66799613_like": (
        "national_digits",
        "varchar_pattern_ops",
    ),
}


def drop_old_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for name in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {quote(name)}")


def restore_old_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    postgresql = schema_editor.connection.vendor == "postgresql"
    for name, (column, ops) in OLD_INDEXES.items():
        if ops and not postgresql:
            continue
        schema_editor.execute(
            f"CREATE INDEX {quote(name)} ON {quote(TABLE)} ({quote(column)} {ops})".replace(
                " )", ")"
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("numbers_admin", "0004_numbers_list_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="phonenumber",
                    name="account",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="numbers",
                        to="numbers_admin.account",
                    ),
                ),
                migrations.AlterField(
                    model_name="phonenumber",
                    name="digits",
                    field=models.CharField(max_length=32),
                ),
                migrations.AlterField(
                    model_name="phonenumber",
                    name="name",
                    field=models.CharField(blank=True, max_length=255),
                ),
                migrations.AlterField(
                    model_name="phonenumber",
                    name="national_digits",
                    field=models.CharField(max_length=32),
                ),
            ],
            database_operations=[migrations.RunPython(drop_old_indexes, restore_old_indexes)],
        ),
        migrations.AddIndex(
            model_name="phonenumber",
            index=models.Index(fields=["digits"], name="pn_digits"),
        ),
        migrations.AddIndex(
            model_name="phonenumber",
            index=models.Index(fields=["national_digits"], name="pn_national_digits"),
        ),
        migrations.AddIndex(
            model_name="phonenumber",
            index=models.Index(fields=["name"], name="pn_name"),
        ),
    ]
