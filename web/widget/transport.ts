// The widget's connection to Parley: the widget API over fetch (visitor token as Bearer, never
// cookies), and "live": a WebSocket that only says "something changed" (or "an agent is
// typing"), with polling as the fallback whenever the socket is not open — so messages keep
// arriving behind proxies that drop WebSockets. Written against injected fetch, WebSocket and
// timers, so the reconnect and fallback rules are unit-tested (transport.test.ts).
import type { Visitor, WidgetConfig, WidgetMessage } from './logic';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SessionBody {
  token?: string;
  user?: { id?: string | number; email?: string; name?: string; phone?: string };
  user_hash?: string;
  name?: string;
  email?: string;
}

export class WidgetApi {
  token = '';
  private readonly root: string;

  constructor(
    readonly base: string,
    readonly inboxId: string,
    private readonly fetchImpl: typeof fetch = (...args) => fetch(...args),
  ) {
    this.root = `${base}/widget/v1/inboxes/${encodeURIComponent(inboxId)}`;
  }

  private async call<T>(method: string, path: string, body?: BodyInit, type = 'application/json'): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = type;
    let res: Response;
    try {
      res = await this.fetchImpl(this.root + path, { method, headers, body, credentials: 'omit', mode: 'cors' });
    } catch (e) {
      throw new ApiError(0, 'network', String(e));
    }
    const text = await res.text();
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (!res.ok) {
      const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
      throw new ApiError(res.status, err?.code ?? 'http_' + res.status, err?.message ?? res.statusText);
    }
    return data as T;
  }

  config(): Promise<WidgetConfig> {
    return this.call('GET', '/config');
  }
  session(body: SessionBody): Promise<{ token: string; visitor: Visitor }> {
    return this.call('POST', '/session', JSON.stringify(body));
  }
  messages(after: number): Promise<{ data: WidgetMessage[]; more: boolean }> {
    return this.call('GET', `/messages?after=${after}&limit=100`);
  }
  send(text: string, clientId: string): Promise<WidgetMessage> {
    return this.call('POST', '/messages', JSON.stringify({ text, client_id: clientId }));
  }
  upload(file: Blob, filename: string, clientId: string): Promise<WidgetMessage> {
    const q = `?filename=${encodeURIComponent(filename)}&client_id=${encodeURIComponent(clientId)}`;
    return this.call('POST', '/files' + q, file, file.type || 'application/octet-stream');
  }
  typing(typing: boolean): Promise<unknown> {
    return this.call('POST', '/typing', JSON.stringify({ typing }));
  }
  read(ids: number[]): Promise<{ updated: number }> {
    return this.call('POST', '/read', JSON.stringify({ message_ids: ids }));
  }
  streamUrl(): string {
    return `${this.root.replace(/^http/, 'ws')}/stream?token=${encodeURIComponent(this.token)}`;
  }
}

type Timer = ReturnType<typeof setTimeout>;

export interface LiveOptions {
  pollMs?: number; // polling interval while the socket is down
  maxBackoffMs?: number; // the longest wait before trying the socket again
  WebSocketImpl?: typeof WebSocket;
  setTimer?: (fn: () => void, ms: number) => Timer;
  clearTimer?: (t: Timer) => void;
}

export interface LiveEvents {
  /** Something may have changed: fetch messages after the last id. */
  changed(): void;
  /** An agent is typing (name, possibly empty) or stopped (null). */
  typing(agent: string | null): void;
  /** The socket said whether it is subscribed to a conversation yet. */
  hello?(subscribed: boolean): void;
  state?(state: 'live' | 'polling'): void;
}

export class Live {
  private ws: WebSocket | null = null;
  private pollTimer: Timer | null = null;
  private retryTimer: Timer | null = null;
  private attempts = 0;
  private stopped = true;
  state: 'live' | 'polling' = 'polling';
  private readonly opts: Required<LiveOptions>;

  constructor(
    private readonly url: () => string,
    private readonly events: LiveEvents,
    opts: LiveOptions = {},
  ) {
    this.opts = {
      pollMs: opts.pollMs ?? 3000,
      maxBackoffMs: opts.maxBackoffMs ?? 30000,
      WebSocketImpl: opts.WebSocketImpl ?? (typeof WebSocket === 'undefined' ? (null as unknown as typeof WebSocket) : WebSocket),
      setTimer: opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms)),
      clearTimer: opts.clearTimer ?? ((t) => clearTimeout(t)),
    };
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.stopPolling();
    if (this.retryTimer) this.opts.clearTimer(this.retryTimer);
    this.retryTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
  }

  /** A new socket now (the visitor's first message created its conversation). */
  reconnect(): void {
    if (this.stopped) return;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close();
    this.attempts = 0;
    this.connect();
  }

  private setState(state: 'live' | 'polling'): void {
    if (this.state === state) return;
    this.state = state;
    this.events.state?.(state);
  }

  private connect(): void {
    if (this.stopped) return;
    if (this.retryTimer) this.opts.clearTimer(this.retryTimer);
    this.retryTimer = null;
    if (!this.opts.WebSocketImpl) {
      this.startPolling();
      return;
    }
    let ws: WebSocket;
    try {
      ws = new this.opts.WebSocketImpl(this.url());
    } catch {
      this.startPolling();
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempts = 0;
      this.stopPolling();
      this.setState('live');
      this.events.changed(); // whatever happened while the socket was down
    };
    ws.onmessage = (e: MessageEvent) => {
      if (this.ws !== ws) return;
      let frame: { type?: string; data?: { typing?: boolean; agent_name?: string; subscribed?: boolean } };
      try {
        frame = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (frame.type === 'hello') this.events.hello?.(Boolean(frame.data?.subscribed));
      else if (frame.type === 'typing') this.events.typing(frame.data?.typing ? (frame.data.agent_name ?? '') : null);
      else if (frame.type === 'message.created' || frame.type === 'message.updated') this.events.changed();
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.events.typing(null);
      this.startPolling();
      this.scheduleRetry();
    };
    ws.onerror = () => ws.close();
    // Until the socket is open, polling covers.
    this.startPolling();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.attempts++;
    const delay = Math.min(this.opts.maxBackoffMs, 1000 * 2 ** Math.min(this.attempts, 10));
    this.retryTimer = this.opts.setTimer(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private startPolling(): void {
    this.setState('polling');
    if (this.pollTimer || this.stopped) return;
    const tick = () => {
      this.pollTimer = null;
      if (this.stopped || this.state === 'live') return;
      this.events.changed();
      this.pollTimer = this.opts.setTimer(tick, this.opts.pollMs);
    };
    this.pollTimer = this.opts.setTimer(tick, this.opts.pollMs);
  }

  private stopPolling(): void {
    if (this.pollTimer) this.opts.clearTimer(this.pollTimer);
    this.pollTimer = null;
  }
}
