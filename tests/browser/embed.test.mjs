// The chat on an organisation's own website (issue 14): a plain host website, served by this
// test on another origin, embeds the snippet that `pforte-server topic snippet` prints. The
// host page sends a strict CSP of its own (scripts, connections and frames from Pforte only,
// no inline styles), as a careful website would; the button must work under it.
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import {
  ACCOUNTS,
  assertAccessible,
  assertClean,
  assertNotReloaded,
  axeViolations,
  eventually,
  launchBrowser,
  logIn,
  look,
  markDocument,
  openPage,
  screenshots,
  startChat,
  startServer,
  switchOn,
} from "./helpers.mjs";

/** A website of its own on 127.0.0.1:<port>: another origin than Pforte's. */
async function startHostSite() {
  const site = { pforte: null, snippets: new Map() };
  const server = createServer((request, response) => {
    const url = new URL(request.url, "http://host");
    const css = {
      "/site.css": SITE_CSS,
      "/hostile.css": HOSTILE_CSS,
    }[url.pathname];
    if (css) {
      response.writeHead(200, { "content-type": "text/css" });
      response.end(css);
      return;
    }
    const page = hostPage(site, url);
    if (!page) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not here");
      return;
    }
    const pforte = site.pforte;
    response.writeHead(200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy":
        `default-src 'none'; script-src ${pforte}; connect-src ${pforte} ${pforte.replace("http:", "ws:")}; ` +
        `frame-src ${pforte}; style-src 'self'; img-src 'self' data:`,
    });
    response.end(page);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  site.url = `http://127.0.0.1:${server.address().port}`;
  site.close = () => new Promise((resolve) => server.close(resolve));
  return site;
}

// The comparison pins the snippet's container to the same place on both pages (with a
// background of its own), and gives neither page a scroll bar (the longer page would have
// one, which moves the centred dialog by half its width), so the two screenshots are taken
// of the same pixels of the screen: Chromium's rasteriser shades the edge of a shape a little
// differently elsewhere.
const STAGE_ON_THE_SCREENSHOT = `
html.compare { overflow: hidden !important; }
.compare #stage { position: absolute !important; top: 320px !important; left: 48px !important;
  margin: 0 !important; padding: 0 !important; border: 0 !important; box-shadow: none !important; }
`;

// Whole pixels everywhere, so that the widget sits on whole pixels on every page and two
// screenshots of it can be compared byte for byte.
const SITE_CSS = `
body { margin: 0 auto; max-width: 720px; padding: 24px; font: 16px/24px Georgia, serif; color: #222; background: #fffdf7; }
h1 { font-size: 32px; line-height: 40px; margin: 0 0 16px; }
h2 { font-size: 24px; line-height: 32px; margin: 24px 0 8px; }
p { margin: 0 0 16px; }
#stage { display: flex; align-items: flex-start; padding: 16px 0; background: #fffdf7 !important; }
${STAGE_ON_THE_SCREENSHOT}
`;

// What a website's theme may do to every element and every button.
const HOSTILE_CSS = `
html { font-size: 10px !important; }
* {
  font-family: "Courier New", monospace !important; font-size: 22px !important; line-height: 3 !important;
  color: #c00 !important; background: #ff0 !important; border: 3px dashed #c00 !important;
  padding: 12px !important; margin: 6px !important; letter-spacing: 2px !important;
  text-transform: uppercase !important; box-sizing: content-box !important; border-radius: 0 !important;
  box-shadow: 0 0 0 4px #00f !important; text-shadow: 1px 1px 0 #0f0 !important; cursor: crosshair !important;
  outline: 5px solid #0f0 !important; min-width: 10px !important; vertical-align: top !important;
}
button { all: unset !important; display: block !important; width: 100% !important; background: #000 !important; color: #fff !important; font-size: 30px !important; }
#stage { background: #fffdf7 !important; display: flex !important; align-items: flex-start !important; }
${STAGE_ON_THE_SCREENSHOT}
`;

/** The host's pages: `/` with the snippet (`?topic`, `?lang`, `?css=hostile`), `/blank` without,
 * `/frame` with a bare iframe of the asker page. */
