// Typing indicators (POST /conversations/{id}/typing, `conversation.typing` events; docs/API.md):
// the pure parts, kept apart from the components so they can be tested without a browser.
//
// Sending: while the agent types a reply, `true` goes out at most every SEND_EVERY_MS (the
// server and the widget drop a `true` that is not repeated within about 6 s), `false` when the
// agent sends, leaves the box, switches to a note or another conversation, empties the draft or
// stops for IDLE_MS. A keystroke costs a clock read and a timer reset, never a request.
// Showing: one entry per person typing (agent by user id, customer by contact id), gone on
// `typing: false`, on a message from that person, or SHOW_FOR_MS after the last `true`.
import type { Message, TypingEvent } from '../api/types';

export const SEND_EVERY_MS = 3000;
export const IDLE_MS = 5000;
export const SHOW_FOR_MS = 6000;

export interface TypingSenderOptions {
  send: (typing: boolean) => void;
  now?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

/** Tells the server that the agent is typing, cheaply. One per conversation composer. */
export class TypingSender {
  private lastTrueAt = 0;
  private active = false;
  private idle: unknown = null;
  private readonly now: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;

  constructor(private readonly opts: TypingSenderOptions) {
    this.now = opts.now ?? (() => Date.now());
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  /** The draft changed by the agent's typing. */
  input(text: string) {
    if (!text.trim()) {
      this.stop();
      return;
    }
    const now = this.now();
    if (!this.active || now - this.lastTrueAt >= SEND_EVERY_MS) {
      this.active = true;
      this.lastTrueAt = now;
      this.opts.send(true);
    }
    if (this.idle !== null) this.clearTimer(this.idle);
    this.idle = this.setTimer(() => {
      this.idle = null;
      this.stop();
    }, IDLE_MS);
  }

  /** Sent, blurred, switched away: `false` once, if `true` went out. */
  stop() {
    if (this.idle !== null) this.clearTimer(this.idle);
    this.idle = null;
    if (!this.active) return;
    this.active = false;
    this.lastTrueAt = 0;
    this.opts.send(false);
  }

  get typing() {
    return this.active;
  }
}

export interface Typer {
  side: 'agent' | 'customer';
  /** user id for agents, contact id for customers (0 when unknown). */
  id: number;
  name: string;
  until: number;
}

const sameTyper = (a: { side: string; id: number }, b: { side: string; id: number }) => a.side === b.side && a.id === b.id;

/** The list after a `conversation.typing` event of this conversation. My own are ignored. */
export function applyTyping(list: Typer[], e: TypingEvent, meId: number, now: number): Typer[] {
  const side = e.side === 'agent' ? 'agent' : 'customer';
  const id = (side === 'agent' ? e.user_id : e.contact_id) ?? 0;
  if (side === 'agent' && id === meId) return list;
  const rest = list.filter((x) => !sameTyper(x, { side, id }));
  if (!e.typing) return rest.length === list.length ? list : rest;
  return [...rest, { side, id, name: (e.name ?? '').trim(), until: now + SHOW_FOR_MS }];
}

/** A message ends the typing of whoever wrote it (the customer, or that agent). */
export function clearByMessage(list: Typer[], m: Message): Typer[] {
  const next = list.filter((x) => {
    if (m.direction === 'incoming') return x.side !== 'customer';
    if (m.sender_user_id) return !(x.side === 'agent' && x.id === m.sender_user_id);
    return true;
  });
  return next.length === list.length ? list : next;
}

/** Without the expired ones (the same list when none expired). */
export function pruneTypers(list: Typer[], now: number): Typer[] {
  const next = list.filter((x) => x.until > now);
  return next.length === list.length ? list : next;
}

/** The next moment an entry expires, or null. */
export function nextExpiry(list: Typer[]): number | null {
  return list.length ? Math.min(...list.map((x) => x.until)) : null;
}
