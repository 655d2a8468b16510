"""No API endpoint answers 500 for what a client accepts: a browser's text/html gets the browsable page,
a type nobody serves gets 406 (the penetration test found a leaderboard answering 500 to text/html)."""

from __future__ import annotations

import pytest

from tests.support.factories import AssignmentFactory, CohortFactory, EnrolmentFactory

ACCEPTS = ["text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "application/json", "*/*", "application/xml", "image/png", "bogus"]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_every_api_read_answers_what_the_client_accepts_without_a_500(client, synced_exercise, student_user, accept) -> None:  # type: ignore[no-untyped-def]
    cohort = CohortFactory()
    EnrolmentFactory(cohort=cohort, user=student_user)
    assignment = AssignmentFactory(cohort=cohort, exercise=synced_exercise)
    client.force_login(student_user)
    urls = [
        "/api/v1/exercises/", "/api/v1/submissions/", "/api/v1/submissions/999999/", "/api/v1/assignments/",
        f"/api/v1/assignments/{assignment.pk}/submissions/", f"/api/v1/assignments/{assignment.pk}/leaderboard/",
    ]
    for url in urls:
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code < 500, (url, accept, response.status_code)
        if accept.startswith("text/html") and "999999" not in url:
            assert response.status_code == 200, (url, response.status_code)