function hostPage(site, url) {
  const topic = url.searchParams.get("topic") ?? "suchtberatung";
  const lang = url.searchParams.get("lang") ?? "de";
  const hostile = url.searchParams.get("css") === "hostile";
  const compare = url.searchParams.has("compare");
  let stage;
  if (url.pathname === "/") stage = site.snippets.get(topic);
  else if (url.pathname === "/blank") stage = "";
  else if (url.pathname === "/frame")
    stage = `<iframe title="Chat" src="${site.pforte}/asker.html?topic=${topic}&amp;embed=1" width="400" height="500"></iframe>`;
  else return null;
  return `<!doctype html>
<html lang="${lang}"${compare ? ' class="compare"' : ""}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Suchtberatung – Caritas Beispielstadt</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/site.css">${hostile ? '\n<link rel="stylesheet" href="/hostile.css">' : ""}
</head>
<body>
<header><a href="/">Caritas Beispielstadt</a> · <a href="/kontakt">Kontakt</a></header>
<main>
<h1>Suchtberatung</h1>
<p>Wir beraten anonym und kostenlos, wenn Alkohol, Drogen oder Glücksspiel das Leben bestimmen.</p>
<h2>Anonymer Live-Chat</h2>
<div id="stage">${stage}</div>
<p><button type="button">Newsletter bestellen</button></p>
</main>
<footer><a href="/impressum">Impressum</a></footer>
</body>
</html>
`;
}

let server, browser, allowed, foreign, counselor;

before(async () => {
  allowed = await startHostSite();
  foreign = await startHostSite();
  server = await startServer({
    seed: [["topic", "embed-origins", "suchtberatung", "--add", allowed.url]],
  });
  for (const site of [allowed, foreign]) {
    site.pforte = server.url;
    // The snippet exactly as the operator command prints it.
    for (const slug of ["suchtberatung", "schwanger"]) {
      site.snippets.set(slug, server.operator("topic", "snippet", slug, "--base-url", server.url));
    }
  }
  browser = await launchBrowser();
  counselor = await openPage(browser, server);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await allowed?.close();
  await foreign?.close();
});

/** A visitor of the host website, in a browser of their own. */
async function visitor(site, { size = "desktop", path = "/" } = {}) {
  const visit = await openPage(browser, server, { size, alsoFrom: [site.url] });
  visit.sockets = [];
  visit.page.on("websocket", (socket) => visit.sockets.push(socket));
  await visit.page.goto(`${site.url}${path}`);
  return visit;
}

const button = (page) => page.locator("pforte-chat").getByRole("button").first();
const widgetState = (page) => page.locator("pforte-chat").getAttribute("data-state");
const openSockets = (visit) => visit.sockets.filter((s) => !s.isClosed());
const chatFrame = (page) => page.locator("pforte-chat iframe").contentFrame();

/** Where the keyboard focus is, seen from the host page: on the page itself, on the widget's
 * button or dialog, in the chat (the iframe), or nowhere (the body). */
const focus = (page) =>
  page.evaluate(() => {
    const widget = document.querySelector("pforte-chat");
    const outer = document.activeElement;
    if (!outer || outer === document.body) return { where: "body", text: "" };
    if (outer !== widget) return { where: "page", text: outer.textContent.trim() };
    const inner = widget.shadowRoot.activeElement;
    if (inner?.tagName === "IFRAME") return { where: "chat", text: "" };
    const style = inner ? getComputedStyle(inner) : null;
    return {
      where: "widget",
      tag: inner?.tagName,
      text: inner?.tagName === "DIALOG" ? "" : (inner?.textContent.trim() ?? ""),
      visible: !!style && style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    };
  });

/** What has the focus inside the chat frame (its label as a person hears it). */
const focusInChat = (frame) =>
  frame.evaluate(() => {
    const el = document.activeElement;
    const label = el?.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : null;
    return (el?.getAttribute("aria-label") ?? label ?? el?.textContent ?? "").trim();
  });

async function tabUntil(what, check, max = 20) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    const result = await check();
    if (result.done) return;
    seen.push(result.seen);
  }
  assert.fail(`Tab never reached ${what}; it went through: ${seen.join(" | ")}`);
}

/** Headless Chromium keeps every tab visible: play the browser's visibility signal. */
async function setTabVisible(page, visible) {
  await page.evaluate((visible) => {
    Object.defineProperty(document, "visibilityState", {
      configurable: true,
      get: () => (visible ? "visible" : "hidden"),
    });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => !visible });
    document.dispatchEvent(new Event("visibilitychange"));
  }, visible);
}

