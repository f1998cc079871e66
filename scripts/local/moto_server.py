"""Starts the moto server with local fixes for behaviours that make the local
AWS unusable at demo scale (10,000 queued messages). Each fix keeps moto's
results; only the cost changes. Arguments are moto_server's own.

- SQS ReceiveMessage checked each candidate message's retention through
  get_queue_attributes(), which recomputes every queue attribute including the
  O(queue length) message counts: over a second per receive at 2,000 queued
  messages. The replacement reads the retention period directly.
- SQS message visibility and delay checks went through moto's datetime-based
  clock (several microseconds each, once per queued message on every send,
  receive and attribute read); time.time() gives the same instant.
- Every SendMessage (so every EventBridge delivery) read queue.attributes,
  which counts the queue's messages three times. The three approximate
  counts are now cached for 100 ms per queue: AWS documents them as
  approximate and eventually consistent, so a count up to 100 ms old is
  within what a client may see on AWS.
- EventBridge re-compiled the same JSONPath expressions (a full yacc table
  build) for every target of every event; compiled paths are now cached.
- DynamoDB TransactWriteItems deep-copied every table it touches, once per
  item of the transaction, to roll back a cancelled one: ten claims against
  an idempotency table of 5,000 records copied 50,000 items while holding the
  write lock, so every other write and receive waited, calls passed the
  SDK's 3 s timeout and `make demo` crawled at a few events/s. The rollback
  now keeps only the items the transaction targets (and the length of the
  table's stream) and restores those: the same all-or-nothing result.

Two semantic fixes. FIFO message groups: moto keeps a "pending" set of
received messages and drops a message from it only when a receive walks past
it visible again, re-reading the set as it goes. When two messages of a group
come back visible at once (a failed record and the one skipped behind it),
the first is passed over because the second is still "pending", the second
is then delivered ahead of it, and so is the rest of the group: order broken.
SQS's rule is simpler: a group is blocked while any of its messages is in
flight (received, not deleted, not yet visible again). Before each receive on
a FIFO queue the pending set is rebuilt from exactly that rule, so moto's own
loop blocks the right groups and never reorders.

Pre-signed S3 URLs: moto 5.2.5 checks neither X-Amz-Expires nor the expiry
of the session credentials that signed the URL, so every pre-signed URL
works forever locally. AWS refuses an expired URL (403 AccessDenied "Request
has expired") and a URL signed with temporary credentials once the session
has ended (400 ExpiredToken), whatever X-Amz-Expires says. Object GETs now
do both, so the attachment URL lifetime (design section 1) can be shown
locally with short STS sessions (moto's AssumeRole honours DurationSeconds).

EventBridge StartReplay: moto replayed the whole archive whatever
EventStartTime and EventEndTime said; AWS replays only the events whose time
(the envelope `time`) falls in that range, so the replay here is given only
those (the events are sent as before: through every rule of the bus, with a
new id and `replay-name`, synchronously within StartReplay).

And: the server is threaded and moto's backends take no locks,
so two concurrent conditional writes to one DynamoDB item could both see the
old item and both succeed, and two concurrent short-poll receives could take
the same SQS message. DynamoDB applies a conditional write atomically per
item, and the pipeline's guarantees rest on that, so item writes and
short-poll receives are serialised here. (Long-poll receives are left
unlocked: holding the lock while they wait would stall every other call.)
"""
import copy
import functools
import sys
import threading
import time

import calendar

import jsonpath_ng.ext
from moto.core.utils import utcnow
import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.s3.responses import S3Response
from moto.sqs.models import Message, Queue, SQSBackend
from moto.sts.models import sts_backends


def _retained(self, queue_name, message):
    queue = self.get_queue(queue_name)
    return int(queue.message_retention_period) + message.sent_timestamp / 1000 > time.time()


def _visible(self):
    return time.time() * 1000 > self.visible_at


def _delayed(self):
    return time.time() * 1000 < self.delayed_until


COUNT_TTL_SECONDS = 0.1


def _cached_count(name, count):
    def getter(self):
        cache = self.__dict__.setdefault("_local_count_cache", {})
        now = time.time()
        hit = cache.get(name)
        if hit is not None and now - hit[0] < COUNT_TTL_SECONDS:
            return hit[1]
        value = count(self)
        cache[name] = (now, value)
        return value

    return property(getter)


SQSBackend.is_message_valid_based_on_retention_period = _retained
Queue.approximate_number_of_messages = _cached_count(
    "visible", lambda q: sum(1 for m in q._messages if m.visible and not m.delayed)
)
Queue.approximate_number_of_messages_not_visible = _cached_count(
    "not_visible", lambda q: sum(1 for m in q._messages if not m.visible)
)
Queue.approximate_number_of_messages_delayed = _cached_count(
    "delayed", lambda q: sum(1 for m in q._messages if m.delayed)
)
Message.visible = property(_visible)
Message.delayed = property(_delayed)
jsonpath_ng.ext.parse = functools.lru_cache(maxsize=512)(jsonpath_ng.ext.parse)

