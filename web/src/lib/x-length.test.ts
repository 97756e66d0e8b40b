import { describe, expect, it } from 'vitest';
import { xDmLength, xPostLength, X_POST_LIMIT } from './x-length';
import { replyCount } from '../components/reply-mode';

describe('the X character counter', () => {
  it('counts as X does: letters one, CJK two, an emoji two', () => {
    expect(xPostLength('hello')).toBe(5);
    expect(xPostLength('café')).toBe(4);
    expect(xPostLength('日本')).toBe(4);
    expect(xPostLength('😀')).toBe(2);
    expect(xPostLength('👍🏽')).toBe(2); // with a skin tone
    expect(xPostLength('👨‍👩‍👧')).toBe(2); // a family joined by zero-width joiners
    expect(xPostLength('🇩🇪')).toBe(2);
    expect(xPostLength('❤️')).toBe(2);
    expect(xPostLength('a\nb')).toBe(3);
  });

  it('counts every link as 23, however long, and leaves punctuation around it', () => {
    expect(xPostLength('https://example.com/' + 'p'.repeat(200))).toBe(23);
    expect(xPostLength('http://x.co')).toBe(23);
    expect(xPostLength('See www.example.org.')).toBe(4 + 23 + 1);
    expect(xPostLength('(example.com/help)')).toBe(1 + 23 + 1);
    expect(xPostLength('Test https://test.com test https://test.com test.com test')).toBe(86); // twitter-text's example
    expect(xPostLength('file.txt and e.g.')).toBe(17);
  });

  it('says when a public reply is over 280 and allows 10 000 for a direct message', () => {
    const link = 'https://example.com/track/' + 'a'.repeat(200);
    expect(replyCount('x'.repeat(256) + ' ' + link, false)).toEqual({ used: 280, limit: X_POST_LIMIT, over: false });
    expect(replyCount('x'.repeat(257) + ' ' + link, false)).toEqual({ used: 281, limit: 280, over: true });
    expect(replyCount('y'.repeat(10000), true)).toEqual({ used: 10000, limit: 10000, over: false });
    expect(replyCount('y'.repeat(10001), true).over).toBe(true);
    expect(xDmLength('😀😀')).toBe(2);
  });
});
