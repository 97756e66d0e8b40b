import { describe, expect, it } from 'vitest';
import type { Message, TypingEvent } from '../api/types';
import { applyTyping, clearByMessage, IDLE_MS, nextExpiry, pruneTypers, SHOW_FOR_MS, TypingSender } from './typing';

function sender() {
  let now = 1_000_000;
  const sent: boolean[] = [];
  const timers = new Map<number, { fn: () => void; at: number }>();
  let seq = 0;
  const s = new TypingSender({
    send: (on) => sent.push(on),
    now: () => now,
    setTimer: (fn, ms) => {
      timers.set(++seq, { fn, at: now + ms });
      return seq;
    },
    clearTimer: (id) => void timers.delete(id as number),
  });
  const advance = (ms: number) => {
    now += ms;
    for (const [id, tm] of [...timers]) {
      if (tm.at <= now) {
        timers.delete(id);
        tm.fn();
      }
    }
  };
  return { s, sent, advance, timers };
}

const ev = (over: Partial<TypingEvent>): TypingEvent => ({ conversation_id: 9, inbox_id: 1, typing: true, side: 'agent', user_id: 2, contact_id: null, name: 'Anna', ...over });
const msg = (over: Partial<Message>) => ({ id: 1, conversation_id: 9, direction: 'incoming', sender_user_id: null, ...over }) as Message;

describe('TypingSender', () => {
  it('sends true on the first keystroke and then at most every 3 s, however fast the agent types', () => {
    const { s, sent, advance } = sender();
    for (let i = 0; i < 50; i++) {
      s.input('Hallo'.repeat(i + 1));
      advance(100); // 50 keystrokes in 5 s
    }
    expect(sent).toEqual([true, true]);
  });

  it('sends false once on stop (send, blur, switch), and only after a true', () => {
    const { s, sent } = sender();
    s.stop();
    expect(sent).toEqual([]);
    s.input('H');
    s.stop();
    s.stop();
    expect(sent).toEqual([true, false]);
    s.input('Ha'); // typing again right after sending: at once
    expect(sent).toEqual([true, false, true]);
  });

  it('stops by itself after a pause, and when the draft is emptied', () => {
    const { s, sent, advance } = sender();
    s.input('Hallo');
    advance(IDLE_MS - 1);
    expect(sent).toEqual([true]);
    advance(1);
    expect(sent).toEqual([true, false]);
    s.input('x');
    s.input('   ');
    expect(sent).toEqual([true, false, true, false]);
    expect(s.typing).toBe(false);
  });
});

describe('typing indicators', () => {
  it('show others, never me; typing false removes', () => {
    let list = applyTyping([], ev({ user_id: 1 }), 1, 0);
    expect(list).toEqual([]);
    list = applyTyping(list, ev({}), 1, 0);
    list = applyTyping(list, ev({ side: 'customer', user_id: null, contact_id: 5, name: '' }), 1, 0);
    expect(list.map((x) => [x.side, x.id, x.name])).toEqual([['agent', 2, 'Anna'], ['customer', 5, '']]);
    // a repeat renews, it does not duplicate
    list = applyTyping(list, ev({}), 1, 1000);
    expect(list.filter((x) => x.side === 'agent')).toEqual([{ side: 'agent', id: 2, name: 'Anna', until: 1000 + SHOW_FOR_MS }]);
    list = applyTyping(list, ev({ typing: false }), 1, 1000);
    expect(list.map((x) => x.side)).toEqual(['customer']);
  });

  it('a message from that side ends it', () => {
    const list = [applyTyping([], ev({}), 1, 0), applyTyping([], ev({ side: 'customer', user_id: null, contact_id: 5 }), 1, 0)].flat();
    expect(clearByMessage(list, msg({ direction: 'incoming' })).map((x) => x.side)).toEqual(['agent']);
    expect(clearByMessage(list, msg({ direction: 'outgoing', sender_user_id: 2 })).map((x) => x.side)).toEqual(['customer']);
    expect(clearByMessage(list, msg({ direction: 'outgoing', sender_user_id: 3 }))).toBe(list);
  });

  it('lapse 6 s after the last true', () => {
    const list = applyTyping([], ev({}), 1, 0);
    expect(nextExpiry(list)).toBe(SHOW_FOR_MS);
    expect(pruneTypers(list, SHOW_FOR_MS - 1)).toBe(list);
    expect(pruneTypers(list, SHOW_FOR_MS)).toEqual([]);
    expect(nextExpiry([])).toBeNull();
  });
});
