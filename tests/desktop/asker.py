"""An asker's page in Python, for the desktop end-to-end test: the same end-to-end format as
ui/src/crypto/e2e.ts (ECDH P-256, HKDF-SHA-256, AES-256-GCM, padding buckets), with Debian's
python3-cryptography. It enters with a fresh key pair, opens the chat key the accepting app
wrapped for it, seals its messages and opens the counselor's.
"""

import base64
import os
import struct

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

FORMAT = "pforte/e2e/v1"
BUCKETS = (256, 1024, 4096, 16384)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fields(*parts):
    out = b""
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        out += struct.pack(">I", len(data)) + data
    return out


def pad(text):
    body = text.encode()
    size = next(b for b in BUCKETS if b >= len(body) + 4)
    return struct.pack(">I", len(body)) + body + bytes(size - 4 - len(body))


def unpad(padded):
    (length,) = struct.unpack(">I", padded[:4])
    assert not any(padded[4 + length:]), "the padding is the format's"
    return padded[4:4 + length].decode()


class Asker:
    def __init__(self, server, topic_id=1):
        self.server = server
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        status, body = server.call("POST", "/api/waiting-room", body={
            "topic_id": topic_id, "consent": True, "public_key": b64(self.public)})
        assert status == 201, (status, body)
        self.token = body["token"]
        self.chat = body["request_id"]
        self.key = None
        self.keys = {}
        self.readers = []
        self.counter = 0

    def open_key(self):
        """The chat's keys, as wrapped for this asker; the newest, or None before an accept."""
        status, body = self.server.call("GET", "/api/asker/keys", self.token)
        assert status == 200, (status, body)
        return self.take_keys(body)

    def take_keys(self, body):
        if not body["keys"]:
            return None
        for key in body["keys"]:
            if key["wrapped"]:
                self.keys[key["key"]] = unwrap(self.private, self.public, self.chat, key["wrapped"])
        newest = body["keys"][-1]
        self.readers = [r["device"] for r in newest["readers"]]
        self.key = (newest["key"], self.keys[newest["key"]]) if newest["key"] in self.keys else None
        return self.key

    def say(self, text):
        number, key = self.key
        self.counter += 1
        iv = os.urandom(12)
        aad = fields(FORMAT, "message", self.chat, "asker", struct.pack(">Q", self.counter))
        ciphertext = AESGCM(key).encrypt(iv, pad(text), aad)
        return self.server.call("POST", "/api/asker/messages", self.token, {"sealed": {
            "key": number, "device": None, "counter": self.counter,
            "iv": b64(iv), "ciphertext": b64(ciphertext)}})

    def read(self):
        """Every message of the chat as (from, text, key number): opened here, never by the
        server."""
        status, body = self.server.call("GET", "/api/asker/messages", self.token)
        assert status == 200, (status, body)
        return open_all(self.keys, self.chat, body["messages"])


def unwrap(private, public, chat, wrapped_text):
    """A chat key wrapped for the key pair (private, public)."""
    wrapped = unb64(wrapped_text)
    ephemeral, iv, sealed = wrapped[:65], wrapped[65:77], wrapped[77:]
    other = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ephemeral)
    shared = private.exchange(ec.ECDH(), other)
    info = fields(FORMAT, "wrap", chat)
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + public, info=info).derive(shared)
    return AESGCM(key).decrypt(iv, sealed, info)


def open_all(keys, chat, messages):
    out = []
    for message in messages:
        sealed = message["sealed"]
        if sealed["key"] not in keys:
            out.append((message["from"], None, sealed["key"]))
            continue
        sender = "asker" if sealed["device"] is None else f"device:{sealed['device']}"
        aad = fields(FORMAT, "message", chat, sender, struct.pack(">Q", sealed["counter"]))
        padded = AESGCM(keys[sealed["key"]]).decrypt(
            unb64(sealed["iv"]), unb64(sealed["ciphertext"]), aad)
        out.append((message["from"], unpad(padded), sealed["key"]))
    return out


class Device:
    """Another device of the counselor (a second computer), with its own login and key pair."""

    def __init__(self, server, login, name):
        self.server = server
        self.token = server.login(login)
        self.private = ec.generate_private_key(ec.SECP256R1())
        self.public = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        status, body = server.call("POST", "/api/me/devices", self.token,
                                   {"name": name, "public_key": b64(self.public)})
        assert status == 201, (status, body)
        self.id = body["id"]

    def keys_of(self, chat):
        """The chat keys wrapped for this device, opened: {number: key}."""
        status, body = self.server.call(
            "GET", f"/api/conversations/{chat}/keys?device={self.id}", self.token)
        assert status == 200, (status, body)
        return {k["key"]: unwrap(self.private, self.public, chat, k["wrapped"])
                for k in body["keys"] if k["wrapped"]}

    def read(self, chat):
        keys = self.keys_of(chat)
        status, body = self.server.call("GET", f"/api/conversations/{chat}/messages", self.token)
        assert status == 200, (status, body)
        return open_all(keys, chat, body["messages"])
