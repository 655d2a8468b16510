"""Leaderboard and gradebook page times with 1,000,000 submissions in the database.

    python bench/pages.py [--requests 50] [--budget-s 60]

Seeds the bench database once (kept between runs; found again by the course slug `bench-1m`) with SQL
(generate_series): 10,000 students in 50 cohorts of 200, 10 assignments per cohort, 10 attempts per student
and assignment = 1,000,000 submissions, each with a graded run, a failing test result for each run that lost
points, a LeaderboardEntry per student and assignment and an ExerciseBest per student and exercise. Then an
instructor of the first cohort, logged in through the login form, GETs each page over HTTP from the web
server (gunicorn) `--requests` times (fewer if a page uses up `--budget-s`), and one more request in-process
counts the page's SQL queries and names the slowest.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402 - bench/ is a folder of scripts, not a package
    Report,
    WebServer,
    django_setup,
    heading,
    percentile,
    start_web,
    summary,
)

COURSE = "bench-1m"
COHORTS, STUDENTS, ASSIGNMENTS, ATTEMPTS = 50, 200, 10, 10
SUBMISSIONS = COHORTS * STUDENTS * ASSIGNMENTS * ATTEMPTS
INSTRUCTOR, PASSWORD = "bench-instructor", "bench-instructor-pw-2026"


def _exercises() -> list[tuple[int, int, float]]:
    """(exercise id, current version id, max score) of ten CPU exercises ranked by score (no metric)."""
    from catalog.models import Exercise

    rows = list(
        Exercise.objects.filter(active=True, gpu=False, leaderboard_metric="", current_version__isnull=False)
        .order_by("phase", "order", "slug")
        .values_list("pk", "current_version_id", "current_version__max_score")[:ASSIGNMENTS]
    )
    if len(rows) < ASSIGNMENTS:
        raise SystemExit(f"need {ASSIGNMENTS} active exercises to assign, found {len(rows)}")
    return rows


def seed() -> dict[str, int]:
    """Insert the data set in ONE transaction (all or nothing), unless it is there already."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from courses.models import Assignment, Cohort, Course, Enrolment

    course = Course.objects.filter(slug=COURSE).first()
    if course is None:
        start = time.perf_counter()
        print(f"  seeding {SUBMISSIONS:,} submissions (once; kept in the bench database) ...", flush=True)
        exercises = _exercises()
        with transaction.atomic(), connection.cursor() as cursor:
            course = Course.objects.create(slug=COURSE, title="Bench: one million submissions")
            cursor.execute(
                "INSERT INTO courses_cohort (course_id, slug, name) "
                "SELECT %s, 'c' || g, 'Cohort ' || g FROM generate_series(0, %s) g",
                [course.pk, COHORTS - 1],
            )
            cursor.execute("CREATE TEMP TABLE b_cohort ON COMMIT DROP AS "
                           "SELECT id AS cohort_id, substr(slug, 2)::int AS c FROM courses_cohort WHERE course_id = %s",
                           [course.pk])
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
                "is_active, date_joined) SELECT '!', false, 'bench1m-' || lpad(g::text, 5, '0'), 'Student', "
                "g::text, '', false, true, now() FROM generate_series(0, %s) g",
                [COHORTS * STUDENTS - 1],
            )
            cursor.execute("CREATE TEMP TABLE b_user ON COMMIT DROP AS SELECT id AS user_id, "
                           "substr(username, 9)::int AS u FROM auth_user WHERE username LIKE 'bench1m-%%'", [])
            cursor.execute(
                "INSERT INTO courses_enrolment (cohort_id, user_id, role, pseudonym, show_name) "
                "SELECT b_cohort.cohort_id, b_user.user_id, 'student', 'Pseudonym ' || b_user.u, b_user.u %% 3 = 0 "
                "FROM b_user JOIN b_cohort ON b_cohort.c = b_user.u / %s",
                [STUDENTS],
            )
            # The exercises, indexed 0..9, with their versions, maxima and declared test names.
            cursor.execute("CREATE TEMP TABLE b_ex (a int, exercise_id bigint, version_id bigint, max_score float, "
                           "tests text[], n int) ON COMMIT DROP")
            for index, (exercise_id, version_id, _max_score) in enumerate(exercises):
                cursor.execute(
                    # declared_tests: {"format": 2, "tests": [{"name": ...}, ...]}, or {name: points} (older versions)
                    "INSERT INTO b_ex SELECT %s, %s, v.id, v.max_score, t.names, cardinality(t.names) "
                    "FROM catalog_exerciseversion v, LATERAL (SELECT array_agg(k ORDER BY k) AS names FROM ("
                    "SELECT e->>'name' AS k FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.declared_tests->'tests') "
                    "= 'array' THEN v.declared_tests->'tests' ELSE '[]'::jsonb END) e UNION ALL "
                    "SELECT k FROM jsonb_object_keys(v.declared_tests) k WHERE v.declared_tests->'format' IS NULL) n) t "
                    "WHERE v.id = %s",
                    [index, exercise_id, version_id],
                )
            # Every assignment opened 120 days ago and was due 8 days later (10 % off per late day); the
            # third of each cohort's assignments counts the latest score, the others the best.
            cursor.execute(
                "INSERT INTO courses_assignment (cohort_id, exercise_id, opens_at, due_at, late_penalty_per_day, "
                "hard_cutoff_at, attempts_per_day, attempts_cap, feedback_visibility, score_policy, exercise_version_id) "
                "SELECT b_cohort.cohort_id, b_ex.exercise_id, now() - interval '120 days' + b_ex.a * interval '7 days', "
                "now() - interval '112 days' + b_ex.a * interval '7 days', 0.1, NULL, NULL, NULL, 'visible', "
                "CASE WHEN b_ex.a %% 3 = 2 THEN 'latest' ELSE 'best' END, b_ex.version_id FROM b_cohort CROSS JOIN b_ex",
                [],
            )
            cursor.execute(
                "CREATE TEMP TABLE b_assignment ON COMMIT DROP AS SELECT a.id AS assignment_id, a.opens_at, "
                "b_cohort.c, b_ex.* FROM courses_assignment a JOIN b_cohort ON b_cohort.cohort_id = a.cohort_id "
                "JOIN b_ex ON b_ex.exercise_id = a.exercise_id"
            )
            # g = ((u * ASSIGNMENTS) + a) * ATTEMPTS + k: student u's k-th attempt at assignment a, one a day
            # from the opening (attempts 9 and 10 are late); scores rise with the attempts.
            per_student = ASSIGNMENTS * ATTEMPTS
            cursor.execute(
                "INSERT INTO grading_submission (created_at, notes, score, max_score, exercise_id, "
                "exercise_version_id, student_id, assignment_id) "
                "SELECT ba.opens_at + (g %% %(k)s) * interval '1 day' + ((g / %(k)s) %% 600) * interval '1 minute', "
                "'[]'::jsonb, round(ba.max_score * least(1.0, ((g %% %(k)s) + 1 + (g / %(per)s * 7 + ba.a * 3) %% 5) "
                "/ 10.0)), ba.max_score, ba.exercise_id, ba.version_id, bu.user_id, ba.assignment_id "
                "FROM generate_series(0, %(n)s) g JOIN b_user bu ON bu.u = g / %(per)s "
                "JOIN b_assignment ba ON ba.c = g / %(per)s / %(s)s AND ba.a = (g / %(k)s) %% %(a)s",
                {"k": ATTEMPTS, "per": per_student, "n": SUBMISSIONS - 1, "s": STUDENTS, "a": ASSIGNMENTS},
            )
            cursor.execute(
                "INSERT INTO grading_gradingrun (queue, status, created_at, started_at, finished_at, deliveries, "
                "lease_token, lease_expires_at, tests_done, tests_total, score, max_score, messages, student_output, "
                "duration_s, exercise_version_id, submission_id, metrics, is_regrade, never_lower) "
                "SELECT 'cpu', 'graded', s.created_at, s.created_at + interval '100 ms', s.created_at + interval "
                "'900 ms', 1, '', NULL, ba.n, ba.n, s.score, s.max_score, '[]'::jsonb, '', 0.8, s.exercise_version_id, "
                "s.id, '{}'::jsonb, false, false FROM grading_submission s "
                "JOIN b_assignment ba ON ba.assignment_id = s.assignment_id"
            )
            cursor.execute(
                "INSERT INTO grading_testresult (run_id, name, outcome, points, max_points, message, position) "
                "SELECT r.id, ba.tests[1 + (r.id %% ba.n)], 'failed', 0, 1, 'bench: a check failed', 0 "
                "FROM grading_gradingrun r JOIN grading_submission s ON s.id = r.submission_id "
                "JOIN b_assignment ba ON ba.assignment_id = s.assignment_id WHERE r.score < r.max_score",
                [],
            )
            cursor.execute(
                "INSERT INTO grading_leaderboardentry (assignment_id, student_id, best_score, best_submission_id, "
                "best_submitted_at) SELECT DISTINCT ON (s.assignment_id, s.student_id) s.assignment_id, s.student_id, "
                "s.score, s.id, s.created_at FROM grading_submission s JOIN b_assignment ba "
                "ON ba.assignment_id = s.assignment_id ORDER BY s.assignment_id, s.student_id, s.score DESC, s.created_at"
            )
            cursor.execute(
                "INSERT INTO grading_exercisebest (student_id, exercise_id, best_score, max_score, achieved_at) "
                "SELECT DISTINCT ON (s.student_id, s.exercise_id) s.student_id, s.exercise_id, s.score, s.max_score, "
                "s.created_at FROM grading_submission s JOIN b_assignment ba ON ba.assignment_id = s.assignment_id "
                "ORDER BY s.student_id, s.exercise_id, s.score DESC, s.created_at"
            )
            instructor = get_user_model().objects.filter(username=INSTRUCTOR).first()
            if instructor is None:
                instructor = get_user_model().objects.create_user(username=INSTRUCTOR, password=PASSWORD)
            first = Cohort.objects.get(course=course, slug="c0")
            Enrolment.objects.create(cohort=first, user=instructor, role="instructor")
        with connection.cursor() as cursor:
            for table in ("auth_user", "courses_enrolment", "courses_assignment", "grading_submission",
                          "grading_gradingrun", "grading_testresult", "grading_leaderboardentry",
                          "grading_exercisebest"):
                cursor.execute(f"ANALYZE {table}")
        print(f"  seeded in {time.perf_counter() - start:.1f}s", flush=True)
    else:
        print("  the data set is there already (course bench-1m): not seeding again")
    first = Cohort.objects.get(course=course, slug="c0")
    assignment = Assignment.objects.filter(cohort=first).order_by("pk").first()
    assert assignment is not None
    return {"cohort": first.pk, "assignment": assignment.pk}


