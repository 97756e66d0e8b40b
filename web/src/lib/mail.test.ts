import { describe, expect, it } from 'vitest';
import type { Message } from '../api/types';
import { attachmentsOf, fileSize } from '../components/message';
import {
  buildMailDocument, estimateFrameHeight, formatAddress, mailFrameCsp, mailPayload, matchInlineImages, normalizeCid, remoteImageUrl, rewriteImages,
} from './mail';

// The sanitised HTML as the server writes it (tests/mail/fixtures, html_sanitize.cpp).
const HTML =
  '<p>Grüße <b>aus</b> Köln</p>' +
  '<img data-parley-remote-src="https://tracker.example/pixel.gif?u=1&amp;m=2" alt="remote" width="1" height="1">' +
  '<img src="cid:logo@acme" alt="Logo">' +
  '<img src="cid:missing@acme" alt="gone">';

const PNG = 'data:image/png;base64,iVBORw0KGgo=';

describe('the mail frame document', () => {
  it('allows nothing by default: no images, no scripts, no fonts, no forms', () => {
    const csp = mailFrameCsp({ dataImages: false, remoteImages: false });
    expect(csp).toBe("default-src 'none'; img-src 'none'; style-src 'unsafe-inline'; font-src 'none'; media-src 'none'; form-action 'none'; base-uri 'none'");
    expect(mailFrameCsp({ dataImages: true, remoteImages: true })).toContain('img-src data: https:;');
    expect(mailFrameCsp({ dataImages: false, remoteImages: true })).toContain('img-src https:;');
  });

  it('holds remote images back and drops unresolved cid images (their alt text stays)', () => {
    const doc = buildMailDocument(HTML);
    expect(doc.blockedRemote).toBe(1);
    expect(doc.csp).toContain("img-src 'none'");
    expect(doc.srcdoc).not.toMatch(/\ssrc=/);
    expect(doc.srcdoc).toContain('data-parley-remote-src="https://tracker.example/pixel.gif?u=1&amp;m=2"');
    expect(doc.srcdoc).toContain('<img alt="Logo">');
    expect(doc.srcdoc).toContain('<img alt="gone">');
    // The policy comes first in <head>, before the stylesheet and the mail.
    const head = doc.srcdoc.slice(0, doc.srcdoc.indexOf('<body>'));
    expect(head.indexOf('Content-Security-Policy')).toBeLessThan(head.indexOf('<style>'));
    expect(head).toContain('<meta name="referrer" content="no-referrer">');
    expect(doc.srcdoc).toContain('<p>Grüße <b>aus</b> Köln</p>');
  });

  it('loads remote images only when asked, for that document: src set, https: allowed', () => {
    const doc = buildMailDocument(HTML, { remoteImages: true });
    expect(doc.blockedRemote).toBe(0);
    expect(doc.srcdoc).toContain('<img src="https://tracker.example/pixel.gif?u=1&amp;m=2" alt="remote" width="1" height="1">');
    expect(doc.csp).toContain('img-src https:;');
    expect(doc.srcdoc).not.toContain('data-parley-remote-src');
  });

  it('maps cid: images to the data: URLs given and allows data: then', () => {
    const doc = buildMailDocument(HTML, { cidSources: new Map([['logo@acme', PNG]]) });
    expect(doc.srcdoc).toContain(`<img src="${PNG}" alt="Logo">`);
    expect(doc.csp).toContain('img-src data:;');
    // Anything that is not a data: image URL is not used as a source.
    const evil = buildMailDocument(HTML, { cidSources: new Map([['logo@acme', 'javascript:alert(1)']]) });
    expect(evil.srcdoc).not.toContain('javascript:');
    expect(evil.csp).toContain("img-src 'none'");
  });

  it('never keeps a src the server did not write as cid: or as a held-back remote image', () => {
    const sneaky = '<img src="https://evil.example/x.png" alt="a"><img src="data:image/png;base64,AAAA"><img src="javascript:alert(1)" onerror="alert(1)">';
    const { html } = rewriteImages(sneaky, { remoteImages: true });
    expect(html).toBe('<img alt="a"><img><img>');
    // Remote sources that are not http(s) are dropped even when remote images are allowed.
    expect(rewriteImages('<img data-parley-remote-src="javascript:alert(1)">', { remoteImages: true }).html).toBe('<img>');
  });

  it('upgrades http images to https and reads scheme-relative ones as https', () => {
    expect(remoteImageUrl('http://cdn.example/a.png')).toBe('https://cdn.example/a.png');
    expect(remoteImageUrl('//cdn.example/b.png')).toBe('https://cdn.example/b.png');
    expect(remoteImageUrl('https://x.example/?a=1&amp;b=2')).toBe('https://x.example/?a=1&b=2');
    expect(remoteImageUrl('ftp://x.example/a')).toBeNull();
    expect(remoteImageUrl('not a url')).toBeNull();
    expect(rewriteImages('<img data-parley-remote-src="http://cdn.example/a.png">', { remoteImages: true }).html).toBe('<img src="https://cdn.example/a.png">');
  });

  it('keeps quotes in attribute values escaped, so nothing breaks out of a tag', () => {
    const { html } = rewriteImages('<img src="cid:a" alt="x&quot; onerror=&quot;alert(1)">', { cidSources: new Map([['a', PNG]]) });
    expect(html).toBe(`<img src="${PNG}" alt="x&quot; onerror=&quot;alert(1)">`);
  });

  it('guesses a frame height from the content, within bounds', () => {
    expect(estimateFrameHeight('<p>Hallo</p>')).toBe(120);
    const long = '<p>' + 'Zeile '.repeat(40) + '</p>'.repeat(1) + '<br>'.repeat(30);
    expect(estimateFrameHeight(long)).toBeGreaterThan(300);
    expect(estimateFrameHeight('<p>x</p>'.repeat(500))).toBe(520);
    expect(estimateFrameHeight('<img height="200" alt="">')).toBeGreaterThanOrEqual(200);
  });
});

