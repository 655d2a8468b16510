# A grader version's image may be a derived image, its base plus the exercise's pinned requirements
# ("python[tqdm==4.67.1]"): room for the longer name. Existing rows ("python", "ml") are unchanged.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0005_exercise_listed_support_files'),
    ]

    operations = [
        migrations.AlterField(
            model_name='gradersnapshot',
            name='image',
            field=models.CharField(max_length=1000),
        ),
    ]
