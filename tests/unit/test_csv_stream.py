"""A large import's file read as a stream (consentmail/audience/csv_stream.py): the same records,
lines and encodings as the synchronous import reads from a body, and a byte offset after every
record from which reading again gives exactly the rest, however the stream is cut."""

import codecs

import pytest

from consentmail.audience import csv_stream
from consentmail.audience.imports import _rows, decode_csv
from consentmail.core.errors import InvalidInput, PayloadTooLarge

TEXT = (
    "Email,First_Name,notes\r\n"
    'ada@example.org,Ada,"two\nlines"\n'
    "\n"
    ",,\n"
    "zoe@example.org,Zoé,plain\r"
    'grace@example.org,Grace,"said ""hi"""\r\n'
    "linus@example.org,Linus,no line end"
)
ENCODINGS = [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("cp1252", b""),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
]


def cut(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize(("encoding", "bom"), ENCODINGS)
@pytest.mark.parametrize("size", [1, 2, 3, 7, 4096])
def test_every_offset_resumes_with_exactly_the_rest_of_the_file(encoding, bom, size):
    data = bom + TEXT.encode(encoding)
    layout = csv_stream.scan(lambda: cut(data, size), 100)
    records = list(
        csv_stream.records(cut(data[layout.offset :], size), layout.encoding, layout.offset, layout.line)
    )

    for n, record in enumerate(records):
        rest = list(
            csv_stream.records(cut(data[record.end :], size), layout.encoding, record.end, record.end_line)
        )
        assert [(r.line, r.cells) for r in rest] == [(r.line, r.cells) for r in records[n + 1 :]]
    assert records[-1].end == len(data)


@pytest.mark.parametrize(("encoding", "bom"), ENCODINGS)
def test_records_and_lines_are_the_synchronous_imports(encoding, bom):
    data = bom + TEXT.encode(encoding)
    header, rows = _rows(decode_csv(data))

    layout = csv_stream.scan(lambda: cut(data, 5), 100)
    records = csv_stream.records(cut(data[layout.offset :], 5), layout.encoding, layout.offset, layout.line)

    assert layout.header == header == ["email", "first_name", "notes"]
    assert [(r.line, r.cells) for r in records if not r.blank] == rows
    assert layout.rows == len(rows) == 4


def test_a_file_is_windows_1252_when_a_byte_far_into_it_is_not_utf8():
    data = b"email,city\n" + b"a@example.org,Paris\n" * 5000 + "z@example.org,Besançon\n".encode("cp1252")

    layout = csv_stream.scan(lambda: cut(data, 4096), 10_000)

    assert layout.encoding == "cp1252" and layout.rows == 5001


@pytest.mark.parametrize(
    ("data", "error", "says"),
    [
        ("email\nada@example.org\n".encode("utf-16-le"), InvalidInput, "could not be read"),
        (b"email\n\x81\x8d\n", InvalidInput, "could not be read"),
        (b"name\nAda\n", InvalidInput, "no `email` column"),
        (b"email,@formula\nada@example.org,x\n", InvalidInput, "cannot be attribute names"),
        (b"  \r\n\r\n", InvalidInput, "empty"),
        (b"", InvalidInput, "empty"),
        (b"email,notes\nada@example.org," + b"x" * 140_000 + b"\n", InvalidInput, "malformed near line 2"),
        (b"email\n" + b"a@example.org\n" * 4, PayloadTooLarge, "at most 3 rows"),
        (b"email\n" + b"x" * (csv_stream.MAX_LINE + 2048), InvalidInput, "Line 2 of the CSV is longer"),
    ],
    ids=[
        "utf-16 without bom",
        "not even windows-1252",
        "no email",
        "bad column",
        "blank",
        "nothing",
        "malformed",
        "too many rows",
        "no line breaks",
    ],
)
def test_a_file_the_synchronous_import_refuses_is_refused_whole(data, error, says):
    with pytest.raises(error) as refused:
        csv_stream.scan(lambda: cut(data, 8192), 3)

    assert says in refused.value.detail
