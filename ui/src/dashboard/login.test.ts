import { describe, expect, it } from "vitest";
import { loginProblems, normalizeServer } from "./login";

describe("the server address", () => {
  it("accepts http and https addresses and drops a trailing slash", () => {
    expect(normalizeServer(" https://beratung.example.org/ ")).toBe("https://beratung.example.org");
    expect(normalizeServer("http://127.0.0.1:8080")).toBe("http://127.0.0.1:8080");
    expect(normalizeServer("https://example.org/pforte/")).toBe("https://example.org/pforte");
  });

  it("refuses an address without http:// or https://", () => {
    expect(normalizeServer("beratung.example.org")).toBeNull();
    expect(normalizeServer("ftp://example.org")).toBeNull();
    expect(normalizeServer("javascript:alert(1)")).toBeNull();
  });

  it("refuses an address with a query, a fragment or credentials", () => {
    expect(normalizeServer("https://example.org/?x=1")).toBeNull();
    expect(normalizeServer("https://user:pw@example.org")).toBeNull();
  });
});

describe("the login form", () => {
  it("names every missing field", () => {
    expect(loginProblems({ server: "", name: " ", password: "" })).toEqual({
      server: "missing_server",
      name: "missing_name",
      password: "missing_password",
    });
  });

  it("has no problem when everything is filled in properly", () => {
    expect(loginProblems({ server: "https://a.example", name: "anna", password: " x " })).toEqual(
      {},
    );
  });

  it("keeps a password made of blanks, since it may be a real one", () => {
    expect(loginProblems({ server: "https://a.example", name: "anna", password: "   " })).toEqual(
      {},
    );
  });
});

describe("the login form of the desktop app", () => {
  const desktop = { secureServerOnly: true };
  const filled = (server: string) => ({ server, name: "anna", password: "x" });

  it("takes https anywhere and plain http on this machine only", () => {
    expect(loginProblems(filled("https://beratung.example.org"), desktop)).toEqual({});
    expect(loginProblems(filled("http://127.0.0.1:8080"), desktop)).toEqual({});
    expect(loginProblems(filled("http://localhost:8080"), desktop)).toEqual({});
    expect(loginProblems(filled("http://[::1]:8080"), desktop)).toEqual({});
  });

  it("refuses plain http to another machine, which the browser allows", () => {
    expect(loginProblems(filled("http://beratung.example.org"), desktop)).toEqual({
      server: "insecure_server",
    });
    expect(loginProblems(filled("http://beratung.example.org"))).toEqual({});
  });
});
