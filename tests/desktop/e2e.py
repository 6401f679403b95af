#!/usr/bin/python3
"""End-to-end tests of the Pforte desktop app: the real app binary against the real server.

Runs inside `xvfb-run` + `dbus-run-session` (see run.sh). It starts, on private buses and in a
temporary HOME:
  - a second D-Bus daemon standing in for the system bus (logind's signals are faked there),
  - gnome-keyring (Secret Service) unlocked with a throwaway password,
  - dunst (the notification daemon) and dbus-monitor capturing every Notify call,
  - trayer (an XEmbed tray) so the tray icon and its menu can be photographed,
  - pforte-server with a fresh data folder, seeded with its operator commands,
  - tauri-driver (WebDriver) which starts the app.
and drives the app as a person and a desktop would: WebDriver in the real dashboard (ui/dist,
bundled into the app: its login form, the availability switch, the request list, the settings),
the tray
menu's `com.canonical.dbusmenu.Event`, WM_DELETE_WINDOW, signals on D-Bus, HTTP from "other
devices" and askers. Prints one line per test and `desktop: N passed, N failed` at the end.

Environment: PFORTE_SERVER_BIN, PFORTE_DESKTOP_BIN (built binaries), SCREENSHOTS (folder).
"""

import base64
import datetime
import http.client
import json
import zoneinfo
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.request

import dbus
from Xlib import X, display, protocol

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SERVER_BIN = os.environ.get("PFORTE_SERVER_BIN", f"{ROOT}/target/debug/pforte-server")
APP_BIN = os.path.realpath(os.environ.get("PFORTE_DESKTOP_BIN", f"{ROOT}/target/debug/pforte-desktop"))
# The light tray, installed beside the app (the app starts it from there).
TRAY_BIN = os.path.join(os.path.dirname(APP_BIN), "pforte-tray")
SHOTS = os.environ.get("SCREENSHOTS", f"{ROOT}/tests/desktop/screenshots")
WORK = tempfile.mkdtemp(prefix="pforte-desktop-e2e-")
LOGS = os.environ.get("E2E_LOGS", WORK)

started = []  # processes we started, stopped at the end by their pid
results = []
figures = {}


def log(*args):
    print(*args, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name, argv, env=None, stdin=None):
    out = open(f"{LOGS}/{name}.log", "w")
    proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env or os.environ.copy(),
                            stdin=stdin, start_new_session=False)
    started.append(proc)
    return proc


def wait_for_or_none(check, within):
    """What `check` returns once it is truthy within `within` seconds, else None."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    return None


def wait_for(what, check, within=5.0, every=0.05):
    """Poll `check` until it returns something truthy; return (value, seconds taken)."""
    began = time.monotonic()
    last = None
    while time.monotonic() - began < within:
        try:
            last = check()
        except Exception as e:  # noqa: BLE001 - a poll may fail while things start
            last = e
        if last and not isinstance(last, Exception):
            return last, time.monotonic() - began
        time.sleep(every)
    raise AssertionError(f"{what}: not within {within}s (last: {last!r})")


# ------------------------------------------------------------------ HTTP

class Server:
    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        data = f"{WORK}/server-data"
        env = dict(os.environ, PFORTE_DATA_DIR=data, PFORTE_LOG="info")
        self.env = env
        for argv in (
            ["topic", "create", "--slug", "suchtberatung", "--name", "Suchtberatung", "--live-chat"],
            ["counselor", "create", "--name", "bernd", "--topics", "suchtberatung", "--password", "bernd-password"],
            ["counselor", "create", "--name", "anna", "--topics", "suchtberatung", "--password", "anna-password"],
            ["counselor", "create", "--name", "dora", "--topics", "suchtberatung", "--password", "dora-password"],
            ["counselor", "create", "--name", "olga", "--operator", "--password", "olga-password"],
        ):
            subprocess.run([SERVER_BIN, *argv], env=env, check=True, capture_output=True)
        self.runs = 0
        self.serve()

    def serve(self):
        self.runs += 1
        self.proc = start(f"server-{self.runs}", [SERVER_BIN, "serve", "--listen", f"127.0.0.1:{self.port}",
                                                  "--ui-dir", os.environ.get("PFORTE_UI_DIR", f"{WORK}/no-ui"),
                                                  "--grace", "10m",
                                                  "--asker-reconnect-window", "10m", "--max-wait", "1h",
                                                  "--login-per-minute", "1000", "--enter-per-minute", "1000"],
                          env=self.env)
        wait_for("server up", lambda: self.call("GET", "/api/health")[0] == 200, within=15, every=0.01)

    def restart(self):
        """SIGTERM (every socket closes with 1012 "service restart"), then the same server again."""
        self.proc.terminate()
        self.proc.wait(10)
        self.serve()

    def call(self, method, path, token=None, body=None, timeout=5):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def login(self, name):
        status, body = self.call("POST", "/api/auth/login", body={"name": name, "password": f"{name}-password"})
        assert status == 200, (status, body)
        return body["token"]

    def availability(self, token):
        status, body = self.call("GET", "/api/me", token)
        assert status == 200, (status, body)
        return body["availability"]

    def switch(self, token, on):
        status, body = self.call("PUT", "/api/me/availability", token, {"on": on})
        assert status == 200, (status, body)
        return body

    def enter(self, topic_id=1):
        # The asker page's key for the chat: a P-256 point's shape is all the server checks.
        key = base64.urlsafe_b64encode(b"\x04" + os.urandom(64)).rstrip(b"=").decode()
        return self.call("POST", "/api/waiting-room",
                         body={"topic_id": topic_id, "consent": True, "public_key": key})


class CounselorSocket:
    """A minimal WebSocket client (another device of a counselor): header auth, answers pings."""

    def __init__(self, server, token):
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /api/counselor/ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        self.sock.settimeout(None)
        self.alive = True
        threading.Thread(target=self._read, daemon=True).start()

    def _recv(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _send(self, opcode, payload=b""):
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)

    def _read(self):
        try:
            while self.alive:
                b1, b2 = self._recv(2)
                length = b2 & 0x7F
                if length == 126:
                    length = struct.unpack(">H", self._recv(2))[0]
                elif length == 127:
                    length = struct.unpack(">Q", self._recv(8))[0]
                payload = self._recv(length)
                if b1 & 0x0F == 0x9:
                    self._send(0xA, payload)
        except (EOFError, OSError):
            pass

    def close(self):
        self.alive = False
        try:
            self._send(0x8, struct.pack(">H", 1000))
            self.sock.close()
        except OSError:
            pass


# ------------------------------------------------------------------ WebDriver

class WebDriver:
    ELEMENT = "element-6066-11e4-a52e-4f735466cecf"

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.session = None

    def _call(self, method, path, body=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        for attempt in range(3):
            try:
                with urllib.request.urlopen(request, timeout=timeout) as response:
                    return json.loads(response.read() or b"null")["value"]
            except urllib.error.HTTPError as e:
                raise AssertionError(f"WebDriver {method} {path}: {e.code} {e.read()[:300]!r}") from None
            except (http.client.RemoteDisconnected, ConnectionResetError):
                # tauri-driver now and then reuses a connection to WebKitWebDriver that the
                # latter has closed, and answers nothing: the command never arrived. Again.
                if attempt == 2:
                    raise
                time.sleep(0.2)

    def open(self, application, args=()):
        value = self._call("POST", "/session", {"capabilities": {"alwaysMatch": {
            "browserName": "wry", "tauri:options": {"application": application, "args": list(args)}}}},
            timeout=60)
        self.session = value["sessionId"]

    def find(self, css):
        value = self._call("POST", f"/session/{self.session}/element", {"using": "css selector", "value": css})
        if not isinstance(value, dict) or self.ELEMENT not in value:
            raise AssertionError(f"no element {css}: {value!r}")
        return value[self.ELEMENT]

    def text(self, css):
        return self._call("GET", f"/session/{self.session}/element/{self.find(css)}/text")

    def click(self, css):
        self._call("POST", f"/session/{self.session}/element/{self.find(css)}/click", {})

    def type(self, css, text):
        """Clear a field and type into it as a person would (key events)."""
        element = self.find(css)
        self._call("POST", f"/session/{self.session}/element/{element}/clear", {})
        self._call("POST", f"/session/{self.session}/element/{element}/value", {"text": text})

    def value(self, css):
        return self._call("GET", f"/session/{self.session}/element/{self.find(css)}/property/value")

    def attribute(self, css, name):
        return self._call("GET", f"/session/{self.session}/element/{self.find(css)}/attribute/{name}")

    def exists(self, css):
        return bool(self.script("return document.querySelector(arguments[0]) !== null", css))

    def button(self, label):
        """The visible button whose text is `label` (as a person finds it)."""
        value = self.script("return [...document.querySelectorAll('button')].find(b => "
                            "b.textContent.trim() === arguments[0] && b.getClientRects().length > 0) ?? null",
                            label)
        if not isinstance(value, dict) or self.ELEMENT not in value:
            raise AssertionError(f"no button {label!r}")
        return value[self.ELEMENT]

    def click_button(self, label):
        self._call("POST", f"/session/{self.session}/element/{self.button(label)}/click", {})

    def has_button(self, label):
        try:
            self.button(label)
            return True
        except AssertionError:
            return False

    def follow_window(self):
        """Drive the app's window again after it was built anew."""
        handles = wait_for("a window to drive", lambda: self._call("GET", f"/session/{self.session}/window/handles"),
                           within=10)[0]
        self._call("POST", f"/session/{self.session}/window", {"handle": handles[-1]})

    def script(self, source, *args):
        return self._call("POST", f"/session/{self.session}/execute/sync", {"script": source, "args": list(args)})

    def invoke(self, command, args=None):
        """Call a Tauri command from the page, as the dashboard does."""
        return self._call("POST", f"/session/{self.session}/execute/async", {
            "script": "const done = arguments[arguments.length - 1];"
                      "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1])"
                      ".then(v => done({ok: v}), e => done({err: String(e)}));",
            "args": [command, args or {}]})

    def close(self):
        if self.session:
            try:
                self._call("DELETE", f"/session/{self.session}", timeout=10)
            except Exception:  # noqa: BLE001 - the app may be gone already
                pass
            self.session = None


