import os
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction

from leads.models import Activity, Company, Lead, StageChange
from qualification import bulk, parallel
from qualification.models import QualificationPolicy
from qualification.tests.conftest import NOW

K = Activity.Kind
SCORE_FIELDS = ("fit_score", "engagement_score", "intent_tier", "score_explanation", "temperature", "rescore_at", "scored_at")


def make_world(company, count=40):
    """Leads that qualify, go to nurture or are disqualified, some already accepted by sales,
    with activities in and out of the policy's reach."""
    other = Company.objects.create(name="Klein B.V.", domain="klein.nl", employees=8, sector="food")
    for n in range(count):
        lead = Lead.objects.create(
            email=f"p{n}@{'gmail.com' if n % 5 == 0 else 'firma.nl'}",
            job_title="Hoofd productie" if n % 2 else "Inkoper",
            company=company if n % 3 else other,
            conversion_action=["download", "quote_request", "newsletter", "webinar"][n % 4],
            created_at=NOW - timedelta(days=n),
        )
        if n % 7 == 3:
            lead.move_to(Lead.Stage.SQL, at=NOW - timedelta(days=2))
        for k in range(n % 5):
            Activity.objects.create(
                lead=lead,
                kind=[K.PRICING_PAGE, K.CASE_STUDY, K.PAGE_VISIT][k % 3],
                occurred_at=NOW - timedelta(days=[1, 20, 45, 100, 5][k]),
            )


def outcome() -> dict:
    """Per lead (by e-mail): its stored verdict, its stage and the history the re-score wrote."""
    history = {}
    for email, to_stage, rule in StageChange.objects.order_by("id").values_list("lead__email", "to_stage", "rule"):
        history.setdefault(email, []).append((to_stage, rule))
    return {
        row[0]: (row[1:], history.get(row[0], []))
        for row in Lead.objects.values_list("email", "stage", *SCORE_FIELDS)
    }


def active_snapshot(policy):
    return QualificationPolicy.objects.with_rules().get(pk=policy.pk).snapshot()


@pytest.mark.django_db
def test_id_ranges_split_the_leads_evenly_and_cover_them_all(company):
    ids = [Lead.objects.create(email=f"l{n}@firma.nl", company=company).pk for n in range(7)]
    Lead.objects.filter(pk=ids[3]).delete()  # a gap in the ids
    leads = Lead.objects.all()

    ranges = parallel.id_ranges(leads, 2)

    assert ranges == [(ids[0], ids[4] - 1), (ids[4], ids[6])]
    assert [leads.filter(id__range=bounds).count() for bounds in ranges] == [3, 3]
    assert parallel.id_ranges(leads, 10) == [(ids[0], ids[1] - 1), (ids[1], ids[2] - 1), (ids[2], ids[4] - 1), (ids[4], ids[5] - 1), (ids[5], ids[6] - 1), (ids[6], ids[6])]
    assert parallel.id_ranges(Lead.objects.none(), 2) == []


@pytest.mark.django_db
def test_several_workers_are_refused_on_sqlite_and_inside_a_transaction(policy, lead):
    snapshot = active_snapshot(policy)
    expected = "needs PostgreSQL" if connection.vendor == "sqlite" else "inside a transaction"
    with transaction.atomic(), pytest.raises(parallel.ParallelRescoreError, match=expected):
        bulk.rescore_leads(snapshot, now=NOW, workers=2)
    lead.refresh_from_db()
    assert lead.scored_at is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_score_store_and_move_exactly_as_one(policy, company):
    make_world(company)
    serial_stats = bulk.rescore_leads(active_snapshot(policy), now=NOW, chunk_size=4)
    serial = outcome()
    Lead.objects.all().delete()
    Company.objects.exclude(pk=company.pk).delete()
    make_world(company)
    progress = []

    parallel_stats = bulk.rescore_leads(
        active_snapshot(policy), now=NOW, chunk_size=4, workers=2, progress=progress.append
    )

    assert outcome() == serial
    assert parallel_stats.qualified and parallel_stats.nurtured  # the world moves leads both ways
    for field in ("scored", "changed", "qualified", "nurtured", "disqualified"):
        assert getattr(parallel_stats, field) == getattr(serial_stats, field), field
    assert sum(progress) == parallel_stats.scored


