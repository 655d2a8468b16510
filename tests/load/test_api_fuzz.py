"""The REST API fuzzed from its own OpenAPI schema (/api/schema/) with Schemathesis, against a live server.

Every operation the schema lists gets generated requests, valid (positive) and invalid (negative) data for
its parameters, bodies and uploads, sent over HTTP as a signed-in student (token) who has a practice
submission and an open assignment. Half of the generated cases are steered onto things that exist (the
student's submission and assignment ids, a real exercise slug), so the code behind a 404 or "no such
exercise" is reached too. Whatever comes in, the API must answer without a server error (no 5xx) and
without a stack trace in the body, whatever its Accept header asks for. Bounded and repeatable: a few dozen examples per operation and mode,
derandomized.

Submissions the fuzzer manages to create go to their own queue ("fuzz-cpu"), which no worker takes and
which is purged afterwards, so nothing is graded.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import schemathesis
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from catalog.models import Exercise
from courses.models import Role, RubricItem
from grading import intake
from tests.support.factories import AssignmentFactory, EnrolmentFactory, UserFactory
from web import tokens
from web.management.commands.seed_demo import demo_graded_submission
from web.models import ApiToken

pytestmark = [pytest.mark.load, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 40
# Content negotiation is fuzzed too: every request asks for one of these (a browser's, a CSV client's,
# nonsense, none), and no answer may be a server error whatever the client accepts.
ACCEPTS = [
    "application/json", "text/html", "text/html,application/xhtml+xml,*/*;q=0.8", "*/*", "text/csv",
    "application/xml", "image/png", "garbage", "application/json; version=99", ";;;q=x", "",
]
STACK_TRACE = re.compile(r"Traceback \(most recent call last\)|File \"[^\"]+\", line \d+|django\.[a-z_.]+Error")


@pytest.fixture
def fuzz_world(settings, workers, synced_exercise, student_user):  # type: ignore[no-untyped-def]
    """A student (given a token per operation), a practice submission and an open assignment with a graded
    submission; an instructor of its cohort for the staff API; the rate limit out of reach."""
    settings.GRADING_QUEUE_PREFIX = "fuzz-"
    settings.GRADIENT_SUBMISSION_RATE = "100000/min"
    workers.purge("fuzz-cpu")
    source = b"def count_words(text):\n    return {}\n"
    submission = intake.submission_create(
        student=student_user, exercise=synced_exercise, uploads={"solution.py": source}
    )
    enrolment = EnrolmentFactory(user=student_user)
    other = Exercise.objects.filter(active=True, gpu=False).exclude(pk=synced_exercise.pk).first()
    assignment = AssignmentFactory(cohort=enrolment.cohort, exercise=other)  # open since yesterday, due in a week
    # The staff API is fuzzed by an instructor of the cohort, on its real objects (a student gets 404 there).
    instructor = UserFactory(username="fuzz-instructor")
    EnrolmentFactory(user=instructor, cohort=enrolment.cohort, role=Role.INSTRUCTOR)
    handed_in = demo_graded_submission(assignment, student_user, passed=set(), created_at=timezone.now())
    item = RubricItem.objects.create(assignment=assignment, title="Tidy", points=1)
    yield {
        "student": student_user,
        "instructor": instructor,
        "ids": {
            "/api/v1/submissions/{id}/": submission.pk, "/api/v1/assignments/": assignment.pk,
            "/api/v1/staff/cohorts/{id}/": enrolment.cohort_id, "/api/v1/staff/assignments/{id}/": assignment.pk,
            "/api/v1/staff/submissions/{id}/": handed_in.pk, "/api/v1/staff/rubric-items/{id}/": item.pk,
        },
        "exercise": synced_exercise.slug,
    }
    workers.purge("fuzz-cpu")


def steer(case, world):  # type: ignore[no-untyped-def]
    """Point a generated case at things that exist: a real id in the path, a real exercise slug."""
    if case.path_parameters and "id" in case.path_parameters:
        for prefix, pk in world["ids"].items():
            if case.path.startswith(prefix.split("{")[0]):
                case.path_parameters["id"] = pk
    if isinstance(case.body, dict) and "exercise" in case.body:
        case.body["exercise"] = world["exercise"]
    return case


def fuzz(operation, mode, url: str, headers: dict[str, str], world, tried: Counter[str]) -> None:  # type: ignore[no-untyped-def]
    """Up to MAX_EXAMPLES generated requests for one operation; raises on the first 5xx or stack trace."""
    cases = st.tuples(operation.as_strategy(generation_mode=mode), st.booleans()).map(
        lambda pair: steer(pair[0], world) if pair[1] else pair[0]
    )

    @given(case=cases, accept=st.sampled_from(ACCEPTS))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def call(case, accept):  # type: ignore[no-untyped-def]
        response = case.call(base_url=url, headers={**headers, "Accept": accept}, timeout=30)
        tried[str(response.status_code)] += 1
        tried[f"Accept {accept or '(none)'}"] += 1
        where = f"{case.method} {case.formatted_path} ({mode.value}, Accept: {accept!r}) -> {response.status_code}"
        assert response.status_code < 500, f"{where}: server error\n{case.as_curl_command()}\n{response.text[:1500]}"
        assert not STACK_TRACE.search(response.text), f"{where}: a stack trace in the body\n{response.text[:1500]}"

    call()


def test_api_answers_every_generated_request_without_a_server_error(live_server, fuzz_world, capsys):  # type: ignore[no-untyped-def]
    api = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    problems: list[str] = []
    tried: Counter[str] = Counter()
    nothing_to_negate: set[str] = set()
    for result in api.get_all_operations():
        operation = result.ok()  # a schema the loader cannot read fails here, as it should
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # A token of its own for each operation and mode: the fuzzed logout endpoints revoke theirs. The last
            # one goes first: there are more operations than the live tokens a user may hold.
            who = fuzz_world["instructor" if operation.path.startswith("/api/v1/staff/") else "student"]
            ApiToken.objects.filter(user=who, name="fuzz").delete()
            headers = {"Authorization": f"Token {tokens.issue(who, name='fuzz')[1]}"}
            try:
                fuzz(operation, mode, live_server.url, headers, fuzz_world, tried)
            except AssertionError as failure:
                problems.append(str(failure))
            except Unsatisfiable:  # an operation that takes no input at all has no invalid input either
                if mode is not GenerationMode.NEGATIVE:
                    raise
                nothing_to_negate.add(f"{operation.method.upper()} {operation.path}")
            tried["operation x mode"] += 1
    with capsys.disabled():
        statuses = ", ".join(f"{key}: {count}" for key, count in sorted(tried.items()))
        print(f"\n[fuzz] responses by status: {statuses}")
    assert tried["operation x mode"] >= 2 * 9
    assert all(tried[f"Accept {accept or '(none)'}"] for accept in ACCEPTS)  # every kind was asked for
    assert nothing_to_negate <= {"POST /api/v1/token/logout/", "POST /api/v1/token/logout-all/"}
    assert not problems, "\n\n".join(problems)


def test_the_schema_says_what_a_submission_post_takes(client):  # type: ignore[no-untyped-def]
    """The upload endpoints document their real request bodies (files as binary), and 201 with the submission."""
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    for path, fields in (("/api/v1/submissions/", {"exercise", "files"}),
                         ("/api/v1/assignments/{id}/submissions/", {"files"})):
        post = schema["paths"][path]["post"]
        body = components[post["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].split("/")[-1]]
        assert set(body["properties"]) == fields and set(body["required"]) == fields, (path, body)
        assert body["properties"]["files"]["items"]["format"] == "binary", (path, body)
        answer = post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
        assert "run" in components[answer]["properties"], (path, answer)
