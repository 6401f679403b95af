#!/usr/bin/python3
"""Start time and memory of the desktop app against the real server, and the same dashboard in
Chromium's app mode for comparison.

Run inside Xvfb and a D-Bus session (the release build as installed, the real ui/dist):
  xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- \\
    /usr/bin/python3 tests/desktop/measure.py /usr/bin/pforte-desktop

Per run of the app (RUNS, default 5), with an injected session (the dashboard logged in):
  - start → window mapped, start → the server sees the app's socket;
  - memory with the window open (after SETTLE s), all processes: app, WebKitWebProcess,
    WebKitNetworkProcess — PSS (shared pages counted once) and RSS;
  - the window closed with WM_DELETE_WINDOW: memory in the tray TRAY_WAIT s later (default 30),
    every process of the app (the light tray pforte-tray after the handover, or the window
    process staying resident);
  - "Dashboard öffnen" in the tray (warm): time until the window is mapped and until the
    dashboard is painted.
Each of these per tray (TRAYS=light,resident: a StatusNotifierItem host runs, as on KDE or GNOME
with the AppIndicator extension, so the window process hands over to the light tray; or
PFORTE_DESKTOP_LIGHT_TRAY=off, the window process stays) and with WebKit's accelerated
compositing on and off (COMPOSITING=on,off; the app's own choice is `auto`). Then the same
ui/dist served by pforte-server in Debian's Chromium with `--app=` (logged in through the form
over the DevTools protocol), all its processes. Prints one line per run and a table of medians.
The light tray must be installed beside the app binary (target/release/pforte-tray).
"""

import base64
import importlib.util
import json
import os
import re
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

spec = importlib.util.spec_from_file_location("e2e", os.path.join(os.path.dirname(__file__), "e2e.py"))
e2e = importlib.util.module_from_spec(spec)
spec.loader.exec_module(e2e)

RUNS = int(os.environ.get("RUNS", "5"))
SETTLE = float(os.environ.get("SETTLE", "5"))
TRAY_WAIT = float(os.environ.get("TRAY_WAIT", "30"))
COMPOSITING = os.environ.get("COMPOSITING", "on,off").split(",")
TRAYS = os.environ.get("TRAYS", "light,resident").split(",")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
UI_DIST = os.path.join(e2e.ROOT, "ui", "dist")


def memory(pids):
    """(PSS, RSS) in MiB summed over `pids`, and PSS per process name."""
    pss = rss = 0
    by_name = {}
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                text = f.read()
            with open(f"/proc/{p}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        one = int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1)) / 1024
        pss += one
        rss += int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1)) / 1024
        by_name[name] = by_name.get(name, 0) + one
    return pss, rss, by_name


def painted(pid):
    """Whether the app's window shows more than a blank surface (the dashboard is drawn)."""
    found = e2e.x_window(pid)
    if not found:
        return False
    d, window = found
    try:
        geometry = window.get_geometry()
        image = window.get_image(0, 0, geometry.width, min(geometry.height, 200), 2, 0xFFFFFFFF)
    except Exception:  # noqa: BLE001 - not mapped yet
        return False
    return len(set(image.data[::4096])) > 3


def measure_app(binary, server, token, compositing, light):
    env = dict(os.environ, PFORTE_DESKTOP_SERVER=server.base, PFORTE_DESKTOP_TOKEN=token,
               PFORTE_DESKTOP_COMPOSITING=compositing, PFORTE_DESKTOP_LIGHT_TRAY="on" if light else "off")
    env.pop("PFORTE_TRAY_OPENS_WITH", None)
    rows = []
    for run in range(RUNS):
        began = time.monotonic()
        app = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pid = app.pid
        _, mapped = e2e.wait_for("window mapped", lambda: e2e.window_mapped(pid), within=30, every=0.01)
        _, online = e2e.wait_for("socket seen by the server",
                                 lambda: server.availability(token)["online"], within=30, every=0.02)
        time.sleep(SETTLE)
        open_pss, open_rss, open_parts = memory(e2e.process_tree(pid))
        open_processes = len(e2e.process_tree(pid))
        e2e.close_window_like_a_window_manager(pid)
        e2e.wait_for("window gone", lambda: e2e.x_window(pid) is None, within=5)
        if light:
            app.wait(10)
            in_tray = e2e.wait_for("light tray", lambda: e2e.tray_pids() and e2e.tray_pids()[0], within=5)[0]
        else:
            in_tray = pid
        time.sleep(TRAY_WAIT)
        tray_pids = e2e.process_tree(in_tray)
        tray_pss, tray_rss, tray_parts = memory(tray_pids)
        tray = e2e.Tray(in_tray)
        clicked = time.monotonic()
        tray.click("Dashboard öffnen")
        if light:
            pid = e2e.wait_for("window process", lambda: e2e.app_pids() and e2e.app_pids()[0], within=10,
                               every=0.005)[0]
        _, back = e2e.wait_for("window back", lambda: e2e.window_mapped(pid), within=10, every=0.005)
        back = time.monotonic() - clicked
        _, drawn = e2e.wait_for("dashboard drawn", lambda: painted(pid), within=10, every=0.01)
        drawn = time.monotonic() - clicked
        row = {
            "mapped": mapped, "connected": mapped + online,
            "open_pss": open_pss, "open_rss": open_rss, "open_processes": open_processes,
            "tray_pss": tray_pss, "tray_rss": tray_rss, "tray_processes": len(tray_pids),
            "back_mapped": back, "back_drawn": drawn,
        }
        rows.append(row)
        parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(open_parts.items()))
        tray_names = ", ".join(f"{k} {v:.0f}" for k, v in sorted(tray_parts.items()))
        print(f"{'light tray' if light else 'resident'}, compositing {compositing}, run {run + 1}: "
              f"window {mapped:.2f} s, connected {mapped + online:.2f} s; "
              f"open PSS {open_pss:.0f} / RSS {open_rss:.0f} MiB ({parts}); "
              f"tray after {TRAY_WAIT:.0f} s PSS {tray_pss:.0f} / RSS {tray_rss:.0f} MiB ({tray_names}); "
              f"Dashboard öffnen → mapped {back:.2f} s, drawn {drawn:.2f} s", flush=True)
        if light:
            e2e.wait_for("the light tray went", lambda: not e2e.tray_pids(), within=15)
        os.kill(pid, 15)
        e2e.wait_for("app gone", lambda: pid not in e2e.app_pids(), within=10)
        if not light:
            app.wait(10)
        e2e.wait_for("offline", lambda: not server.availability(token)["online"], within=15)
    return {key: statistics.median(row[key] for row in rows) for key in rows[0]}


