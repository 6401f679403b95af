// Checking the login form before anything is sent.

export interface LoginInput {
  server: string;
  name: string;
  password: string;
}

export type LoginFieldProblem =
  "missing_server" | "invalid_server" | "missing_name" | "missing_password";

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

export function loginProblems(input: LoginInput): LoginProblems {
  const problems: LoginProblems = {};
  if (input.server.trim() === "") problems.server = "missing_server";
  else if (normalizeServer(input.server) === null) problems.server = "invalid_server";
  if (input.name.trim() === "") problems.name = "missing_name";
  if (input.password === "") problems.password = "missing_password";
  return problems;
}