def counts() -> dict[str, int]:
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for table in ("grading_submission", "grading_gradingrun", "grading_testresult", "grading_leaderboardentry",
                      "grading_exercisebest", "courses_enrolment", "auth_user"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - table names from the list above
            result[table] = cursor.fetchone()[0]
    return result


def login(url: str):  # type: ignore[no-untyped-def]
    """A requests session logged in through the login form, as a browser would."""
    import requests

    session = requests.Session()
    session.get(f"{url}/login/", timeout=30)
    response = session.post(
        f"{url}/login/",
        data={"username": INSTRUCTOR, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": f"{url}/login/"},
        timeout=30,
        allow_redirects=False,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        raise SystemExit(f"could not log in as {INSTRUCTOR}: {response.status_code} {response.text[:300]}")
    return session


def queries_of(path: str) -> tuple[int, float, list[tuple[float, str]], list[tuple[int, float, str]]]:
    """One in-process request: the number of SQL queries, their total time, the three slowest, and the
    statements run more than once (count, total time, SQL), most repeated first: an N+1 shows here."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    timings: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - start, sql))

    client = Client(headers={"host": "127.0.0.1"})
    client.force_login(get_user_model().objects.get(username=INSTRUCTOR))
    with connection.execute_wrapper(timed):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    repeated: dict[str, list[float]] = {}
    for seconds, sql in timings:
        repeated.setdefault(sql, []).append(seconds)
    groups = sorted(((len(v), sum(v), sql) for sql, v in repeated.items() if len(v) > 1), reverse=True)
    return len(timings), sum(t for t, _ in timings), sorted(timings, reverse=True)[:3], groups[:2]


def time_page(session, url: str, path: str, requests_n: int, budget_s: float) -> list[float]:  # type: ignore[no-untyped-def]
    times: list[float] = []
    started = time.monotonic()
    while len(times) < requests_n and (len(times) < 5 or time.monotonic() - started < budget_s):
        start = time.perf_counter()
        response = session.get(f"{url}{path}", timeout=300)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
    return times


def run(report: Report, *, requests_n: int, budget_s: float, web: WebServer | None = None) -> None:
    heading(f"d. page times with {SUBMISSIONS:,} submissions in the database ({requests_n} GETs each, "
            f"at most ~{budget_s:.0f}s a page)")
    ids = seed()
    print("  rows: " + ", ".join(f"{table} {count:,}" for table, count in counts().items()))
    own_web = web is None
    web = web or start_web()
    try:
        session = login(web.url)
        pages = [
            ("assignment leaderboard", f"/assignments/{ids['assignment']}/leaderboard/"),
            ("cohort gradebook", f"/cohorts/{ids['cohort']}/gradebook/"),
            ("roadmap leaderboard", "/leaderboard/"),
        ]
        floor = time_page(session, web.url, "/healthz", requests_n, budget_s)
        floor_p50 = percentile(floor, 50)
        print(summary("floor: GET /healthz (no database query)", floor, "ms"))
        for label, path in pages:
            session.get(f"{web.url}{path}", timeout=300)  # warm: templates, connections
            times = time_page(session, web.url, path, requests_n, budget_s)
            print(f"  GET {path}")
            print(summary(label, times, "ms"))
            count, total, slowest, repeated = queries_of(path)
            print(f"    in-process: {count} SQL queries, {total * 1000:.1f}ms in SQL; slowest:")
            for seconds, sql in slowest:
                print(f"      {seconds * 1000:8.1f}ms  {sql[:220]}")
            for times_run, seconds, sql in repeated:
                print(f"    run {times_run} times ({seconds * 1000:.0f}ms in all): {sql[:220]}")
            short = f"{len(times)} GETs" if len(times) < requests_n else ""
            p50 = percentile(times, 50)
            print(f"    ratio p50 page/healthz: {p50 / floor_p50:.1f}x")
            report.add("d. pages (1M subs)", f"{label} {short}".strip(),
                       f"p50 {p50 * 1000:.0f}ms  p95 {percentile(times, 95) * 1000:.0f}ms ({count} queries)",
                       f"/healthz p50 {floor_p50 * 1000:.1f}ms", f"{p50 / floor_p50:.1f}x")
    finally:
        if own_web:
            web.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--budget-s", type=float, default=60.0)
    args = parser.parse_args()
    django_setup()
    from catalog.services import exercises_sync

    exercises_sync()
    report = Report()
    run(report, requests_n=args.requests, budget_s=args.budget_s)
    print()
    print(report.table())


if __name__ == "__main__":
    main()
