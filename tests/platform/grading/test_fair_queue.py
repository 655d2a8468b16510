"""The fair queue (grading.dispatch.admit/release_next): a student has at most one run waiting in the broker's
queue, so a burst from one student waits behind everyone else's first submission. The broker is a recorder
here (a FIFO of sent run ids), so the order the runs would be taken in is exact; tests/e2e/test_pipeline.py
shows the same with a real broker and worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grading import dispatch, intake, runs
from grading.models import GradingRun, RunStatus
from grading.selectors import queue_position
from tests.support.factories import UserFactory
from tests.support.outcomes import fake_outcome


@pytest.fixture(autouse=True)
def fair_queue_on(settings) -> None:  # type: ignore[no-untyped-def]
    settings.GRADING_FAIR_QUEUE = True


@pytest.fixture
def broker(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The broker's queue: run ids in the order they were sent (and a sent_at, as the real send records)."""
    sent: list[int] = []

    def send(run: GradingRun, **_: object) -> None:
        sent.append(run.pk)
        GradingRun.objects.filter(pk=run.pk).update(sent_at=timezone.now())

    monkeypatch.setattr(dispatch, "send", send)
    return sent


def submit(student, exercise, capture) -> GradingRun:  # type: ignore[no-untyped-def]
    with capture(execute=True):
        submission = intake.submission_create(student=student, exercise=exercise, uploads={"solution.py": b"x = 1\n"})
    return GradingRun.objects.get(submission=submission)


def take_next(broker: list[int], capture) -> GradingRun:  # type: ignore[no-untyped-def]
    """A free worker takes the next message and claims its run (which releases the student's next one)."""
    run_id = broker.pop(0)
    with capture(execute=True):
        assert runs.claim(run_id=run_id, token="t")
        dispatch.release_after(run_id)  # what runs.grade does right after its claim
    return GradingRun.objects.get(pk=run_id)


