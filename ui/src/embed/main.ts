// embed.js: the chat button on an organisation's own website.
//
//   <script src="https://PFORTE/embed.js" data-topic="suchtberatung" async></script>
//
// It adds one element where the snippet is (its button and dialog in a Shadow DOM), talks to
// the Pforte server it was loaded from and to nobody else, sets no cookies and reads nothing of
// the page but the snippet's attributes, the page's language and whether the tab is visible.
import { deEmbed } from "../i18n/de/embed";
import { enEmbed } from "../i18n/en/embed";
import { configFrom } from "./config";
import { GateFollower, type TopicAnswer } from "./follow";
import { createWidget } from "./widget";

function start(script: HTMLScriptElement) {
  const config = configFrom(script.src, script.dataset.topic, document.documentElement.lang);
  if (!config) {
    console.warn('Pforte: the chat button needs data-topic="…" on its <script>.');
    return;
  }
  const widget = createWidget(config, config.lang === "en" ? enEmbed : deEmbed, document);
  const place = () => {
    const parent = script.parentElement;
    if (parent && parent !== document.head) script.after(widget.element);
    else document.body.append(widget.element);
  };
  if (script.parentElement && script.parentElement !== document.head) place();
  else if (document.body) place();
  else document.addEventListener("DOMContentLoaded", place, { once: true });

  const fetchTopic = async (): Promise<TopicAnswer> => {
    try {
      const response = await fetch(config.topicUrl, {
        credentials: "omit",
        cache: "no-store",
        referrerPolicy: "no-referrer",
      });
      if (response.status === 404) return { kind: "unknown" };
      return response.ok ? { kind: "topic", topic: await response.json() } : { kind: "failed" };
    } catch {
      return { kind: "failed" };
    }
  };

  const follower = new GateFollower(
    {
      fetchTopic,
      openSocket(on) {
        let socket: WebSocket;
        try {
          socket = new WebSocket(config.socketUrl);
        } catch {
          setTimeout(() => on.closed(1006));
          return { send() {}, close() {} };
        }
        socket.onmessage = (event) => {
          if (typeof event.data === "string") on.message(event.data);
        };
        socket.onclose = (event) => on.closed(event.code);
        return {
          send(text) {
            if (socket.readyState === WebSocket.OPEN) socket.send(text);
          },
          close() {
            socket.onmessage = socket.onclose = null;
            socket.close(1000);
          },
        };
      },
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
      random: Math.random,
    },
    (gate) => widget.show(gate),
    (why) => {
      widget.hide(why);
      console.warn(
        why === "unknown"
          ? `Pforte: the topic "${config.slug}" does not exist or offers no live chat.`
          : `Pforte: the chat button for "${config.slug}" cannot connect to ${config.origin}. ` +
              "Is this website allowed to embed the topic (pforte-server topic embed-origins)?",
      );
    },
  );
  const onVisibility = () => follower.setVisible(document.visibilityState === "visible");
  document.addEventListener("visibilitychange", onVisibility);
  onVisibility();
}

const script = document.currentScript;
if (script instanceof HTMLScriptElement && script.src) start(script);
