"""ID numbers and phone numbers are encrypted at rest and still found by the people allowed to."""

from __future__ import annotations

import base64
import io
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import FieldError, ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.models import AuditEvent
from cadres import personal_data
from cadres.models import Cadre
from supervision.cadre_file import search_cadres

ROOT = Path(__file__).resolve().parent.parent
ZHANG_ID = "11010519491231002X"
ZHANG_PHONE = "13800001111"


def stored_row(cadre: Cadre) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM cadres_cadre WHERE id = %s", [cadre.pk])
        return cursor.fetchone()


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def fresh_keys(settings):
    """Keys of the test's own; the cached Fernet is rebuilt before and after."""
    personal_data.reset_keys()
    yield settings
    personal_data.reset_keys()


def test_the_database_holds_no_plain_id_number_or_phone(registry):
    id_number, phone = stored_row(registry["cadre_a"])
    assert ZHANG_ID not in id_number and "1949" not in id_number
    assert ZHANG_PHONE not in phone and phone.startswith("gAAAA")  # a Fernet token
    # Two encryptions of the same number differ: the ciphertext reveals no equal numbers either.
    assert personal_data.encrypt(ZHANG_ID) != personal_data.encrypt(ZHANG_ID)
    cadre = Cadre.objects.get(pk=registry["cadre_a"].pk)
    assert (cadre.id_number, cadre.phone) == (ZHANG_ID, ZHANG_PHONE)


def test_an_empty_phone_stays_empty(registry):
    assert stored_row(registry["cadre_b"])[1] == ""


def test_cadres_are_found_by_whole_id_number_and_by_its_last_digits(registry):
    assert list(Cadre.objects.with_id_number(ZHANG_ID.lower())) == [registry["cadre_a"]]
    assert list(Cadre.objects.with_id_numbers([ZHANG_ID, "440524188001010014"]).order_by("name")) == [
        registry["cadre_a"], registry["cadre_b"]]
    assert list(Cadre.objects.with_id_number_ending("002x")) == [registry["cadre_a"]]
    assert list(Cadre.objects.with_id_number_ending("1231002X")) == [registry["cadre_a"]]
    assert not Cadre.objects.with_id_number_ending("9231002X").exists()  # same last four, different tail
    found = search_cadres("002X", registry["period"].end_date)
    assert [cadre.name for cadre in found.cadres] == ["张三"]


def test_a_lookup_on_the_encrypted_column_is_refused_rather_than_finding_nothing(registry):
    with pytest.raises(FieldError, match="encrypted"):
        Cadre.objects.filter(id_number=ZHANG_ID).exists()


def test_a_second_cadre_with_the_same_id_number_is_refused_in_words(registry):
    twin = Cadre(name="张三", gender="M", id_number=ZHANG_ID.lower())
    with pytest.raises(ValidationError) as raised:
        twin.full_clean()
    assert raised.value.message_dict["id_number"] == ["该身份证号已登记在另一名干部名下"]


def test_the_admin_finds_a_cadre_by_the_whole_id_number(client, personas, registry):
    from accounts.roles import Role

    client.force_login(personas[Role.SYSTEM_ADMIN])
    page = client.get(reverse("admin:cadres_cadre_changelist"), {"q": ZHANG_ID}).content.decode()
    assert "张三" in page and "李四" not in page
    assert "1101************2X" in page  # listed masked


def test_rotating_the_key_keeps_every_number_readable(registry, fresh_keys):
    old_key = fresh_keys.FIELD_ENCRYPTION_KEYS[0]
    before = stored_row(registry["cadre_a"])[0]
    fresh_keys.FIELD_ENCRYPTION_KEYS = [new_key(), old_key]
    personal_data.reset_keys()
    assert Cadre.objects.get(pk=registry["cadre_a"].pk).id_number == ZHANG_ID  # old key still decrypts

    output = io.StringIO()
    call_command("reencrypt_personal_data", stdout=output)
    assert "已重新加密 2 名干部" in output.getvalue()
    assert AuditEvent.objects.filter(action="personal_data.reencrypted").exists()
    after = stored_row(registry["cadre_a"])[0]
    assert after != before

    fresh_keys.FIELD_ENCRYPTION_KEYS = fresh_keys.FIELD_ENCRYPTION_KEYS[:1]  # the old key retired
    personal_data.reset_keys()
    cadre = Cadre.objects.get(pk=registry["cadre_a"].pk)
    assert (cadre.id_number, cadre.phone) == (ZHANG_ID, ZHANG_PHONE)
    assert list(Cadre.objects.with_id_number(ZHANG_ID)) == [cadre]


def test_a_wrong_key_fails_loudly_instead_of_showing_garbage(registry, fresh_keys):
    fresh_keys.FIELD_ENCRYPTION_KEYS = [new_key()]
    personal_data.reset_keys()
    with pytest.raises(Exception, match="cannot be decrypted"):
        Cadre.objects.get(pk=registry["cadre_a"].pk)


def test_the_migration_encrypts_the_numbers_already_stored(tmp_path):
    """An installation from before encryption: its plain numbers are encrypted by the migration."""
    database = tmp_path / "before.sqlite3"
    env = {**{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
           "DATABASE_URL": f"sqlite:///{database}", "DJANGO_SETTINGS_MODULE": "assessment.settings"}

    def manage(*args: str) -> str:
        completed = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                                   text=True, encoding="utf-8", timeout=300, check=False)
        assert completed.returncode == 0, completed.stdout + completed.stderr
        return completed.stdout

    manage("migrate", "auth", "-v0")  # the role groups are written after any migration
    manage("migrate", "cadres", "0001", "-v0")
    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO cadres_cadre (name, gender, ethnicity, political_status, education, rank,"
                   " id_number, phone) VALUES ('张三', 'M', '', '', '', '', ?, ?)", (ZHANG_ID, ZHANG_PHONE))
    manage("migrate", "-v0")
    with sqlite3.connect(database) as db:
        stored = db.execute("SELECT id_number, phone, id_number_digest FROM cadres_cadre").fetchone()
    assert ZHANG_ID not in stored[0] and ZHANG_PHONE not in stored[1] and len(stored[2]) == 64
    shown = manage("shell", "-c", "from cadres.models import Cadre; c = Cadre.objects.with_id_number("
                   f"'{ZHANG_ID}').get(); print(c.id_number, c.phone)")
    assert shown.strip().splitlines()[-1].split() == [ZHANG_ID, ZHANG_PHONE]
