// The live event stream (GET /api/v1/stream, WebSocket, authenticated by the session cookie).
// Keeps the last event id and passes it as ?last_event_id= after a reconnect so missed events
// are replayed in order; reconnects with exponential back-off and jitter (1 s … 30 s).
import type { StreamEvent } from './types';

export type StreamState = 'connecting' | 'live' | 'offline';

/** Delay before reconnect attempt `attempt` (0-based): 1 s, 2 s, 4 s … capped at 30 s, times 0.5–1. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30000, 1000 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.5 + random() / 2));
}

export function streamUrl(loc: { protocol: string; host: string }, lastEventId: string | null): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  const q = lastEventId ? '?last_event_id=' + encodeURIComponent(lastEventId) : '';
  return `${scheme}//${loc.host}/api/v1/stream${q}`;
}

export interface StreamOptions {
  onEvent: (e: StreamEvent) => void;
  onState: (s: StreamState) => void;
  /** Checked before each reconnect; false stops reconnecting (the session has ended). */
  stillSignedIn: () => Promise<boolean>;
  makeSocket?: (url: string) => WebSocket;
}

export class EventStream {
  private socket: WebSocket | null = null;
  private lastEventId: string | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(private readonly opts: StreamOptions) {}

  start() {
    this.closed = false;
    this.open();
  }

  stop() {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) s.close();
  }

  private open() {
    if (this.closed) return;
    this.opts.onState('connecting');
    const url = streamUrl(location, this.lastEventId);
    const socket = this.opts.makeSocket ? this.opts.makeSocket(url) : new WebSocket(url);
    this.socket = socket;
    socket.onmessage = (m) => {
      let event: StreamEvent;
      try {
        event = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (event.type === 'hello') {
        this.attempt = 0;
        this.opts.onState('live');
      }
      if (event.id) this.lastEventId = event.id;
      this.opts.onEvent(event);
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.socket = null;
      this.opts.onState('offline');
      const delay = backoffDelay(this.attempt++);
      this.timer = setTimeout(async () => {
        this.timer = null;
        if (this.closed) return;
        let ok = true;
        try {
          ok = await this.opts.stillSignedIn();
        } catch {
          ok = true; // the server is down: keep trying
        }
        if (ok) this.open();
      }, delay);
    };
  }
}
