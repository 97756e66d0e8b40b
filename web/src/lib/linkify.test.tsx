import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { MessageText } from '../components/message';
import { linkify, safeHref } from './linkify';

const links = (text: string) => linkify(text).filter((t) => t.type === 'link').map((t) => (t.type === 'link' ? t.href : ''));

describe('linkify', () => {
  it('makes http, https, www and e-mail addresses links', () => {
    expect(linkify('see https://example.com/a?b=1 now')).toEqual([
      { type: 'text', text: 'see ' },
      { type: 'link', text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { type: 'text', text: ' now' },
    ]);
    expect(links('www.example.de/rechnung')).toEqual(['https://www.example.de/rechnung']);
    expect(links('mail jana@example.de please')).toEqual(['mailto:jana@example.de']);
    expect(links('mailto:a@b.de')).toEqual(['mailto:a@b.de']);
  });

  it('keeps trailing punctuation and unbalanced brackets out of the link', () => {
    expect(links('Go to https://example.com/x.')).toEqual(['https://example.com/x']);
    expect(links('(see https://example.com/a)')).toEqual(['https://example.com/a']);
    expect(links('https://en.wikipedia.org/wiki/Foo_(bar)')).toEqual(['https://en.wikipedia.org/wiki/Foo_(bar)']);
  });

  it('never links dangerous schemes', () => {
    for (const v of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:msgbox(1)', 'file:///etc/passwd']) {
      expect(links(v), v).toEqual([]);
      expect(safeHref(v), v).toBeNull();
    }
  });

  it('refuses URLs with credentials (https://bank@evil)', () => {
    expect(safeHref('https://bank.example@evil.example/')).toBeNull();
  });

  it('keeps markup as text', () => {
    const text = '<img src=x onerror=alert(1)>';
    expect(linkify(text)).toEqual([{ type: 'text', text }]);
    const tricky = '<a href="javascript:alert(1)">https://ok.example</a>';
    const tokens = linkify(tricky);
    expect(tokens.map((t) => t.text).join('')).toBe(tricky);
    expect(links(tricky)).toEqual(['https://ok.example/']);
  });

  it('renders XSS vectors as escaped text, never as elements', () => {
    const vectors = [
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '"><svg onload=alert(1)>',
      '<a href="javascript:alert(1)">click</a>',
      'https://x.example/"><img src=x onerror=alert(1)>',
    ];
    for (const v of vectors) {
      const html = render(<MessageText text={v} />);
      expect(html, v).not.toMatch(/<(img|script|svg)\b/i);
      expect(html, v).not.toMatch(/href="javascript:/i);
      expect(html, v).toContain('&lt;');
    }
  });

  it('renders links with safe attributes', () => {
    const html = render(<MessageText text="Rechnung: https://shop.example/r/1" />);
    expect(html).toBe('Rechnung: <a href="https://shop.example/r/1" target="_blank" rel="noopener noreferrer nofollow">https://shop.example/r/1</a>');
  });
});