class DevTools:
    """Just enough of the Chrome DevTools protocol to run a script in the page."""

    def __init__(self, port):
        pages = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5).read())
        page = [p for p in pages if p["type"] == "page"][0]
        path = "/" + page["webSocketDebuggerUrl"].split("/", 3)[3]
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                           f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
                          .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        self.next_id = 0

    def _recv(self, n):
        data = b""
        while len(data) < n:
            data += self.sock.recv(n - len(data))
        return data

    def evaluate(self, expression):
        self.next_id += 1
        payload = json.dumps({"id": self.next_id, "method": "Runtime.evaluate",
                              "params": {"expression": expression, "awaitPromise": True,
                                         "returnByValue": True}}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while True:
            b1, b2 = self._recv(2)
            length = b2 & 0x7F
            if length == 126:
                length = struct.unpack(">H", self._recv(2))[0]
            elif length == 127:
                length = struct.unpack(">Q", self._recv(8))[0]
            message = json.loads(self._recv(length))
            if message.get("id") == self.next_id:
                return message.get("result", {}).get("result", {}).get("value")


def measure_chromium(server):
    profile = tempfile.mkdtemp(prefix="pforte-chromium-")
    port = e2e.free_port()
    browser = subprocess.Popen([CHROMIUM, f"--app={server.base}/", f"--user-data-dir={profile}",
                                "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                "--disable-component-update", "--disable-sync", "--no-first-run",
                                "--password-store=basic",
                                "--window-size=1100,760", f"--remote-debugging-port={port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # A fresh connection per look: the first page target can be a passing one.
        e2e.wait_for("login form", lambda: DevTools(port).evaluate("!!document.querySelector('#login-name')"),
                     within=30, every=0.5)
        tools = DevTools(port)
        tools.evaluate("""(() => {
            const set = (id, value) => {
                const field = document.getElementById(id);
                Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(field, value);
                field.dispatchEvent(new Event('input', {bubbles: true}));
            };
            set('login-server', location.origin);
            set('login-name', 'bernd');
            set('login-password', 'bernd-password');
            document.querySelector('form button[type=submit]').click();
        })()""")
        e2e.wait_for("dashboard", lambda: tools.evaluate(
            "document.querySelector('h1[data-view-heading]')?.textContent === 'Live-Chat Anfragen'"), within=30)
        time.sleep(SETTLE)
        pss, rss, parts = memory(e2e.process_tree(browser.pid))
        processes = len(e2e.process_tree(browser.pid))
        print(f"chromium --app: PSS {pss:.0f} / RSS {rss:.0f} MiB, {processes} processes", flush=True)
        return {"pss": pss, "rss": rss, "processes": processes}
    finally:
        browser.terminate()
        try:
            browser.wait(10)
        except subprocess.TimeoutExpired:
            browser.kill()


def main():
    binary = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else e2e.APP_BIN)
    e2e.APP_BIN = binary
    e2e.TRAY_BIN = os.path.join(os.path.dirname(binary), "pforte-tray")
    os.environ["PFORTE_UI_DIR"] = UI_DIST
    server = e2e.Server()
    token = server.login("bernd")
    results = {}
    try:
        if "light" in TRAYS:
            # A StatusNotifierItem host, as on KDE Plasma or GNOME with the AppIndicator extension.
            e2e.start("sni-watcher", ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "sni_watcher.py")])
            time.sleep(1.0)
        for trays in TRAYS:
            for mode in COMPOSITING:
                results[(trays, mode)] = measure_app(binary, server, token, mode, trays == "light")
        chromium = measure_chromium(server) if os.path.exists(CHROMIUM) else None
    finally:
        e2e.stop_all()
    print(f"\nmedians of {RUNS} runs ({binary}):")
    print("| tray | compositing | start → window | window open PSS / RSS (processes) | in the tray "
          f"{TRAY_WAIT:.0f} s after close, PSS / RSS (processes) | Dashboard öffnen → mapped / drawn |")
    print("|---|---|---|---|---|---|")
    for (trays, mode), m in results.items():
        print(f"| {trays} | {mode} | {m['mapped']:.2f} s | {m['open_pss']:.0f} / {m['open_rss']:.0f} MiB "
              f"({m['open_processes']:.0f}) | {m['tray_pss']:.0f} / {m['tray_rss']:.0f} MiB "
              f"({m['tray_processes']:.0f}) | {m['back_mapped']:.2f} / {m['back_drawn']:.2f} s |")
    if chromium:
        print(f"| Chromium --app, same ui/dist | – | – | {chromium['pss']:.0f} / {chromium['rss']:.0f} MiB "
              f"({chromium['processes']}) | – | – |")
        for (trays, mode), m in results.items():
            print(f"window open, {trays}, compositing {mode}: {m['open_pss'] / chromium['pss']:.2f}× Chromium (PSS)")


if __name__ == "__main__":
    main()