# ------------------------------------------------------------------ the app on D-Bus and X

def pids_of(binary):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.path.realpath(f"/proc/{entry}/exe") == binary:
                    pids.append(int(entry))
            except OSError:
                pass
    return pids


def app_pids():
    return pids_of(APP_BIN)


def tray_pids():
    """The light tray's processes (pforte-tray)."""
    return pids_of(TRAY_BIN)


def process_tree(pid):
    """pid and all its descendants."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, IndexError, ValueError):
                pass
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(children.get(p, []))
    return tree


class Tray:
    """The app's StatusNotifierItem menu (com.canonical.dbusmenu), as a desktop sees it."""

    def __init__(self, pid):
        self.bus = dbus.SessionBus()
        names = self.bus.list_names()
        bus_daemon = self.bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus")
        for name in names:
            if not name.startswith(":"):
                continue
            try:
                owner = bus_daemon.GetConnectionUnixProcessID(name, dbus_interface="org.freedesktop.DBus")
            except dbus.DBusException:
                continue
            if owner != pid:
                continue
            try:
                # Some of the app's connections (zbus ones) answer no calls at all.
                xml = self.bus.get_object(name, "/org/ayatana/NotificationItem", introspect=False).Introspect(
                    dbus_interface="org.freedesktop.DBus.Introspectable", timeout=0.5)
            except dbus.DBusException:
                xml = ""
            nodes = re.findall(r'<node name="([^"]+)"', xml)
            if nodes:
                self.name = str(name)
                self.item_path = f"/org/ayatana/NotificationItem/{nodes[0]}"
                self.path = f"{self.item_path}/Menu"
                return
            try:
                # The light tray (ksni): the item at /StatusNotifierItem names its menu.
                menu = self.bus.get_object(name, "/StatusNotifierItem", introspect=False).Get(
                    "org.kde.StatusNotifierItem", "Menu", dbus_interface="org.freedesktop.DBus.Properties",
                    timeout=0.5)
            except dbus.DBusException:
                continue
            self.name = str(name)
            self.item_path = "/StatusNotifierItem"
            self.path = str(menu)
            return
        raise AssertionError("the app exports no tray item")

    def prop(self, name):
        item = self.bus.get_object(self.name, self.item_path, introspect=False)
        return item.Get("org.kde.StatusNotifierItem", name, dbus_interface="org.freedesktop.DBus.Properties",
                        timeout=2)

    def items(self):
        menu = self.bus.get_object(self.name, self.path)
        _, layout = menu.GetLayout(0, -1, [], dbus_interface="com.canonical.dbusmenu", timeout=2)
        found = {}
        for child in layout[2]:
            item_id, props = int(child[0]), child[1]
            label = str(props.get("label", "")).replace("_", "")
            found[label] = {"id": item_id, "toggle": int(props.get("toggle-state", -1)),
                            "enabled": bool(props.get("enabled", True)), "label": label}
        return found

    def item(self, starts):
        items = self.items()
        if starts in items:
            return items[starts]
        for label, item in items.items():
            if label.startswith(starts):
                return item
        raise AssertionError(f"no tray item {starts!r} in {list(self.items())}")

    def ticked(self):
        return self.item("Live-Chat verfügbar")["toggle"] == 1

    def status_line(self):
        return [label for label, item in self.items().items() if not item["enabled"] and "·" in label][0]

    def click(self, starts):
        item = self.item(starts)
        subprocess.run(["dbus-send", "--session", "--type=method_call", f"--dest={self.name}", self.path,
                        "com.canonical.dbusmenu.Event", f"int32:{item['id']}", "string:clicked",
                        "variant:int32:0", "uint32:0"], check=True)


def x_window(pid):
    """The app's top-level X window (by _NET_WM_PID)."""
    d = display.Display()
    pid_atom = d.intern_atom("_NET_WM_PID")
    for window in d.screen().root.query_tree().children:
        try:
            prop = window.get_full_property(pid_atom, X.AnyPropertyType)
        except Exception:  # noqa: BLE001 - windows come and go
            continue
        if prop and prop.value[0] == pid and window.get_wm_name() == "Pforte":
            return d, window
    return None


def window_mapped(pid):
    found = x_window(pid)
    if not found:
        return False
    d, window = found
    return window.get_attributes().map_state == X.IsViewable


def close_window_like_a_window_manager(pid):
    """One WM_DELETE_WINDOW, as a window manager sends it.

    The round trip (`sync`) before the connection goes matters: the X server (xserver 21,
    `ClientReady`) drops the unread requests of a client whose socket already hung up, so a
    client that sends and disconnects at once loses its close now and then — the app never
    receives it (shown with strace on the app's X socket). A window manager keeps its
    connection; a short-lived client must wait for the server to have read its request.
    """
    d, window = x_window(pid)
    protocols = d.intern_atom("WM_PROTOCOLS")
    delete = d.intern_atom("WM_DELETE_WINDOW")
    event = protocol.event.ClientMessage(window=window, client_type=protocols,
                                         data=(32, [delete, X.CurrentTime, 0, 0, 0]))
    window.send_event(event, event_mask=X.NoEventMask)
    d.sync()
    d.close()


CLOSE_ONCE = """
import sys
from Xlib import X, display, protocol
pid = int(sys.argv[1])
d = display.Display()
pid_atom = d.intern_atom("_NET_WM_PID")
for w in d.screen().root.query_tree().children:
    prop = w.get_full_property(pid_atom, X.AnyPropertyType)
    if prop and prop.value[0] == pid and w.get_wm_name() == "Pforte":
        ev = protocol.event.ClientMessage(window=w, client_type=d.intern_atom("WM_PROTOCOLS"),
                                          data=(32, [d.intern_atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]))
        w.send_event(ev, event_mask=X.NoEventMask)
        d.sync()
        sys.exit(0)
sys.exit(1)
"""


def close_from_a_short_lived_client(pid):
    """A separate X client that sends one WM_DELETE_WINDOW and exits at once."""
    subprocess.run(["/usr/bin/python3", "-c", CLOSE_ONCE, str(pid)], check=True, timeout=10)


LAUNCHER = """#!/bin/sh
# What the light tray runs to open the window (PFORTE_TRAY_OPENS_WITH), with its arguments.
if [ -e {work}/open-directly ]; then exec {app} "$@"; fi
# Under WebDriver: the test starts {app} with these arguments itself; stay as the tray's child
# meanwhile, as the window process would.
printf '%s\\n' "$*" > {work}/open-window.args.tmp && mv {work}/open-window.args.tmp {work}/open-window.args
exec sleep 30
"""


def alive(pid):
    """Whether the process runs (a zombie waiting for its reaper does not)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def pss_mib(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                total += int(re.search(r"^Pss:\s+(\d+)", f.read(), re.M).group(1))
        except (OSError, AttributeError):
            pass
    return round(total / 1024, 1)


class Sampler:
    """Polls `check` every 20 ms in a thread and keeps every answer, until stopped."""

    def __init__(self, check):
        self.values, self.running = [], True
        self.thread = threading.Thread(target=self._run, args=(check,), daemon=True)
        self.thread.start()

    def _run(self, check):
        while self.running:
            try:
                self.values.append(check())
            except Exception as e:  # noqa: BLE001 - a sample may fail; keep it
                self.values.append(e)
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.thread.join(5)
        return self.values


def web_processes(pid):
    """WebKit's web processes of the app (the renderer of the dashboard)."""
    found = []
    for p in process_tree(pid):
        try:
            if os.path.basename(os.path.realpath(f"/proc/{p}/exe")) == "WebKitWebProcess":
                found.append(p)
        except OSError:
            pass
    return found


def urgent(pid):
    """Whether the app's window carries the X11 urgency hint (WM_HINTS flag XUrgencyHint)."""
    found = x_window(pid)
    if not found:
        return False
    d, window = found
    hints = window.get_wm_hints()
    return bool(hints and hints.flags & (1 << 8))


class Bystander:
    """Another X client's window that takes the keyboard focus away from the app."""

    def __init__(self):
        self.d = display.Display()
        screen = self.d.screen()
        self.window = screen.root.create_window(0, 0, 200, 100, 0, screen.root_depth,
                                                background_pixel=screen.white_pixel)
        self.window.set_wm_name("bystander")
        self.window.map()
        self.d.sync()

    def take_focus(self):
        self.window.set_input_focus(X.RevertToParent, X.CurrentTime)
        self.d.sync()

    def close(self):
        self.window.destroy()
        self.d.close()


def stored_session():
    """The session the app keeps in the Secret Service (gnome-keyring), as any app may read it."""
    bus = dbus.SessionBus()
    secrets = dbus.Interface(bus.get_object("org.freedesktop.secrets", "/org/freedesktop/secrets"),
                             "org.freedesktop.Secret.Service")
    _, session = secrets.OpenSession("plain", dbus.String("", variant_level=1))
    unlocked, _locked = secrets.SearchItems({"service": "org.pforte.desktop", "username": "session"})
    for path in unlocked:
        item = dbus.Interface(bus.get_object("org.freedesktop.secrets", path), "org.freedesktop.Secret.Item")
        secret = item.GetSecret(session)
        return json.loads(bytes(secret[2]).decode())
    return None


