import { describe, expect, it, vi } from "vitest";
import { tauriHttpClient, tauriSocketTransport, type LiveMessage } from "./tauri";

// Outside the app there is no IPC: a channel is a plain object whose messages a test sends.
vi.mock("@tauri-apps/api/core", () => ({
  invoke: vi.fn(),
  Channel: class {
    onmessage: (message: unknown) => void = () => undefined;
  },
}));

/** A stand-in for the shell's `invoke`, answering like its `api_request`/`api_download`. */
function shell(answer: (cmd: string, args: Record<string, unknown>) => unknown) {
  const calls: [string, Record<string, unknown>][] = [];
  const call = vi.fn(async (cmd: string, args?: Record<string, unknown>) => {
    calls.push([cmd, args ?? {}]);
    const value = answer(cmd, args ?? {});
    if (value instanceof Error) throw value;
    return value;
  });
  return { call: call as never, calls };
}

describe("REST through the desktop shell", () => {
  it("names the server, the path with its query and the body, never the token", async () => {
    const s = shell(() => ({ status: 200, body: { on: true } }));
    const http = tauriHttpClient("http://127.0.0.1:8080/", s.call);
    const result = await http.request("PUT", "/api/me/availability", {
      token: "secret",
      body: { on: true },
      query: { a: "1" },
    });
    expect(result).toEqual({ ok: true, value: { on: true } });
    expect(s.calls).toEqual([
      [
        "api_request",
        {
          method: "PUT",
          path: "/api/me/availability?a=1",
          body: { on: true },
          server: "http://127.0.0.1:8080",
        },
      ],
    ]);
  });

  it("gives the server's error code, a protocol failure for other answers, network when refused", async () => {
    const api = tauriHttpClient(
      "https://x",
      shell(() => ({ status: 409, body: { code: "already_taken", message: "m" } })).call,
    );
    expect(await api.request("POST", "/api/requests/r/accept")).toEqual({
      ok: false,
      failure: { kind: "api", status: 409, code: "already_taken", message: "m" },
    });
    const proxy = tauriHttpClient("https://x", shell(() => ({ status: 502, body: "<html>" })).call);
    expect(await proxy.request("GET", "/api/me")).toEqual({
      ok: false,
      failure: { kind: "protocol", status: 502 },
    });
    const refused = tauriHttpClient("https://x", shell(() => new Error("nur https")).call);
    expect(await refused.request("GET", "/api/me")).toEqual({
      ok: false,
      failure: { kind: "network" },
    });
  });

  it("answers a 204 with nothing", async () => {
    const http = tauriHttpClient("https://x", shell(() => ({ status: 204, body: null })).call);
    expect(await http.request("POST", "/api/auth/logout")).toEqual({ ok: true, value: undefined });
  });

  it("downloads through the shell and says where the file went", async () => {
    const s = shell(() => ({ status: 200, body: null, saved_to: "/home/a/Downloads/s.xlsx" }));
    const http = tauriHttpClient("https://x", s.call);
    const result = await http.download("/api/me/statistics.xlsx", {
      query: { from: "2026-01-01" },
      fallbackName: "s.xlsx",
    });
    expect(result).toEqual({ ok: true, value: "/home/a/Downloads/s.xlsx" });
    expect(s.calls[0]).toEqual([
      "api_download",
      { path: "/api/me/statistics.xlsx?from=2026-01-01", fileName: "s.xlsx" },
    ]);
  });
});

describe("the live connection through the desktop shell", () => {
  function opened(url: string) {
    const calls: [string, Record<string, unknown>][] = [];
    let channel: { onmessage: (m: LiveMessage) => void } | null = null;
    const call = vi.fn(async (cmd: string, args?: Record<string, unknown>) => {
      calls.push([cmd, args ?? {}]);
      if (cmd === "live_open") {
        channel = args?.onMessage as typeof channel;
        return 7;
      }
      return true;
    });
    const seen: string[] = [];
    const handle = tauriSocketTransport(call as never).open(url, "ignored", {
      onOpen: () => seen.push("open"),
      onMessage: (text) => seen.push(`text ${text}`),
      onClose: (code) => seen.push(`closed ${code}`),
    });
    const deliver = (m: LiveMessage) => channel?.onmessage(m);
    return { calls, seen, handle, deliver };
  }

  it("asks the shell for the socket with no address and no token, only whether it is fresh", async () => {
    const s = opened("wss://x/api/counselor/ws?fresh=true");
    await Promise.resolve();
    const [cmd, args] = s.calls[0] ?? ["", {}];
    expect(cmd).toBe("live_open");
    expect(Object.keys(args).sort()).toEqual(["fresh", "onMessage"]);
    expect(args.fresh).toBe(true);
    expect(opened("wss://x/api/counselor/ws").calls[0]?.[1].fresh).toBe(false);
  });

  it("passes messages on in order, and the server's close code (a restart is 1012)", async () => {
    const s = opened("wss://x/api/counselor/ws");
    s.deliver({ kind: "text", data: '{"type":"ready"}' });
    s.deliver({ kind: "open" });
    s.deliver({ kind: "closed", code: 1012 });
    s.deliver({ kind: "text", data: "late" });
    expect(s.seen).toEqual(['text {"type":"ready"}', "open", "closed 1012"]);
  });

  it("reports a broken connection without a code", () => {
    const s = opened("wss://x/api/counselor/ws");
    s.deliver({ kind: "closed", code: null });
    expect(s.seen).toEqual(["closed undefined"]);
  });

  it("sends through the shell and closes there", async () => {
    const s = opened("wss://x/api/counselor/ws");
    await Promise.resolve();
    await Promise.resolve();
    s.handle.send('{"type":"ping"}');
    s.handle.close();
    expect(s.calls.slice(1)).toEqual([
      ["live_send", { id: 7, text: '{"type":"ping"}' }],
      ["live_close", { id: 7 }],
    ]);
  });
});
