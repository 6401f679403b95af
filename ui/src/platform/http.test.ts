import { describe, expect, it, vi } from "vitest";
import {
  apiUrl,
  createHttpClient,
  failureCode,
  fileNameFromDisposition,
  type FetchFn,
} from "./http";

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });

describe("the HTTP client", () => {
  it("sends JSON with the bearer token and returns the typed body", async () => {
    const fetchFn = vi.fn<FetchFn>(async () => json(200, { status: "ok", version: "1" }));
    const http = createHttpClient("http://srv/", fetchFn, () => {});
    const result = await http.request("POST", "/api/x", { token: "t1", body: { a: 1 } });
    expect(result).toEqual({ ok: true, value: { status: "ok", version: "1" } });
    const [url, init] = fetchFn.mock.calls[0]!;
    expect(url).toBe("http://srv/api/x");
    expect(init?.headers).toMatchObject({
      Authorization: "Bearer t1",
      "Content-Type": "application/json",
    });
    expect(init?.body).toBe('{"a":1}');
    expect(init?.credentials).toBe("omit");
  });

  it("gives undefined for a 204 answer", async () => {
    const http = createHttpClient(
      "http://srv",
      async () => new Response(null, { status: 204 }),
      () => {},
    );
    expect(await http.request("POST", "/api/asker/leave")).toEqual({ ok: true, value: undefined });
  });

  it("returns the server's error code for an error answer", async () => {
    const http = createHttpClient(
      "http://srv",
      async () => json(409, { code: "already_taken", message: "Too late" }),
      () => {},
    );
    const result = await http.request("POST", "/api/requests/1/accept");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(failureCode(result.failure)).toBe("already_taken");
      expect(result.failure).toMatchObject({ kind: "api", status: 409 });
    }
  });

  it("reports a network failure when there is no answer", async () => {
    const http = createHttpClient(
      "http://srv",
      async () => Promise.reject(new TypeError("down")),
      () => {},
    );
    const result = await http.request("GET", "/api/health");
    expect(result).toEqual({ ok: false, failure: { kind: "network" } });
  });

  it("reports a protocol failure for an answer that is not the server's error format", async () => {
    const http = createHttpClient(
      "http://srv",
      async () => new Response("<html>Bad gateway</html>", { status: 502 }),
      () => {},
    );
    const result = await http.request("GET", "/api/health");
    expect(result).toEqual({ ok: false, failure: { kind: "protocol", status: 502 } });
    if (!result.ok) expect(failureCode(result.failure)).toBeNull();
  });

  it("saves a downloaded file under the name the server gives", async () => {
    const saved: string[] = [];
    const http = createHttpClient(
      "http://srv",
      async () =>
        new Response(new Blob(["xlsx"]), {
          status: 200,
          headers: { "Content-Disposition": 'attachment; filename="statistik.xlsx"' },
        }),
      (_blob, name) => saved.push(name),
    );
    const result = await http.download("/api/me/statistics.xlsx", {
      token: "t",
      query: { from: "2026-01-01", to: "2026-01-31" },
      fallbackName: "fallback.xlsx",
    });
    expect(result.ok).toBe(true);
    expect(saved).toEqual(["statistik.xlsx"]);
  });

  it("saves a download under the fallback name when the server names none", async () => {
    const saved: string[] = [];
    const http = createHttpClient(
      "http://srv",
      async () => new Response(new Blob(["x"])),
      (_b, n) => saved.push(n),
    );
    await http.download("/f", { fallbackName: "mine.xlsx" });
    expect(saved).toEqual(["mine.xlsx"]);
  });
});

describe("apiUrl", () => {
  it("adds the query and drops a trailing slash of the address", () => {
    expect(
      apiUrl("https://a.b/", "/api/me/statistics", { from: "2026-01-01", to: "2026-01-31" }),
    ).toBe("https://a.b/api/me/statistics?from=2026-01-01&to=2026-01-31");
  });
});

describe("fileNameFromDisposition", () => {
  it("reads plain and encoded file names", () => {
    expect(fileNameFromDisposition('attachment; filename="a.xlsx"')).toBe("a.xlsx");
    expect(fileNameFromDisposition("attachment; filename*=UTF-8''Statistik%20M%C3%A4rz.xlsx")).toBe(
      "Statistik März.xlsx",
    );
    expect(fileNameFromDisposition(null)).toBeNull();
  });
});
