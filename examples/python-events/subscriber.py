#!/usr/bin/env python3
"""Follows SwarmBFT's security event stream, as docs/wire-protocol.md ("Security event
stream") describes it: SUB for live events, DEALER for catch-up from the monitor's log.
Delivers events in sequence order, without gaps or duplicates, and checks their shape
(CloudEvents 1.0 structured JSON; findings carry an OCSF Detection Finding, class 2004).

    python3 subscriber.py --topology T.yaml --key keys/client-0.key_secret [--from 0] [--count N]
"""
import argparse
import json
import os
import sys
import time

import yaml
import zmq

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python-agent"))
import swarmbft_wire as wire  # noqa: E402  (the ZPL certificate reader)

TOPIC_PREFIX = b"swarm/byzantine/security/"


def check_event(topic, event):
    """Raises ValueError unless the event has the documented shape."""
    for field in ("specversion", "id", "source", "type", "time", "sequence", "severity", "data"):
        if field not in event:
            raise ValueError(f"event without {field}: {event}")
    if event["specversion"] != "1.0":
        raise ValueError("specversion is not 1.0")
    if not event["source"].startswith("urn:swarm:"):
        raise ValueError(f"source {event['source']} is not urn:swarm:<swarm-id>:<node>")
    if not (event["type"].startswith("swarmbft.security.") and event["type"].endswith(".v1")):
        raise ValueError(f"type {event['type']}")
    short_type = event["type"][len("swarmbft.security."):-len(".v1")]
    if topic.decode() != f"swarm/byzantine/security/{event['severity']}/{short_type}":
        raise ValueError(f"topic {topic!r} does not match the event")
    if len(event["sequence"]) != 20 or not event["sequence"].isdigit():
        raise ValueError("sequence is not a 20-digit decimal string")
    data = event["data"]
    if "class_uid" in data and (data["class_uid"] != 2004 or "finding_info" not in data or "severity_id" not in data):
        raise ValueError("a finding that is not an OCSF Detection Finding")


class Subscriber:
    def __init__(self, topology_path, key_path, start=None):
        self.malformed = 0  # messages of the wrong shape or content, dropped
        with open(topology_path, encoding="utf-8") as handle:
            topology = yaml.safe_load(handle)
        base = os.path.dirname(os.path.abspath(topology_path))
        events = topology["events"]
        me = wire.read_certificate(key_path)
        server = wire.read_certificate(os.path.join(base, events.get("certificate", "keys/monitor.key")))
        self.context = zmq.Context()
        self.sub = self.context.socket(zmq.SUB)
        self.dealer = self.context.socket(zmq.DEALER)
        for socket in (self.sub, self.dealer):
            socket.setsockopt(zmq.LINGER, 0)
            socket.curve_secretkey = me["curve_secret"]
            socket.curve_publickey = me["curve_public"]
            socket.curve_serverkey = server["curve_public"]
        self.sub.setsockopt(zmq.SUBSCRIBE, TOPIC_PREFIX)
        self.sub.connect(f"tcp://{events['host']}:{events['publish_port']}")
        self.dealer.connect(f"tcp://{events['host']}:{events['catchup_port']}")
        self.expected = start
        self.catching_up = False
        self.ready = []
        self.last_activity = time.monotonic()
        if start is not None:
            self.request_catchup()

    def request_catchup(self):
        self.catching_up = True
        self.last_activity = time.monotonic()
        self.dealer.send_multipart([b"SINCE", str(self.expected).encode()])

    def deliver(self, topic, raw):
        event = json.loads(raw)
        check_event(topic, event)
        self.expected = int(event["sequence"]) + 1
        self.last_activity = time.monotonic()
        self.ready.append(event)

    def on_live(self, topic, raw):
        sequence = int(json.loads(raw)["sequence"])
        if self.catching_up:
            return  # the catch-up reply covers it, or the next probe will
        if self.expected is None or sequence == self.expected:
            self.deliver(topic, raw)
        elif sequence > self.expected:
            self.request_catchup()  # a gap: fill it from the log

    def on_catchup(self, frames):
        if frames[0] == b"EVENT" and len(frames) == 3:
            if int(json.loads(frames[2])["sequence"]) >= self.expected:
                self.deliver(frames[1], frames[2])
        elif frames[0] == b"END" and len(frames) == 3:
            next_sequence, head = int(frames[1]), int(frames[2])
            self.expected = max(self.expected, next_sequence)
            if next_sequence < head:
                self.request_catchup()
            else:
                self.catching_up = False
        else:
            raise ValueError(f"catch-up error: {frames}")

    def next(self, timeout):
        deadline = time.monotonic() + timeout
        poller = zmq.Poller()
        poller.register(self.sub, zmq.POLLIN)
        poller.register(self.dealer, zmq.POLLIN)
        while not self.ready and time.monotonic() < deadline:
            idle = time.monotonic() - self.last_activity
            if self.expected is not None and (idle > 1.0 or (self.catching_up and idle > 3.0)):
                self.request_catchup()  # a quiet stream may have lost its newest events
            for socket, _ in poller.poll(200):
                # Bounded per poll, and a message of the wrong shape is counted and
                # dropped, never raised: what arrives on a socket is the peer's doing.
                for _ in range(256):
                    try:
                        frames = socket.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    try:
                        if socket is self.sub and len(frames) == 2:
                            self.on_live(frames[0], frames[1])
                        elif socket is self.dealer and 2 <= len(frames) <= 3:
                            self.on_catchup(frames)
                        else:
                            self.malformed += 1
                    except (ValueError, KeyError, TypeError, IndexError):
                        self.malformed += 1
        return self.ready.pop(0) if self.ready else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--from", dest="start", type=int, default=None)
    parser.add_argument("--count", type=int, default=None, help="stop after this many events")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    subscriber = Subscriber(args.topology, args.key, args.start)
    received, previous, findings = 0, None, 0
    deadline = time.monotonic() + args.timeout
    while args.count is None or received < args.count:
        if time.monotonic() > deadline:
            print(f"python subscriber: timed out after {received} events", file=sys.stderr)
            return 1
        event = subscriber.next(1.0)
        if event is None:
            continue
        sequence = int(event["sequence"])
        if previous is not None and sequence != previous + 1:
            print(f"python subscriber: gap or duplicate: {previous} then {sequence}", file=sys.stderr)
            return 1
        previous, received = sequence, received + 1
        findings += "class_uid" in event["data"]
        if args.count is None:
            print(json.dumps(event), flush=True)
    print(f"python subscriber: {received} events in order (last sequence {previous}), {findings} OCSF findings, all well formed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
