// What every browser test file shares: a real Pforte server with a fresh database (started and
// seeded with the operator commands, as an operator would), Debian's Chromium driven by
// playwright-core, screenshots at desktop and phone size, and axe-core.
//
// Environment: PFORTE_SERVER_BIN (default target/debug/pforte-server), PFORTE_UI_DIR (default
// ui/dist), CHROMIUM (default /usr/bin/chromium).
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const serverBin = process.env.PFORTE_SERVER_BIN ?? join(root, "target/debug/pforte-server");
export const uiDir = process.env.PFORTE_UI_DIR ?? join(root, "ui/dist");
export const screenshots = fileURLToPath(new URL("./screenshots/", import.meta.url));

export const SIZES = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

/** The accounts and topics every test server starts with. Passwords need 8 characters. */
export const ACCOUNTS = {
  anna: { name: "anna", displayName: "Anna Berger", password: "anna-password" },
  bernd: { name: "bernd", displayName: "Bernd Kaya", password: "bernd-password" },
  carla: { name: "carla", displayName: "Carla Nowak", password: "carla-password" },
};

const SEED = [
  [
    "topic",
    "create",
    "--slug",
    "suchtberatung",
    "--name",
    "Suchtberatung",
    "--live-chat",
    "--chat-hours",
    "Mo–Fr 10–16 Uhr",
  ],
  ["topic", "create", "--slug", "schwanger", "--name", "Schwangerschaftsberatung", "--live-chat"],
  ["topic", "create", "--slug", "go-on", "--name", "Go on – Start up"],
  ...[
    ["anna", "suchtberatung,schwanger"],
    ["bernd", "suchtberatung"],
    ["carla", "go-on"],
  ].map(([who, topics]) => [
    "counselor",
    "create",
    "--name",
    ACCOUNTS[who].name,
    "--display-name",
    ACCOUNTS[who].displayName,
    "--topics",
    topics,
    "--password",
    ACCOUNTS[who].password,
  ]),
];

/** Runs `pforte-server serve` and resolves once it logged its address. */
async function serve(env, listen, args) {
  const child = spawn(serverBin, ["serve", "--listen", listen, "--ui-dir", uiDir, ...args], {
    // Defaults for tests; `args` override them (flags win over the environment).
    env: {
      ...env,
      PFORTE_ENTER_PER_MINUTE: "1000",
      PFORTE_LOGIN_PER_MINUTE: "1000",
      PFORTE_GRACE: "5s",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const process_ = { child, log: "" };
  process_.address = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start:\n${process_.log}`)),
      15_000,
    );
    const onData = (chunk) => {
      process_.log += chunk;
      const match = /address=(\S+)/.exec(process_.log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${process_.log}`));
    });
  });
  process_.exited = new Promise((resolve) => child.once("exit", resolve));
  process_.killOnExit = () => child.kill("SIGKILL");
  process.once("exit", process_.killOnExit);
  return process_;
}

/** SIGTERM (graceful: sockets are closed with 1012), SIGKILL after 5 s. */
async function shutDown(running) {
  process.removeListener("exit", running.killOnExit);
  const { child } = running;
  if (child.exitCode === null && child.signalCode === null) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    await running.exited;
    clearTimeout(timer);
  }
}

/**
 * Starts a real server on a free port with a fresh SQLite database, seeded by the operator
 * commands. `args` are extra `serve` flags (e.g. `["--grace", "4s"]`); `seed` are extra
 * operator commands run after the usual ones (e.g. `["topic", "embed-origins", …]`).
 */
