"""Benchmark: the nightly supervision evaluation and the supervision pages at city scale.

Run on demand (not part of the test suite):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/assessment_bench_supervision \\
        .venv/bin/python tests/bench/bench_supervision.py

It builds (once; later runs reuse it, BENCH_REBUILD=1 builds again) 3,000 units, 100,000 cadres
with their appointments and 2,000,000 supervision records dated since 2019, written with COPY. It
then times ``evaluate_everyone`` three ways — the first run (every state row new), a second run the
same day (nothing to change) and the next day's run (the nightly job) — and the server time of the
unit-warning overview, the alert inbox and a cadre's file, typical and busiest (Django test client, median
of BENCH_PAGE_RUNS, default 20). Targets: nightly ≤ 60 s, overview ≤ 300 ms, cadre file ≤ 150 ms.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assessment.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/assessment_bench_supervision")


def ensure_database() -> None:
    """Create the benchmark database on first use (PostgreSQL only)."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    name = url.rsplit("/", 1)[-1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from cadres import personal_data  # noqa: E402
from cadres.id_numbers import check_character  # noqa: E402
from cadres.models import Appointment, Cadre, Unit  # noqa: E402
from supervision.evaluation import evaluate_everyone  # noqa: E402
from supervision.models import (  # noqa: E402
    Alert,
    AlertHandling,
    CadrePointsState,
    EfficiencyWarning,
    Record,
    RecordType,
    UnitWarningState,
)

UNITS, CADRES, RECORDS = 3_000, 100_000, 2_000_000
FIRST_DAY = date(2019, 1, 1)
PREFIX = "SB"
# Most records carry few points (a received petition, a reminder talk); heavy sanctions are rare.
TYPE_WEIGHTS = {
    ("信访举报", "收到"): 30, ("信访举报", "不属实"): 20, ("个人有关事项查核", "一致"): 25, ("函询", "采信了结"): 8,
    ("提醒谈话", ""): 10, ("审计问题", "一般"): 6, ("个人有关事项查核", "漏报"): 4, ("请销假/出入境违规", ""): 3,
    ("信访举报", "部分属实"): 2, ("通报批评", ""): 2, ("信访举报", "属实"): 1, ("审计问题", "重大"): 1,
    ("诫勉", ""): 1, ("党纪处分", "警告"): 0.5, ("政务处分", "记过"): 0.3, ("党纪处分", "严重警告"): 0.2,
}


def copy_csv(table: str, columns: list[str], frame_text: str, blank: tuple[str, ...] = ()) -> None:
    """COPY csv text in; the ``blank`` columns read an empty cell as '' (csv reads it as NULL)."""
    options = f", FORCE_NOT_NULL ({', '.join(blank)})" if blank else ""
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv{options})") as copy:
        copy.write(frame_text)


def to_csv(*columns) -> str:
    buffer = io.StringIO()
    np.savetxt(buffer, np.column_stack(columns), fmt="%s", delimiter=",")
    return buffer.getvalue()