@pytest.fixture
def failing_update():
    """`fail(ids, slow_ids=())`: from now on, writing the score of a lead in `ids` raises in
    the database (in whichever worker process writes it), and writing one in `slow_ids` takes
    0.3 s. Removed after the test."""

    def fail(ids, slow_ids=()):
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE OR REPLACE FUNCTION test_rescore_fails() RETURNS trigger LANGUAGE plpgsql AS $$"
                f" BEGIN IF NEW.id = ANY(ARRAY[{', '.join(map(str, ids))}]::bigint[]) THEN"
                " RAISE EXCEPTION 'the database went away'; END IF;"
                f" IF NEW.id = ANY(ARRAY[{', '.join(map(str, slow_ids)) or 'NULL'}]::bigint[]) THEN"
                " PERFORM pg_sleep(0.3); END IF; RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER test_rescore_fails BEFORE UPDATE OF fit_score ON leads_lead"
                " FOR EACH ROW EXECUTE FUNCTION test_rescore_fails()"
            )

    yield fail
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS test_rescore_fails ON leads_lead")
        cursor.execute("DROP FUNCTION IF EXISTS test_rescore_fails()")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_failing_half_way_keeps_whole_chunks_and_a_second_run_finishes(policy, company, failing_update):
    make_world(company)
    snapshot = active_snapshot(policy)
    open_ids = list(Lead.objects.open().order_by("id").values_list("id", flat=True))
    (_first, _), (second_start, _) = parallel.id_ranges(Lead.objects.open(), 2)
    second = open_ids[open_ids.index(second_start):]
    failed_chunk = second[8:12]  # the second worker's third chunk of four
    failing_update([failed_chunk[-1]])

    with pytest.raises(psycopg.Error, match="went away") as raised:
        bulk.rescore_leads(snapshot, now=NOW, move=False, chunk_size=4, workers=2)

    # The worker's own error, with its traceback from the worker process.
    assert "Raised in the re-scoring worker for lead ids" in "".join(raised.value.__notes__)
    assert "score_and_store" in "".join(raised.value.__notes__)
    # The failing chunk's transaction was rolled back whole: none of its scores stayed, while
    # the worker's first two chunks did.
    assert not Lead.objects.filter(pk__in=failed_chunk, scored_at__isnull=False).exists()
    assert Lead.objects.filter(pk__in=second[:8], scored_at=NOW).count() == 8
    scored_first = Lead.objects.filter(scored_at=NOW).count()
    assert 0 < scored_first < Lead.objects.open().count()
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_rescore_fails ON leads_lead")

    stats = bulk.rescore_leads(snapshot, now=NOW, move=False, chunk_size=4, workers=2)

    assert stats.changed == Lead.objects.open().count() - scored_first  # the rest, not again the stored ones
    assert not Lead.objects.open().filter(scored_at__isnull=True).exists()
    resumed = outcome()
    Lead.objects.update(**{field: None for field in ("fit_score", "engagement_score", "rescore_at", "scored_at")})
    bulk.rescore_leads(snapshot, now=NOW, move=False, chunk_size=4)
    assert outcome() == resumed


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_process_failing_stops_the_others_and_fails_the_caller(policy, company, failing_update):
    make_world(company)
    open_ids = list(Lead.objects.open().order_by("id").values_list("id", flat=True))
    (_first_start, first_end), (second_start, _) = parallel.id_ranges(Lead.objects.open(), 2)
    first = [lead_id for lead_id in open_ids if lead_id <= first_end]
    # The second worker fails on its first lead; the first takes 0.3 s a lead, one lead a
    # chunk: left alone it would need about five seconds for its share.
    failing_update([second_start], slow_ids=first)

    with pytest.raises(psycopg.Error, match="went away"):
        bulk.rescore_leads(active_snapshot(policy), now=NOW, move=False, chunk_size=1, workers=2)

    scored = Lead.objects.filter(pk__in=first, scored_at=NOW).count()
    assert scored < len(first)  # told to stop, it stopped after its current chunk
    assert not Lead.objects.filter(pk__gte=second_start, scored_at__isnull=False).exists()


def end_without_a_word(first_id, last_id, job, should_stop, report):
    """A worker killed in the middle (out of memory, say): no result, no error."""
    os._exit(3)


def test_a_worker_process_that_dies_without_a_word_is_a_failure():
    with pytest.raises(parallel.ParallelRescoreError, match="lead ids 1–5 ended without a word"):
        parallel.run_in_processes([(1, 5)], end_without_a_word, None)