def test_a_burst_from_one_student_waits_behind_another_students_first_submission(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    eager, other = UserFactory(), UserFactory()
    burst = [submit(eager, synced_exercise, django_capture_on_commit_callbacks) for _ in range(5)]
    assert broker == [burst[0].pk]  # one of the burst waits; the other four are held
    assert [GradingRun.objects.get(pk=r.pk).held for r in burst] == [False, True, True, True, True]
    first = submit(other, synced_exercise, django_capture_on_commit_callbacks)
    assert broker == [burst[0].pk, first.pk]

    order = []
    while broker:
        order.append(take_next(broker, django_capture_on_commit_callbacks).pk)
    # The other student's first submission waited for one run of the burst (the one already queued), not five.
    assert order == [burst[0].pk, first.pk] + [r.pk for r in burst[1:]]


def test_the_place_shown_counts_what_will_go_first(synced_exercise, broker, django_capture_on_commit_callbacks) -> None:
    eager, other = UserFactory(), UserFactory()
    burst = [submit(eager, synced_exercise, django_capture_on_commit_callbacks) for _ in range(3)]
    first = submit(other, synced_exercise, django_capture_on_commit_callbacks)
    places = {r.pk: queue_position(GradingRun.objects.get(pk=r.pk)) for r in [*burst, first]}
    # burst[0] and first are in the broker's queue (1 and 2); the held ones come after them, in order.
    assert places == {burst[0].pk: 1, first.pk: 2, burst[1].pk: 3, burst[2].pk: 4}


def test_a_student_alone_still_gets_every_run_graded_in_order(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    student = UserFactory()
    burst = [submit(student, synced_exercise, django_capture_on_commit_callbacks) for _ in range(3)]
    order = []
    while broker:
        run = take_next(broker, django_capture_on_commit_callbacks)
        with django_capture_on_commit_callbacks(execute=True):
            assert runs.complete(run_id=run.pk, token="t", outcome=fake_outcome(run))
        order.append(run.pk)
    assert order == [r.pk for r in burst]
    assert set(GradingRun.objects.values_list("status", flat=True)) == {RunStatus.GRADED}


def test_a_run_that_fails_before_it_starts_releases_the_next(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    student = UserFactory()
    first, second = (submit(student, synced_exercise, django_capture_on_commit_callbacks) for _ in range(2))
    broker.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.fail(run_id=first.pk, message="Grading was interrupted 3 times.")
    assert broker == [second.pk]


def test_the_sweeper_sends_a_held_run_whose_release_was_lost(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    student = UserFactory()
    first, second = (submit(student, synced_exercise, django_capture_on_commit_callbacks) for _ in range(2))
    # The worker claimed the first run and died before it could release the second.
    assert runs.claim(run_id=first.pk, token="t")
    GradingRun.objects.filter(pk=second.pk).update(created_at=timezone.now() - timedelta(minutes=10))
    broker.clear()
    runs.sweep()
    assert second.pk in broker
    assert not GradingRun.objects.get(pk=second.pk).held


def test_regrades_are_not_held(synced_exercise, broker, django_capture_on_commit_callbacks) -> None:
    from grading import regrade

    student = UserFactory()
    run = submit(student, synced_exercise, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = regrade.regrade_submission(actor=UserFactory(is_staff=True), submission=run.submission, never_lower=False)
    assert broker == [run.pk, again.pk] and not again.held


def test_two_submissions_committed_before_either_is_admitted_do_not_both_wait(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    student = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as pending:
        first = intake.submission_create(student=student, exercise=synced_exercise, uploads={"solution.py": b"x = 1\n"})
        second = intake.submission_create(student=student, exercise=synced_exercise, uploads={"solution.py": b"x = 2\n"})
    for callback in reversed(pending):  # the later one's admission runs first
        callback()
    runs_ = [GradingRun.objects.get(submission=s) for s in (first, second)]
    assert broker == [runs_[0].pk] and [r.held for r in runs_] == [False, True]


def test_a_run_waiting_in_another_queue_does_not_hold_this_one(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    student = UserFactory()
    slow = submit(student, synced_exercise, django_capture_on_commit_callbacks)
    GradingRun.objects.filter(pk=slow.pk).update(queue="gpu")  # waiting behind a GPU backlog
    quick = submit(student, synced_exercise, django_capture_on_commit_callbacks)
    assert broker == [slow.pk, quick.pk] and not GradingRun.objects.get(pk=quick.pk).held


def test_a_release_between_a_new_runs_commit_and_its_admission_still_sends_the_held_run(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    """The race the load test found: the first run is claimed after a third submission committed but before
    that submission's admission ran. The release must send the second (held) run; the third, admitted after,
    waits behind it. Nothing may be left held with nothing of the student's in the broker."""
    student = UserFactory()
    first, second = (submit(student, synced_exercise, django_capture_on_commit_callbacks) for _ in range(2))
    assert broker == [first.pk]
    with django_capture_on_commit_callbacks(execute=False) as pending:
        third = intake.submission_create(student=student, exercise=synced_exercise, uploads={"solution.py": b"x = 3\n"})
    take_next(broker, django_capture_on_commit_callbacks)  # the first run starts: its release runs now
    assert broker == [second.pk]
    for callback in pending:  # the third's admission comes late
        callback()
    third_run = GradingRun.objects.get(submission=third)
    assert broker == [second.pk] and GradingRun.objects.get(pk=third_run.pk).held
    order = []
    while broker:
        order.append(take_next(broker, django_capture_on_commit_callbacks).pk)
    assert order == [second.pk, third_run.pk]
    assert not GradingRun.objects.filter(held=True).exists()


def test_a_run_released_before_its_own_admission_is_not_sent_twice(
    synced_exercise, broker, django_capture_on_commit_callbacks
) -> None:
    student = UserFactory()
    first = submit(student, synced_exercise, django_capture_on_commit_callbacks)
    assert broker == [first.pk]
    with django_capture_on_commit_callbacks(execute=False) as pending:
        second = intake.submission_create(student=student, exercise=synced_exercise, uploads={"solution.py": b"x = 2\n"})
    second_run = GradingRun.objects.get(submission=second)
    take_next(broker, django_capture_on_commit_callbacks)  # the first starts and releases the second
    assert broker == [second_run.pk]
    for callback in pending:
        callback()
    assert broker == [second_run.pk]  # admitted already: not sent again


def test_a_run_held_before_the_fair_queue_was_turned_off_does_not_wait_behind_later_ones(
    synced_exercise, broker, django_capture_on_commit_callbacks, settings
) -> None:
    student = UserFactory()
    first, second = (submit(student, synced_exercise, django_capture_on_commit_callbacks) for _ in range(2))
    assert GradingRun.objects.get(pk=second.pk).held
    settings.GRADING_FAIR_QUEUE = False
    later = submit(student, synced_exercise, django_capture_on_commit_callbacks)  # sent at once, waiting
    broker.remove(first.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert runs.claim(run_id=first.pk, token="t")
        dispatch.release_after(first.pk)
    assert broker == [later.pk, second.pk] and not GradingRun.objects.get(pk=second.pk).held


def test_a_claim_whose_student_holds_nothing_back_costs_one_query_to_release(
    synced_exercise, broker, django_capture_on_commit_callbacks, django_assert_num_queries
) -> None:
    # The common case on a worker: one look, not release_next's lock and reads (a worker's run costs less).
    run = submit(UserFactory(), synced_exercise, django_capture_on_commit_callbacks)
    broker.pop(0)
    assert runs.claim(run_id=run.pk, token="t")
    with django_assert_num_queries(1), django_capture_on_commit_callbacks(execute=True):
        dispatch.release_after(run.pk)
    assert broker == []
