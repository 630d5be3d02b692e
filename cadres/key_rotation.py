"""After a key rotation: every cadre's personal numbers written again under the first key.

``personal_data`` is the cipher and knows no model; this service reads and writes the cadres with it.
"""

from __future__ import annotations

from django.db import transaction

from cadres.models import Cadre


def reencrypt_cadres(batch_size: int = 1000) -> int:
    """Write every cadre's personal numbers again under the first key (after a key rotation).
    The digests do not change: they use the hash key, which is not rotated this way."""
    count = 0
    with transaction.atomic():
        cadres = list(Cadre.objects.only("pk", "id_number", "phone").order_by("pk"))
        for start in range(0, len(cadres), batch_size):
            chunk = cadres[start:start + batch_size]
            # Saving encrypts afresh with the first key; reading accepted any configured key.
            Cadre.objects.bulk_update(chunk, ["id_number", "phone"])
            count += len(chunk)
    return count
