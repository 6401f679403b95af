// Checking the login form before anything is sent.

export interface LoginInput {
  server: string;
  name: string;
  password: string;
}

export type LoginFieldProblem =
  "missing_server" | "invalid_server" | "insecure_server" | "missing_name" | "missing_password";

export type LoginProblems = Partial<Record<keyof LoginInput, LoginFieldProblem>>;

/** The server address as the HTTP client wants it: `http(s)://host[:port][/path]`, no slash at the end. */
export function normalizeServer(input: string): string | null {
  const trimmed = input.trim();
  if (!/^https?:\/\//i.test(trimmed)) return null;
  try {
    const url = new URL(trimmed);
    if (!url.hostname) return null;
    if (url.search || url.hash || url.username || url.password) return null;
    return `${url.protocol}//${url.host}${url.pathname}`.replace(/\/+$/, "");
  } catch {
    return null;
  }
}

/** Plain `http://` to this machine only (`localhost`, `127.x.x.x`, `::1`). */
export function isSecureOrLocal(server: string): boolean {
  const url = new URL(server);
  if (url.protocol === "https:") return true;
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export interface LoginRules {
  /** The desktop app talks `https` only (plain `http` to this machine for a local server). */
  secureServerOnly?: boolean;
}

export function loginProblems(input: LoginInput, rules: LoginRules = {}): LoginProblems {
  const problems: LoginProblems = {};
  const server = normalizeServer(input.server);
  if (input.server.trim() === "") problems.server = "missing_server";
  else if (server === null) problems.server = "invalid_server";
  else if (rules.secureServerOnly && !isSecureOrLocal(server)) problems.server = "insecure_server";
  if (input.name.trim() === "") problems.name = "missing_name";
  if (input.password === "") problems.password = "missing_password";
  return problems;
}
