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
        self.counter = 0

    def open_key(self):
        """The chat's newest key, as wrapped for this asker; None before an accept."""
        status, body = self.server.call("GET", "/api/asker/keys", self.token)
        assert status == 200, (status, body)
        if not body["keys"]:
            return None
        newest = body["keys"][-1]
        wrapped = unb64(newest["wrapped"])
        ephemeral, iv, sealed = wrapped[:65], wrapped[65:77], wrapped[77:]
        other = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ephemeral)
        shared = self.private.exchange(ec.ECDH(), other)
        info = fields(FORMAT, "wrap", self.chat)
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + self.public,
                   info=info).derive(shared)
        self.key = (newest["key"], AESGCM(key).decrypt(iv, sealed, info))
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
        """Every message of the chat as (from, text): opened here, never by the server."""
        status, body = self.server.call("GET", "/api/asker/messages", self.token)
        assert status == 200, (status, body)
        _, key = self.key
        out = []
        for message in body["messages"]:
            sealed = message["sealed"]
            sender = "asker" if sealed["device"] is None else f"device:{sealed['device']}"
            aad = fields(FORMAT, "message", self.chat, sender, struct.pack(">Q", sealed["counter"]))
            padded = AESGCM(key).decrypt(unb64(sealed["iv"]), unb64(sealed["ciphertext"]), aad)
            out.append((message["from"], unpad(padded)))
        return out
