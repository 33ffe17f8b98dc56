"""Counts every AWS request the process makes, with botocore event hooks on every boto3 session
(the default one and any made later, e.g. by Powertools parameters), and works out what each
request is billed as: DynamoDB read and write request units, SQS 64 KB request chunks.

DynamoDB units are computed from item sizes, not read from the response: moto answers
`ReturnConsumedCapacity` with a constant (1 write or 0.5 read unit whatever the item and its
indexes), which would hide exactly what we measure. The rules are DynamoDB's on-demand ones:
- a write costs 1 WRU per started KB of the larger of the old and new item, plus, for every
  global secondary index, 1 WRU per started KB of the projected item when the item enters the
  index, leaves it, or changes a projected attribute (2 when its index keys change: delete and
  put); a write refused by its condition still costs 1 WRU;
- an eventually consistent read costs 0.5 RRU per started 4 KB (a strongly consistent one 1),
  the minimum being charged for an item that does not exist; a query or scan is charged on the
  total size of the items it returns, rounded up to 4 KB once;
- transactional requests cost double.
The old and new images of each written item are read from the emulator's own backend (the moto
server runs in this process), which is neither a request nor counted.

Each request is also attributed to the function invocation running on its thread (see
`lambdas.MeteredInvoker`), or to "local mode" (the queue pollers standing in for Lambda's event
source mappings)."""

import base64
import json
import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import boto3
import boto3.session

from consentmail.core.tables import SCHEMAS, TableSchema
from infra.local.provision import table_name

KB = 1024
READ_BLOCK = 4 * KB
SQS_CHUNK = 64 * KB
ITEM_OVERHEAD = 100  # bytes DynamoDB adds to each stored item and index entry
OUTSIDE = "local mode"
_CONTEXT_KEY = "consentmail_bench"

_current = threading.local()


def current_function() -> str:
    return getattr(_current, "function", None) or OUTSIDE


def set_current_function(name: str | None) -> None:
    _current.function = name


# -- DynamoDB item sizes ------------------------------------------------------------------------
def _number_size(text: str) -> int:
    digits = text.lstrip("-").replace(".", "").lstrip("0") or "0"
    return (len(digits) + 1) // 2 + 1


def value_size(value: dict) -> int:
    """Size in bytes of one typed attribute value ({"S": "..."}, {"M": {...}}, ...)."""
    ((kind, data),) = value.items()
    if kind == "S":
        return len(data.encode())
    if kind == "N":
        return _number_size(str(data))
    if kind == "B":
        return len(base64.b64decode(data)) if isinstance(data, str) else len(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(item.encode()) for item in data)
    if kind == "NS":
        return sum(_number_size(str(item)) for item in data)
    if kind == "BS":
        return sum(len(base64.b64decode(item)) if isinstance(item, str) else len(item) for item in data)
    if kind == "M":
        return 3 + sum(len(name.encode()) + value_size(item) + 1 for name, item in data.items())
    if kind == "L":
        return 3 + sum(value_size(item) + 1 for item in data)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def _typed(dynamo_value) -> dict:
    """moto's DynamoType → the wire form, recursively."""
    kind, data = dynamo_value.type, dynamo_value.value
    if kind == "M":
        return {"M": {name: _typed(item) for name, item in data.items()}}
    if kind == "L":
        return {"L": [_typed(item) for item in data]}
    return {kind: data}


class EmulatorItems:
    """Reads items straight from the in-process moto backend (no request, nothing counted)."""

    def __init__(self, region: str, account_id: str = "123456789012"):
        self.region = region
        self.account_id = account_id

    def get(self, table: str, key: dict) -> dict | None:
        try:
            from moto.dynamodb.models import dynamodb_backends
            from moto.dynamodb.models.dynamo_type import DynamoType

            backend = dynamodb_backends[self.account_id][self.region]
            moto_table = backend.get_table(table)
            hash_key = DynamoType(key[moto_table.hash_key_attr])
            range_key = DynamoType(key[moto_table.range_key_attr]) if moto_table.range_key_attr else None
            found = moto_table.get_item(hash_key, range_key)
        except Exception:
            return None
        if found is None:
            return None
        return {name: _typed(value) for name, value in found.attrs.items()}

    def stored(self, schemas: dict[str, TableSchema]) -> dict[str, dict]:
        """What each table stores now, as DynamoDB bills storage: every item's size plus 100 bytes
        of overhead, and every global secondary index entry's projected size plus 100 bytes."""
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[self.account_id][self.region]
        result: dict[str, dict] = {}
        for name, schema in schemas.items():
            if name not in backend.tables:
                continue
            moto_table = backend.tables[name]
            items = index_entries = item_bytes = index_bytes = 0
            for found in moto_table.all_items():
                item = {key: _typed(value) for key, value in found.attrs.items()}
                items += 1
                item_bytes += item_size(item) + ITEM_OVERHEAD
                for entry in _index_entries(schema, item):
                    index_entries += 1
                    index_bytes += item_size(entry) + ITEM_OVERHEAD
            result[name] = {
                "items": items,
                "item_bytes": item_bytes,
                "index_entries": index_entries,
                "index_bytes": index_bytes,
            }
        return result