_write_lock = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _write_lock:
            return method(*args, **kwargs)

    return wrapper


for _name in ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item"):
    setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))


class _TableCopyShim:
    """moto.dynamodb.models' `copy`, except that a whole Table is not copied (see _transact_write_items)."""

    def __getattr__(self, name):
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value, memo=None):
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


dynamodb_models.copy = _TableCopyShim()
_transact = DynamoDBBackend.transact_write_items


def _target(backend, entry):
    _, op = next(iter(entry.items()))
    table = backend.tables.get(op.get("TableName"))
    if table is None:
        return None
    key = op["Item"] if "Item" in op else op.get("Key") or {}
    if table.hash_key_attr not in key:
        return None
    hash_key = DynamoType(key[table.hash_key_attr])
    range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr and table.range_key_attr in key else None
    return table, hash_key, range_key


@functools.wraps(_transact)
def _transact_write_items(self, transact_items):
    saved = []
    streams = {}
    for entry in transact_items:
        target = _target(self, entry)
        if target is None:
            continue
        table, hash_key, range_key = target
        old = table.get_item(hash_key, range_key) if range_key is not None or not table.range_key_attr else None
        saved.append((table, hash_key, range_key, copy.deepcopy(old)))
        if table.stream_shard is not None:
            streams.setdefault(id(table), (table.stream_shard, len(table.stream_shard.items)))
    try:
        return _transact(self, transact_items)
    except Exception:
        # moto's own rollback now puts back the same (mutated) tables; undo the targeted items instead, last write first.
        for table, hash_key, range_key, old in reversed(saved):
            if range_key is None:
                if old is None:
                    table.items.pop(hash_key, None)
                else:
                    table.items[hash_key] = old
            elif old is None:
                table.items.get(hash_key, {}).pop(range_key, None)
            else:
                table.items[hash_key][range_key] = old
        for shard, length in streams.values():
            del shard.items[length:]
        raise


DynamoDBBackend.transact_write_items = _serialised(_transact_write_items)

_receive = SQSBackend.receive_message


def _rebuild_in_flight(backend, queue_name):
    queue = backend.get_queue(queue_name)
    if queue.fifo_queue:
        queue._pending_messages = {m for m in queue._messages if m.approximate_receive_count > 0 and not m.visible}


@functools.wraps(_receive)
def _receive_message(self, queue_name, count, wait_seconds_timeout, *args, **kwargs):
    if wait_seconds_timeout:
        _rebuild_in_flight(self, queue_name)
        return _receive(self, queue_name, count, wait_seconds_timeout, *args, **kwargs)
    with _write_lock:
        _rebuild_in_flight(self, queue_name)
        return _receive(self, queue_name, count, wait_seconds_timeout, *args, **kwargs)


SQSBackend.receive_message = _receive_message
for _name in ("delete_message", "delete_message_batch", "change_message_visibility", "change_message_visibility_batch", "send_message", "send_message_batch"):
    setattr(SQSBackend, _name, _serialised(getattr(SQSBackend, _name)))

def _s3_error(status, code, message):
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message></Error>'
    return status, {"Content-Type": "application/xml"}, body


def _session_expired(token):
    for account in list(sts_backends.values()):
        for backend in list(account.values()):
            for role in backend.assumed_roles:
                if role.session_token == token:
                    return role.expiration < utcnow()
    return False


def _presigned_refusal(query):
    def one(name):
        value = query.get(name)
        return value[0] if isinstance(value, list) and value else value

    signed, expires = one("X-Amz-Date"), one("X-Amz-Expires")
    if signed and expires and time.time() > calendar.timegm(time.strptime(signed, "%Y%m%dT%H%M%SZ")) + int(expires):
        return _s3_error(403, "AccessDenied", "Request has expired")
    token = one("X-Amz-Security-Token")
    if token and _session_expired(token):
        return _s3_error(400, "ExpiredToken", "The provided token has expired.")
    return None


_key_response_get = S3Response._key_response_get


@functools.wraps(_key_response_get)
def _checked_key_response_get(self, query, key_name):
    return _presigned_refusal(query) or _key_response_get(self, query, key_name)


S3Response._key_response_get = _checked_key_response_get

from types import SimpleNamespace  # noqa: E402
from moto.events.models import Replay  # noqa: E402
from moto.core.utils import unix_time  # noqa: E402
from datetime import datetime  # noqa: E402

_replay_events = Replay.replay_events


def _event_seconds(event):
    value = event.get("time")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    return unix_time()


@functools.wraps(_replay_events)
def _replay_events_in_range(self, archive):
    start, end = float(self.event_start_time), float(self.event_end_time)
    in_range = [e for e in archive.events if start <= _event_seconds(e) <= end]
    return _replay_events(self, SimpleNamespace(events=in_range))


Replay.replay_events = _replay_events_in_range

from moto.server import main  # noqa: E402  (after the patches, on purpose)

if __name__ == "__main__":
    main(sys.argv[1:])
