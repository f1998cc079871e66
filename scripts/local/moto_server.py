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

One semantic fix: the server is threaded and moto's backends take no locks,
so two concurrent conditional writes to one DynamoDB item could both see the
old item and both succeed, and two concurrent short-poll receives could take
the same SQS message. DynamoDB applies a conditional write atomically per
item, and the pipeline's guarantees rest on that, so item writes and
short-poll receives are serialised here. (Long-poll receives are left
unlocked: holding the lock while they wait would stall every other call.)
"""
import functools
import sys
import threading
import time

import jsonpath_ng.ext
from moto.dynamodb.models import DynamoDBBackend
from moto.sqs.models import Message, Queue, SQSBackend


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

_receive = SQSBackend.receive_message


@functools.wraps(_receive)
def _receive_message(self, queue_name, count, wait_seconds_timeout, *args, **kwargs):
    if wait_seconds_timeout:
        return _receive(self, queue_name, count, wait_seconds_timeout, *args, **kwargs)
    with _write_lock:
        return _receive(self, queue_name, count, wait_seconds_timeout, *args, **kwargs)


SQSBackend.receive_message = _receive_message
for _name in ("delete_message", "delete_message_batch", "change_message_visibility", "change_message_visibility_batch", "send_message", "send_message_batch"):
    setattr(SQSBackend, _name, _serialised(getattr(SQSBackend, _name)))

from moto.server import main  # noqa: E402  (after the patches, on purpose)

if __name__ == "__main__":
    main(sys.argv[1:])
