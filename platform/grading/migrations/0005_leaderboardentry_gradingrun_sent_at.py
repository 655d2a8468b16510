# Takes over LeaderboardEntry from courses (courses/0004) without copying a row: the model is added to this
# app's state on its old table, which is then renamed. And GradingRun.sent_at, for the sweeper.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):  # type: ignore[no-untyped-def]
    """Carry the model's content type over, so admin permissions and log entries follow it (a new database has
    none yet: they are made after migrating)."""
    content_types = apps.get_model("contenttypes", "ContentType")
    if not content_types.objects.filter(app_label="grading", model="leaderboardentry").exists():
        content_types.objects.filter(app_label="courses", model="leaderboardentry").update(app_label="grading")


def move_content_type_back(apps, schema_editor):  # type: ignore[no-untyped-def]
    content_types = apps.get_model("contenttypes", "ContentType")
    content_types.objects.filter(app_label="grading", model="leaderboardentry").update(app_label="courses")


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0004_leaderboardentry_moves_to_grading'),
        ('grading', '0004_exercise_best'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='LeaderboardEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('best_score', models.FloatField()),
                        ('best_submitted_at', models.DateTimeField()),
                        ('metric_public', models.FloatField(blank=True, null=True)),
                        ('metric_private', models.FloatField(blank=True, null=True)),
                        ('metric_submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('assignment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='leaderboard', to='courses.assignment')),
                        ('best_submission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='grading.submission')),
                        ('student', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'courses_leaderboardentry',
                        'indexes': [models.Index(fields=['assignment', '-best_score', 'best_submitted_at'], name='leaderboard_rank')],
                        'constraints': [models.UniqueConstraint(fields=('assignment', 'student'), name='leaderboard_unique')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name='leaderboardentry', table=None),
        migrations.RunPython(move_content_type, move_content_type_back),
        migrations.AddField(
            model_name='gradingrun',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