# -- what requests are billed as -----------------------------------------------------------------
@dataclass
class TableUnits:
    rru: float = 0.0
    wru: float = 0.0
    gsi_wru: float = 0.0


@dataclass
class Usage:
    """Everything counted since the last reset."""

    calls: Counter = field(default_factory=Counter)  # (service, operation) -> requests
    calls_by_function: Counter = field(default_factory=Counter)  # (function, service, operation)
    errors: Counter = field(default_factory=Counter)  # (service, operation, code)
    tables: dict = field(default_factory=lambda: defaultdict(TableUnits))
    units_by_function: dict = field(default_factory=lambda: defaultdict(lambda: [0.0, 0.0]))  # rru, wru
    # (function, operation, table) -> [rru, wru, of which index wru]
    units_by_operation: dict = field(default_factory=lambda: defaultdict(lambda: [0.0, 0.0, 0.0]))
    sqs_billed: Counter = field(default_factory=Counter)  # operation -> billed requests (64 KB chunks)
    sqs_empty_receives: int = 0
    ses_raw: list = field(default_factory=list)  # raw MIME of every SES v2 SendEmail

    @property
    def rru(self) -> float:
        return sum(t.rru for t in self.tables.values())

    @property
    def wru(self) -> float:
        return sum(t.wru + t.gsi_wru for t in self.tables.values())

    def total_calls(self, function: str | None = None) -> int:
        if function is None:
            return sum(self.calls.values())
        return sum(n for (fn, _s, _o), n in self.calls_by_function.items() if fn == function)


def _schemas_by_name() -> dict[str, TableSchema]:
    return {table_name(schema): schema for schema in SCHEMAS.values()}


def _index_keys(index) -> list[str]:
    return [index.partition.name] + ([index.sort.name] if index.sort else [])


def _index_entries(schema: TableSchema, item: dict) -> list[dict]:
    """The entries an item has in its table's global secondary indexes (projected)."""
    table_keys = [schema.partition.name] + ([schema.sort.name] if schema.sort else [])
    entries = []
    for index in schema.indexes:
        keys = _index_keys(index)
        if all(k in item for k in keys):
            entries.append(
                {k: v for k, v in item.items() if k in keys or k in table_keys} if index.keys_only else item
            )
    return entries


def _gsi_writes(schema: TableSchema | None, old: dict | None, new: dict | None) -> float:
    if schema is None:
        return 0.0
    units = 0.0
    table_keys = [schema.partition.name] + ([schema.sort.name] if schema.sort else [])
    for index in schema.indexes:
        keys = _index_keys(index)
        old_in = bool(old) and all(k in old for k in keys)
        new_in = bool(new) and all(k in new for k in keys)

        def projected(item: dict, index=index, keys=keys) -> dict:
            if index.keys_only:
                return {k: v for k, v in item.items() if k in keys or k in table_keys}
            return item

        if old_in and new_in:
            if any(old[k] != new[k] for k in keys):
                units += 1 + math.ceil(item_size(projected(new)) / KB)  # delete + put
            elif projected(old) != projected(new):
                units += math.ceil(item_size(projected(new)) / KB)
        elif new_in:
            units += math.ceil(item_size(projected(new)) / KB)
        elif old_in:
            units += 1
    return units


def _write_units(old: dict | None, new: dict | None) -> float:
    return max(1, math.ceil(max(item_size(old), item_size(new)) / KB))


def _read_units(size: int, consistent: bool) -> float:
    blocks = max(1, math.ceil(size / READ_BLOCK))
    return blocks * (1.0 if consistent else 0.5)


