"""API reads on people and organisations: scoped to who asks, paged, never a password hash."""

from conftest import make_person
from tierdesk.accounts.choices import Role
from tierdesk.core.tests.api_support import API, client_for, fields


def test_me_describes_the_caller(backline):
    response = client_for(backline).get(f"{API}/me")

    assert response.status_code == 200
    me = response.json()
    assert (me["username"], me["role"], me["tier"]) == ("backline", "agent", 2)
    assert "password" not in me


def test_customer_sees_only_their_own_organization(alice, oscar):
    response = client_for(alice).get(f"{API}/organizations")

    assert response.status_code == 200
    assert [o["name"] for o in response.json()["items"]] == ["Acme Analytics"]


def test_staff_see_every_organization(agent, alice, oscar):
    response = client_for(agent).get(f"{API}/organizations")

    assert [o["name"] for o in response.json()["items"]] == ["Acme Analytics", "Globex KK"]


def test_customer_sees_colleagues_and_no_one_else(alice, carol, oscar, agent):
    response = client_for(alice).get(f"{API}/users")

    assert response.status_code == 200
    assert [u["username"] for u in response.json()["items"]] == ["alice", "carol"]


def test_people_never_carry_password_hashes(agent, alice):
    response = client_for(agent).get(f"{API}/users")

    text = response.content.decode()
    assert "pbkdf2" not in text and "password" not in text


def test_staff_filter_people_by_role(agent, backline, alice):
    response = client_for(agent).get(f"{API}/users", {"role": Role.AGENT})

    assert [u["username"] for u in response.json()["items"]] == ["agent", "backline"]


def test_people_are_paged_without_gaps_or_repeats(agent, acme):
    for n in range(7):
        make_person(f"contact{n}", organization=acme)
    client = client_for(agent)

    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/users", params).json()
        assert len(page["items"]) <= 3
        seen += [u["username"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(["agent"] + [f"contact{n}" for n in range(7)])


def test_page_size_above_the_limit_is_refused_naming_limit(agent):
    response = client_for(agent).get(f"{API}/organizations", {"limit": 500})

    assert response.status_code == 422
    assert fields(response) == {"limit"}


def test_foreign_cursor_is_refused_naming_cursor(agent):
    response = client_for(agent).get(f"{API}/users", {"cursor": "%%%"})

    assert response.status_code == 422
    assert fields(response) == {"cursor"}


def test_organization_filter_beyond_any_record_is_refused_naming_it(agent):
    response = client_for(agent).get(f"{API}/users", {"organization": "99999999999999999999999"})

    assert response.status_code == 422
    assert fields(response) == {"organization"}


def test_customer_sees_their_success_manager_by_name_only(acme, alice, manager):
    acme.success_manager = manager
    acme.save()

    customer_view = client_for(alice).get(f"{API}/organizations").json()["items"]
    staff_view = client_for(manager).get(f"{API}/organizations").json()["items"]

    assert customer_view[0]["success_manager"] == {"id": None, "username": None, "name": "Manager"}
    assert staff_view[0]["success_manager"]["username"] == "manager"