describe('inline images', () => {
  it('pair content-ids with attachments by file name, in order, each attachment once', () => {
    const inline = { 'img1@x': 'image.png', 'img2@x': 'image.png', 'logo@x': 'logo.gif', 'gone@x': 'missing.png' };
    const attachments = [
      { id: 7, filename: 'rechnung.pdf' },
      { id: 8, filename: 'image.png' },
      { id: 9, filename: 'image.png' },
      { id: 10, filename: 'logo.gif' },
    ];
    expect([...matchInlineImages(inline, attachments)]).toEqual([
      ['img1@x', 8],
      ['img2@x', 9],
      ['logo@x', 10],
    ]);
  });

  it('read content-ids with or without cid:, <> and %-escapes alike', () => {
    expect(normalizeCid('cid:part1.06%4001@example.com')).toBe('part1.06@01@example.com');
    expect(normalizeCid('<logo@x>')).toBe('logo@x');
    expect(normalizeCid('CID:logo@x')).toBe('logo@x');
    expect(normalizeCid('cid:100%')).toBe('100%');
  });
});

describe('mail payload', () => {
  it('reads the e-mail fields of a payload and ignores other messages', () => {
    const mail = mailPayload({
      subject: 'Rückfrage zur Änderung',
      from: { name: 'Jürgen Müller', address: 'juergen@kunde.test' },
      to: [{ name: 'Support', address: 'support@acme.test' }, 'junk'],
      cc: [{ name: '', address: 'chef@kunde.test' }],
      html: '<p>x</p>',
      has_remote_images: true,
      inline: { 'logo@x': 'logo.png', bad: 3 },
      automated: 'auto-reply',
      skipped_files: [{ filename: 'huge.zip', reason: 'larger than attachment_max_bytes' }],
      text_truncated: true,
      date_ms: 1796115600000,
    })!;
    expect(mail.subject).toBe('Rückfrage zur Änderung');
    expect(mail.to).toEqual([{ name: 'Support', address: 'support@acme.test' }]);
    expect(mail.inline).toEqual({ 'logo@x': 'logo.png' });
    expect([mail.automated, mail.textTruncated, mail.hasRemoteImages, mail.dateMs]).toEqual(['auto-reply', true, true, 1796115600000]);
    expect(mail.skippedFiles).toEqual([{ filename: 'huge.zip', reason: 'larger than attachment_max_bytes' }]);
    expect(mailPayload({ emoji: '👍' })).toBeNull();
    // A Telegram message names its sender in `from` too, without an address: not an e-mail.
    expect(mailPayload({ from: { id: '5550001', name: 'Tom Telegram', username: 'tom_t' }, chat: { type: 'private' } })).toBeNull();
    expect(mailPayload({})).toBeNull();
    expect(mailPayload({ subject: 'x', automated: 'spam' })!.automated).toBeNull();
  });

  it('formats addresses with their names', () => {
    expect(formatAddress({ name: 'Jana Müller', address: 'jana@example.de' })).toBe('Jana Müller <jana@example.de>');
    expect(formatAddress({ name: '', address: 'jana@example.de' })).toBe('jana@example.de');
    expect(formatAddress({ name: 'jana@example.de', address: 'jana@example.de' })).toBe('jana@example.de');
  });
});

describe('attachments of a message', () => {
  const m = (over: Partial<Message>) => ({ attachment_ids: [3, 4], ...over }) as Message;

  it('come from the message JSON in the order of attachment_ids, with pending and failed states', () => {
    const list = attachmentsOf(
      m({
        attachments: [
          { id: 4, filename: 'foto.jpg', content_type: 'image/jpeg', size: 10, state: 'failed', error: 'HTTP 404' },
          { id: 3, filename: 'rechnung.pdf', content_type: 'application/pdf', size: 2048, state: 'pending', error: null },
        ],
      }),
    );
    expect(list).toEqual([
      { id: 3, state: 'pending', contentType: 'application/pdf', filename: 'rechnung.pdf', size: 2048, error: null },
      { id: 4, state: 'failed', contentType: 'image/jpeg', filename: 'foto.jpg', size: 10, error: 'HTTP 404' },
    ]);
  });

  it('fall back to asking the server when the message has no (or an incomplete) list', () => {
    expect(attachmentsOf(m({}))).toBeNull();
    expect(attachmentsOf(m({ attachments: [{ id: 3, filename: 'a', content_type: '', size: 1, state: 'stored', error: null }] }))).toBeNull();
    expect(attachmentsOf({ attachment_ids: [], attachments: [] })).toEqual([]);
  });

  it('show sizes in the user’s number format', () => {
    const de = new Intl.NumberFormat('de-DE').format;
    expect(fileSize(512, de)).toBe('512 B');
    expect(fileSize(2048, de)).toBe('2 KB');
    expect(fileSize(1.45 * 1024 * 1024, de)).toBe('1,5 MB');
  });
});
