// Following one topic's gate from a host page, with the I/O passed in (see main.ts), so the
// rules are tested without a browser:
//
// - the gate socket is open only while the tab is visible (hidden tabs hold no socket);
// - every `ready` re-reads the topic (name, gate, hours), since changes are missed while no
//   socket is open; `gate_changed` of the topic then moves the button at once;
// - a lost socket comes back after a random share of an exponential delay, so the visitors
//   of a busy website do not all knock at once after a restart (1012: within a few seconds);
// - a page that was never let in stops after a few attempts: its website may not embed the
//   topic (the server refuses it before the upgrade), or Pforte is not reachable from it.
import type { PublicTopic, ServerEvent } from "../wire/types";
import { backoffDelay, type BackoffPolicy } from "../platform/backoff";

export interface Gate {
  name: string;
  open: boolean;
  hours: string | null;
}

export type TopicAnswer =
  | { kind: "topic"; topic: PublicTopic }
  /** 404: no such topic, or it offers no live chat. */
  | { kind: "unknown" }
  | { kind: "failed" };

export interface GateSocket {
  send(text: string): void;
  close(): void;
}

export interface FollowerIo {
  fetchTopic(): Promise<TopicAnswer>;
  openSocket(on: { message(text: string): void; closed(code: number): void }): GateSocket;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  random(): number;
}

export type GiveUp = "refused" | "unknown";

export const BUTTON_BACKOFF: BackoffPolicy = {
  initialMs: 1_000,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.5,
};
/** Attempts without ever being let in before the button gives up (until the page reloads). */
export const GIVE_UP_AFTER = 5;
/** A server restart (1012): reconnect within this much, at a random moment. */
export const RESTART_SPREAD_MS = 5_000;
/** App-level ping; a socket silent for two of these is taken as dead. */
export const KEEP_ALIVE_MS = 60_000;

const CLOSE_RESTARTING = 1012;

function parse(text: string): ServerEvent | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && "type" in value
      ? (value as ServerEvent)
      : null;
  } catch {
    return null;
  }
}

export class GateFollower {
  private visible = false;
  private socket: GateSocket | null = null;
  /** Increases with every socket: answers and callbacks of an old one are ignored. */
  private generation = 0;
  private retryTimer: unknown = null;
  private keepAliveTimer: unknown = null;
  private heard = true;
  /** Failed attempts in a row (a socket that closed before `ready`, or a failed read). */
  private failures = 0;
  private everReady = false;
  private stopped = false;
  private topicId: number | null = null;
  private gate: Gate | null = null;
  /** Gate events since the last read began: newer than (or as new as) the read's answer. */
  private seen = new Map<number, boolean>();

  constructor(
    private readonly io: FollowerIo,
    private readonly onGate: (gate: Gate) => void,
    private readonly onGiveUp: (why: GiveUp) => void,
  ) {}

  /** The tab became visible (connect) or hidden (let go of the socket). */
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) {
      if (this.retryTimer === null) this.connect();
    } else {
      this.clearRetry();
      this.drop();
    }
  }

  private connect(): void {
    if (this.stopped || !this.visible || this.socket) return;
    const gen = ++this.generation;
    let ready = false;
    this.heard = true;
    this.socket = this.io.openSocket({
      message: (text) => {
        if (gen !== this.generation) return;
        this.heard = true;
        const event = parse(text);
        if (event?.type === "ready") {
          ready = true;
          this.everReady = true;
          this.keepAlive(gen);
          void this.read(gen);
        } else if (event?.type === "gate_changed") {
          this.gateChanged(event.topic_id, event.open);
        }
      },
      closed: (code) => {
        if (gen !== this.generation) return;
        this.socket = null;
        this.stopKeepAlive();
        if (!ready) this.failures += 1;
        this.retry(code);
      },
    });
  }

  private async read(gen: number): Promise<void> {
    this.seen.clear();
    const answer = await this.io.fetchTopic();
    if (gen !== this.generation || this.stopped) return;
    if (answer.kind === "unknown") {
      this.stop("unknown");
      return;
    }
    if (answer.kind === "failed") {
      // As if the socket had failed: try the whole thing again later.
      this.failures += 1;
      this.drop();
      this.retry(0);
      return;
    }
    this.failures = 0;
    const { id, name, gate_open, chat_hours } = answer.topic;
    this.topicId = id;
    this.show({ name, open: this.seen.get(id) ?? gate_open, hours: chat_hours });
  }

  private gateChanged(topic: number, open: boolean): void {
    this.seen.set(topic, open);
    if (topic === this.topicId && this.gate) this.show({ ...this.gate, open });
  }

  private show(gate: Gate): void {
    this.gate = gate;
    this.onGate(gate);
  }

  private retry(code: number): void {
    if (this.stopped || !this.visible || this.retryTimer !== null) return;
    if (!this.everReady && this.failures >= GIVE_UP_AFTER) {
      this.stop("refused");
      return;
    }
    const delay =
      code === CLOSE_RESTARTING && this.failures === 0
        ? this.io.random() * RESTART_SPREAD_MS
        : backoffDelay(Math.max(0, this.failures - 1), BUTTON_BACKOFF, this.io.random);
    this.retryTimer = this.io.setTimer(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private keepAlive(gen: number): void {
    this.stopKeepAlive();
    this.keepAliveTimer = this.io.setTimer(() => {
      this.keepAliveTimer = null;
      if (gen !== this.generation || !this.socket) return;
      if (!this.heard) {
        // Two intervals of silence: the connection is dead even if the socket does not know.
        this.drop();
        this.retry(0);
        return;
      }
      this.heard = false;
      this.socket.send(JSON.stringify({ type: "ping" }));
      this.keepAlive(gen);
    }, KEEP_ALIVE_MS);
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer !== null) this.io.clearTimer(this.keepAliveTimer);
    this.keepAliveTimer = null;
  }

  private clearRetry(): void {
    if (this.retryTimer !== null) this.io.clearTimer(this.retryTimer);
    this.retryTimer = null;
  }

  /** Close the socket (if any) without a retry of its own. */
  private drop(): void {
    this.generation += 1;
    this.stopKeepAlive();
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }

  private stop(why: GiveUp): void {
    this.stopped = true;
    this.clearRetry();
    this.drop();
    this.onGiveUp(why);
  }
}
