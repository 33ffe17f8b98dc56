"""Personalized campaign content: the `{{ }}` tags of DESIGN.md section 4, checked when a campaign
is saved and rendered per recipient when it is sent, previewed or tested.

The language is deliberately tiny, so that content can never run code or reach data it was not
given: `{{ first_name }}`, `{{ last_name }}`, `{{ email }}`, `{{ attributes.<name> }}`, each
optionally with `| default("...")`, and `{{ unsubscribe_url }}`, `{{ preferences_url }}`. Nothing
else: no `{% %}` statements, no other filter, no call, no arithmetic. The checker walks Jinja2's
own syntax tree and refuses anything outside that set, naming the tag and its line; rendering uses
Jinja2's `SandboxedEnvironment` as a second line, with autoescaping in the HTML part (a contact's
name is text, never markup) and none in the subject and text parts.

`default` applies when a value is missing *or empty*: contacts without a first name have "" and
`{{ first_name | default("there") }}` must read "there" for them.

Jinja2 is imported on first use, not at import: the accounts function's cold start does not pay
for it unless a campaign is saved, previewed or tested."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

from consentmail.core.errors import FieldError, InvalidInput
from consentmail.core.records import Contact, Content
from consentmail.mail.html_transform import raw_links, read_link

CONTACT_FIELDS = ("first_name", "last_name", "email")
LINK_FIELDS = ("unsubscribe_url", "preferences_url")
ATTRIBUTES = "attributes"
ALLOWED_FILTERS = ("default",)
_KNOWN = ", ".join([*CONTACT_FIELDS, f"{ATTRIBUTES}.<name>", *LINK_FIELDS])


class RenderingFailed(Exception):
    """A template that passed the save-time check could not be rendered for one recipient (content
    saved before the check existed, or a value the sandbox refused): that recipient is counted
    `failed` with this reason, never silently skipped."""


def _missing(value: Any) -> bool:
    from jinja2 import Undefined

    return value is None or isinstance(value, Undefined) or value == ""


def _default(value: Any, fallback: str = "") -> Any:
    """Jinja2's `default`, widened to empty values (a contact's empty first name)."""
    return fallback if _missing(value) else value


def _finalize(value: Any) -> Any:
    return "" if value is None else value


@cache
def _environment(autoescape: bool):
    from jinja2.sandbox import SandboxedEnvironment

    # Undefined (not StrictUndefined): a contact without the attribute `plan` renders
    # `{{ attributes.plan }}` as "" like an empty first name, and `default` covers both.
    env = SandboxedEnvironment(autoescape=autoescape, finalize=_finalize, keep_trailing_newline=True)
    env.filters = {"default": _default}
    env.tests = {}
    env.globals = {}
    return env


def _describe(node) -> str:
    """How a node reads in the template, for the error message."""
    from jinja2 import nodes

    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_describe(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_describe(node.node)}[...]"
    if isinstance(node, nodes.Filter):
        return f"{_describe(node.node)} | {node.name}"
    if isinstance(node, nodes.Const):
        return repr(node.value)
    return type(node).__name__.lower()


def _check_expression(node, problems: list[str]) -> None:
    from jinja2 import nodes

    line = getattr(node, "lineno", 1)
    if isinstance(node, nodes.Filter):
        if node.name not in ALLOWED_FILTERS:
            problems.append(f"line {line}: unknown filter '{node.name}' in {{{{ {_describe(node)} }}}}")
            return
        arguments_ok = (
            not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
            and len(node.args) <= 1
            and all(isinstance(a, nodes.Const) and isinstance(a.value, str) for a in node.args)
        )
        if not arguments_ok:
            problems.append(f'line {line}: default takes one quoted text, as in default("there")')
            return
        _check_expression(node.node, problems)
        return
    if isinstance(node, nodes.Name) and node.name in (*CONTACT_FIELDS, *LINK_FIELDS):
        return
    if (
        isinstance(node, nodes.Getattr)
        and isinstance(node.node, nodes.Name)
        and node.node.name == ATTRIBUTES
        and not node.attr.startswith("_")
    ):
        return
    problems.append(f"line {line}: unknown tag {{{{ {_describe(node)} }}}}; use {_KNOWN}")


def template_problems(source: str) -> list[str]:
    """Why `source` is not a valid campaign template ([] when it is): each problem names the tag
    and its line."""
    from jinja2 import TemplateSyntaxError, nodes

    try:
        tree = _environment(False).parse(source)
    except TemplateSyntaxError as error:
        return [f"line {error.lineno}: {error.message}"]
    problems: list[str] = []
    for statement in tree.body:
        if not isinstance(statement, nodes.Output):
            kind = type(statement).__name__.lower()
            problems.append(f"line {statement.lineno}: {{% {kind} %}} is not allowed, only {{{{ }}}} tags")
            continue
        for part in statement.nodes:
            if not isinstance(part, nodes.TemplateData):
                _check_expression(part, problems)
    return problems


def check_templates(fields: dict[str, str | None]) -> None:
    """Save time: every field a valid template, else 422 naming the field, the tag and the line."""
    errors = [
        FieldError(name, problem)
        for name, source in fields.items()
        if source
        for problem in template_problems(source)
    ]
    if errors:
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        raise InvalidInput(f"The campaign's personalization tags are not valid: {detail}", errors)


def is_template(text: str) -> bool:
    """Whether the text holds a `{{ }}` tag (a link built from the recipient's values)."""
    return "{{" in text


def _fragment(source: str) -> Any:
    """A part of the HTML compiled on its own (a link's href); None when it is no template by
    itself (a tag opened in the href and closed outside it)."""
    try:
        return _environment(True).from_string(source)
    except Exception:
        return None


def recipient_link(source: str) -> bool:
    """Whether a link as written is the recipient's own unsubscribe or preference link."""
    try:
        return any(uses(source, name) for name in LINK_FIELDS)
    except Exception:  # no template by itself: not one of ours
        return False


def uses(source: str | None, name: str) -> bool:
    """Whether the template refers to the variable `name` (e.g. places its own unsubscribe link)."""
    if not source:
        return False
    from jinja2 import meta

    return name in meta.find_undeclared_variables(_environment(False).parse(source))


@dataclass(frozen=True)
class Rendered:
    subject: str
    html: str
    text: str | None


class CampaignTemplates:
    """A campaign's three templates, compiled once (per send batch, preview or test) and rendered
    for each recipient."""

    def __init__(self, content: Content):
        self.content = content
        try:
            self._subject = _environment(False).from_string(content.subject)
            self._html = _environment(True).from_string(content.html)
            self._text = _environment(False).from_string(content.text) if content.text else None
        except Exception as error:  # a template saved before the check: fails every recipient
            raise RenderingFailed(f"the content is not a valid template: {error}") from error

    @cached_property
    def _link_templates(self) -> list[tuple[str, Any]]:
        """The HTML's links built with a `{{ }}` tag: (as written, compiled), in order."""
        found: dict[str, Any] = {}
        for raw in raw_links(self.content.html):
            if is_template(raw) and read_link(raw) not in found:
                found[read_link(raw)] = _fragment(raw)
        return [(written, template) for written, template in found.items() if template is not None]

    def _link_as_sent(self, template: Any, values: dict[str, Any]) -> str | None:
        try:
            return read_link(template.render(values))
        except Exception:  # the whole HTML rendered with these values, so its links do too
            return None

    def links_as_written(
        self, contact: Contact, unsubscribe_url: str, preferences_url: str
    ) -> dict[str, str]:
        """Each link of the HTML built with a `{{ }}` tag, as this recipient's email carries it (as
        a browser reads it), mapped to the link as written in the campaign: what the campaign's
        link statistics count, so a recipient's own values never reach them."""
        if not self._link_templates:
            return {}
        values = _values(contact, unsubscribe_url, preferences_url)
        found: dict[str, str] = {}
        for written, template in self._link_templates:
            sent = self._link_as_sent(template, values)
            if sent is not None:
                found.setdefault(sent, written)
        return found

    @property
    def personal(self) -> bool:
        """Whether any part puts contact data in (then the rendered text is checked for sensitive
        data per recipient; static content was checked when it was saved)."""
        parts = (self.content.subject, self.content.html, self.content.text)
        return any(uses(part, name) for part in parts for name in (*CONTACT_FIELDS, ATTRIBUTES))

    def render(self, contact: Contact, unsubscribe_url: str, preferences_url: str) -> Rendered:
        values = _values(contact, unsubscribe_url, preferences_url)
        try:
            subject = self._subject.render(values)
            html_part = self._html.render(values)
            text_part = self._text.render(values) if self._text else None
        except Exception as error:
            raise RenderingFailed(f"rendering failed: {type(error).__name__}") from error
        # CR/LF never reach a header: the subject is one line whatever the values held.
        return Rendered(subject=" ".join(subject.split()), html=html_part, text=text_part)


def _values(contact: Contact, unsubscribe_url: str, preferences_url: str) -> dict[str, Any]:
    attributes = {
        str(name): value
        for name, value in (contact.attributes or {}).items()
        if isinstance(value, str | int | float | bool)
    }
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        ATTRIBUTES: attributes,
        "unsubscribe_url": unsubscribe_url,
        "preferences_url": preferences_url,
    }