class AwsMeter:
    def __init__(self, region: str):
        self.region = region
        self.items = EmulatorItems(region)
        self.schemas = _schemas_by_name()
        self.usage = Usage()
        self._lock = threading.Lock()
        self._sessions: list = []
        self._original_init = None
        self.capture_ses = True

    # -- installation --------------------------------------------------------------------------
    def install(self, session) -> None:
        """Hooks on one boto3 session: every client made from it afterwards is counted."""
        session.events.register("before-call", self._before_call)
        session.events.register("after-call", self._after_call)
        # First among DynamoDB's own handlers: the resource layer turns typed values into Python
        # ones in place on `after-call.dynamodb`, and the sizes are computed on the typed form.
        session.events.register_first("after-call.dynamodb", self._after_dynamodb_call)
        self._sessions.append(session)

    def install_everywhere(self) -> None:
        """The default session, and every boto3 session created from now on."""
        if boto3.DEFAULT_SESSION is None:
            boto3.setup_default_session()
        self.install(boto3.DEFAULT_SESSION)
        meter = self
        original = boto3.session.Session.__init__
        self._original_init = original

        def counted_init(session_self, *args, **kwargs):
            original(session_self, *args, **kwargs)
            meter.install(session_self)

        boto3.session.Session.__init__ = counted_init

    def uninstall(self) -> None:
        if self._original_init is not None:
            boto3.session.Session.__init__ = self._original_init
            self._original_init = None
        for session in self._sessions:
            session.events.unregister("before-call", self._before_call)
            session.events.unregister("after-call", self._after_call)
            session.events.unregister("after-call.dynamodb", self._after_dynamodb_call)
        self._sessions = []

    def reset(self) -> Usage:
        with self._lock:
            previous, self.usage = self.usage, Usage()
        return previous

    # -- hooks ---------------------------------------------------------------------------------
    def _before_call(self, model, params, context, **_kwargs) -> None:
        service = model.service_model.service_name
        state = {"started": time.perf_counter(), "function": current_function()}
        context[_CONTEXT_KEY] = state
        body = params.get("body") or b""
        state["body_size"] = _size(body)
        if service == "dynamodb":
            try:
                request = json.loads(body) if body else {}
            except ValueError:
                request = {}
            state["request"] = request
            try:
                state["old"] = self._old_images(model.name, request)
            except Exception:
                state["old"] = {}
        elif service == "sesv2" and model.name == "SendEmail" and self.capture_ses:
            state["ses_body"] = body

    def _after_dynamodb_call(self, http_response, parsed, model, context, **kwargs) -> None:
        self._count(parsed, model, context)

    def _after_call(self, http_response, parsed, model, context, **_kwargs) -> None:
        if model.service_model.service_name != "dynamodb":
            self._count(parsed, model, context)

    def _count(self, parsed, model, context) -> None:
        state = context.get(_CONTEXT_KEY)
        if state is None:
            return
        service, operation = model.service_model.service_name, model.name
        function = state["function"]
        elapsed = time.perf_counter() - state["started"]
        error = (parsed or {}).get("Error", {}).get("Code") if isinstance(parsed, dict) else None
        with self._lock:
            usage = self.usage
            usage.calls[(service, operation)] += 1
            usage.calls_by_function[(function, service, operation)] += 1
            if error:
                usage.errors[(service, operation, error)] += 1
            if service == "sqs":
                if operation == "ReceiveMessage" and not (parsed or {}).get("Messages"):
                    usage.sqs_empty_receives += 1
                else:
                    usage.sqs_billed[operation] += max(1, math.ceil(state["body_size"] / SQS_CHUNK))
            if "ses_body" in state and not error:
                usage.ses_raw.append((time.perf_counter(), state["ses_body"]))
        record = getattr(_current, "invocation", None)
        if record is not None:
            record.aws_seconds += elapsed
            record.aws_calls += 1
        if service == "dynamodb":
            try:
                self._dynamodb_units(operation, state, parsed or {}, error, function)
            except Exception:  # the meter must never fail the request it watches
                with self._lock:
                    self.usage.errors[(service, operation, "bench: units not computed")] += 1

    # -- DynamoDB ------------------------------------------------------------------------------
    def _old_images(self, operation: str, request: dict) -> dict:
        images: dict = {}
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            table = request.get("TableName", "")
            key = request.get("Key") or self._key_of(table, request.get("Item") or {})
            images[(table, _freeze(key))] = self.items.get(table, key)
        elif operation == "BatchWriteItem":
            for table, writes in (request.get("RequestItems") or {}).items():
                for write in writes:
                    item = (write.get("PutRequest") or {}).get("Item")
                    key = (write.get("DeleteRequest") or {}).get("Key") or self._key_of(table, item or {})
                    images[(table, _freeze(key))] = self.items.get(table, key)
        elif operation == "TransactWriteItems":
            for entry in request.get("TransactItems") or []:
                ((_kind, action),) = entry.items()
                table = action.get("TableName", "")
                key = action.get("Key") or self._key_of(table, action.get("Item") or {})
                images[(table, _freeze(key))] = self.items.get(table, key)
        return images

    def _key_of(self, table: str, item: dict) -> dict:
        schema = self.schemas.get(table)
        if schema is None:
            return {}
        names = [schema.partition.name] + ([schema.sort.name] if schema.sort else [])
        return {name: item[name] for name in names if name in item}

    def _write(self, table: str, key: dict, old_images: dict, refused: bool, factor: float = 1.0):
        old = old_images.get((table, _freeze(key)))
        if refused:
            return table, factor * _write_units(old, None), 0.0
        new = self.items.get(table, key)
        return (
            table,
            factor * _write_units(old, new),
            factor * _gsi_writes(self.schemas.get(table), old, new),
        )

    def _dynamodb_units(self, operation: str, state: dict, parsed: dict, error: str | None, function: str):
        request, old_images = state.get("request") or {}, state.get("old") or {}
        refused = error in ("ConditionalCheckFailedException", "TransactionCanceledException")
        if error and not refused:
            return
        reads: list[tuple[str, float]] = []
        writes: list[tuple[str, float, float]] = []
        consistent = bool(request.get("ConsistentRead"))
        if operation == "GetItem":
            reads.append(
                (request.get("TableName", ""), _read_units(item_size(parsed.get("Item")), consistent))
            )
        elif operation in ("Query", "Scan"):
            size = sum(item_size(item) for item in parsed.get("Items") or [])
            reads.append((request.get("TableName", ""), _read_units(size, consistent)))
        elif operation == "BatchGetItem":
            found = parsed.get("Responses") or {}
            for table, ask in (request.get("RequestItems") or {}).items():
                sizes = [item_size(item) for item in found.get(table, [])]
                missing = max(0, len(ask.get("Keys") or []) - len(sizes))
                units = sum(_read_units(size, ask.get("ConsistentRead", False)) for size in sizes)
                reads.append((table, units + missing * _read_units(0, ask.get("ConsistentRead", False))))
        elif operation == "TransactGetItems":
            for entry in parsed.get("Responses") or []:
                reads.append(("", 2 * _read_units(item_size(entry.get("Item")), True)))
        elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
            table = request.get("TableName", "")
            key = request.get("Key") or self._key_of(table, request.get("Item") or {})
            writes.append(self._write(table, key, old_images, refused))
        elif operation == "BatchWriteItem":
            for table, batch in (request.get("RequestItems") or {}).items():
                for write in batch:
                    item = (write.get("PutRequest") or {}).get("Item")
                    key = (write.get("DeleteRequest") or {}).get("Key") or self._key_of(table, item or {})
                    writes.append(self._write(table, key, old_images, False))
        elif operation == "TransactWriteItems":
            for entry in request.get("TransactItems") or []:
                ((kind, action),) = entry.items()
                table = action.get("TableName", "")
                key = action.get("Key") or self._key_of(table, action.get("Item") or {})
                if kind == "ConditionCheck":
                    reads.append((table, 2 * _read_units(0, True)))
                else:
                    writes.append(self._write(table, key, old_images, refused, factor=2.0))
        with self._lock:
            usage = self.usage
            for table, units in reads:
                usage.tables[table].rru += units
                usage.units_by_function[function][0] += units
                usage.units_by_operation[(function, operation, table)][0] += units
            for table, units, gsi in writes:
                usage.tables[table].wru += units
                usage.tables[table].gsi_wru += gsi
                usage.units_by_function[function][1] += units + gsi
                usage.units_by_operation[(function, operation, table)][1] += units + gsi
                usage.units_by_operation[(function, operation, table)][2] += gsi


def _size(body) -> int:
    """Bytes of a request body: bytes or text, or a stream (S3 parts and objects), measured
    without reading it."""
    try:
        return len(body)
    except TypeError:
        position = body.tell()
        size = body.seek(0, 2)
        body.seek(position)
        return size - position


def _freeze(key: dict) -> str:
    return json.dumps(key, sort_keys=True)
