"""Seeds a running Pforte server for the API fuzz run and keeps it seeded.

Logs in anna, opens her counselor socket and switches her on, lets one asker in and
accepts them (a running conversation), lets a second asker wait. Prints shell assignments
(COUNSELOR_TOKEN, ASKER_TOKEN, CONVERSATION_ID) on one line, then holds the socket open
until stdin closes, so the gate stays open while the fuzzer runs.
"""

import asyncio
import base64
import json
import os
import sys
import urllib.request

import websockets

BASE = sys.argv[1]


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request) as answer:
        text = answer.read()
        return json.loads(text) if text else None


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def key_bytes(length):
    """Bytes of a key's shape (the server checks shapes only): 0x04 first, like a point."""
    return b"\x04" + os.urandom(length - 1)


def entry(topic_id):
    return {"topic_id": topic_id, "consent": True, "public_key": b64(key_bytes(65))}


async def main():
    login = call("POST", "/api/auth/login", {"name": "anna", "password": "anna-demo-1"})
    token = login["token"]
    ws_url = BASE.replace("http://", "ws://") + "/api/counselor/ws"
    async with websockets.connect(ws_url, additional_headers={"authorization": f"Bearer {token}"}) as socket:
        await socket.recv()  # ready
        call("PUT", "/api/me/availability", {"on": True}, token)
        topic = next(t for t in call("GET", "/api/topics")["topics"] if t["slug"] == "suchtberatung")
        chatting = call("POST", "/api/waiting-room", entry(topic["id"]))
        device = call("POST", "/api/me/devices", {"name": "Fuzz", "public_key": b64(key_bytes(65))}, token)
        grant = {"keys": {"asker": b64(key_bytes(125)),
                          "devices": [{"device": device["id"], "wrapped": b64(key_bytes(125))}]}}
        call("POST", f"/api/requests/{chatting['request_id']}/accept", grant, token)
        call("POST", "/api/waiting-room", entry(topic["id"]))
        print(
            f"COUNSELOR_TOKEN={token} ASKER_TOKEN={chatting['token']} "
            f"CONVERSATION_ID={chatting['request_id']}",
            flush=True,
        )
        reader = asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        while not reader.done():
            try:
                await asyncio.wait_for(socket.recv(), timeout=0.5)
            except asyncio.TimeoutError:
                pass


asyncio.run(main())