def notify_hint(call, name):
    """The value of a hint in a captured Notify call (dbus-monitor's text)."""
    match = re.search(r'string "' + re.escape(name) + r'"\s+variant\s+(\w+)\s+("?[^)\n]*"?)', call)
    return (match.group(1), match.group(2).strip('"')) if match else None


def dialog_window(title):
    """The mapped top-level X window with this title (the shell's native dialog), if any."""
    d = display.Display()
    for window in d.screen().root.query_tree().children:
        try:
            if window.get_wm_name() == title and window.get_attributes().map_state == X.IsViewable:
                return window.id
        except Exception:  # noqa: BLE001 - windows come and go
            continue
    return None


def answer_dialog(window_id, label):
    """Press a button of the shell's question by its mnemonic, as a keyboard user would."""
    subprocess.run(["xdotool", "windowfocus", "--sync", str(window_id)], check=True)
    time.sleep(0.2)
    # A dialog of its own process can be gone before xdotool has released the keys (it then
    # reports BadWindow): whether the answer counted is for the caller to check.
    subprocess.run(["xdotool", "key", "--window", str(window_id), DIALOG_KEYS[label]], capture_output=True)


def click_dialog_button(window_id, label):
    """Click a button of the question with the mouse: "Verfügbar bleiben" is the left one, the
    other the right one (the dialog's two buttons share its bottom row)."""
    d = display.Display()
    geometry = d.create_resource_object("window", window_id).get_geometry()
    d.close()
    x = geometry.width // 4 if label == "Verfügbar bleiben" else geometry.width * 3 // 4
    subprocess.run(["xdotool", "mousemove", "--window", str(window_id), str(x), str(geometry.height - 16),
                    "click", "1"], capture_output=True)


DIALOG_KEYS = {"Trotzdem ausschalten": "alt+t", "Trotzdem abmelden": "alt+t", "Verfügbar bleiben": "alt+v"}


def focus_window(pid):
    """Give the app's window the keyboard focus, as a window manager does on a click."""
    d, window = x_window(pid)
    window.set_input_focus(X.RevertToParent, X.CurrentTime)
    d.sync()


def screenshot(name):
    os.makedirs(SHOTS, exist_ok=True)
    path = f"{SHOTS}/{name}.png"
    subprocess.run(["import", "-window", "root", path], check=True, capture_output=True)
    log(f"  screenshot {os.path.relpath(path, ROOT)}")
    return path


class Notifications:
    """Every org.freedesktop.Notifications.Notify call on the session bus (dbus-monitor)."""

    def __init__(self):
        start("dbus-monitor", ["dbus-monitor", "--session",
                               "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
                               "type='method_call',interface='org.freedesktop.Notifications',"
                               "member='CloseNotification'"])
        self.path = f"{LOGS}/dbus-monitor.log"

    def calls(self):
        with open(self.path) as f:
            text = f.read()
        return [block for block in text.split("method call")[1:] if "member=Notify" in block]

    def count(self):
        return len(self.calls())

    def closes(self):
        """How many CloseNotification calls were made (notifications taken away)."""
        with open(self.path) as f:
            return f.read().count("member=CloseNotification")


# ------------------------------------------------------------------ the tests

def test(name):
    """Run the decorated function at once as a test named `name`; record and report it."""
    def run(fn):
        began = time.monotonic()
        try:
            fn()
            results.append((name, True))
            log(f"ok   {name} ({time.monotonic() - began:.1f}s)")
        except Exception as e:  # noqa: BLE001 - report and go on
            results.append((name, False))
            log(f"FAIL {name}: {e}")
            traceback.print_exc(file=sys.stdout)
        return fn
    return run


