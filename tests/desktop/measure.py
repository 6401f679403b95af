#!/usr/bin/python3
"""Start time and memory of the desktop app, against the real server.

Run inside Xvfb and a D-Bus session, e.g.:
  xvfb-run -a dbus-run-session -- /usr/bin/python3 tests/desktop/measure.py /usr/bin/pforte-desktop
Starts the app RUNS times with an injected session and reports, per start: time until its
window is mapped, time until the server sees its socket, and (after it settled for 5 s) the
memory of the app and all its processes (WebKit's web and network processes): RSS and PSS.
"""

import importlib.util
import os
import re
import statistics
import subprocess
import sys
import time

spec = importlib.util.spec_from_file_location("e2e", os.path.join(os.path.dirname(__file__), "e2e.py"))
e2e = importlib.util.module_from_spec(spec)
spec.loader.exec_module(e2e)

RUNS = int(os.environ.get("RUNS", "5"))


def memory(pid):
    rss = pss = 0
    tree = e2e.process_tree(pid)
    for p in tree:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                text = f.read()
            rss += int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1))
            pss += int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))
        except (OSError, AttributeError):
            pass
    return rss / 1024, pss / 1024, len(tree)


def main():
    binary = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else e2e.APP_BIN)
    e2e.APP_BIN = binary
    server = e2e.Server()
    token = server.login("bernd")
    env = dict(os.environ, PFORTE_DESKTOP_SERVER=server.base, PFORTE_DESKTOP_TOKEN=token)
    rows = []
    try:
        for run in range(RUNS):
            began = time.monotonic()
            app = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, mapped = e2e.wait_for("window mapped", lambda: e2e.window_mapped(app.pid), within=30, every=0.01)
            _, online = e2e.wait_for("socket seen by the server",
                                     lambda: server.availability(token)["online"], within=30, every=0.02)
            time.sleep(5)
            rss, pss, processes = memory(app.pid)
            rows.append((mapped, mapped + online, rss, pss, processes))
            print(f"run {run + 1}: window {mapped:.2f} s, connected {mapped + online:.2f} s, "
                  f"RSS {rss:.0f} MiB, PSS {pss:.0f} MiB, {processes} processes", flush=True)
            app.terminate()
            app.wait(10)
            e2e.wait_for("offline", lambda: not server.availability(token)["online"], within=15)
    finally:
        e2e.stop_all()
    median = [statistics.median(column) for column in zip(*rows)]
    print(f"median of {RUNS}: window {median[0]:.2f} s, connected {median[1]:.2f} s, "
          f"RSS {median[2]:.0f} MiB, PSS {median[3]:.0f} MiB")


if __name__ == "__main__":
    main()
