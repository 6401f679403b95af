// The HTTP half of the host boundary. Only this folder calls `fetch`.
import type { ApiError, ErrorCode } from "../wire/types";

/** Why a call did not give the expected body. Callers tell API errors apart by `code` only. */
export type Failure =
  /** The server answered with its error body. */
  | { kind: "api"; status: number; code: ErrorCode; message: string }
  /** No answer at all: the server is down, the network is gone, or the address is wrong. */
  | { kind: "network" }
  /** An answer that is not the server's error format (a proxy page, a crash). */
  | { kind: "protocol"; status: number };

export type Result<T> = { ok: true; value: T } | { ok: false; failure: Failure };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(failure: Failure): Result<T> => ({ ok: false, failure });

/** The error code of a failure, or null if the server did not answer with one. */
export function failureCode(failure: Failure): ErrorCode | null {
  return failure.kind === "api" ? failure.code : null;
}

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Bearer token of the counselor session or of the asker. */
  token?: string | null;
  query?: Record<string, string>;
}

export interface HttpClient {
  /** The server's origin, e.g. `https://beratung.example`, without a trailing slash. */
  readonly baseUrl: string;
  /** A JSON call. A 204 answer gives `undefined`. */
  request<T>(method: Method, path: string, options?: RequestOptions): Promise<Result<T>>;
  /**
   * Downloads a file the server generates (e.g. the statistics `.xlsx`) and hands it to the
   * user as a download named `fallbackName` unless the server names it. Gives where the file
   * was saved when the host knows it (the desktop app), else null (the browser's downloads).
   */
  download(
    path: string,
    options: RequestOptions & { fallbackName: string },
  ): Promise<Result<string | null>>;
}

export type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/** Joins the server address and a path; drops a trailing slash of the address. */
export function apiUrl(baseUrl: string, path: string, query?: Record<string, string>): string {
  const base = baseUrl.replace(/\/+$/, "");
  const search = query && Object.keys(query).length ? "?" + new URLSearchParams(query) : "";
  return `${base}${path}${search}`;
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as ApiError).code === "string" &&
    typeof (value as ApiError).message === "string"
  );
}

/** The failure an error answer stands for: the server's error body, or a protocol failure. */
export function failureOfBody(status: number, body: unknown): Failure {
  if (isApiError(body)) return { kind: "api", status, code: body.code, message: body.message };
  return { kind: "protocol", status };
}

async function failureOf(response: Response): Promise<Failure> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a protocol failure
  }
  return failureOfBody(response.status, body);
}

function headersFor(options: RequestOptions | undefined, json: boolean): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (json) headers["Content-Type"] = "application/json";
  if (options?.token) headers["Authorization"] = `Bearer ${options.token}`;
  return headers;
}

/** The file name from a `Content-Disposition` header, if it carries a plain one. */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*(?:UTF-8'')?([^;]+)/i.exec(header);
  if (star?.[1]) {
    try {
      return decodeURIComponent(star[1].trim().replace(/^"|"$/g, ""));
    } catch {
      // fall back to the plain name
    }
  }
  const plain = /filename\s*=\s*"?([^";]+)"?/i.exec(header);
  return plain?.[1]?.trim() ?? null;
}

/**
 * An HTTP client over a `fetch` function. `saveBlob` hands a downloaded file to the user; the
 * browser does it with an object URL, the desktop app will write it through its own plugin.
 */
export function createHttpClient(
  baseUrl: string,
  fetchFn: FetchFn,
  saveBlob: (blob: Blob, name: string) => void,
): HttpClient {
  const base = baseUrl.replace(/\/+$/, "");

  async function send(method: Method, path: string, options?: RequestOptions) {
    const hasBody = options?.body !== undefined;
    return fetchFn(apiUrl(base, path, options?.query), {
      method,
      headers: headersFor(options, hasBody),
      body: hasBody ? JSON.stringify(options?.body) : undefined,
      // Never send cookies: every call carries its token explicitly.
      credentials: "omit",
      cache: "no-store",
    });
  }

  return {
    baseUrl: base,

    async request<T>(method: Method, path: string, options?: RequestOptions): Promise<Result<T>> {
      let response: Response;
      try {
        response = await send(method, path, options);
      } catch {
        return fail({ kind: "network" });
      }
      if (!response.ok) return fail(await failureOf(response));
      if (response.status === 204) return ok(undefined as T);
      try {
        return ok((await response.json()) as T);
      } catch {
        return fail({ kind: "protocol", status: response.status });
      }
    },

    async download(path, options) {
      let response: Response;
      try {
        response = await fetchFn(apiUrl(base, path, options.query), {
          method: "GET",
          headers: options.token ? { Authorization: `Bearer ${options.token}` } : {},
          credentials: "omit",
          cache: "no-store",
        });
      } catch {
        return fail({ kind: "network" });
      }
      if (!response.ok) return fail(await failureOf(response));
      let blob: Blob;
      try {
        blob = await response.blob();
      } catch {
        return fail({ kind: "network" });
      }
      const name =
        fileNameFromDisposition(response.headers.get("Content-Disposition")) ??
        options.fallbackName;
      saveBlob(blob, name);
      return ok(null);
    },
  };
}