def main():
    os.makedirs(SHOTS, exist_ok=True)
    log(f"work folder {WORK}")

    # A private "system" bus for logind's signals.
    system_bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1",
                                   f"--address=unix:path={WORK}/system_bus_socket"],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    started.append(system_bus)
    system_address = system_bus.stdout.readline().strip()
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = system_address

    # Secret Service: gnome-keyring with a throwaway login keyring in the temporary HOME.
    keyring = subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets", "--daemonize"],
                             input="throwaway-e2e-password", capture_output=True, text=True)
    for line in keyring.stdout.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            os.environ[key] = value

    start("trayer", ["trayer", "--edge", "top", "--align", "right", "--widthtype", "request",
                     "--heighttype", "pixel", "--height", "32", "--transparent", "false", "--tint", "0x333333"])
    start("dunst", ["dunst"])
    notifications = Notifications()

    server = Server()
    other_device = server.login("bernd")
    anna = server.login("anna")
    # No session and no server address given: the app starts at its login form.
    for key in ("PFORTE_DESKTOP_SERVER", "PFORTE_DESKTOP_TOKEN"):
        os.environ.pop(key, None)
    os.environ["PFORTE_DESKTOP_LOG"] = "info,pforte_desktop=debug,pforte_shell=debug"
    # The light tray opens the window through this stand-in (see LAUNCHER): the tests start
    # the window process under WebDriver with the arguments the tray gave, or let it run.
    launcher = f"{WORK}/open-window"
    with open(launcher, "w") as f:
        f.write(LAUNCHER.format(work=WORK, app=APP_BIN))
    os.chmod(launcher, 0o755)
    os.environ["PFORTE_TRAY_OPENS_WITH"] = launcher

    driver_port = free_port()
    start("tauri-driver", ["tauri-driver", "--port", str(driver_port), "--native-port", str(free_port()),
                           "--native-driver", "/usr/bin/WebKitWebDriver"])
    wd = WebDriver(driver_port)
    wait_for("tauri-driver up", lambda: urllib.request.urlopen(f"{wd.base}/status", timeout=1).status == 200,
             within=10)

    launched = time.monotonic()
    wd.open(APP_BIN)
    pid = wait_for("app process", lambda: app_pids() and app_pids()[0])[0]
    tray = wait_for("tray exported", lambda: Tray(pid), within=10)[0]
    wait_for("login form", lambda: wd.exists("#login-server"), within=10)
    figures["start to login form under WebDriver (s)"] = round(time.monotonic() - launched, 2)
    waiting_askers = []
    session = {}

    def app_token():
        """The token the dashboard logged in with, as the shell keeps it in the secret store
        (the webview never sees it)."""
        return stored_session()["token"]

    def pill():
        return wd.text("header .pill")

    def log_in(name, password):
        wd.type("#login-server", server.base)
        wd.type("#login-name", name)
        wd.type("#login-password", password)
        wd.click("form button[type=submit]")
        wait_for("dashboard", lambda: wd.exists("h1[data-view-heading]") and
                 wd.text("h1[data-view-heading]") == "Live-Chat Anfragen", within=10)
        wait_for("dashboard connected", lambda: wd.text("header p.status").endswith("verbunden"), within=10)

    @test("the app starts at the login form, which asks for the server address")
    def _():
        assert wd.script("return document.title") == "Pforte – Live-Chat"
        assert wd.value("#login-server") == "", "no default address (the page is tauri://localhost)"
        assert wd.script("return location.protocol") == "tauri:"
        assert not tray.item("Live-Chat verfügbar")["enabled"]
        assert tray.item("Nicht angemeldet")
        time.sleep(1.5)  # WebKit paints late under Xvfb
        screenshot("00-login")

    @test("a plain http address of another machine is refused before anything is sent")
    def _():
        wd.type("#login-server", "http://beratung.example.org")
        wd.type("#login-name", "bernd")
        wd.type("#login-password", "bernd-password")
        wd.click("form button[type=submit]")
        wait_for("field error", lambda: "https://" in wd.text("#login-server-error"), within=2)

    @test("logging in through the dashboard's form: availability stays off, the login is in the secret store")
    def _():
        log_in("bernd", "bernd-password")
        stored = wd.invoke("session_get")["ok"]
        assert stored["stored_in"] == "secret_store", stored
        assert stored["server"].rstrip("/") == server.base
        assert "token" not in stored, "the webview never gets the token"
        session["token"] = app_token()
        assert server.availability(session["token"]) is not None
        wait_for("the shell connected too", lambda: wd.invoke("shell_status")["ok"]["connected"], within=5)
        wait_for("tray logged in", lambda: tray.item("Live-Chat verfügbar")["enabled"], within=2)
        assert not server.availability(other_device)["switched_on"]
        assert not tray.ticked()
        assert pill() == "Nicht verfügbar"
        assert wd.has_button("Verfügbarkeit aktivieren")

    def desktop_devices():
        status, body = server.call("GET", "/api/me/devices", other_device)
        assert status == 200, (status, body)
        return [d for d in body["devices"] if d["name"] == "Pforte-Desktop-App"]

    @test("the app makes its own key pair (WebCrypto, IndexedDB in WebKitGTK) and adds it under Meine Geräte")
    def _():
        devices, _ = wait_for("the app's device on the server", desktop_devices, within=5)
        assert len(devices) == 1, devices
        key = base64.urlsafe_b64decode(devices[0]["public_key"] + "=" * (-len(devices[0]["public_key"]) % 4))
        assert len(key) == 65 and key[0] == 4, "an uncompressed P-256 point"
        session["device"] = devices[0]["id"]
        assert "keine Schlüssel" not in wd.text("main"), "no notice that keys cannot be kept"
        # The private key lives in the OS secret store (the same keyring as the login), not
        # in the webview's storage.
        # (kept right after the server answered the device's addition)
        account = f"{server.base.rstrip('/')}|bernd"
        stored, _ = wait_for("the key record in the secret store",
                             lambda: wd.invoke("device_key_get", {"account": account}).get("ok"), within=3)
        record = json.loads(stored)
        assert record["deviceId"] == session["device"], record
        assert record["jwk"]["kty"] == "EC" and record["jwk"]["d"], "a private key"
        in_webview = wd._call("POST", f"/session/{wd.session}/execute/async", {
            "script": "const done = arguments[arguments.length - 1];"
                      "const open = indexedDB.open('pforte-e2e');"
                      "open.onupgradeneeded = () => {};"
                      "open.onsuccess = () => { const db = open.result;"
                      "  if (!db.objectStoreNames.contains('devices')) { done(0); return; }"
                      "  const count = db.transaction('devices').objectStore('devices').count();"
                      "  count.onsuccess = () => done(count.result); };"
                      "open.onerror = () => done(-1);",
            "args": []})
        assert in_webview == 0, f"the webview's IndexedDB holds {in_webview} device keys"

    @test("the dashboard's live connection runs through the shell; the webview reaches no other address")
    def _():
        assert wd.text("header p.status").endswith("verbunden")
        # A page that tried to open a socket or make a call elsewhere gets nothing.
        knock = socket.socket()
        knock.bind(("127.0.0.1", 0))
        knock.listen(4)
        knock.settimeout(0.5)
        elsewhere = f"127.0.0.1:{knock.getsockname()[1]}"
        tried = wd.invoke("plugin:websocket|connect", {"url": f"ws://{elsewhere}/", "config": {}})
        assert "err" in tried, tried
        tried = wd.invoke("api_request", {"method": "GET", "path": "/api/me", "server": f"http://{elsewhere}"})
        assert "err" in tried, tried
        try:
            knock.accept()
            raise AssertionError("the other address was contacted")
        except socket.timeout:
            pass
        finally:
            knock.close()
        stored = wd.invoke("session_get")["ok"]
        assert set(stored) == {"server", "stored_in"}, stored

    @test("switching on in the dashboard ticks the tray within a second")
    def _():
        began = time.monotonic()
        wd.click_button("Verfügbarkeit aktivieren")
        wait_for("server reports available", lambda: server.availability(other_device)["available"], 2)
        wait_for("tray ticked", tray.ticked, within=1)
        figures["dashboard switch → tray ticked (s)"] = round(time.monotonic() - began, 2)
        wait_for("dashboard shows it", lambda: pill() == "Verfügbar", within=1)
        time.sleep(1.0)  # let WebKit paint under Xvfb
        screenshot("01-window")

    @test("the tray menu switches off, the server and the dashboard follow")
    def _():
        time.sleep(0.8)  # the tray's double-click guard
        tray.click("Live-Chat verfügbar")
        _, took = wait_for("server reports unavailable",
                           lambda: not server.availability(other_device)["switched_on"], within=1)
        _, shown = wait_for("dashboard shows it", lambda: pill() == "Nicht verfügbar", within=1)
        assert wd.has_button("Verfügbarkeit aktivieren")
        assert not tray.ticked()
        figures["tray click → server off (s)"] = round(took, 2)
        figures["tray click → dashboard shows off (s)"] = round(took + shown, 2)

    @test("a double click on the tray item switches once")
    def _():
        time.sleep(0.8)
        tray.click("Live-Chat verfügbar")
        tray.click("Live-Chat verfügbar")
        wait_for("on", lambda: server.availability(other_device)["available"], within=2)
        time.sleep(0.5)
        assert server.availability(other_device)["available"], "the second click of a double click switched off"
        wait_for("tray ticked", tray.ticked, within=1)
        wait_for("dashboard shows it", lambda: pill() == "Verfügbar", within=1)

    @test("a switch on another device shows in the tray and the dashboard within a second")
    def _():
        server.switch(other_device, False)
        _, off = wait_for("tray unticked", lambda: not tray.ticked(), within=1)
        wait_for("dashboard off", lambda: pill() == "Nicht verfügbar", within=1)
        server.switch(other_device, True)
        _, on = wait_for("tray ticked", tray.ticked, within=1)
        wait_for("dashboard on", lambda: pill() == "Verfügbar", within=1)
        figures["other device switch → tray (s, worst of two)"] = round(max(off, on), 2)

    @test("a new request is notified on D-Bus with its topic and time, and appears in the dashboard")
    def _():
        before = notifications.count()
        status, body = server.enter()
        assert status == 201, (status, body)
        waiting_askers.append(body)
        wait_for("Notify call", lambda: notifications.count() > before, within=3)
        call = notifications.calls()[-1]
        assert "Neue Live-Chat-Anfrage" in call and "Suchtberatung" in call, call
        assert re.search(r"Suchtberatung · \d\d:\d\d", call), call
        assert body["pseudonym"] not in call, "the pseudonym must not show on a lock screen"
        assert notify_hint(call, "sound-name") == ("string", "message-new-instant"), call
        # A waiting human: the notification stays until acted on.
        assert notify_hint(call, "resident") == ("boolean", "true"), call
        assert notify_hint(call, "urgency") == ("byte", "2"), call
        assert re.search(r"int32 0\s*$", call.strip()), "no expiry: " + call[-80:]
        wait_for("request listed", lambda: wd.exists(f'[data-request="{body["request_id"]}"]'), within=2)
        assert body["pseudonym"] in wd.text(f'[data-request="{body["request_id"]}"]')
        time.sleep(0.7)
        screenshot("02-notification")

    @test("the tray counts the waiting request and says how long it has waited")
    def _():
        line = wait_for("status line", lambda: "1 Anfrage wartet" in tray.status_line() and tray.status_line(),
                        within=2)[0]
        assert line.startswith("Live-Chat verfügbar"), line
        assert line.endswith("seit weniger als 1 Min."), line

    @test("clicking the notification brings the window up on that request in Live-Chat Anfragen")
    def _():
        # Somewhere else in the dashboard first, so the click has to bring the request up.
        wd.script("location.hash = '#/profil/aktivitaeten'")
        wait_for("profile", lambda: wd.text("h1[data-view-heading]") == "Meine Aktivitäten", within=2)
        subprocess.run(["dunstctl", "action", "0"], check=True, capture_output=True)
        request_id = waiting_askers[-1]["request_id"]
        marked = f'[data-request="{request_id}"][data-highlighted="true"]'
        wait_for("request highlighted", lambda: wd.exists(marked), within=3)
        assert wd.text("h1[data-view-heading]") == "Live-Chat Anfragen"
        assert "aus ihrer benachrichtigung" in wd.text(marked).lower()
        assert wd.script("return document.activeElement.dataset.request") == request_id
        assert window_mapped(pid)
        time.sleep(0.5)
        screenshot("03-request-from-notification")

    @test("while a request waits and the window is not focused, the window asks for attention (urgency hint)")
    def _():
        bystander = Bystander()
        try:
            assert not urgent(pid)
            bystander.take_focus()
            _, took = wait_for("urgency hint", lambda: urgent(pid), within=2)
            figures["window unfocused → urgency hint (s)"] = round(took, 2)
            # Back in the window: seen, no more asking.
            focus_window(pid)
            wait_for("urgency hint cleared", lambda: not urgent(pid), within=2)
        finally:
            bystander.close()

    @test("switching off in the tray as the last one while an asker waits asks in a dialog and obeys it")
    def _():
        # Bernd alone covers Suchtberatung; the asker of the earlier test waits.
        wait_for("the server says bernd is the last one",
                 lambda: server.availability(other_device)["last_for"][0]["waiting"] >= 1, within=2)
        time.sleep(0.8)  # the tray's double-click guard
        tray.click("Live-Chat verfügbar")
        dialog = wait_for("dialog", lambda: dialog_window("Wirklich ausschalten?"), within=3)[0]
        time.sleep(0.7)  # GTK paints late under Xvfb
        screenshot("08-last-one-dialog")
        assert server.availability(other_device)["switched_on"], "nothing switched before the answer"
        wait_for("tray still ticked", tray.ticked, within=1)
        answer_dialog(dialog, "Verfügbar bleiben")
        wait_for("dialog gone", lambda: not dialog_window("Wirklich ausschalten?"), within=3)
        time.sleep(0.5)
        assert server.availability(other_device)["switched_on"], "'Verfügbar bleiben' switched off"
        time.sleep(0.8)
        tray.click("Live-Chat verfügbar")
        dialog = wait_for("dialog again", lambda: dialog_window("Wirklich ausschalten?"), within=3)[0]
        answer_dialog(dialog, "Trotzdem ausschalten")
        wait_for("switched off", lambda: not server.availability(other_device)["switched_on"], within=2)
        wait_for("tray unticked", lambda: not tray.ticked(), within=1)
        server.switch(other_device, True)
        wait_for("tray ticked", tray.ticked, within=1)

    @test("a server restart (close 1012) is followed by a reconnect within a second and no availability change")
    def _():
        assert server.availability(other_device)["available"]
        ticks = []
        watching = threading.Event()

        def watch_tray():
            while not watching.is_set():
                try:
                    ticks.append(tray.ticked())
                except Exception:  # noqa: BLE001 - the bus is busy now and then
                    pass
                time.sleep(0.05)

        watcher = threading.Thread(target=watch_tray, daemon=True)
        watcher.start()
        server.restart()
        back = time.monotonic()
        _, took = wait_for("the app's socket is back", lambda: server.availability(other_device)["online"],
                           within=1, every=0.01)
        figures["server back → the app reconnected (s)"] = round(took, 2)
        availability = server.availability(other_device)
        assert availability["switched_on"] and availability["available"], availability
        time.sleep(1.0)
        watching.set()
        watcher.join(2)
        assert ticks and all(ticks), "the tray showed the switch off during the restart"
        assert server.availability(other_device)["available"]
        assert time.monotonic() - back < 10

    @test("while unavailable no request is notified")
    def _():
        colleague = CounselorSocket(server, anna)
        try:
            server.switch(anna, True)
            time.sleep(0.8)
            tray.click("Live-Chat verfügbar")
            # If an asker of an earlier test still waits, the tray asks first (the last one).
            asked = wait_for_or_none(lambda: dialog_window("Wirklich ausschalten?"), within=1.5)
            if asked:
                print("  (the tray asked first: an earlier asker still waits)")
                answer_dialog(asked, "Trotzdem ausschalten")
            wait_for("off", lambda: not server.availability(other_device)["switched_on"], within=2)
            before = notifications.count()
            status, body = server.enter()
            assert status == 201, (status, body)  # the gate is open: anna is there
            time.sleep(2.0)
            assert notifications.count() == before, notifications.calls()[-1]
        finally:
            server.switch(anna, False)
            colleague.close()

    @test("a covered shift beginning while unavailable is a native notification whose action switches on")
    def _():
        # The covered slot: the next whole minute at least 15 s ahead, in the server's time zone
        # (Europe/Berlin, the default), ten minutes long; the server's tick decides the reminder.
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
        start_at = datetime.datetime.now(berlin) + datetime.timedelta(seconds=15)
        start_at = (start_at + datetime.timedelta(minutes=1)).replace(second=0, microsecond=0)
        end_at = start_at + datetime.timedelta(minutes=10)
        end = "24:00" if end_at.date() != start_at.date() else end_at.strftime("%H:%M")
        subprocess.run([SERVER_BIN, "topic", "hours", "suchtberatung", "--slot",
                        f"Mo-So {start_at.strftime('%H:%M')}-{end}"],
                       env=server.env, check=True, capture_output=True)
        day = start_at.strftime("%A").lower()
        shifts = {"topics": [{"topic_id": 1, "slots": [{"day": day, "start": start_at.strftime("%H:%M")}]}],
                  "auto_switch_off": False}
        # The running server takes the operator's change from the log within about a second;
        # until then the slot is unknown to it.
        def cover():
            answer = server.call("PUT", "/api/me/shifts", other_device, shifts)
            return answer if answer[0] != 422 else None
        status, body = wait_for("the covered slot accepted", cover, within=5, every=0.2)[0]
        assert status == 200, (status, body)
        assert not server.availability(other_device)["switched_on"]
        # Only the reminder on screen, so that `dunstctl action 0` is its action.
        subprocess.run(["dunstctl", "close-all"], check=True, capture_output=True)
        before = notifications.count()
        wait = (start_at - datetime.datetime.now(berlin)).total_seconds() + 15
        wait_for("the shift reminder on D-Bus",
                 lambda: any("Ihre Chatzeit beginnt" in c for c in notifications.calls()[before:]),
                 within=wait, every=0.2)
        call = [c for c in notifications.calls()[before:] if "Ihre Chatzeit beginnt" in c][-1]
        assert "Suchtberatung" in call, call
        assert "Jetzt verfügbar schalten" in call, "the action that switches on: " + call
        time.sleep(0.5)
        screenshot("05-shift-reminder")
        try:
            subprocess.run(["dunstctl", "action", "0"], check=True, capture_output=True)
            wait_for("switched on by the notification's action",
                     lambda: server.availability(other_device)["switched_on"], within=3)
            wait_for("the tray ticked", lambda: tray.ticked(), within=2)
        finally:
            server.switch(other_device, False)
            wait_for("off again", lambda: not tray.ticked(), within=2)
            # Switching on notified the askers still waiting from earlier tests; their
            # notifications stay until acted on. The next tests click their own: clear the screen.
            time.sleep(0.5)
            subprocess.run(["dunstctl", "close-all"], check=True, capture_output=True)
            subprocess.run([SERVER_BIN, "topic", "hours", "suchtberatung", "--clear"],
                           env=server.env, check=True, capture_output=True)

    @test("the desktop settings: start at login, reminder interval and sound reach the shell")
    def _():
        wd.script("location.hash = '#/profil/aktivitaeten'")
        wait_for("desktop settings", lambda: wd.exists("#autostart") and
                 wd.attribute("#autostart", "disabled") is None, within=3)
        assert wd.text("#desktop-title") == "Desktop-App"
        autostart_file = os.path.join(os.environ["XDG_CONFIG_HOME"], "autostart", "Pforte.desktop")
        assert not wd.script("return document.getElementById('autostart').checked"), "off by default"
        assert not os.path.exists(autostart_file)
        wd.click("#autostart")
        wait_for("autostart entry", lambda: os.path.exists(autostart_file), within=3)
        assert "--hidden" in open(autostart_file).read()
        assert wd.invoke("autostart_get") == {"ok": True}
        wd.script("const s = document.getElementById('reminder'); s.value = '5';"
                  "s.dispatchEvent(new Event('change', {bubbles: true}))")
        wait_for("reminder set", lambda: wd.invoke("reminder_get") == {"ok": 300}, within=3)
        wd.script("const s = document.getElementById('sound-name'); s.value = 'bell';"
                  "s.dispatchEvent(new Event('change', {bubbles: true}))")
        wait_for("sound chosen", lambda: wd.invoke("alerts_get")["ok"]["sound_name"] == "bell", within=3)
        wd.click("#stay")
        wait_for("notifications fade", lambda: wd.invoke("alerts_get")["ok"]["stay"] is False, within=3)
        wd.click("#sound-on")
        wait_for("sound off in the shell", lambda: wd.invoke("sound_get") == {"ok": False}, within=3)
        wd.script("document.getElementById('settings-title').scrollIntoView()")
        time.sleep(0.7)
        screenshot("05-settings")
        wd.click("#sound-on")
        wait_for("sound on again", lambda: wd.invoke("sound_get") == {"ok": True}, within=3)
        wd.click("#stay")
        wait_for("notifications stay again", lambda: wd.invoke("alerts_get")["ok"]["stay"] is True, within=3)
        wd.script("const s = document.getElementById('sound-name'); s.value = 'message-new-instant';"
                  "s.dispatchEvent(new Event('change', {bubbles: true}))")
        wait_for("defaults again", lambda: wd.invoke("alerts_get")["ok"]["sound_name"] == "message-new-instant"
                 and wd.invoke("alerts_get")["ok"]["stay"] is True, within=3)
        wd.click("#autostart")
        wait_for("autostart entry removed", lambda: not os.path.exists(autostart_file), within=3)

    @test("Download Excel Datei saves the server's workbook into the download folder")
    def _():
        wd.click_button("Download Excel Datei")
        line = wait_for("saved", lambda: wd.exists("#statistics-saved") and wd.text("#statistics-saved"), within=5)[0]
        path = line.split("Gespeichert unter ", 1)[1].strip()
        assert path.startswith(os.path.join(os.environ["HOME"], "Downloads")), path
        with open(path, "rb") as f:
            assert f.read(2) == b"PK", "an .xlsx (zip) file"
        wd.script("location.hash = '#/erstanfragen/live-chat'")

    @test("a whole end-to-end encrypted chat in the app: the texts open on the other side, a computer joining gets the key, a removed one reads nothing new")
    def _():
        import hashlib
        from asker import Asker, fields, FORMAT
        server.switch(other_device, True)
        wait_for("available", lambda: server.availability(other_device)["available"], within=3)
        asker = Asker(server)
        status, state = server.call("GET", "/api/asker", asker.token)
        pseudonym = state["pseudonym"]
        wd.script("location.hash = '#/requests'")
        wait_for("the request in the list", lambda: pseudonym in wd.text("main"), within=5)
        started = wd.script("""
            const cards = [...document.querySelectorAll('main *')].filter(e =>
              e.textContent.includes(arguments[0]) &&
              [...e.querySelectorAll('button')].some(b => b.textContent.trim() === 'Chat starten'));
            cards.sort((a, b) => a.textContent.length - b.textContent.length);
            const button = [...cards[0].querySelectorAll('button')]
              .find(b => b.textContent.trim() === 'Chat starten');
            button.click();
            return true""", pseudonym)
        assert started
        wait_for("the chat key wrapped for the asker", asker.open_key, within=8)
        text = "Hallo, ich schreibe aus Python und nur die App kann das lesen."
        status, body = asker.say(text)
        assert status == 201, (status, body)
        assert text not in json.dumps(body), "the server answers with ciphertext only"
        wait_for("the app opens the asker's message", lambda: text in wd.text("main"), within=8)
        answer = "Die App antwortet, verschlüsselt."
        wd.type("textarea", answer)
        wd.click_button("Senden")
        wait_for("the asker opens the answer",
                 lambda: ("counselor", answer, 1) in asker.read(), within=8)
        # The Sicherheitscode the app shows is the asker's.
        wd.click_button("Sicherheitscode")
        shown, _ = wait_for("the code shown", lambda: wd.script(
            "return document.querySelector('[data-testid=safety-code]')?.textContent.trim() ?? null"), within=5)
        status, keys = server.call("GET", "/api/asker/keys", asker.token)
        public = sorted([asker.public] + [
            __import__("base64").urlsafe_b64decode(r["public_key"] + "=" * (-len(r["public_key"]) % 4))
            for r in keys["keys"][-1]["readers"]])
        digest = hashlib.sha256(fields(FORMAT, "safety", asker.chat, *public)).digest()
        code = " ".join(str(int.from_bytes(digest[g * 5:g * 5 + 5], "big") % 100000).zfill(5)
                        for g in range(4))
        assert shown.split() == code.split(), (shown, code)
        time.sleep(0.5)
        screenshot("09-encrypted-chat")

        # A second computer of the counselor joins during the chat: the app hands it the key.
        from asker import Device
        second = Device(server, "bernd", "Zweitrechner")
        wd.script("location.hash = '#/profil/aktivitaeten'")
        wait_for("the app lists the second computer", lambda: "Zweitrechner" in wd.text("main"), within=5)
        wait_for("the app handed the chat's key to it", lambda: 1 in second.keys_of(asker.chat), within=8)
        assert ("asker", text, 1) in second.read(asker.chat), "the second computer reads the chat"

        # The app removes it: it is logged out there, and the chat goes on with key 2 it never gets.
        wd.script("""
            const item = [...document.querySelectorAll('li')]
              .find(li => li.textContent.includes('Zweitrechner'));
            [...item.querySelectorAll('button')].find(b => b.textContent.trim() === 'Entfernen').click();""")
        wait_for("the confirm dialog", lambda: wd.has_button("Ja, entfernen"), within=3)
        wd.click_button("Ja, entfernen")
        wait_for("the second computer logged out", lambda: server.call("GET", "/api/me", second.token)[0] == 401,
                 within=5)
        wait_for("a new key for the asker and the app only",
                 lambda: asker.open_key() and asker.key[0] == 2, within=8)
        assert second.id not in asker.readers and asker.readers, asker.readers
        wd.script("location.hash = '#/beratungen/' + arguments[0]", asker.chat)
        wait_for("the chat again", lambda: wd.exists("textarea"), within=5)
        later = "Nach dem Entfernen, mit dem neuen Schlüssel."
        wd.type("textarea", later)
        wd.click_button("Senden")
        wait_for("the asker opens it with key 2", lambda: ("counselor", later, 2) in asker.read(), within=8)
        status, _ = server.call("GET", f"/api/conversations/{asker.chat}/messages", second.token)
        assert status == 401, "the removed computer reads nothing new"

        status, _ = server.call("POST", "/api/asker/end", asker.token)
        assert status == 204, status
        server.switch(other_device, False)

    @test("closing the window signals offline within a second; the webview goes, the app stays in the tray")
    def _():
        server.switch(other_device, True)
        wait_for("tray ticked", tray.ticked, within=1)
        asker = waiting_askers[0]
        wait_for("gate open for the asker",
                 lambda: server.call("GET", "/api/asker", asker["token"])[1]["status"].get("gate_open"), within=2)
        assert web_processes(pid), "a web process renders the dashboard"
        close_window_like_a_window_manager(pid)
        _, took = wait_for("server reports unavailable",
                           lambda: not server.availability(other_device)["available"], within=1)
        figures["WM_DELETE_WINDOW → server unavailable (s)"] = round(took, 2)
        wait_for("window gone", lambda: x_window(pid) is None, within=3)
        _, gone = wait_for("WebKit's web process gone", lambda: not web_processes(pid), within=10)
        figures["window closed → WebKit's web process gone (s)"] = round(gone, 2)
        assert app_pids() == [pid], "the app must stay running in the tray"
        status = server.call("GET", "/api/asker", asker["token"])[1]["status"]
        assert status["state"] == "waiting" and status["gate_open"] is False and status["grace_until"], status
        assert not tray.ticked()
        screenshot("06-closed-to-tray")

    @test("in the tray: switching on works, a request is notified, and its click builds the window on it")
    def _():
        time.sleep(0.8)
        tray.click("Live-Chat verfügbar")
        wait_for("on", lambda: server.availability(other_device)["available"], within=2)
        assert x_window(pid) is None, "the tray switches without a window"
        before = notifications.count()
        status, body = server.enter()
        assert status == 201, (status, body)
        waiting_askers.append(body)
        wait_for("Notify call", lambda: notifications.count() > before, within=3)
        clicked = time.monotonic()
        subprocess.run(["dunstctl", "action", "0"], check=True, capture_output=True)
        wait_for("window built and shown", lambda: window_mapped(pid), within=5)
        figures["notification click → window mapped, from the tray (s)"] = round(time.monotonic() - clicked, 2)
        wd.follow_window()
        marked = f'[data-request="{body["request_id"]}"][data-highlighted="true"]'
        wait_for("the clicked request shown", lambda: wd.exists(marked), within=10)
        figures["notification click → the request shown, from the tray (s)"] = round(time.monotonic() - clicked, 2)
        assert wd.text("h1[data-view-heading]") == "Live-Chat Anfragen"

    @test("every close from a short-lived X client signals offline within a second, 20 times in a row")
    def _():
        worst_close = worst_open = 0.0
        for attempt in range(20):
            if not server.availability(other_device)["available"]:
                server.switch(other_device, True)
            wait_for("tray ticked", tray.ticked, within=2)
            close_from_a_short_lived_client(pid)
            try:
                _, took = wait_for("server reports unavailable",
                                   lambda: not server.availability(other_device)["available"], within=1,
                                   every=0.01)
            except AssertionError:
                raise AssertionError(f"close {attempt + 1} of 20 did not reach the server within 1 s") from None
            worst_close = max(worst_close, took)
            wait_for("window gone", lambda: x_window(pid) is None, within=3)
            opened = time.monotonic()
            tray.click("Dashboard öffnen")
            wait_for("window back", lambda: window_mapped(pid), within=3, every=0.01)
            worst_open = max(worst_open, time.monotonic() - opened)
        figures["short-lived client's close → server unavailable (s, worst of 20)"] = round(worst_close, 2)
        figures["Dashboard öffnen → window mapped, rebuilt (s, worst of 20)"] = round(worst_open, 2)
        wd.follow_window()
        wait_for("dashboard", lambda: wd.exists("h1[data-view-heading]"), within=10)

    @test("a second start builds the window again, in step with the tray")
    def _():
        close_window_like_a_window_manager(pid)
        wait_for("window gone", lambda: x_window(pid) is None, within=3)
        server.switch(other_device, True)
        wait_for("tray ticked", tray.ticked, within=1)
        second = subprocess.run([APP_BIN], capture_output=True, timeout=20)
        assert second.returncode == 0, second
        wait_for("window shown again", lambda: window_mapped(pid), within=3)
        assert app_pids() == [pid]
        wd.follow_window()
        wait_for("dashboard on", lambda: pill() == "Verfügbar", within=10)

    @test("a screen lock switches off and says why")
    def _():
        if not server.availability(other_device)["available"]:
            server.switch(other_device, True)
        wait_for("tray ticked", tray.ticked, within=1)
        before = notifications.count()
        subprocess.run(["dbus-send", "--session", "--type=signal", "/org/freedesktop/ScreenSaver",
                        "org.freedesktop.ScreenSaver.ActiveChanged", "boolean:true"], check=True)
        _, took = wait_for("server reports unavailable",
                           lambda: not server.availability(other_device)["available"], within=2)
        figures["screen lock → server unavailable (s)"] = round(took, 2)
        wait_for("notice", lambda: notifications.count() > before and "gesperrt" in notifications.calls()[-1], 3)
        wait_for("the dashboard says why", lambda: "beim Sperren des Bildschirms" in wd.text("main"), within=2)

    @test("system sleep (logind PrepareForSleep) switches off and says why")
    def _():
        server.switch(other_device, True)
        wait_for("tray ticked", tray.ticked, within=1)
        before = notifications.count()
        subprocess.run(["dbus-send", f"--bus={system_address}", "--type=signal", "/org/freedesktop/login1",
                        "org.freedesktop.login1.Manager.PrepareForSleep", "boolean:true"], check=True)
        _, took = wait_for("server reports unavailable",
                           lambda: not server.availability(other_device)["available"], within=2)
        figures["PrepareForSleep → server unavailable (s)"] = round(took, 2)
        wait_for("notice", lambda: notifications.count() > before and "Ruhezustand" in notifications.calls()[-1],
                 3)
        subprocess.run(["dbus-send", f"--bus={system_address}", "--type=signal", "/org/freedesktop/login1",
                        "org.freedesktop.login1.Manager.PrepareForSleep", "boolean:false"], check=True)
        time.sleep(0.5)
        assert not server.availability(other_device)["switched_on"], "waking up must not switch on"

    @test("logging out in the dashboard ends the session through the shell; the login remembers the server")
    def _():
        token = session["token"]
        wd.click_button("Abmelden")
        wait_for("login form", lambda: wd.exists("#login-server"), within=3)
        wait_for("the app's token is gone", lambda: server.call("GET", "/api/me", token)[0] == 401, 2)
        assert wd.invoke("session_get") == {"ok": None}
        wait_for("tray shows logged out", lambda: not tray.item("Live-Chat verfügbar")["enabled"], within=2)
        assert wd.value("#login-server") == server.base, "the last server address is offered"
        assert "Sie wurden abgemeldet." in wd.text("main")

    @test("logging in again; the secret store is there")
    def _():
        wd.type("#login-name", "bernd")
        wd.type("#login-password", "bernd-password")
        wd.click("form button[type=submit]")
        wait_for("dashboard", lambda: wd.exists("h1[data-view-heading]"), within=10)
        assert wd.invoke("secret_store_available") == {"ok": {"available": True, "reason": None}}
        session["token"] = app_token()
        wait_for("tray logged in", lambda: tray.item("Live-Chat verfügbar")["enabled"], within=3)
        time.sleep(0.5)
        assert [d["id"] for d in desktop_devices()] == [session["device"]], \
            "the key pair outlived the logout: the same device, not a second one"

    @test("quitting from the tray signals offline, then exits")
    def _():
        server.switch(other_device, True)
        wait_for("tray ticked", tray.ticked, within=1)
        tray.click("Beenden")
        _, took = wait_for("server reports unavailable",
                           lambda: not server.availability(other_device)["available"], within=1)
        figures["tray Beenden → server unavailable (s)"] = round(took, 2)
        wait_for("app exited", lambda: not app_pids(), within=5)
        wd.close()

    @test("a restart restores the stored session and never switches on by itself")
    def _():
        launched = time.monotonic()
        app = start("app-restored", [APP_BIN])
        pid2 = wait_for("app process", lambda: app.pid in app_pids() and app.pid, within=5)[0]
        wait_for("window mapped", lambda: window_mapped(pid2), within=10)
        figures["cold start to window mapped (s)"] = round(time.monotonic() - launched, 2)
        wait_for("app connected with the stored session",
                 lambda: server.availability(other_device)["online"], within=8)
        time.sleep(1.0)
        assert not server.availability(other_device)["switched_on"]
        assert [d["id"] for d in desktop_devices()] == [session["device"]], \
            "after a restart the app is still the same device (its key pair kept)"
        time.sleep(3.0)  # let WebKit settle before measuring
        rss = pss = 0
        for p in process_tree(pid2):
            try:
                with open(f"/proc/{p}/smaps_rollup") as f:
                    text = f.read()
                rss += int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1))
                pss += int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))
            except (OSError, AttributeError):
                pass
        figures["memory, app + WebKit processes (RSS MiB)"] = round(rss / 1024, 1)
        figures["memory, app + WebKit processes (PSS MiB)"] = round(pss / 1024, 1)
        figures["processes"] = len(process_tree(pid2))
        global restored_pid
        restored_pid = pid2

    @test("the tray menu and icon under an XEmbed tray")
    def _():
        # libayatana-appindicator falls back to an XEmbed status icon without a
        # StatusNotifierWatcher; trayer shows it. Click it to open the menu and photograph it.
        subprocess.run(["dunstctl", "close-all"], check=False)
        server.switch(other_device, True)  # the restored app is connected: available, askers wait
        tray_window = wait_for("tray icon docked in trayer", tray_icon_window, within=3)[0]
        x, y = tray_window
        subprocess.run(["xdotool", "mousemove", str(x), str(y), "click", "1"], check=True)
        time.sleep(0.8)
        screenshot("07-tray-menu")
        subprocess.run(["xdotool", "key", "Escape"], check=False)
        server.switch(other_device, False)

    @test("logout from the tray ends the session on the server")
    def _():
        tray3 = wait_for("tray", lambda: Tray(restored_pid), within=5)[0]
        server.switch(other_device, True)
        wait_for("tray ticked", tray3.ticked, within=1)
        tray3.click("Abmelden")
        # Bernd is the last one of Suchtberatung and askers wait: the tray asks first.
        dialog = wait_for("dialog", lambda: dialog_window("Wirklich abmelden?"), within=3)[0]
        assert server.call("GET", "/api/me", session["token"])[0] == 200, "nothing before the answer"
        answer_dialog(dialog, "Trotzdem abmelden")
        wait_for("the app's token is gone",
                 lambda: server.call("GET", "/api/me", session["token"])[0] == 401, 2)
        assert not server.availability(other_device)["switched_on"]
        wait_for("tray shows logged out", lambda: not tray3.item("Live-Chat verfügbar")["enabled"], within=2)
        assert tray3.item("Nicht angemeldet")
        os.kill(restored_pid, signal.SIGTERM)
        wait_for("app exited", lambda: restored_pid not in app_pids(), within=5)

    @test("a killed app is unavailable within the heartbeat bound (10 s)")
    def _():
        token = server.login("bernd")
        env = dict(os.environ, PFORTE_DESKTOP_SERVER=server.base, PFORTE_DESKTOP_TOKEN=token)
        app = start("app-killed", [APP_BIN], env=env)
        pid3 = wait_for("app process", lambda: app.pid in app_pids() and app.pid, within=5)[0]
        tray4 = wait_for("tray", lambda: Tray(pid3), within=10)[0]
        wait_for("connected", lambda: server.availability(token)["online"], within=5)
        time.sleep(0.8)
        tray4.click("Live-Chat verfügbar")
        wait_for("on", lambda: server.availability(token)["available"], within=2)
        os.kill(pid3, signal.SIGKILL)
        _, took = wait_for("server reports unavailable", lambda: not server.availability(token)["available"],
                           within=10)
        figures["kill -9 → server unavailable (s)"] = round(took, 2)
        app.wait(5)

    @test("an operator's switch-off and a deactivation arrive as native notifications that say so")
    def _():
        olga = server.login("olga")
        dora = server.login("dora")
        env = dict(os.environ, PFORTE_DESKTOP_SERVER=server.base, PFORTE_DESKTOP_TOKEN=dora)
        app = start("app-deactivated", [APP_BIN], env=env)
        pid4 = wait_for("app process", lambda: app.pid in app_pids() and app.pid, within=5)[0]
        tray5 = wait_for("tray", lambda: Tray(pid4), within=10)[0]
        wait_for("connected", lambda: server.availability(dora)["online"], within=5)
        subprocess.run(["dunstctl", "close-all"], check=False)
        server.switch(dora, True)
        wait_for("tray ticked", tray5.ticked, within=2)
        before = notifications.count()
        status, body = server.call("POST", "/api/admin/counselors/dora/switch-off", olga,
                                   {"reason": "Schicht ist vorbei"})
        assert status == 204, (status, body)
        wait_for("the switch-off on D-Bus with its reason",
                 lambda: any("Von der Administration ausgeschaltet" in c and "Schicht ist vorbei" in c
                             for c in notifications.calls()[before:]), within=3)
        wait_for("tray unticked", lambda: not tray5.ticked(), within=2)

        before = notifications.count()
        status, body = server.call("POST", "/api/admin/counselors/dora/deactivate", olga, {})
        assert status == 200, (status, body)
        wait_for("the deactivation on D-Bus, said as what it is",
                 lambda: any("Zugang deaktiviert" in c for c in notifications.calls()[before:]), within=3)
        assert not any("Sitzung abgelaufen" in c for c in notifications.calls()[before:]), \
            notifications.calls()[before:]
        wait_for("tray shows logged out", lambda: tray5.item("Nicht angemeldet"), within=3)
        time.sleep(0.5)
        screenshot("08-deactivated")
        os.kill(pid4, signal.SIGTERM)
        app.wait(5)

    # ------------------------------------------------------------------ the light tray
    # From here on the desktop hosts StatusNotifierItems, as KDE Plasma, GNOME with the
    # AppIndicator extension or Xfce do: a closed window hands over to pforte-tray.
    start("sni-watcher", ["/usr/bin/python3", f"{ROOT}/tests/desktop/sni_watcher.py"])
    wait_for("StatusNotifierWatcher up", lambda: "watcher ready" in open(f"{LOGS}/sni-watcher.log").read(),
             within=5)
    light = {}

    def window_args():
        """The arguments the light tray opened the window with (through the stand-in)."""
        path = f"{WORK}/open-window.args"
        if not os.path.exists(path):
            return None
        with open(path) as f:
            args = f.read().split()
        os.remove(path)
        return args or ["(none)"]

    def to_the_light_tray(pid):
        """Close the window; the window process hands over and goes. The light tray's pid."""
        close_window_like_a_window_manager(pid)
        wait_for("window process gone", lambda: pid not in app_pids(), within=8)
        return wait_for("light tray running", lambda: tray_pids() and tray_pids()[0], within=3)[0]

    @test("with a StatusNotifierItem host, a closed window hands over to the light tray: offline at once, "
          "no WebKit left")
    def _():
        wd.open(APP_BIN)
        pid = wait_for("app process", lambda: app_pids() and app_pids()[0], within=10)[0]
        wait_for("login form", lambda: wd.exists("#login-server"), within=10)
        log_in("bernd", "bernd-password")
        light["token"] = app_token()
        server.switch(other_device, True)
        wait_for("available", lambda: server.availability(other_device)["available"], within=2)
        assert web_processes(pid), "a web process renders the dashboard"
        webkit = [p for p in process_tree(pid) if p != pid]
        close_window_like_a_window_manager(pid)
        _, took = wait_for("server reports unavailable",
                           lambda: not server.availability(other_device)["available"], within=1)
        figures["light tray: WM_DELETE_WINDOW → server unavailable (s)"] = round(took, 2)
        _, gone = wait_for("window process gone", lambda: pid not in app_pids(), within=8)
        figures["light tray: close → window process gone (s)"] = round(gone, 2)
        wd.close()
        _, webkit_gone = wait_for("WebKit's processes gone with it", lambda: not any(alive(p) for p in webkit),
                                  within=3)
        figures["light tray: close → WebKit's web and network processes gone (s)"] = round(gone + webkit_gone, 2)
        trays = tray_pids()
        assert len(trays) == 1, trays
        light["tray"] = Tray(trays[0])
        assert process_tree(trays[0]) == [trays[0]], "the light tray runs alone"
        wait_for("the tray's own connection", lambda: server.availability(light["token"])["online"], within=5)
        assert not light["tray"].ticked()
        assert light["tray"].item("Nicht verfügbar")
        with open(f"/proc/{trays[0]}/maps") as f:
            maps = f.read()
        assert "libwebkit2gtk" not in maps and "libgtk-3" not in maps, "neither WebKit nor GTK is loaded"
        time.sleep(2)
        figures["light tray: memory (PSS MiB, debug build)"] = pss_mib(trays)

    @test("in the light tray: switching on works, a request is notified, and its click opens the window on it "
          "with the counselor available throughout")
    def _():
        tray_l = light["tray"]
        time.sleep(0.8)
        tray_l.click("Live-Chat verfügbar")
        wait_for("on", lambda: server.availability(other_device)["available"], within=2)
        wait_for("tray ticked", tray_l.ticked, within=2)
        subprocess.run(["dunstctl", "close-all"], check=False)
        before = notifications.count()
        status, body = server.enter()
        assert status == 201, (status, body)
        waiting_askers.append(body)
        wait_for("Notify call", lambda: notifications.count() > before, within=3)
        call = notifications.calls()[-1]
        assert notify_hint(call, "resident") == ("boolean", "true"), call
        wait_for("the tray asks for attention", lambda: tray_l.prop("Status") == "NeedsAttention", within=2)
        assert re.search(r"\d+ Anfragen? warte.*seit", tray_l.status_line()), tray_l.status_line()
        closed_before = notifications.closes()
        available = Sampler(lambda: server.availability(other_device)["available"])
        clicked = time.monotonic()
        subprocess.run(["dunstctl", "action", "0"], check=True, capture_output=True)
        args = wait_for("the tray opens the window", window_args, within=5)[0]
        assert args == ["--open-request", body["request_id"]], args
        # The stand-in's part: the window process with the tray's arguments, under WebDriver.
        wd.open(APP_BIN, args)
        pid = wait_for("app process", lambda: app_pids() and app_pids()[0], within=10)[0]
        marked = f'[data-request="{body["request_id"]}"][data-highlighted="true"]'
        wait_for("the clicked request shown", lambda: wd.exists(marked), within=15)
        figures["light tray: notification click → the request shown (s)"] = round(time.monotonic() - clicked, 2)
        time.sleep(1.0)  # WebKit paints late under Xvfb
        screenshot("11-light-tray-request-from-notification")
        _, retired = wait_for("the light tray handed over and went", lambda: not tray_pids(), within=12)
        assert notifications.closes() > closed_before, "the tray took its notifications with it"
        time.sleep(0.5)
        samples = available.stop()
        assert samples and all(v is True for v in samples), \
            f"the counselor stayed available: {[v for v in samples if v is not True][:3]}"
        assert pill() == "Verfügbar"
        light["pid"] = pid

    @test("Dashboard öffnen in the light tray starts the window process again, warm")
    def _():
        open(f"{WORK}/open-directly", "w").close()
        pid = light["pid"]
        tray_pid = to_the_light_tray(pid)
        wd.close()
        tray_l = wait_for("light tray exported", lambda: Tray(tray_pid), within=5)[0]
        time.sleep(1.0)
        worst = 0.0
        for attempt in range(3):
            opened = time.monotonic()
            tray_l.click("Dashboard öffnen")
            pid = wait_for("window process", lambda: app_pids() and app_pids()[0], within=5, every=0.01)[0]
            wait_for("window back", lambda: window_mapped(pid), within=5, every=0.01)
            worst = max(worst, time.monotonic() - opened)
            wait_for("the light tray went", lambda: not tray_pids(), within=12)
            if attempt < 2:
                tray_pid = to_the_light_tray(pid)
                tray_l = wait_for("light tray exported", lambda: Tray(tray_pid), within=5)[0]
        figures["light tray: Dashboard öffnen → window mapped (s, worst of 3, debug build)"] = round(worst, 2)
        light["pid"] = pid

    @test("a second start while in the light tray opens the window")
    def _():
        tray_pid = to_the_light_tray(light["pid"])
        wait_for("light tray exported", lambda: Tray(tray_pid), within=5)
        time.sleep(1.0)
        second = subprocess.run([APP_BIN], capture_output=True, timeout=20)
        assert second.returncode == 0, second
        pid = wait_for("window process", lambda: app_pids() and app_pids()[0], within=5)[0]
        wait_for("window shown", lambda: window_mapped(pid), within=5)
        wait_for("the light tray went", lambda: not tray_pids(), within=12)
        light["pid"] = pid

    @test("switching off in the light tray as the last one asks first, in a native dialog, and obeys it")
    def _():
        tray_pid = to_the_light_tray(light["pid"])
        tray_l = wait_for("light tray exported", lambda: Tray(tray_pid), within=5)[0]
        wait_for("connected", lambda: tray_l.item("Nicht verfügbar"), within=5)
        time.sleep(0.8)
        tray_l.click("Live-Chat verfügbar")
        wait_for("on", lambda: server.availability(other_device)["available"], within=2)
        time.sleep(0.8)
        tray_l.click("Live-Chat verfügbar")
        dialog = wait_for("dialog", lambda: dialog_window("Wirklich ausschalten?"), within=5)[0]
        time.sleep(0.3)
        screenshot("10-light-tray-last-one-dialog")
        assert server.availability(other_device)["available"], "nothing before the answer"
        click_dialog_button(dialog, "Verfügbar bleiben")
        wait_for("dialog gone", lambda: not dialog_window("Wirklich ausschalten?"), within=3)
        time.sleep(0.5)
        assert server.availability(other_device)["available"], "the answer was: stay"
        time.sleep(0.8)
        tray_l.click("Live-Chat verfügbar")
        dialog = wait_for("dialog again", lambda: dialog_window("Wirklich ausschalten?"), within=5)[0]
        click_dialog_button(dialog, "Trotzdem ausschalten")
        wait_for("off", lambda: not server.availability(other_device)["available"], within=3)
        wait_for("tray unticked", lambda: not tray_l.ticked(), within=2)
        light["tray_pid"] = tray_pid

    @test("Beenden in the light tray signals offline, then exits")
    def _():
        tray_pid = light["tray_pid"]
        tray_l = Tray(tray_pid)
        time.sleep(0.8)
        tray_l.click("Live-Chat verfügbar")
        wait_for("on", lambda: server.availability(other_device)["available"], within=2)
        wait_for("tray ticked", tray_l.ticked, within=2)
        tray_l.click("Beenden")
        _, took = wait_for("server reports unavailable",
                           lambda: not server.availability(other_device)["available"], within=1)
        figures["light tray: Beenden → server unavailable (s)"] = round(took, 2)
        wait_for("tray exited", lambda: not tray_pids(), within=5)
        assert not app_pids()

    @test("started hidden (the autostart entry), the app goes straight into the light tray with the stored login")
    def _():
        app = start("app-hidden", [APP_BIN, "--hidden"])
        mapped = Sampler(lambda: window_mapped(app.pid))
        tray_pid = wait_for("light tray running", lambda: tray_pids() and tray_pids()[0], within=10)[0]
        wait_for("the window process went", lambda: app.poll() is not None, within=8)
        assert not any(mapped.stop()), "no window was shown"
        tray_l = wait_for("light tray exported", lambda: Tray(tray_pid), within=5)[0]
        wait_for("connected with the stored session", lambda: tray_l.item("Nicht verfügbar"), within=8)
        assert not server.availability(other_device)["switched_on"], "a start never switches on"
        tray_l.click("Beenden")
        wait_for("tray exited", lambda: not tray_pids(), within=5)


