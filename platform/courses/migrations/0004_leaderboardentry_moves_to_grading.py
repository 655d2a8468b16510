# LeaderboardEntry points at grading.Submission, so it belongs to grading (apps import downward only). Its table
# is kept: this app forgets the model (state only) and grading/0005 takes it over and renames the table.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0003_assignment_exercise_version_required'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='LeaderboardEntry')],
            database_operations=[],
        ),
    ]
