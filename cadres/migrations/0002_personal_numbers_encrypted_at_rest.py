"""ID numbers and phone numbers move to encrypted columns with keyed digests for lookups.

The existing plain values are read with SQL (the model field would try to decrypt them),
encrypted and hashed with the keys of the running settings, and written back in place.
"""

from django.db import migrations

import cadres.fields


def encrypt_existing(apps, schema_editor):
    from cadres import personal_data

    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, id_number, phone FROM cadres_cadre")
        rows = cursor.fetchall()
        for pk, id_number, phone in rows:
            cursor.execute(
                "UPDATE cadres_cadre SET id_number = %s, phone = %s, id_number_digest = %s,"
                " id_number_tail_digest = %s WHERE id = %s",
                [personal_data.encrypt(id_number), personal_data.encrypt(phone) if phone else "",
                 personal_data.id_number_digest(id_number), personal_data.id_tail_digest(id_number), pk])


def refuse_to_decrypt(apps, schema_editor):
    raise RuntimeError("Personal numbers stay encrypted; restore a backup taken before this migration instead.")


class Migration(migrations.Migration):

    dependencies = [
        ("cadres", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="cadre",
            name="id_number_digest",
            field=cadres.fields.KeyedDigestField(default="", source="id_number"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="cadre",
            name="id_number_tail_digest",
            field=cadres.fields.KeyedDigestField(default="", digest="id_tail_digest", source="id_number"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="cadre",
            name="id_number",
            field=cadres.fields.EncryptedCharField(plain_max_length=18, verbose_name="身份证号"),
        ),
        migrations.AlterField(
            model_name="cadre",
            name="phone",
            field=cadres.fields.EncryptedCharField(blank=True, plain_max_length=20, verbose_name="联系电话"),
        ),
        migrations.RunPython(encrypt_existing, refuse_to_decrypt),
        migrations.AlterField(
            model_name="cadre",
            name="id_number_digest",
            field=cadres.fields.KeyedDigestField(source="id_number", unique=True),
        ),
        migrations.AlterField(
            model_name="cadre",
            name="id_number_tail_digest",
            field=cadres.fields.KeyedDigestField(db_index=True, digest="id_tail_digest", source="id_number"),
        ),
    ]
