# Joins the three planning migrations of issue 9 and issue 10 that were written in parallel.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0003_capacity"),
        ("planning", "0003_seller_team"),
        ("planning", "0003_territories"),
    ]

    operations = []