def build(rng: np.random.Generator) -> None:
    """Units, cadres, appointments and records, written with COPY."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (AlertHandling, Alert.records.through, Alert, CadrePointsState, UnitWarningState,
                      EfficiencyWarning, Record, Appointment):
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
    Cadre.objects.filter(name__startswith=PREFIX).delete()
    Unit.objects.filter(code__startswith=PREFIX).delete()
    kinds = np.array(["township", "street", "department", "state_enterprise"])
    codes = np.array([f"{PREFIX}{index:05d}" for index in range(UNITS)])
    copy_csv("cadres_unit", ["code", "name", "kind", "is_active", "sort_order"],
             to_csv(codes, np.char.add("基准单位", codes), kinds[np.arange(UNITS) % 4], np.full(UNITS, "t"),
                    np.arange(UNITS)))
    unit_ids = np.array(list(Unit.objects.filter(code__startswith=PREFIX).order_by("code").values_list("pk", flat=True)))
    # ID numbers are stored encrypted with their keyed digests, as the model's fields write them.
    numbers = [f"{index + 1:017d}{check_character(f'{index + 1:017d}')}" for index in range(CADRES)]
    copy_csv("cadres_cadre", ["name", "gender", "id_number", "id_number_digest", "id_number_tail_digest",
                              "ethnicity", "political_status", "education", "rank", "phone"],
             to_csv(np.char.add(f"{PREFIX}干部", np.arange(CADRES).astype(str)),
                    np.where(np.arange(CADRES) % 3, "M", "F"),
                    [personal_data.encrypt(number) for number in numbers],
                    [personal_data.id_number_digest(number) for number in numbers],
                    [personal_data.id_tail_digest(number) for number in numbers],
                    *(np.full(CADRES, "") for _ in range(5))),
             blank=("ethnicity", "political_status", "education", "rank", "phone"))
    cadre_ids = np.array(list(Cadre.objects.filter(name__startswith=PREFIX).order_by("pk")
                              .values_list("pk", flat=True)))
    # Every cadre serves in one unit; one in ten moved there from another unit in 2023.
    home = unit_ids[np.arange(CADRES) % UNITS]
    movers = np.arange(0, CADRES, 10)
    roles = np.where(np.arange(CADRES) % 11 == 0, "deputy", "member")
    start = np.where(np.isin(np.arange(CADRES), movers), "2023-07-01", "2016-03-01")
    copy_csv("cadres_appointment", ["cadre_id", "unit_id", "title", "role", "start_date", "end_date"],
             to_csv(cadre_ids, home, np.full(CADRES, "委员"), roles, start, np.full(CADRES, "")))
    copy_csv("cadres_appointment", ["cadre_id", "unit_id", "title", "role", "start_date", "end_date"],
             to_csv(cadre_ids[movers], unit_ids[(np.arange(len(movers)) * 7) % UNITS], np.full(len(movers), "委员"),
                    np.full(len(movers), "member"), np.full(len(movers), "2018-01-01"),
                    np.full(len(movers), "2023-06-30")))
    types = {(name, subtype): pk for pk, name, subtype in RecordType.objects.values_list("pk", "name", "subtype")}
    weights = np.array(list(TYPE_WEIGHTS.values()), dtype=float)
    type_ids = np.array([types[key] for key in TYPE_WEIGHTS])
    # A skewed share of records per cadre: a few cadres have many (up to ~200), most a few or none.
    skew = np.minimum(rng.pareto(1.5, CADRES) + 0.05, 20)
    owners = rng.choice(cadre_ids, size=RECORDS, p=skew / skew.sum())
    span = (timezone.localdate() - FIRST_DAY).days
    days = np.datetime64(FIRST_DAY.isoformat()) + rng.integers(0, span + 1, RECORDS).astype("timedelta64[D]")
    now = timezone.now().isoformat()
    chunk = 250_000
    for first in range(0, RECORDS, chunk):
        size = min(chunk, RECORDS - first)
        copy_csv("supervision_record", ["cadre_id", "record_type_id", "date", "source", "document_number", "summary",
                                        "entered_at", "updated_at", "sensitivity"],
                 to_csv(owners[first:first + size], rng.choice(type_ids, size=size, p=weights / weights.sum()),
                        days[first:first + size].astype(str), np.full(size, "纪委监委"), np.full(size, ""),
                        np.full(size, ""), np.full(size, now), np.full(size, now), np.full(size, 1)),
                 blank=("document_number", "summary"))
    # A year of nightly unit warnings, as the overview finds them after a year in production.
    history_days = np.arange(1, 366)
    levels = np.array(["none", "yellow", "orange", "red"])
    for day in history_days[::73]:
        block = history_days[(history_days >= day) & (history_days < day + 73)]
        size = len(block) * UNITS
        copy_csv("supervision_unitwarningstate", ["unit_id", "evaluated_on", "level", "cadres", "cadres_with_points",
                                                  "share", "reason"],
                 to_csv(np.tile(unit_ids, len(block)),
                        np.repeat([(timezone.localdate() - timedelta(days=int(back))).isoformat() for back in block],
                                  UNITS),
                        levels[rng.integers(0, 4, size)], np.full(size, 33), np.full(size, 5), np.full(size, "0.1515"),
                        np.full(size, "5/33 名干部近12个月有监督记录")))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
        with contextlib.suppress(DatabaseError):
            cursor.execute("CHECKPOINT")
    print(f"built {UNITS} units, {CADRES} cadres, {RECORDS} records and a year of unit warnings in "
          f"{time.perf_counter() - started:.1f} s")


def built() -> bool:
    return (Cadre.objects.filter(name__startswith=PREFIX).count() == CADRES
            and Record.objects.count() >= RECORDS and not os.environ.get("BENCH_REBUILD"))


def timed(label: str, function, *args):
    started = time.perf_counter()
    result = function(*args)
    elapsed = time.perf_counter() - started
    print(f"{label}: {elapsed:.1f} s  {result}")
    return elapsed


def page_median(client, url: str, runs: int) -> float:
    response = client.get(url)  # warm-up
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(times) * 1000


def officer_client():
    from django.contrib.auth import get_user_model

    from accounts.roles import Role
    from accounts.services import sync_role_groups, user_assign_roles

    sync_role_groups()
    User = get_user_model()
    user = User.objects.filter(username="bench-supervisor").first()
    if user is None:
        user = User.objects.create_user("bench-supervisor", password="Bench-Passw0rd!")
        user_assign_roles(user=user, roles=[Role.SUPERVISION_OFFICER])
    # Signed in with both factors, as the suite's client does (an authenticator is enrolled first).
    from tests.conftest import VerifiedClient

    client = VerifiedClient()
    client.force_login(user)
    return client


def main() -> None:
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if not built():
        build(np.random.default_rng(2019))
    else:
        print("reusing the data built before (BENCH_REBUILD=1 builds it again)")
        with connection.cursor() as cursor:
            for model in (AlertHandling, Alert.records.through, Alert, CadrePointsState):
                cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")
        UnitWarningState.objects.filter(evaluated_on__gte=timezone.localdate()).delete()
    today = timezone.localdate()
    in_window = Record.objects.filter(date__gt=today - timedelta(days=366)).count()
    print(f"{Record.objects.count()} records, {in_window} in the last twelve months")

    first = timed("evaluate_everyone, first run (all rows new)", evaluate_everyone, today)
    again = timed("evaluate_everyone, same day again", evaluate_everyone, today)
    nightly = timed("evaluate_everyone, next day (the nightly job)", evaluate_everyone, today + timedelta(days=1))
    worst = max(first, again, nightly)
    print(f"target nightly ≤ 60 s: {'met' if worst <= 60 else 'NOT met'} (slowest {worst:.1f} s)")
    print(f"alerts {Alert.objects.count()}, cadres at a line {CadrePointsState.objects.exclude(line='none').count()}, "
          f"units by level {dict(UnitWarningState.objects.filter(evaluated_on=today + timedelta(days=1)).values_list('level').annotate(n=Count('pk')))}")

    setup_test_environment()
    client = officer_client()
    runs = int(os.environ.get("BENCH_PAGE_RUNS", "20"))
    overview = page_median(client, reverse("supervision:warning_overview"), runs)
    print(f"overview page (3,000 units), median of {runs}: {overview:.0f} ms; target ≤ 300 ms: "
          f"{'met' if overview <= 300 else 'NOT met'}")
    filtered = page_median(client, reverse("supervision:warning_overview") + "?level=red&sort=share", runs)
    print(f"overview page filtered by level, sorted by share: {filtered:.0f} ms")
    inbox = page_median(client, reverse("supervision:alert_list") + "?status=open", runs)
    print(f"alert inbox, open alerts: {inbox:.0f} ms")
    from supervision.rule_preview import rule_preview
    from supervision.rules import RuleDraft, in_force

    current = in_force(today)
    draft = RuleDraft(rules=current.rules, type_points=dict(current.type_points))
    timed("rule preview, three years under two rule sets", lambda: len(rule_preview(draft, current, today).rows))
    # A typical file (the median number of records, about 20) is what the target is about; the busiest
    # file shows how the page holds up at the far end.
    counts = Record.objects.values("cadre_id").annotate(n=Count("pk"))
    typical_count = statistics.median(counts.values_list("n", flat=True))
    typical = counts.filter(n=round(typical_count)).order_by("cadre_id").first()
    busiest = counts.order_by("-n").first()
    for label, cadre in (("a typical cadre", typical), ("the cadre with most records", busiest)):
        url = reverse("supervision:cadre_file", kwargs={"cadre_pk": cadre["cadre_id"]})
        file_time = page_median(client, url, runs)
        print(f"cadre file page ({label}, {cadre['n']} records), median of {runs}: {file_time:.0f} ms;"
              f" target ≤ 150 ms: {'met' if file_time <= 150 else 'NOT met'}")

if __name__ == "__main__":
    main()
