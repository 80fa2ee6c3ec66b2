#!/usr/bin/env python3
"""A swarm agent in Python that uses SwarmBFT as its shared, Byzantine fault tolerant memory.

    python3 agent.py --topology /tmp/swarm/topology.yaml --key /tmp/swarm/keys/client-0.key_secret

It loads its certificate, connects a CURVE-authenticated DEALER to every replica's ROUTER,
submits put and get operations, and accepts a result only when q distinct replicas
sent the same one, each reply verified against that replica's Ed25519 key (f + 1 prove
a result; q make a completed write visible to every later read, docs/wire-protocol.md).
"""
import argparse
import os
import sys
import time

import nacl.signing
import yaml
import zmq

import swarmbft_wire as wire


class Agent:
    def __init__(self, topology_path, key_path, timeout=15.0):
        with open(topology_path, encoding="utf-8") as handle:
            self.topology = yaml.safe_load(handle)
        base = os.path.dirname(os.path.abspath(topology_path))
        self.cluster_id, self.epoch = self.topology["cluster_id"], int(self.topology.get("epoch", 1))
        n = len(self.topology["replicas"])
        self.f = (n - 1) // 3
        self.q = (n + self.f + 2) // 2  # ceil((n + f + 1) / 2)
        me = wire.read_certificate(key_path)
        self.signing_key = nacl.signing.SigningKey(me["ed25519_seed"])
        self.timeout = timeout
        # Request ids only grow: microseconds since the epoch, so a restart never reuses one.
        self.next_request_id = int(time.time() * 1_000_000)
        self.context = zmq.Context()
        self.replica_keys, self.sockets = {}, []
        for replica in self.topology["replicas"]:
            certificate = wire.read_certificate(os.path.join(base, replica["certificate"]))
            self.replica_keys[replica["id"]] = nacl.signing.VerifyKey(certificate["ed25519_public"])
            socket = self.context.socket(zmq.DEALER)
            socket.setsockopt(zmq.LINGER, 0)
            socket.curve_secretkey = me["curve_secret"]
            socket.curve_publickey = me["curve_public"]
            socket.curve_serverkey = certificate["curve_public"]
            socket.connect(f"tcp://{replica['host']}:{replica['router_port']}")
            self.sockets.append(socket)

    def submit(self, operation):
        request_id = self.next_request_id
        self.next_request_id += 1
        frame = wire.request_frame(self.signing_key, self.cluster_id, self.epoch, request_id, operation)
        poller = zmq.Poller()
        for socket in self.sockets:
            poller.register(socket, zmq.POLLIN)
        replies, deadline, last_send = {}, time.monotonic() + self.timeout, 0.0
        while time.monotonic() < deadline:
            if time.monotonic() - last_send > 1.0:
                # To every replica: backups forward to the primary and watch it.
                for socket in self.sockets:
                    socket.send(frame, zmq.NOBLOCK)
                last_send = time.monotonic()
            for socket, _ in poller.poll(50):
                # Bounded per poll; a reply is exactly one frame, anything else is dropped.
                for _ in range(256):
                    try:
                        frames = socket.recv_multipart(zmq.NOBLOCK)
                    except zmq.Again:
                        break
                    if len(frames) != 1:
                        continue
                    reply = frames[0]
                    try:
                        sender, _, client, rid, result = wire.decode_reply(reply, self.cluster_id, self.epoch, self.replica_keys)
                    except wire.WireError:
                        continue
                    if client != bytes(self.signing_key.verify_key) or rid != request_id:
                        continue
                    replies[sender] = result
                    if sum(1 for value in replies.values() if value == result) >= self.q:
                        return wire.decode_result(result)
        raise TimeoutError(f"no q = {self.q} matching replies within {self.timeout} s ({len(replies)} replies)")

    def put(self, namespace, key, value):
        return self.submit(wire.memory_operation(wire.OP_PUT, namespace, key, value.encode()))

    def get(self, namespace, key):
        return self.submit(wire.memory_operation(wire.OP_GET, namespace, key))

    def close(self):
        for socket in self.sockets:
            socket.close()
        self.context.term()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topology", required=True)
    parser.add_argument("--key", required=True, help="the agent's secret certificate (NAME.key_secret)")
    parser.add_argument("--namespace", default="agents")
    args = parser.parse_args()
    agent = Agent(args.topology, args.key)
    try:
        decision = f"deploy at {int(time.time())}"
        put = agent.put(args.namespace, "decision", decision)
        print(f"put decision: {put['status']} (version {put['version']})")
        got = agent.get(args.namespace, "decision")
        print(f"get decision: {got['status']} (version {got['version']}): {got['value'].decode()}")
        if put["status"] != "ok" or got["status"] != "ok" or got["value"].decode() != decision or got["version"] != put["version"]:
            print("agent: the swarm memory did not return what was written", file=sys.stderr)
            return 1
        print(f"agent: ok — q = {agent.q} matching signed replies each time")
        return 0
    finally:
        agent.close()


if __name__ == "__main__":
    sys.exit(main())
