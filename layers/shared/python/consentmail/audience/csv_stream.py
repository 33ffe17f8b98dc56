"""A CSV file read as a stream of records, each with the byte offset just after it, so that a large
import can stop after any record and a later invocation resume from that offset with a ranged read,
never holding the file in memory, and never reading a byte twice.

The file is read with the rules of the synchronous import (`audience/imports.py`): its encoding is
detected (UTF-8 with or without a byte order mark, UTF-16 with one, else Windows-1252; anything
else, such as UTF-16 without a byte order mark, is refused), lines end at CR, LF or CRLF (a quoted
field may span lines), the first record is the header, and rows with nothing in them are skipped.

`scan` reads the whole file once before anything is imported: it settles the encoding (a file is
UTF-8 only if every byte of it is), checks the header and that every record parses, and counts the
rows. A file it refuses is refused whole, as the synchronous import refuses a body, so an import
never stops half-way on a malformed file. `records` then reads from any offset `scan` or an
earlier `records` gave.

Offsets are exact: each line's byte length is its text encoded again in the file's encoding, which
gives back the very bytes it was decoded from (the decoders are strict).
"""

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from consentmail.audience.imports import ENCODINGS_ACCEPTED, check_header, is_blank
from consentmail.core.errors import FieldError, InvalidInput, PayloadTooLarge

# Byte order marks, longest first, and the codec that reads what follows them.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Without a byte order mark: UTF-8 if the whole file is, else Windows-1252.
_GUESSES = ("utf-8", "cp1252")
_BREAK = re.compile(r"[\r\n]")
# Longer than any row a contact list has (csv's own limit is 128 KB per field): a file without line
# breaks is refused as it streams, before it fills the memory.
MAX_LINE = 1024 * 1024


@dataclass(frozen=True)
class Layout:
    """What `scan` learned of a file: how to read it and where its data rows start."""

    encoding: str
    header: list[str]
    # Byte offset of the first data line, and the physical lines before it.
    offset: int
    line: int
    # Data rows: records after the header with something in them.
    rows: int


@dataclass(frozen=True)
class Record:
    # The physical line the record starts on (1-based), as the import reports rows.
    line: int
    cells: list[str]
    # Where the next record starts: the byte offset just after this one, and the physical
    # lines up to and including it.
    end: int
    end_line: int

    @property
    def blank(self) -> bool:
        return is_blank(self.cells)


def unreadable() -> InvalidInput:
    return InvalidInput(
        f"The CSV file could not be read: save it as {ENCODINGS_ACCEPTED}.",
        [FieldError("body", f"expected {ENCODINGS_ACCEPTED}")],
    )


class _Lines:
    """Decoded lines of a byte stream (line ends kept, as csv wants them), counting the bytes and
    physical lines handed out so far."""

    def __init__(self, chunks: Iterable[bytes], encoding: str, offset: int, line: int):
        self._chunks = iter(chunks)
        self._encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self.offset = offset
        self.line = line

    def __iter__(self) -> Iterator[str]:
        pending = ""
        for chunk in self._chunks:
            pending += self._decoder.decode(chunk)
            pending = yield from self._split(pending, final=False)
            if len(pending) > MAX_LINE:
                raise InvalidInput(
                    f"Line {self.line + 1} of the CSV is longer than {MAX_LINE // 1024:,} KB: the file is "
                    "malformed, or not a CSV file."
                )
        pending += self._decoder.decode(b"", final=True)
        pending = yield from self._split(pending, final=True)
        if pending:
            yield self._counted(pending)

    def _split(self, text: str, final: bool) -> Iterator[str]:
        """Yield the complete lines of `text` (ending at CR, LF or CRLF, as csv reads a file opened
        with newline=""); return what is left. A CR at the very end waits for the next chunk,
        which may start with its LF."""
        start = 0
        while (found := _BREAK.search(text, start)) is not None:
            end = found.end()
            if found.group() == "\r":
                if end < len(text):
                    end += text[end] == "\n"
                elif not final:
                    break
            yield self._counted(text[start:end])
            start = end
        return text[start:]

    def _counted(self, text: str) -> str:
        if "\x00" in text:
            # NUL characters: UTF-16 without its byte order mark (or no text at all).
            raise unreadable()
        self.offset += len(text.encode(self._encoding))
        self.line += 1
        return text


def records(chunks: Iterable[bytes], encoding: str, offset: int, line: int) -> Iterator[Record]:
    """Every record of the file from `offset` (where the bytes of `chunks` start), `line` physical
    lines being before it. Blank records are yielded too (their offset counts); skip them with
    `Record.blank`."""
    lines = _Lines(chunks, encoding, offset, line)
    reader = csv.reader(iter(lines))
    while True:
        start = lines.line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise InvalidInput(f"The CSV is malformed near line {lines.line}.") from error
        # csv reads exactly the lines of one record, so the counters stand just after it.
        yield Record(line=start, cells=cells, end=lines.offset, end_line=lines.line)


def _layout(chunks: Iterable[bytes], encoding: str, offset: int, max_rows: int) -> Layout:
    stream = records(chunks, encoding, offset, 0)
    header_record = next(stream, None)
    header = [name.strip().lower() for name in header_record.cells] if header_record else []
    rows = 0
    for record in stream:
        if not record.blank:
            rows += 1
            if rows > max_rows:
                raise PayloadTooLarge(
                    f"An import holds at most {max_rows:,} rows; split the file and import each part."
                )
    if header_record is None or (header_record.blank and not rows):
        raise InvalidInput("The CSV body is empty.", [FieldError("body", "a header row and contact rows")])
    check_header(header)
    return Layout(encoding, header, header_record.end, header_record.end_line, rows)


def scan(read: Callable[[], Iterable[bytes]], max_rows: int) -> Layout:
    """Read the whole file (`read()` streams it from its first byte; called again to read it in
    Windows-1252 when it turns out not to be UTF-8): its layout, or the 4xx refusal of the whole
    file (unreadable, malformed, no email column, bad column names, too many rows)."""
    chunks = iter(read())
    first = b""
    # Enough bytes to tell a byte order mark, however the stream is cut.
    while len(first) < len(codecs.BOM_UTF8) and (more := next(chunks, None)) is not None:
        first += more
    for bom, encoding in _BOMS:
        if first.startswith(bom):
            try:
                return _layout(_prefixed(first[len(bom) :], chunks), encoding, len(bom), max_rows)
            except UnicodeDecodeError as error:
                raise unreadable() from error
    for attempt, encoding in enumerate(_GUESSES):
        source = _prefixed(first, chunks) if attempt == 0 else read()
        try:
            return _layout(source, encoding, 0, max_rows)
        except UnicodeDecodeError:
            continue
    raise unreadable()


def _prefixed(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    yield first
    yield from rest