export async function startServer({ args = [], seed = [] } = {}) {
  assert.ok(
    existsSync(serverBin),
    `no server binary at ${serverBin}: cargo build -p pforte-server`,
  );
  assert.ok(existsSync(join(uiDir, "asker.html")), `no built UI in ${uiDir}: npm run build in ui/`);
  const dataDir = mkdtempSync(join(tmpdir(), "pforte-browser-"));
  const env = {
    ...process.env,
    PFORTE_DATA_DIR: dataDir,
    NO_COLOR: "1",
    PFORTE_LOG: process.env.PFORTE_LOG ?? "info",
  };
  for (const command of [...SEED, ...seed]) {
    const done = spawnSync(serverBin, command, { env, encoding: "utf8" });
    assert.equal(done.status, 0, `${command.join(" ")} failed:\n${done.stderr}${done.stdout}`);
  }
  let running = await serve(env, "127.0.0.1:0", args);
  const address = running.address;
  return {
    url: `http://${address}`,
    /** Where the server keeps its database (`pforte.db` and its `-wal`, `-shm`). */
    dataDir,
    get log() {
      return running.log;
    },
    /** Runs an operator command against this server's database; returns what it printed. */
    operator(...command) {
      const done = spawnSync(serverBin, command, { env, encoding: "utf8" });
      assert.equal(done.status, 0, `${command.join(" ")} failed:\n${done.stderr}${done.stdout}`);
      return done.stdout;
    },
    /**
     * Stops the server with SIGTERM (sockets closed with 1012) and starts it again on the same
     * address and database, after `whileDown` (if given) has run. Resolves once it listens.
     */
    async restart({ whileDown } = {}) {
      await shutDown(running);
      try {
        await whileDown?.();
      } finally {
        running = await serve(env, address, args);
      }
    },
    async stop() {
      await shutDown(running);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Puts a relay between the page and its counselor WebSocket (playwright's routeWebSocket), so
 * a test can play the network: `cut()` breaks the connection at both ends as a failing network
 * would, `blocked = true` refuses new connections, `hold()` keeps the server's events back
 * until `release()` (as a slow network would). Call before the page opens its socket.
 */
export async function relayCounselorSocket(page) {
  const relay = {
    current: null,
    blocked: false,
    held: null,
    cut() {
      const link = this.current;
      this.current = null;
      // The server end is a real WebSocket in the page: only 1000 or 3000–4999 may be sent.
      link?.server.close({ code: 4000, reason: "cut by the test" });
      link?.page.close({ code: 4000, reason: "cut by the test" });
    },
    hold() {
      this.held ??= [];
    },
    release() {
      const held = this.held ?? [];
      this.held = null;
      for (const [ws, message] of held) ws.send(message);
    },
  };
  // `?fresh=true` on the first socket after a page load (the server ends a resume then).
  await page.routeWebSocket(/\/api\/counselor\/ws(\?fresh=true)?$/, (ws) => {
    if (relay.blocked) {
      ws.close({ code: 4000, reason: "network down" });
      return;
    }
    const server = ws.connectToServer();
    server.onMessage((message) => {
      if (relay.held) relay.held.push([ws, message]);
      else ws.send(message);
    });
    relay.current = { page: ws, server };
  });
  return relay;
}

/**
 * Holds back the answer of the first `method` request to `path` (a string, or a RegExp of the
 * path) the page makes: the server
 * answers at once (`fetched`), the page gets the answer only on `release()`, as a slow network
 * would deliver it. `release()` resolves once the browser has the whole answer.
 */
export async function holdFirstAnswer(page, method, path) {
  const matches = typeof path === "string" ? (p) => p === path : (p) => path.test(p);
  let release, fetched, delivered;
  const released = new Promise((resolve) => (release = resolve));
  const wasFetched = new Promise((resolve) => (fetched = resolve));
  const wasDelivered = new Promise((resolve) => (delivered = resolve));
  let taken = false;
  await page.route(
    (url) => matches(url.pathname),
    async (route) => {
      const request = route.request();
      if (taken || request.method() !== method) return route.fallback();
      taken = true;
      const response = await route.fetch();
      fetched();
      await released;
      const finished = page.waitForEvent("requestfinished", (r) => r === request);
      await route.fulfill({ response });
      await finished;
      delivered();
    },
  );
  return {
    fetched: wasFetched,
    async release() {
      release();
      await wasDelivered;
      // Let the page's code take the answer in (fetch, JSON, the store, the view).
      await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    },
  };
}

/** Debian's Chromium, headless; never a downloaded browser. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
      "--disable-dev-shm-usage",
    ],
  });
}

/**
 * A fresh browser context (its own storage, like another person's device) with one page.
 * Fails the test later (see `assertClean`) for uncaught page errors, for violations of the
 * server's Content-Security-Policy and for any request that leaves the server's origin (no
 * CDN, no third party). `alsoFrom`: other origins the test itself serves (a host website).
 */
export async function openPage(
  browser,
  server,
  { size = "desktop", locale = "de-DE", alsoFrom = [] } = {},
) {
  const context = await browser.newContext({
    viewport: SIZES[size],
    locale,
    timezoneId: "Europe/Berlin",
    acceptDownloads: true,
    reducedMotion: "reduce",
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // The server's Content-Security-Policy must never get in the way of the pages.
  page.on("console", (message) => {
    if (message.type() === "error" && /Content Security Policy/i.test(message.text())) {
      problems.push(`CSP violation: ${message.text()}`);
    }
  });
  page.on("request", (request) => {
    const url = request.url();
    const known = [server.url, ...alsoFrom].some((origin) => url.startsWith(`${origin}/`));
    if (!known && !/^(data|blob|about):/.test(url)) {
      problems.push(`third-party request: ${url}`);
    }
  });
  return { context, page, problems };
}

export function assertClean(...pages) {
  assert.deepEqual(
    pages.flatMap((p) => p.problems),
    [],
  );
}

/** Retries `check` (which throws while not yet true) until it passes or `timeout` ms pass. */
export async function eventually(check, timeout = 5_000) {
  const end = Date.now() + timeout;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The text of an element as a person reads it: lines, without empty ones. */
export async function seen(locator) {
  return (await locator.innerText())
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join("\n");
}

/** Marks the document, so a later `assertNotReloaded` proves the page changed by itself. */
export async function markDocument(page) {
  await page.evaluate(() => {
    window.__pforteMark = "still the same document";
  });
}

export async function assertNotReloaded(page) {
  assert.equal(
    await page.evaluate(() => window.__pforteMark),
    "still the same document",
    "the page was reloaded",
  );
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/** axe-core on the page as it is now; returns the serious and critical violations. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      resultTypes: ["violations"],
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(" ")}: ${n.failureSummary}`),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function assertAccessible(page, label) {
  const serious = await axeViolations(page);
  assert.deepEqual(serious, [], `axe-core found serious or critical violations on ${label}`);
}

/**
 * Looks at the page as it is at both sizes: a full-page screenshot each into screenshots/
 * `<name>-desktop.png` and `<name>-phone.png`, and axe-core at each size. Leaves the page at
 * the size it had. A modal dialog is best seen without `fullPage` (its backdrop covers the
 * viewport only).
 */
export async function look(page, name, { fullPage = true } = {}) {
  mkdirSync(screenshots, { recursive: true });
  const before = page.viewportSize();
  for (const [size, viewport] of Object.entries(SIZES)) {
    await page.setViewportSize(viewport);
    // Let layout and transitions settle.
    await page.evaluate(
      () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    );
    await page.screenshot({ path: join(screenshots, `${name}-${size}.png`), fullPage });
    await assertAccessible(page, `${name} (${size})`);
  }
  if (before) await page.setViewportSize(before);
}

/** Logs a counselor in through the login form. */
export async function logIn(page, server, account) {
  await page.goto(`${server.url}/`);
  await page.getByLabel("Benutzername").fill(account.name);
  await page.getByLabel("Passwort").fill(account.password);
  await page.getByRole("button", { name: "Anmelden" }).click();
  await page.getByRole("heading", { name: "Live-Chat Anfragen", level: 1 }).waitFor();
  await page
    .getByRole("status")
    .filter({ hasText: /verbunden$/ })
    .waitFor();
}

/** "Verfügbarkeit aktivieren" on the requests view; waits until the dashboard says so. */
export async function switchOn(page) {
  await page.getByRole("button", { name: "Verfügbarkeit aktivieren" }).click();
  await page.getByText("Sie sind verfügbar.").first().waitFor();
}

/** An asker opens the direct link of a topic whose gate is open and enters the waiting room. */
export async function enterWaitingRoom(page, server, slug = "suchtberatung") {
  await page.goto(`${server.url}/asker.html?topic=${slug}`);
  await page.getByLabel("Ich habe die Hinweise gelesen und bin einverstanden.").check();
  await page.getByRole("button", { name: "Warteraum betreten" }).click();
  await page.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
}

/** The counselor starts the chat of the only waiting request; the chat opens. */
export async function startChat(page) {
  await page.getByRole("link", { name: /Live-Chat Anfragen/ }).click();
  await page.getByRole("button", { name: "Chat starten" }).click();
  await page.getByRole("textbox", { name: "Ihre Nachricht" }).waitFor();
}
