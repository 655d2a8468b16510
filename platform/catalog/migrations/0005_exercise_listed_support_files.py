# Unlisted exercises (reached only through assignments) and support files stored with each grader version.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_points_exact'),
    ]

    operations = [
        migrations.AddField(
            model_name='exercise',
            name='listed',
            field=models.BooleanField(default=True),
        ),
        migrations.AddField(
            model_name='gradersnapshot',
            name='support_files',
            field=models.BinaryField(blank=True, default=b''),
        ),
        migrations.AddField(
            model_name='gradersnapshot',
            name='support_sizes',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
