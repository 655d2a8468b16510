# Written by hand after 0002 (which pinned every existing assignment).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0002_assignment_exercise_version'),
    ]

    operations = [
        migrations.AlterField(
            model_name='assignment',
            name='exercise_version',
            field=models.ForeignKey(blank=True, help_text="Submissions are graded with this version of the exercise's grader. Leave empty for the exercise's current version.", on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='catalog.exerciseversion', verbose_name='grader version'),
        ),
    ]