test("on an allowed website the button says nobody is there and when someone usually is, then turns available without a reload", async () => {
  const visit = await visitor(allowed);
  const { page } = visit;
  await button(page)
    .filter({ hasText: "Live-Chat: gerade niemand da (meist Mo–Fr 10–16 Uhr)" })
    .waitFor();
  assert.equal(await widgetState(page), "closed");
  await look(page, "embed-button-closed");
  await markDocument(page);

  await logIn(counselor.page, server, ACCOUNTS.anna);
  await switchOn(counselor.page);

  await button(page)
    .filter({ hasText: /^Live-Chat: jetzt erreichbar$/ })
    .waitFor();
  assert.equal(await widgetState(page), "open");
  await assertNotReloaded(page);
  await look(page, "embed-button-open");
  assert.equal(openSockets(visit).length, 1, "one gate socket");
  assertClean(visit);
  await visit.context.close();
});

test("on an English page the button speaks English", async () => {
  const visit = await visitor(allowed, { path: "/?lang=en" });
  await button(visit.page)
    .filter({ hasText: /^Live chat: available now$/ })
    .waitFor();
  assertClean(visit);
  await visit.context.close();
});

test("a click opens the chat in a dialog, and the whole chat runs inside it", async () => {
  const visit = await visitor(allowed);
  const { page } = visit;
  await button(page).filter({ hasText: "jetzt erreichbar" }).click();
  const dialog = page.getByRole("dialog", { name: "Anonymer Live-Chat: Suchtberatung" });
  await dialog.waitFor();
  const chat = chatFrame(page);
  await chat.getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" }).waitFor();
  // Inside the dialog the page names neither itself nor other topics: the dialog does.
  assert.equal(await chat.getByText("Anonymer Chat", { exact: true }).count(), 0);
  assert.equal(await chat.getByRole("button", { name: "Anderes Thema wählen" }).count(), 0);
  await chat.getByText("In einer akuten Notlage rufen Sie bitte den Notruf 112 an.").waitFor();
  await page.screenshot({ path: join(screenshots, "embed-dialog-consent-desktop.png") });

  await chat.getByLabel("Ich habe die Hinweise gelesen und bin einverstanden.").check();
  await chat.getByRole("button", { name: "Warteraum betreten" }).click();
  await chat.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  await page.screenshot({ path: join(screenshots, "embed-dialog-waiting-desktop.png") });

  await startChat(counselor.page);
  await chat.getByRole("heading", { name: "Chat mit Anna Berger" }).waitFor();
  await chat
    .getByRole("textbox", { name: "Ihre Nachricht" })
    .fill("Hallo, ich schreibe von der Website aus.");
  await chat.getByRole("button", { name: "Senden" }).click();
  await counselor.page
    .getByRole("log", { name: "Nachrichten" })
    .getByText("Hallo, ich schreibe von der Website aus.")
    .waitFor();
  await counselor.page
    .getByRole("textbox", { name: "Ihre Nachricht" })
    .fill("Schön, dass Sie da sind.");
  await counselor.page.keyboard.press("Enter");
  await chat
    .getByRole("log", { name: "Nachrichten" })
    .getByText("Schön, dass Sie da sind.")
    .waitFor();
  await page.screenshot({ path: join(screenshots, "embed-dialog-chat-desktop.png") });

  // Closed and opened again, the dialog still holds the running chat.
  await dialog.getByRole("button", { name: "Schließen" }).click();
  await dialog.waitFor({ state: "hidden" });
  const back = await focus(page);
  assert.deepEqual([back.where, back.text], ["widget", "Live-Chat: jetzt erreichbar"]);
  await button(page).click();
  await chat.getByText("Schön, dass Sie da sind.").waitFor();

  await chat.getByRole("button", { name: "Chat beenden" }).click();
  await chat
    .getByRole("dialog", { name: "Chat beenden?" })
    .getByRole("button", { name: "Ja, Chat beenden" })
    .click();
  await chat.getByRole("heading", { name: "Der Chat ist beendet" }).waitFor();
  await chat.getByText("Sie haben den Chat beendet.").waitFor();
  await counselor.page.getByText("Die ratsuchende Person hat den Chat beendet.").waitFor();
  await chat.getByText("In einer akuten Notlage rufen Sie bitte den Notruf 112 an.").waitFor();
  // A new chat starts with the same topic, not with a list of all topics.
  await chat.getByRole("button", { name: "Neuen Chat beginnen" }).click();
  await chat.getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" }).waitFor();
  assertClean(visit);
  await visit.context.close();
});

