"""Every item of every table, wherever boto3 points (moto in-process or local mode's server): the
erasure, closure and purge tests look at all of them, not only at what they expect to find."""

import json

import boto3


def every_item() -> list[tuple[str, dict]]:
    """(table name, item) for every item of every table."""
    dynamodb = boto3.client("dynamodb")
    found = []
    for name in dynamodb.list_tables()["TableNames"]:
        for page in dynamodb.get_paginator("scan").paginate(TableName=name):
            found.extend((name, item) for item in page["Items"])
    return found


def holding(value: str) -> list[tuple[str, dict]]:
    """The items that hold `value` anywhere, ignoring case (an address is held in any case), receipts
    aside: a deletion receipt names an account id on purpose, as evidence of its deletion (and
    nothing else about it)."""
    return [
        (table, item)
        for table, item in every_item()
        if value.lower() in json.dumps(item).lower() and not table.endswith("receipts")
    ]
