"""Campaign personalization: which `{{ }}` tags a campaign may use (checked at save time, naming
the tag and its line), and how they render for one recipient (fallbacks, HTML escaping, a subject
that stays one line, nothing reachable beyond the contact's own values)."""

from datetime import UTC, datetime

import pytest

from consentmail.core.errors import InvalidInput
from consentmail.core.records import Contact, ContactStatus, Content
from consentmail.mail.personalization import CampaignTemplates, check_templates, template_problems

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def contact(**changes) -> Contact:
    values = {
        "contact_id": "c1",
        "list_id": "l1",
        "account_id": "a1",
        "email": "ada@example.org",
        "email_hash": "h",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "status": ContactStatus.CONFIRMED,
        "attributes": {"plan": "gold"},
        "created_at": AT,
    }
    return Contact(**{**values, **changes})


def render(subject="S", html="<p>H</p>", text=None, who=None):
    templates = CampaignTemplates(Content(subject=subject, html=html, text=text))
    return templates.render(who or contact(), "https://u.example/unsub", "https://u.example/prefs")


@pytest.mark.parametrize(
    "source",
    [
        "Hello {{ first_name }}",
        '{{ first_name | default("there") }} {{ last_name|default("") }}',
        "{{ email }} {{ attributes.plan }} {{ attributes.plan | default('basic') }}",
        "{{unsubscribe_url}} {{ preferences_url }}",
        "No tags at all, and a lone { brace",
    ],
)
def test_the_documented_tags_are_accepted(source):
    assert template_problems(source) == []


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("Hi\n{{ password }}", "line 2: unknown tag {{ password }}"),
        ("{{ first_name | upper }}", "unknown filter 'upper'"),
        ("{{ attributes.a.b }}", "unknown tag {{ attributes.a.b }}"),
        ("{{ ''.__class__ }}", "unknown tag"),
        ("{{ attributes._secret }}", "unknown tag {{ attributes._secret }}"),
        ("{{ first_name | default(email) }}", "default takes one quoted text"),
        ("{% for x in y %}{{ x }}{% endfor %}", "{% for %} is not allowed"),
        ("a\nb\n{{ first_name ", "line 3:"),
        ("{{ range(10) }}", "unknown tag"),
    ],
)
def test_anything_else_is_refused_naming_the_tag_and_line(source, says):
    problems = template_problems(source)

    assert problems and says in problems[0]


def test_check_templates_answers_422_naming_each_field():
    with pytest.raises(InvalidInput) as refused:
        check_templates({"subject": "Hi {{ nickname }}", "html": "<p>ok</p>", "text": "{{ x"})

    assert [e.field for e in refused.value.errors] == ["subject", "text"]
    assert "nickname" in refused.value.detail


def test_names_address_and_attributes_render_for_the_recipient():
    rendered = render(
        subject="Hello {{ first_name }}",
        html="<p>{{ first_name }} {{ last_name }}, plan {{ attributes.plan }}</p>",
        text="Dear {{ first_name }} <{{ email }}>",
    )

    assert rendered.subject == "Hello Ada"
    assert rendered.html == "<p>Ada Lovelace, plan gold</p>"
    assert rendered.text == "Dear Ada <ada@example.org>"


def test_default_applies_to_missing_and_empty_values():
    rendered = render(
        subject='Hello {{ first_name | default("there") }}',
        html='<p>{{ attributes.city | default("your city") }}</p>',
        who=contact(first_name="", attributes={}),
    )

    assert rendered.subject == "Hello there"
    assert rendered.html == "<p>your city</p>"


def test_values_are_html_escaped_in_the_html_part_only():
    who = contact(first_name='<script>alert("x")</script>', attributes={"note": "Tom & Jerry"})

    rendered = render(html="<p>{{ first_name }} {{ attributes.note }}</p>", text="{{ first_name }}", who=who)

    assert "<script>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html and "Tom &amp; Jerry" in rendered.html
    assert rendered.text == '<script>alert("x")</script>'


def test_a_value_with_line_breaks_never_breaks_the_subject_line():
    rendered = render(subject="Hi {{ first_name }}", who=contact(first_name="Ada\r\nBcc: x@evil.example"))

    assert "\r" not in rendered.subject and "\n" not in rendered.subject
    assert rendered.subject == "Hi Ada Bcc: x@evil.example"


def test_links_render_where_the_content_places_them():
    rendered = render(html='<a href="{{ unsubscribe_url }}">out</a>', text="{{ preferences_url }}")

    assert rendered.html == '<a href="https://u.example/unsub">out</a>'
    assert rendered.text == "https://u.example/prefs"


def test_a_link_built_from_the_recipients_values_maps_back_to_the_link_as_written():
    html = (
        '<a href="https://shop.example/offer?for={{ email }}&amp;plan={{ attributes.plan }}">Yours</a>'
        '<a href="https://shop.example/static">Static</a><a href="{{ unsubscribe_url }}">Leave</a>'
    )
    templates = CampaignTemplates(Content(subject="Hi", html=html, text=None))

    written = templates.links_as_written(contact(), "https://u.example/unsub", "https://u.example/prefs")

    assert written == {
        "https://shop.example/offer?for=ada@example.org&plan=gold": (
            "https://shop.example/offer?for={{ email }}&plan={{ attributes.plan }}"
        ),
        "https://u.example/unsub": "{{ unsubscribe_url }}",
    }


def test_a_campaign_without_tagged_links_maps_nothing():
    templates = CampaignTemplates(
        Content(subject="Hi", html='<a href="https://shop.example/">x</a>', text=None)
    )

    assert templates.links_as_written(contact(), "https://u.example/unsub", "https://u.example/prefs") == {}