test("by keyboard alone: Tab to the button, Enter opens the dialog, the focus stays in it, Escape closes it and the focus returns; axe finds nothing serious inside", async () => {
  const visit = await visitor(allowed);
  const { page } = visit;
  await button(page).filter({ hasText: "jetzt erreichbar" }).waitFor();
  await tabUntil("the chat button", async () => {
    await page.keyboard.press("Tab");
    const now = await focus(page);
    return { done: now.where === "widget", seen: `${now.where}:${now.text}` };
  });
  const onButton = await focus(page);
  assert.equal(onButton.text, "Live-Chat: jetzt erreichbar");
  assert.ok(onButton.visible, "the focus on the button is visible");

  await page.keyboard.press("Enter");
  const dialog = page.getByRole("dialog", { name: "Anonymer Live-Chat: Suchtberatung" });
  await dialog.waitFor();
  const chat = chatFrame(page);
  await chat.getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" }).waitFor();
  // The focus goes into the chat, onto the heading of its first step; the close button is
  // just before it.
  const frame = page.frames().find((f) => f.url().includes("/asker.html"));
  await eventually(async () =>
    assert.equal(await focusInChat(frame), "Chat zum Thema „Suchtberatung“"),
  );
  assert.equal((await focus(page)).where, "chat");
  await tabUntil("the close button", async () => {
    await page.keyboard.press("Shift+Tab");
    const now = await focus(page);
    return { done: now.text === "Schließen", seen: `${now.where}:${now.text}` };
  });
  assert.ok((await focus(page)).visible, "the focus on the close button is visible");

  // Round and round: the focus never reaches the host page behind the dialog.
  const places = new Set();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press("Tab");
    const now = await focus(page);
    places.add(now.where);
    assert.notEqual(now.where, "page", `Tab ${i + 1} left the dialog for "${now.text}"`);
  }
  assert.ok(places.has("chat") && places.has("widget"), [...places].join(","));

  await assertAccessible(page, "the host page with the chat dialog open");
  assert.deepEqual(await axeViolations(frame), [], "axe inside the chat dialog");

  // Into the chat and through the consent by keyboard.
  await tabUntil("the consent box", async () => {
    await page.keyboard.press("Tab");
    const text = (await focus(page)).where === "chat" ? await focusInChat(frame) : "";
    return { done: text === "Ich habe die Hinweise gelesen und bin einverstanden.", seen: text };
  });
  await page.keyboard.press("Space");
  await page.keyboard.press("Tab");
  assert.equal(await focusInChat(frame), "Warteraum betreten");
  await page.keyboard.press("Enter");
  await chat.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  assert.deepEqual(await axeViolations(frame), [], "axe in the waiting room inside the dialog");

  // Escape from inside the chat closes the dialog, and the focus is back on the button.
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "hidden" });
  const back = await focus(page);
  assert.deepEqual([back.where, back.text], ["widget", "Live-Chat: jetzt erreichbar"]);
  // The request is still waiting: the dialog only hid it.
  await page.keyboard.press("Enter");
  await chat.getByRole("heading", { name: "Sie sind im Warteraum" }).waitFor();
  await chat.getByRole("button", { name: "Warteraum verlassen" }).click();
  await chat.getByRole("button", { name: "Ja, verlassen" }).click();
  await chat.getByRole("heading", { name: "Sie haben den Warteraum verlassen" }).waitFor();
  assertClean(visit);
  await visit.context.close();
});

