"""GET /lists/{id}/contacts?status=&q=: an account holder finds contacts by status, by an exact
address, or by the start of an address or a name (case aside), page after page with the same
opaque cursor as the plain listing; bad filters are a 422 that names the parameter."""

import pytest

from tests.accounts_helpers import add_contact, call, create_list, signed_in

PEOPLE = [
    ("ada.lovelace@example.org", "Ada", "Lovelace"),
    ("adam.smith@example.org", "Adam", "Smith"),
    ("grace@navy.example", "Grace", "Hopper"),
    ("linus@example.fi", "Linus", "Torvalds"),
    ("margaret@nasa.example", "Margaret", "Hamilton"),
]


@pytest.fixture
def owner(aws) -> dict:
    return signed_in("searcher@example.com")


@pytest.fixture
def list_id(owner) -> str:
    list_id = create_list(owner)["list_id"]
    for email, first, last in PEOPLE:
        add_contact(owner, list_id, email, first_name=first, last_name=last)
    add_contact(owner, list_id, "pending.ada@example.org", first_name="Ada", double_opt_in=True)
    return list_id


def search(owner: dict, list_id: str, **query) -> list[str]:
    """Every address the search finds, following its cursor to the end."""
    found: list[str] = []
    cursor = None
    while True:
        params = {**query, **({"cursor": cursor} if cursor else {})}
        reply = call("GET", f"/lists/{list_id}/contacts", claims=owner, query=params)
        assert reply.status == 200, reply.text
        found += [item["email"] for item in reply.json()["items"]]
        cursor = reply.json().get("next_cursor")
        if not cursor:
            return sorted(found)


def test_an_exact_address_finds_that_contact(owner, list_id):
    assert search(owner, list_id, q="grace@navy.example") == ["grace@navy.example"]
    assert search(owner, list_id, q="  Grace@NAVY.example ") == ["grace@navy.example"]


def test_a_prefix_of_an_address_or_a_name_finds_every_match_whatever_the_case(owner, list_id):
    assert search(owner, list_id, q="ada") == [
        "ada.lovelace@example.org",
        "adam.smith@example.org",
        "pending.ada@example.org",
    ]
    assert search(owner, list_id, q="HOP") == ["grace@navy.example"]
    assert search(owner, list_id, q="margaret h") == ["margaret@nasa.example"]
    assert search(owner, list_id, q="adam.smith@ex") == ["adam.smith@example.org"]
    assert search(owner, list_id, q="nobody") == []


def test_status_filters_alone_or_with_a_search(owner, list_id):
    assert search(owner, list_id, status="pending") == ["pending.ada@example.org"]
    assert len(search(owner, list_id, status="confirmed")) == len(PEOPLE)
    assert search(owner, list_id, status="confirmed", q="ada") == [
        "ada.lovelace@example.org",
        "adam.smith@example.org",
    ]
    assert search(owner, list_id, status="pending", q="grace@navy.example") == []
    assert search(owner, list_id, status="bounced") == []


def test_a_search_pages_with_a_cursor_and_loses_no_contact(owner, list_id):
    for n in range(7):
        add_contact(owner, list_id, f"reader{n}@example.net", first_name="Reader")

    pages = []
    cursor = None
    while True:
        query = {"q": "reader", "limit": "3", **({"cursor": cursor} if cursor else {})}
        page = call("GET", f"/lists/{list_id}/contacts", claims=owner, query=query).json()
        pages.append([item["email"] for item in page["items"]])
        cursor = page.get("next_cursor")
        if not cursor:
            break

    assert all(len(page) <= 3 for page in pages)
    found = [email for page in pages for email in page]
    assert sorted(found) == [f"reader{n}@example.net" for n in range(7)]


@pytest.mark.parametrize(
    "query, field",
    [
        ({"status": "gone"}, "status"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 255}, "q"),
        ({"q": "ada\r\nBcc: x@example.org"}, "q"),
    ],
)
def test_a_bad_filter_answers_422_naming_it(owner, list_id, query, field):
    reply = call("GET", f"/lists/{list_id}/contacts", claims=owner, query=query)

    assert reply.status == 422
    assert field in [error["field"].split(".")[-1] for error in reply.problem["errors"]]


def test_another_accounts_list_cannot_be_searched(owner, list_id):
    other = signed_in("other@example.com")
    reply = call("GET", f"/lists/{list_id}/contacts", claims=other, query={"q": "ada"})

    assert reply.status == 404
