// Stand-in page for the desktop shell's tests: talks to the shell through Tauri's IPC only
// (window.__TAURI_INTERNALS__, what @tauri-apps/api uses underneath).
const tauri = window.__TAURI_INTERNALS__;
const $ = (id) => document.getElementById(id);

function invoke(cmd, args = {}) {
  return tauri.invoke(cmd, args);
}

function listen(event, handler) {
  return invoke("plugin:event|listen", {
    event,
    target: { kind: "Any" },
    handler: tauri.transformCallback((e) => handler(e.payload)),
  });
}

function log(text) {
  const item = document.createElement("li");
  item.textContent = `${new Date().toLocaleTimeString("de-DE")} ${text}`;
  $("events").prepend(item);
}

function showAvailability(a) {
  if (!a) return;
  $("availability").textContent = a.available ? "verfügbar" : "nicht verfügbar";
  $("availability").dataset.available = String(a.available);
}

async function switchTo(on) {
  const answer = await invoke("api_request", {
    method: "PUT",
    path: "/api/me/availability",
    body: { on },
  });
  log(`PUT /api/me/availability → ${answer.status}`);
  if (answer.status === 200) showAvailability(answer.body);
}

$("switch-on").addEventListener("click", () => switchTo(true).catch((e) => log(`Fehler: ${e}`)));
$("switch-off").addEventListener("click", () => switchTo(false).catch((e) => log(`Fehler: ${e}`)));

listen("availability-changed", (a) => { showAvailability(a); log(`availability-changed ${a.available}`); });
listen("open-request", (p) => { $("open-request").textContent = p.request_id; log(`open-request ${p.request_id}`); });
listen("availability-signal", (p) => { $("offline-signal").textContent = `${p.reason} (${p.delivered ? "bestätigt" : "ohne Antwort"})`; log(`availability-signal ${p.reason}`); });
listen("connection-changed", (p) => { $("connection").textContent = p.connected ? "verbunden" : "getrennt"; });
listen("session-ended", (p) => { $("session").textContent = `beendet (${p.reason})`; log(`session-ended ${p.reason}`); });

async function init() {
  const session = await invoke("session_get");
  $("session").textContent = session ? `${session.server} (${session.stored_in})` : "keine";
  const store = await invoke("secret_store_available");
  $("secret-store").textContent = store.available ? "verfügbar" : "nicht verfügbar";
  $("secret-store").dataset.available = String(store.available);
  const status = await invoke("shell_status");
  $("connection").textContent = status.connected ? "verbunden" : "getrennt";
  showAvailability(status.availability);
  document.body.dataset.ready = "true";
}
init().catch((e) => log(`Fehler: ${e}`));