test("on a phone the chat opens in a tab of its own", async () => {
  const visit = await visitor(allowed, { size: "phone" });
  const { page, context } = visit;
  await button(page).filter({ hasText: "jetzt erreichbar" }).waitFor();
  const [tab] = await Promise.all([context.waitForEvent("page"), button(page).click()]);
  await tab.waitForLoadState();
  assert.equal(new URL(tab.url()).origin, server.url);
  assert.equal(new URL(tab.url()).pathname, "/asker.html");
  assert.equal(new URL(tab.url()).searchParams.get("topic"), "suchtberatung");
  assert.equal(new URL(tab.url()).searchParams.get("embed"), null);
  await tab.getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" }).waitFor();
  await tab.screenshot({ path: join(screenshots, "embed-phone-tab-phone.png") });
  assert.equal(await page.getByRole("dialog").count(), 0);
  assert.equal(await tab.evaluate(() => window.opener), null, "the tab cannot reach the host page");
  assertClean(visit);
  await context.close();
});

test("a website that may not embed the topic gets no button, and the browser refuses to frame the asker page there", async () => {
  const visit = await visitor(foreign);
  const { page } = visit;
  await page
    .locator('pforte-chat[data-state="refused"]')
    .waitFor({ state: "attached", timeout: 30_000 });
  assert.equal(await button(page).isVisible(), false);
  assert.ok(
    visit.sockets.length >= 1 && visit.sockets.length <= 5,
    `${visit.sockets.length} attempts`,
  );
  assert.equal(openSockets(visit).length, 0);

  // A website allowed for one topic may not embed another.
  const other = await visitor(allowed, { path: "/?topic=schwanger" });
  await other.page
    .locator('pforte-chat[data-state="refused"]')
    .waitFor({ state: "attached", timeout: 30_000 });
  assert.equal(await button(other.page).isVisible(), false);

  // The asker page in a bare iframe: shown on the allowed website, refused on the other.
  const framed = await visitor(allowed, { path: "/frame" });
  await framed.page
    .locator("iframe")
    .contentFrame()
    .getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" })
    .waitFor();
  const refused = await visitor(foreign, { path: "/frame" });
  const blocked = [];
  refused.page.on("console", (m) => blocked.push(m.text()));
  await refused.page.reload();
  await refused.page.waitForTimeout(1000);
  const frame = refused.page.frames().find((f) => f !== refused.page.mainFrame());
  assert.ok(frame, "the iframe is there");
  assert.equal(frame.url(), "chrome-error://chromewebdata/", "the browser shows its error page");
  assert.equal(await frame.getByText("Chat zum Thema").count(), 0);
  assert.ok(
    blocked.some((text) => /frame-ancestors/.test(text)),
    `the browser names frame-ancestors: ${blocked.join("\n")}`,
  );
  for (const v of [visit, other, framed]) assertClean(v);
  for (const v of [visit, other, framed, refused]) await v.context.close();
});

test("host CSS that styles * and button does not change the widget (screenshots compared)", async () => {
  const plain = await visitor(allowed, { path: "/?compare" });
  const hostile = await visitor(allowed, { path: "/?compare&css=hostile" });
  for (const { page } of [plain, hostile]) {
    await button(page).filter({ hasText: "jetzt erreichbar" }).waitFor();
  }
  // The hostile theme does apply to the page's own button.
  const newsletter = hostile.page.getByRole("button", { name: "Newsletter bestellen" });
  assert.equal(
    await newsletter.evaluate((b) => getComputedStyle(b).backgroundColor),
    "rgb(0, 0, 0)",
  );

  const shots = [];
  for (const [name, { page }] of [
    ["plain", plain],
    ["hostile", hostile],
  ]) {
    shots.push(
      await page
        .locator("pforte-chat")
        .screenshot({ path: join(screenshots, `embed-css-${name}-button.png`) }),
    );
  }
  assert.ok(shots[0].equals(shots[1]), "the button looks the same under the hostile theme");

  const dialogs = [];
  for (const [name, { page }] of [
    ["plain", plain],
    ["hostile", hostile],
  ]) {
    await button(page).click();
    await chatFrame(page)
      .getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" })
      .waitFor();
    const box = await page.locator("pforte-chat dialog").boundingBox();

    // Inside the rounded corners, where the backdrop over the page does not show.
    const inset = 14;
    dialogs.push(
      await page.screenshot({
        path: join(screenshots, `embed-css-${name}-dialog.png`),
        clip: {
          x: box.x + inset,
          y: box.y + inset,
          width: box.width - 2 * inset,
          height: box.height - 2 * inset,
        },
      }),
    );
  }
  assert.ok(dialogs[0].equals(dialogs[1]), "the dialog looks the same under the hostile theme");
  assertClean(plain, hostile);
  await plain.context.close();
  await hostile.context.close();
});

