"""SwarmBFT's client wire protocol in Python, written from docs/wire-protocol.md alone.

Frames are canonical binary: big-endian fixed-width integers, u32 length-prefixed byte
strings, a 64-byte Ed25519 signature over every byte before it.
"""
import struct

import nacl.exceptions
import nacl.signing

MAGIC = b"SBFT"
VERSION = 1
KIND_REQUEST = 1
KIND_REPLY = 10

OP_PUT, OP_GET, OP_DELETE, OP_CAS, OP_LIST = 1, 2, 3, 4, 5
STATUS = {0: "ok", 1: "not found", 2: "version mismatch", 3: "malformed operation",
          4: "operation over the size limits", 5: "unknown operation", 6: "memory quota exceeded"}


class WireError(Exception):
    """A frame that does not follow the protocol."""


def _header(kind, cluster_id, epoch):
    cluster = cluster_id.encode()
    if len(cluster) > 64:
        raise WireError("cluster id longer than 64 bytes")
    return MAGIC + struct.pack(">BBB", VERSION, kind, len(cluster)) + cluster + struct.pack(">Q", epoch)


def _bytes(value):
    return struct.pack(">I", len(value)) + value


def memory_operation(code, namespace, key, value=b"", expected_version=0, limit=100):
    """A swarm-memory operation: code, u16-prefixed namespace and key, then arguments."""
    ns, k = namespace.encode(), key.encode()
    head = struct.pack(">BH", code, len(ns)) + ns + struct.pack(">H", len(k)) + k
    if code == OP_PUT:
        return head + _bytes(value)
    if code == OP_CAS:
        return head + struct.pack(">Q", expected_version) + _bytes(value)
    if code == OP_LIST:
        return head + struct.pack(">H", limit)
    return head


def request_frame(signing_key, cluster_id, epoch, request_id, operation, read_only=False):
    """REQUEST: header, client Ed25519 public key, request id, read-only flag, operation; signed."""
    client = bytes(signing_key.verify_key)
    signed = _header(KIND_REQUEST, cluster_id, epoch) + client + struct.pack(">QB", request_id, 1 if read_only else 0) + _bytes(operation)
    return signed + signing_key.sign(signed).signature


class Reader:
    def __init__(self, data):
        self.data, self.offset = data, 0

    def take(self, count, what):
        if count < 0 or self.offset + count > len(self.data):
            raise WireError(f"{what}: truncated")
        chunk = self.data[self.offset:self.offset + count]
        self.offset += count
        return chunk

    def u8(self, what): return self.take(1, what)[0]
    def u16(self, what): return struct.unpack(">H", self.take(2, what))[0]
    def u32(self, what): return struct.unpack(">I", self.take(4, what))[0]
    def u64(self, what): return struct.unpack(">Q", self.take(8, what))[0]
    def prefixed(self, what): return self.take(self.u32(what + " length"), what)


def decode_reply(frame, cluster_id, epoch, replica_keys):
    """Decodes and verifies a REPLY frame; returns (sender, view, client, request_id, result).

    `replica_keys` maps replica id to its Ed25519 VerifyKey; a reply from an unknown replica,
    for another cluster or epoch, or with a bad signature raises WireError.
    """
    if len(frame) < 64 + 15:
        raise WireError("frame too short")
    signed, signature = frame[:-64], frame[-64:]
    reader = Reader(signed)
    if reader.take(4, "magic") != MAGIC:
        raise WireError("bad magic")
    version, kind, cluster_length = reader.u8("version"), reader.u8("kind"), reader.u8("cluster length")
    if version != VERSION or kind != KIND_REPLY:
        raise WireError(f"not a version-1 REPLY (version {version}, kind {kind})")
    if reader.take(cluster_length, "cluster").decode() != cluster_id or reader.u64("epoch") != epoch:
        raise WireError("reply for another cluster or epoch")
    sender, view = reader.u32("sender"), reader.u64("view")
    client, request_id = reader.take(32, "client"), reader.u64("request id")
    result = reader.prefixed("result")
    if reader.offset != len(signed):
        raise WireError("trailing bytes")
    key = replica_keys.get(sender)
    if key is None:
        raise WireError(f"reply from unknown replica {sender}")
    try:
        key.verify(signed, signature)
    except nacl.exceptions.BadSignatureError:
        raise WireError(f"bad signature on a reply claiming replica {sender}")
    return sender, view, client, request_id, result


def decode_result(data):
    """A swarm-memory result: status, version, value, entries."""
    reader = Reader(data)
    status, version, value = reader.u8("status"), reader.u64("version"), reader.prefixed("value")
    entries = []
    for _ in range(reader.u32("entry count")):
        key = reader.take(reader.u16("key length"), "key")
        entries.append((key, reader.u64("version"), reader.prefixed("value")))
    if reader.offset != len(data):
        raise WireError("trailing bytes in result")
    return {"status": STATUS.get(status, f"status {status}"), "version": version, "value": value, "entries": entries}


def read_certificate(path):
    """Reads a ZPL certificate (pyzmq/czmq format with SwarmBFT's metadata): returns a dict
    with the curve keys (Z85 bytes) and the Ed25519 public key and seed (bytes)."""
    sections, section = {}, None
    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if not line.startswith(" "):
                section = line.strip()
                sections[section] = {}
                continue
            name, _, value = line.strip().partition("=")
            value = value.strip()
            if value.startswith('"') and value.endswith('"'):
                value = value[1:-1]
            sections[section][name.strip()] = value
    meta, curve = sections.get("metadata", {}), sections.get("curve", {})
    out = {"curve_public": curve["public-key"].encode(), "ed25519_public": bytes.fromhex(meta["ed25519-public-key"])}
    if "secret-key" in curve:
        out["curve_secret"] = curve["secret-key"].encode()
    if "ed25519-seed" in meta:
        out["ed25519_seed"] = bytes.fromhex(meta["ed25519-seed"])
    return out
