"""Accounts and roles, API tokens, the hash-chained audit log, and the evidence store.

The audit log is append-only in the database itself: triggers refuse UPDATE and DELETE on
both backends (and TRUNCATE on PostgreSQL, where the rights to change it are revoked too).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER civharm_auditentry_no_update BEFORE UPDATE ON civharm_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER civharm_auditentry_no_delete BEFORE DELETE ON civharm_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
]
POSTGRESQL_APPEND_ONLY = [
    "CREATE OR REPLACE FUNCTION civharm_audit_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
    "CREATE TRIGGER civharm_auditentry_no_change BEFORE UPDATE OR DELETE ON civharm_auditentry "
    "FOR EACH ROW EXECUTE FUNCTION civharm_audit_append_only()",
    "CREATE TRIGGER civharm_auditentry_no_truncate BEFORE TRUNCATE ON civharm_auditentry "
    "FOR EACH STATEMENT EXECUTE FUNCTION civharm_audit_append_only()",
    "REVOKE UPDATE, DELETE, TRUNCATE ON civharm_auditentry FROM PUBLIC",
    "REVOKE UPDATE, DELETE, TRUNCATE ON civharm_auditentry FROM CURRENT_USER",
]


def make_audit_log_append_only(apps, schema_editor):
    statements = {"sqlite": SQLITE_APPEND_ONLY, "postgresql": POSTGRESQL_APPEND_ONLY}
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ('civharm', '0004_people_reviews_estimates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='evidencefile',
            name='confidential',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='evidencefile',
            name='derivation',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='evidencefile',
            name='derived_from',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='derived_copies', to='civharm.evidencefile'),
        ),
        migrations.AddField(
            model_name='evidencefile',
            name='stored',
            field=models.BooleanField(default=False),
        ),
        migrations.CreateModel(
            name='Account',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('admin', 'Admin'), ('analyst', 'Analyst'), ('reviewer', 'Reviewer'), ('witness_handler', 'Witness handler'), ('viewer', 'Viewer'), ('public', 'Public')], max_length=32)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='account', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['user__username'],
            },
        ),
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100)),
                ('prefix', models.CharField(max_length=16)),
                ('digest', models.CharField(max_length=64, unique=True)),
                ('scopes', models.JSONField(default=list)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('expires_at', models.DateTimeField(blank=True, null=True)),
                ('revoked_at', models.DateTimeField(blank=True, null=True)),
                ('last_used_at', models.DateTimeField(blank=True, null=True)),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='tokens', to='civharm.account')),
            ],
            options={
                'ordering': ['account', 'created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField()),
                ('actor', models.CharField(max_length=150)),
                ('action', models.CharField(max_length=64)),
                ('target', models.CharField(blank=True, max_length=200)),
                ('details', models.TextField(blank=True)),
                ('previous_hash', models.CharField(max_length=64, unique=True)),
                ('entry_hash', models.CharField(max_length=64, unique=True)),
            ],
            options={
                'ordering': ['id'],
                'indexes': [models.Index(fields=['target'], name='civharm_aud_target_774df0_idx'), models.Index(fields=['action'], name='civharm_aud_action_f6f361_idx')],
            },
        ),
        migrations.RunPython(make_audit_log_append_only, migrations.RunPython.noop),
    ]
