import { describe, expect, it, vi } from 'vitest';
import { ApiError, Live, WidgetApi } from './transport';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
  open() {
    this.onopen?.();
  }
  send(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

function live(events: Partial<{ changed: () => void; typing: (a: string | null) => void; hello: (s: boolean) => void }> = {}) {
  FakeSocket.all = [];
  const changed = vi.fn(events.changed);
  const typing = vi.fn(events.typing);
  const hello = vi.fn(events.hello);
  const l = new Live(() => 'ws://x/stream', { changed, typing, hello }, { WebSocketImpl: FakeSocket as unknown as typeof WebSocket, pollMs: 1000 });
  return { l, changed, typing, hello };
}

describe('Live', () => {
  it('polls until the socket opens, then only listens', () => {
    vi.useFakeTimers();
    const { l, changed } = live();
    l.start();
    vi.advanceTimersByTime(2500);
    expect(changed).toHaveBeenCalledTimes(2);
    FakeSocket.all[0].open();
    expect(l.state).toBe('live');
    expect(changed).toHaveBeenCalledTimes(3); // catch up once
    vi.advanceTimersByTime(10_000);
    expect(changed).toHaveBeenCalledTimes(3);
    FakeSocket.all[0].send({ type: 'message.created', data: { id: 5 } });
    expect(changed).toHaveBeenCalledTimes(4);
    l.stop();
    vi.useRealTimers();
  });

  it('falls back to polling when the socket drops and tries again with back-off', () => {
    vi.useFakeTimers();
    const { l, changed, typing } = live();
    l.start();
    FakeSocket.all[0].open();
    FakeSocket.all[0].send({ type: 'typing', data: { typing: true, agent_name: 'Anna' } });
    expect(typing).toHaveBeenLastCalledWith('Anna');
    FakeSocket.all[0].close();
    expect(l.state).toBe('polling');
    expect(typing).toHaveBeenLastCalledWith(null);
    changed.mockClear();
    vi.advanceTimersByTime(1000);
    expect(changed).toHaveBeenCalledTimes(1); // polling works on its own
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all.length).toBe(2); // retried after 2 s
    FakeSocket.all[1].close();
    vi.advanceTimersByTime(3000);
    expect(FakeSocket.all.length).toBe(2); // the next try waits 4 s
    vi.advanceTimersByTime(1000);
    expect(FakeSocket.all.length).toBe(3);
    l.stop();
    vi.useRealTimers();
  });

  it('reports hello and reconnects on demand', () => {
    const { l, hello } = live();
    l.start();
    FakeSocket.all[0].open();
    FakeSocket.all[0].send({ type: 'hello', data: { subscribed: false } });
    expect(hello).toHaveBeenCalledWith(false);
    l.reconnect();
    expect(FakeSocket.all[0].closed).toBe(true);
    expect(FakeSocket.all.length).toBe(2);
    l.stop();
  });
});

describe('WidgetApi', () => {
  it('sends the visitor token as Bearer, never cookies, and turns errors into ApiError', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const fake = vi.fn(async (url: string, init: RequestInit) => {
      calls.push({ url, init });
      if (url.endsWith('/messages')) {
        return new Response(JSON.stringify({ error: { code: 'email_required', message: 'leave an e-mail' } }), { status: 400 });
      }
      return new Response(JSON.stringify({ data: [], more: false }), { status: 200 });
    });
    const api = new WidgetApi('https://desk.example.com', '12', fake as unknown as typeof fetch);
    api.token = 'pv1.abc';
    await api.messages(7);
    expect(calls[0].url).toBe('https://desk.example.com/widget/v1/inboxes/12/messages?after=7&limit=100');
    expect((calls[0].init.headers as Record<string, string>).Authorization).toBe('Bearer pv1.abc');
    expect(calls[0].init.credentials).toBe('omit');
    await expect(api.send('Hallo', 'c1')).rejects.toMatchObject({ status: 400, code: 'email_required' });
    expect(api.streamUrl()).toBe('wss://desk.example.com/widget/v1/inboxes/12/stream?token=pv1.abc');
  });

  it('reports a network failure as status 0', async () => {
    const api = new WidgetApi('http://x', '1', (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch);
    const e = await api.config().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(0);
  });
});
