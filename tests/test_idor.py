"""Insecure direct object references: every URL a unit viewer of town A may open with town A's
objects is walked again as the viewer of town B, who must get 403 or 404 each time — except the
pages that show the viewer his own unit whatever the address says (none may show town A's data).

The URLs come from the resolver (tests/test_access.py), so a new page is walked without being listed.
"""

from __future__ import annotations

import pytest

from accounts.roles import Role
from tests.test_access import named_patterns, url_for

# Pages whose address names no object of town A: each shows the viewer's own unit, tested below.
UNSCOPED = {"dashboard", "cadres:unit_list", "feedback:index", "feedback:rectification_list", "login",
            "set_language", "logout", "accounts:account", "accounts:password_change", "accounts:verify",
            "accounts:enrol", "accounts:enrol_qr", "accounts:recovery_codes_replace"}


@pytest.fixture
def viewers(make_user, registry, personas):
    return (personas[Role.UNIT_VIEWER],  # town A's
            make_user("viewer-b", [Role.UNIT_VIEWER], unit=registry["town_b"]))


def test_town_bs_viewer_cannot_open_any_of_town_as_objects(client, registry, viewers):
    own, other = viewers
    opened_by_a = []
    client.force_login(own)
    for name, pattern in named_patterns():
        if name in UNSCOPED:
            continue
        url = url_for(name, registry, pattern)
        if client.get(url).status_code == 200:
            opened_by_a.append((name, url))
    # Town A's viewer opens its result, charts, feedback report and Excel, items and evidence, unit page…
    assert len(opened_by_a) >= 8, opened_by_a

    client.force_login(other)
    leaked = [(name, url, status) for name, url in opened_by_a
              if (status := client.get(url).status_code) not in (403, 404)]
    assert not leaked, leaked


def test_the_unscoped_pages_show_the_viewer_only_his_own_unit(client, registry, viewers):
    _own, other = viewers
    client.force_login(other)
    patterns = dict(named_patterns())
    for name in ("dashboard", "cadres:unit_list", "feedback:index", "feedback:rectification_list"):
        url = url_for(name, registry, patterns[name])
        page = client.get(url).content.decode()
        assert registry["town_a"].name not in page, name
