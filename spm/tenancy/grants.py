"""Keep the application role's grants current after every migrate (tables added later included)."""

from django.conf import settings
from django.db import connections

from . import db
from .operations import create_app_role_sql


def grant_app_role(sender, using="default", **kwargs) -> None:
    conn = connections[using]
    if conn.vendor != "postgresql" or not getattr(db._owner_mode, "on", False):
        return  # a test flush runs as the app role, which cannot grant; migrate already did
    with conn.cursor() as cursor:
        for sql in create_app_role_sql(settings.DATABASE_APP_ROLE, settings.DATABASE_APP_PASSWORD):
            cursor.execute(sql)
