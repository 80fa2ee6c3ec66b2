#!/usr/bin/env python3
"""Checks this agent's encoder against the test vectors of docs/wire-protocol.md: the
request it builds from the fixed seed must be byte-for-byte the documented frame, and the
documented reply must decode and verify."""
import os
import re
import sys

import nacl.signing

import swarmbft_wire as wire

HERE = os.path.dirname(os.path.abspath(__file__))
DOC = os.path.join(HERE, "..", "..", "docs", "wire-protocol.md")


def vectors():
    text = open(DOC, encoding="utf-8").read()
    found = dict(re.findall(r"^([a-z0-9_]+) = (\S+)$", text, re.MULTILINE))
    if not found:
        sys.exit("no test vectors found in docs/wire-protocol.md")
    return found


def main():
    v = vectors()
    client = nacl.signing.SigningKey(bytes.fromhex(v["client_ed25519_seed"]))
    assert bytes(client.verify_key).hex() == v["client_ed25519_public"], "client public key"
    operation = wire.memory_operation(wire.OP_PUT, "agents", "plan", b"step 1")
    assert operation.hex() == v["operation_put"], f"operation {operation.hex()}"
    frame = wire.request_frame(client, v["cluster_id"], int(v["epoch"]), 1, operation)
    assert frame.hex() == v["request_frame"], f"request frame differs:\n{frame.hex()}\n{v['request_frame']}"
    assert frame[:-64].hex() == v["request_signed_bytes"], "signed bytes"
    replica = nacl.signing.SigningKey(bytes.fromhex(v["replica0_ed25519_seed"]))
    assert bytes(replica.verify_key).hex() == v["replica0_ed25519_public"]
    sender, view, who, rid, result = wire.decode_reply(bytes.fromhex(v["reply_frame"]), v["cluster_id"], int(v["epoch"]), {0: replica.verify_key})
    assert (sender, view, who, rid) == (0, 0, bytes(client.verify_key), 1)
    assert result.hex() == v["result_ok_v1"] and wire.decode_result(result)["status"] == "ok"
    # A reply whose signature does not match is refused.
    tampered = bytearray(bytes.fromhex(v["reply_frame"]))
    tampered[-70] ^= 1
    try:
        wire.decode_reply(bytes(tampered), v["cluster_id"], int(v["epoch"]), {0: replica.verify_key})
        raise AssertionError("a tampered reply verified")
    except wire.WireError:
        pass
    print("python agent: wire test vectors match (request frame, signed bytes, reply signature)")


if __name__ == "__main__":
    main()
