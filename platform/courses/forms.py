"""Forms of the course pages: a student's leaderboard name, and the staff's bulk enrolment upload."""

from __future__ import annotations

from django import forms

from courses.models import Enrolment

MAX_ROSTER_BYTES = 1024 * 1024


class LeaderboardNameForm(forms.ModelForm):
    """How I appear on my cohort's leaderboards: a pseudonym, or my real name if I choose."""

    class Meta:
        model = Enrolment
        fields = ["pseudonym", "show_name"]
        labels = {"pseudonym": "Pseudonym", "show_name": "Show my real name on leaderboards instead"}

    def clean_pseudonym(self) -> str:
        pseudonym = " ".join((self.cleaned_data.get("pseudonym") or "").split())
        if pseudonym:
            taken = (
                Enrolment.objects.filter(cohort_id=self.instance.cohort_id, pseudonym__iexact=pseudonym)
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if taken:
                raise forms.ValidationError("Someone in this cohort already uses this pseudonym.")
        return pseudonym


class RosterForm(forms.Form):
    roster = forms.FileField(label="Roster (CSV)")

    def clean_roster(self) -> str:
        upload = self.cleaned_data["roster"]
        if upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(f"The roster is larger than {MAX_ROSTER_BYTES // 1024} KiB.")
        try:
            # utf-8-sig: spreadsheets often start their CSV exports with a byte-order mark.
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The roster is not UTF-8 text; export it as CSV (UTF-8).") from None
