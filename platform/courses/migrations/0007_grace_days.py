# Grace-day banks: a cohort's days per student, and one student's adjustment with its reason.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('courses', '0006_extension_reasons_and_attempts'),
    ]

    operations = [
        migrations.AddField(
            model_name='cohort',
            name='grace_days',
            field=models.PositiveIntegerField(default=0, help_text='Days of late work each student may use without a penalty, over all assignments.'),
        ),
        migrations.AddField(
            model_name='enrolment',
            name='grace_days_adjust',
            field=models.IntegerField(default=0),
        ),
        migrations.AddField(
            model_name='enrolment',
            name='grace_days_reason',
            field=models.CharField(blank=True, max_length=1000),
        ),
    ]