test("the script asks nobody but Pforte, sets no cookies and leaves the host page as it was", async () => {
  const visit = await openPage(browser, server, { alsoFrom: [allowed.url] });
  const { page, context } = visit;
  const requests = [];
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(`${allowed.url}/blank`);
  const globals = await page.evaluate(() => Object.getOwnPropertyNames(window).sort());
  requests.length = 0;

  await page.goto(`${allowed.url}/`);
  await button(page).filter({ hasText: "jetzt erreichbar" }).waitFor();
  await button(page).click();
  await chatFrame(page).getByRole("heading", { name: "Chat zum Thema „Suchtberatung“" }).waitFor();

  const elsewhere = requests.filter((url) => !url.startsWith(`${server.url}/`));
  assert.deepEqual(
    elsewhere,
    [`${allowed.url}/`, `${allowed.url}/site.css`],
    "the host's own page and style only",
  );
  assert.ok(requests.includes(`${server.url}/embed.js`));
  assert.ok(requests.includes(`${server.url}/api/topics/suchtberatung`));
  assert.deepEqual(await context.cookies(), [], "no cookies, on either origin");
  assert.equal(await page.evaluate(() => document.cookie), "");
  assert.deepEqual(
    await page.evaluate(() => Object.getOwnPropertyNames(window).sort()),
    globals,
    "no globals",
  );
  // The page is as served, with one element more: the widget, right after its snippet.
  const served = hostPage(allowed, new URL(`${allowed.url}/`));
  const changes = await page.evaluate((served) => {
    const original = new DOMParser().parseFromString(served, "text/html");
    const now = document.body.cloneNode(true);
    // A parser without scripts reads <noscript> as markup, the page's as text: leave it out.
    for (const body of [original.body, now])
      body.querySelectorAll("noscript").forEach((n) => n.remove());
    const widgets = now.querySelectorAll("pforte-chat");
    const placed = widgets[0]?.previousElementSibling?.tagName;
    widgets.forEach((w) => w.remove());
    return { count: widgets.length, placed, same: now.isEqualNode(original.body) };
  }, served);
  assert.deepEqual(changes, { count: 1, placed: "SCRIPT", same: true });
  assertClean(visit);
  await context.close();
});

test("a hidden tab holds no gate socket; shown again it opens one and catches up with the gate", async () => {
  const visit = await visitor(allowed);
  const { page } = visit;
  await button(page).filter({ hasText: "jetzt erreichbar" }).waitFor();
  assert.equal(openSockets(visit).length, 1);

  await setTabVisible(page, false);
  await eventually(() => assert.equal(openSockets(visit).length, 0, "hidden: no socket"));
  // Meanwhile the gate closes; nobody tells the hidden tab.
  await counselor.page.getByRole("link", { name: /Live-Chat Anfragen/ }).click();
  await counselor.page.getByRole("switch", { name: "Meine Live-Chat Verfügbarkeit" }).click();
  await counselor.page
    .getByRole("heading", { name: "Ihre Live-Chat Verfügbarkeit ist ausgeschaltet" })
    .waitFor();
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.equal(openSockets(visit).length, 0);

  await setTabVisible(page, true);
  await button(page).filter({ hasText: "gerade niemand da" }).waitFor();
  assert.equal(openSockets(visit).length, 1, "visible: one socket again");
  assert.equal(visit.sockets.length, 2);
  assertClean(visit);
  await visit.context.close();
});

test("the counselor's page made no request elsewhere and threw no error", () => {
  assertClean(counselor);
});

// The size of what every visitor of an embedding website loads.
test("embed.js is small: at most 8 kB gzipped", async () => {
  const { gzipSync } = await import("node:zlib");
  const response = await fetch(`${server.url}/embed.js`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type"), /javascript/);
  const body = Buffer.from(await response.arrayBuffer());
  const gzipped = gzipSync(body, { level: 9 }).length;
  console.log(`embed.js: ${body.length} bytes, ${gzipped} bytes gzipped`);
  assert.ok(gzipped <= 8 * 1024, `${gzipped} bytes gzipped`);
});
