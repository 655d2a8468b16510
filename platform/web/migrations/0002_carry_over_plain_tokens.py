"""DRF's plain tokens (rest_framework.authtoken, one per user, forever, stored as they are) become hashed
API tokens that expire like any new one (API_TOKEN_DAYS from this migration), so nobody's command-line
client stops working at the upgrade; then their table, the plain copies with it, is dropped.

Written with plain SQL: rest_framework.authtoken is no longer installed, so its model is not there to read.
Its migration records go too, so that installing it again would create its table afresh."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import migrations
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from knox.crypto import hash_token
from knox.settings import CONSTANTS

PLAIN_TABLE = "authtoken_token"


def carry_over_plain_tokens(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if PLAIN_TABLE not in connection.introspection.table_names():
        return  # a database that never had them
    api_token = apps.get_model("web", "ApiToken")
    expiry = timezone.now() + settings.REST_KNOX["TOKEN_TTL"]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id FROM {PLAIN_TABLE}")  # noqa: S608 - a constant
        rows = cursor.fetchall()
    api_token.objects.bulk_create(
        api_token(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
            name="token from before tokens expired",
        )
        for key, user_id in rows
    )
    schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(PLAIN_TABLE)}")
    MigrationRecorder(connection).migration_qs.filter(app="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [("web", "0001_api_tokens")]

    operations = [migrations.RunPython(carry_over_plain_tokens, migrations.RunPython.noop, elidable=True)]
