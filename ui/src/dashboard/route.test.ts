import { describe, expect, it } from "vitest";
import { parseRoute, routeHash, type Route } from "./route";

describe("dashboard routes", () => {
  it("opens on the live-chat requests when the hash is empty or unknown", () => {
    expect(parseRoute("")).toEqual({ name: "requests" });
    expect(parseRoute("#/nonsense")).toEqual({ name: "requests" });
  });

  it("round-trips every place through the hash", () => {
    const routes: Route[] = [
      { name: "requests" },
      { name: "conversations", conversationId: null },
      { name: "conversations", conversationId: "3f2a-01" },
      { name: "activities" },
    ];
    for (const route of routes) expect(parseRoute(routeHash(route))).toEqual(route);
  });
});
