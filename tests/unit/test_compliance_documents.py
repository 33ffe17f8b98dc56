"""The compliance documents are the ones the code generates: a new promise, a moved module, a new
marker, a changed retention period or table that is not followed by `make compliance` fails here."""

from pathlib import Path

import pytest

from consentmail.core.processing import PROCESSING
from consentmail.core.tables import SCHEMAS
from tools.compliance import COMPLIANCE, RECORDS, documents

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name", [COMPLIANCE, RECORDS])
def test_committed_document_matches_the_code(name):
    generated = documents()[name]
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert generated == committed, f"docs/{name} is stale: run `make compliance` and commit it"


def test_every_table_says_what_it_holds_and_why():
    assert set(PROCESSING) == set(SCHEMAS)


@pytest.mark.promise("region.eu_only")
def test_the_records_name_only_eu_regions_and_every_table_with_its_retention():
    records = documents()[RECORDS]
    for schema in SCHEMAS.values():
        assert f"`consentmail-{schema.table.value}`" in records
    assert "eu-west-2" not in records and "eu-central-2" not in records
    assert "6 days" in records and "13 calendar months" in records and "3 calendar months" in records
