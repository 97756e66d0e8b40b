import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, EventStream, streamUrl } from './stream';

describe('backoff', () => {
  it('doubles from 1 s up to 30 s, with jitter between half and full', () => {
    expect(backoffDelay(0, () => 1)).toBe(1000);
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(8000);
    expect(backoffDelay(10, () => 1)).toBe(30000);
    expect(backoffDelay(50, () => 1)).toBe(30000);
  });

  it('builds ws and wss URLs with the last event id', () => {
    expect(streamUrl({ protocol: 'http:', host: 'desk.local:8080' }, null)).toBe('ws://desk.local:8080/api/v1/stream');
    expect(streamUrl({ protocol: 'https:', host: 'desk.example' }, '42')).toBe('wss://desk.example/api/v1/stream?last_event_id=42');
  });
});

class FakeSocket {
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {}
  close() {
    this.closed = true;
  }
  emit(frame: object) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

describe('EventStream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('location', { protocol: 'http:', host: 'h' });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('reconnects after a drop and asks for the events it missed', async () => {
    const sockets: FakeSocket[] = [];
    const states: string[] = [];
    const events: string[] = [];
    const stream = new EventStream({
      onEvent: (e) => events.push(e.type),
      onState: (s) => states.push(s),
      stillSignedIn: async () => true,
      makeSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s as unknown as WebSocket;
      },
    });
    stream.start();
    sockets[0].emit({ type: 'hello', data: { user_id: 1 } });
    sockets[0].emit({ id: '17', type: 'message.created', data: {} });
    sockets[0].onclose?.();
    expect(states).toEqual(['connecting', 'live', 'offline']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sockets).toHaveLength(2);
    expect(sockets[1].url).toBe('ws://h/api/v1/stream?last_event_id=17');
    expect(events).toEqual(['hello', 'message.created']);
    stream.stop();
    expect(sockets[1].closed).toBe(true);
  });

  it('stops reconnecting when the session has ended', async () => {
    const sockets: FakeSocket[] = [];
    const stream = new EventStream({
      onEvent: () => {},
      onState: () => {},
      stillSignedIn: async () => false,
      makeSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s as unknown as WebSocket;
      },
    });
    stream.start();
    sockets[0].onclose?.();
    await vi.advanceTimersByTimeAsync(60000);
    expect(sockets).toHaveLength(1);
  });

  it('ignores frames that are not JSON', () => {
    const events: string[] = [];
    let socket: FakeSocket | null = null;
    const stream = new EventStream({
      onEvent: (e) => events.push(e.type),
      onState: () => {},
      stillSignedIn: async () => true,
      makeSocket: (url) => (socket = new FakeSocket(url)) as unknown as WebSocket,
    });
    stream.start();
    socket!.onmessage?.({ data: 'not json' });
    expect(events).toEqual([]);
    stream.stop();
  });
});