def tray_icon_window():
    """Centre of the status icon docked in trayer, if any."""
    d = display.Display()
    root = d.screen().root

    def walk(window, depth=0):
        try:
            children = window.query_tree().children
        except Exception:  # noqa: BLE001
            return None
        for child in children:
            try:
                name = child.get_wm_name()
                cls = child.get_wm_class()
            except Exception:  # noqa: BLE001
                name, cls = None, None
            if cls and "panel" in " ".join(cls).lower() and depth == 0:
                found = find_icon(child)
                if found:
                    return found
            found = walk(child, depth + 1) if depth < 1 else None
            if found:
                return found
        return None

    def find_icon(panel):
        # the docked icon is the deepest small mapped window inside trayer
        best = None
        stack = [panel]
        while stack:
            w = stack.pop()
            try:
                geometry = w.get_geometry()
                attrs = w.get_attributes()
                stack.extend(w.query_tree().children)
            except Exception:  # noqa: BLE001
                continue
            if w != panel and attrs.map_state == X.IsViewable and 8 <= geometry.width <= 64:
                pos = w.translate_coords(root, 0, 0)
                best = (-pos.x + geometry.width // 2, -pos.y + geometry.height // 2)
        return best

    return walk(root)


def stop_all():
    for proc in reversed(started):
        if proc.poll() is None:
            proc.terminate()
    for proc in reversed(started):
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
    for pid in app_pids() + tray_pids():
        os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    restored_pid = None
    try:
        main()
    except Exception:  # noqa: BLE001
        traceback.print_exc(file=sys.stdout)
        results.append(("setup", False))
    finally:
        stop_all()
    for key, value in figures.items():
        log(f"  figure: {key}: {value}")
    passed = sum(1 for _, ok in results if ok)
    failed = len(results) - passed
    log(f"desktop: {passed} passed, {failed} failed")
    sys.exit(1 if failed or not results else 0)
