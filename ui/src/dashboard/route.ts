// The dashboard's places, kept in the URL hash so reload and back/forward work.

export type Route =
  | { name: "requests" }
  | { name: "conversations"; conversationId: string | null }
  | { name: "activities" }
  | { name: "admin" };

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case "beratungen":
      return { name: "conversations", conversationId: parts[1] ?? null };
    case "profil":
      return { name: "activities" };
    case "verwaltung":
      return { name: "admin" };
    default:
      return { name: "requests" };
  }
}

export function routeHash(route: Route): string {
  switch (route.name) {
    case "requests":
      return "#/erstanfragen/live-chat";
    case "conversations":
      return route.conversationId
        ? `#/beratungen/${encodeURIComponent(route.conversationId)}`
        : "#/beratungen";
    case "activities":
      return "#/profil/aktivitaeten";
    case "admin":
      return "#/verwaltung";
  }
}
