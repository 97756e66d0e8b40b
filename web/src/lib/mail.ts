// E-mail messages (docs/channels/EMAIL.md): the payload fields the desk reads, and the document a
// formatted mail is shown in. The server has sanitised the HTML already (only formatting
// elements and safe attributes; remote images moved to data-parley-remote-src); the desk still
// treats it as hostile: it never enters the page, only the `srcdoc` of an iframe sandboxed
// without scripts and without same-origin, under its own Content-Security-Policy:
//
//   default-src 'none'; img-src <only what this view allows>; style-src 'unsafe-inline'; ...
//
// img-src is 'none' until there is something to allow: `data:` for the mail's own inline
// (cid:) images, which the desk fetches with its session and embeds as data: URLs, and `https:`
// once the agent chose "load remote images" for this message. (A blob: URL from the desk cannot
// be loaded by the frame: its origin is opaque, and Chromium refuses it as a "local resource".)
// A srcdoc frame also inherits the desk's own policy (vite.config.ts), which therefore allows
// https: images and the hash of MAIL_FRAME_CSS. Everything here is pure and unit-tested
// (mail.test.ts).

export interface MailAddress {
  name: string;
  address: string;
}

export interface SkippedFile {
  filename: string;
  reason: string;
}

/** The e-mail fields of a message's payload, checked for their types. */
export interface MailPayload {
  subject: string;
  from: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo: MailAddress[];
  dateMs: number | null;
  html: string | null;
  hasRemoteImages: boolean;
  /** content-id (without <>) → file name of the attachment. */
  inline: Record<string, string>;
  automated: 'auto-reply' | 'bounce' | null;
  automatedReason: string;
  skippedFiles: SkippedFile[];
  textTruncated: boolean;
  htmlDropped: string | null;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function address(v: unknown): MailAddress | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  const a = { name: str(o.name), address: str(o.address) };
  return a.name || a.address ? a : null;
}

function addresses(v: unknown): MailAddress[] {
  return Array.isArray(v) ? v.map(address).filter((a): a is MailAddress => a !== null) : [];
}

/** The e-mail view of a payload, or null when the message is not an e-mail (no subject, sender
 * or HTML: chat messages, and our own replies, which carry none of these). */
export function mailPayload(payload: Record<string, unknown> | null | undefined): MailPayload | null {
  if (!payload || typeof payload !== 'object') return null;
  const from = address(payload.from);
  // A sender counts only with an e-mail address: chat channels keep their own `from` (Telegram's
  // user object with first_name, username ...), which is no e-mail.
  const isMail = typeof payload.subject === 'string' || (from !== null && from.address.includes('@')) || typeof payload.html === 'string';
  if (!isMail) return null;
  const inline: Record<string, string> = {};
  if (payload.inline && typeof payload.inline === 'object' && !Array.isArray(payload.inline)) {
    for (const [cid, name] of Object.entries(payload.inline as Record<string, unknown>)) {
      if (typeof name === 'string') inline[cid] = name;
    }
  }
  const automated = payload.automated === 'auto-reply' || payload.automated === 'bounce' ? payload.automated : null;
  const skippedFiles = Array.isArray(payload.skipped_files)
    ? payload.skipped_files
        .filter((f): f is Record<string, unknown> => !!f && typeof f === 'object')
        .map((f) => ({ filename: str(f.filename), reason: str(f.reason) }))
    : [];
  return {
    subject: str(payload.subject),
    from,
    to: addresses(payload.to),
    cc: addresses(payload.cc),
    replyTo: addresses(payload.reply_to),
    dateMs: typeof payload.date_ms === 'number' && payload.date_ms > 0 ? payload.date_ms : null,
    html: typeof payload.html === 'string' && payload.html.trim() ? payload.html : null,
    hasRemoteImages: payload.has_remote_images === true,
    inline,
    automated,
    automatedReason: str(payload.automated_reason),
    skippedFiles,
    textTruncated: payload.text_truncated === true,
    htmlDropped: typeof payload.html_dropped === 'string' ? payload.html_dropped : null,
  };
}

/** "Jana Müller <jana@example.de>", or just the address when there is no name. */
export function formatAddress(a: MailAddress): string {
  if (!a.name || a.name === a.address) return a.address;
  return a.address ? `${a.name} <${a.address}>` : a.name;
}

export function formatAddresses(list: MailAddress[]): string {
  return list.map(formatAddress).join(', ');
}

// ---- inline (cid:) images ----

export interface AttachmentRef {
  id: number;
  filename: string;
}

/** Pairs each content-id of `payload.inline` with one of the message's attachments by file name.
 * The server stores a mail's files in order and lists the inline map in the same order, so two
 * inline images with the same name ("image.png") take the attachments in turn. */
export function matchInlineImages(inline: Record<string, string>, attachments: AttachmentRef[]): Map<string, number> {
  const used = new Set<number>();
  const out = new Map<string, number>();
  for (const [cid, filename] of Object.entries(inline)) {
    const hit = attachments.find((a) => !used.has(a.id) && a.filename === filename);
    if (!hit) continue;
    used.add(hit.id);
    out.set(normalizeCid(cid), hit.id);
  }
  return out;
}

/** A content-id as a key: without the cid: scheme and <>, %-escapes decoded (RFC 2392). */
export function normalizeCid(value: string): string {
  let v = value.trim();
  if (/^cid:/i.test(v)) v = v.slice(4);
  if (v.startsWith('<') && v.endsWith('>')) v = v.slice(1, -1);
  try {
    v = decodeURIComponent(v);
  } catch {
    // not %-encoded: keep it as it is
  }
  return v;
}

// ---- the frame document ----

/** The frame's only stylesheet. Its SHA-256 is allowed by the desk's CSP (vite.config.ts),
 * which a srcdoc frame inherits; change it freely, the hash follows at build time. */
export const MAIL_FRAME_CSS =
  'html{color-scheme:light}' +
  'body{margin:0;padding:10px 12px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1b2230;background:#fff;overflow-wrap:anywhere}' +
  'img{max-width:100%;height:auto}' +
  'img:not([src]){display:inline-block;min-width:1.5em;min-height:1em;outline:1px dashed #b9c0cb;color:#566070;font-size:12px}' +
  'table{max-width:100%;border-collapse:collapse}' +
  'td,th{vertical-align:top}' +
  'pre{white-space:pre-wrap}' +
  'blockquote{margin:0 0 0 .8ex;border-left:2px solid #cbd2dc;padding-left:1ex;color:#3d4757}' +
  'a{color:#2450c8}';

export interface FrameOptions {
  /** content-id → a data: URL of the image (fetched by the desk). */
  cidSources?: Map<string, string>;
  /** The agent allowed remote images for this message. */
  remoteImages?: boolean;
}

export interface FrameDocument {
  srcdoc: string;
  csp: string;
  /** Images still held back (remote ones, before the agent allows them). */
  blockedRemote: number;
}

/** The policy of the frame: nothing at all, except inline styles and the images allowed. */
export function mailFrameCsp(opts: { dataImages: boolean; remoteImages: boolean }): string {
  const img = [opts.dataImages ? 'data:' : '', opts.remoteImages ? 'https:' : ''].filter(Boolean).join(' ') || "'none'";
  return `default-src 'none'; img-src ${img}; style-src 'unsafe-inline'; font-src 'none'; media-src 'none'; form-action 'none'; base-uri 'none'`;
}

function decodeEntities(v: string): string {
  return v.replace(/&(#x[0-9a-f]+|#\d+|amp|quot|lt|gt|apos);/gi, (whole, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'quot') return '"';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'apos') return "'";
    const n = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : whole;
  });
}

export function escapeAttribute(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A remote image URL as the frame may load it: http(s) only, http upgraded to https (the desk
 * runs on https, where Chromium would upgrade it anyway, and the policy allows https: only). */
export function remoteImageUrl(raw: string): string | null {
  const v = decodeEntities(raw).trim();
  let u: URL;
  try {
    u = new URL(v.startsWith('//') ? 'https:' + v : v);
  } catch {
    return null;
  }
  if (u.protocol === 'http:') u.protocol = 'https:';
  if (u.protocol !== 'https:') return null;
  return u.href;
}

const ATTR = /\s([a-zA-Z][a-zA-Z0-9_:-]*)\s*=\s*"([^"]*)"/g;

/**
 * Rewrites the sources of the <img> tags of sanitised HTML: cid: images to the data: URLs
 * given (others lose their src and show their alt text), remote ones (data-parley-remote-src)
 * to src only when allowed, and any other src is dropped. The server writes every attribute
 * value in double quotes with " < > & escaped, so a tag ends at the first ">" and an
 * attribute value at the next quote; text never contains a raw "<".
 */
export function rewriteImages(html: string, opts: FrameOptions = {}): { html: string; dataImages: number; remoteShown: number; remoteBlocked: number } {
  let dataImages = 0;
  let remoteShown = 0;
  let remoteBlocked = 0;
  const out = html.replace(/<img\b([^>]*)>/gi, (_whole, attrs: string) => {
    const kept: string[] = [];
    let src: string | null = null;
    let remote: string | null = null;
    for (const m of attrs.matchAll(ATTR)) {
      const name = m[1].toLowerCase();
      if (name === 'src') src = m[2];
      else if (name === 'data-parley-remote-src') remote = m[2];
      else if (name === 'alt' || name === 'title' || name === 'width' || name === 'height') kept.push(` ${name}="${m[2]}"`);
    }
    let newSrc: string | null = null;
    if (src !== null && /^cid:/i.test(decodeEntities(src).trim())) {
      const data = opts.cidSources?.get(normalizeCid(decodeEntities(src)));
      if (data && /^data:image\//i.test(data)) {
        newSrc = data;
        dataImages++;
      }
    }
    let holdBack = '';
    if (remote !== null) {
      const url = remoteImageUrl(remote);
      if (url && opts.remoteImages) {
        newSrc = url;
        remoteShown++;
      } else if (url) {
        holdBack = ` data-parley-remote-src="${escapeAttribute(url)}"`;
        remoteBlocked++;
      }
    }
    return `<img${newSrc !== null ? ` src="${escapeAttribute(newSrc)}"` : ''}${holdBack}${kept.join('')}>`;
  });
  return { html: out, dataImages, remoteShown, remoteBlocked };
}

/** The whole document of the frame: the policy first, then the stylesheet and the mail. */
export function buildMailDocument(html: string, opts: FrameOptions = {}): FrameDocument {
  const rewritten = rewriteImages(html, opts);
  const csp = mailFrameCsp({ dataImages: rewritten.dataImages > 0, remoteImages: !!opts.remoteImages && rewritten.remoteShown > 0 });
  const srcdoc =
    '<!doctype html><html><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttribute(csp)}">` +
    '<meta name="referrer" content="no-referrer">' +
    '<base target="_blank">' +
    `<style>${MAIL_FRAME_CSS}</style>` +
    `</head><body>${rewritten.html}</body></html>`;
  return { srcdoc, csp, blockedRemote: rewritten.remoteBlocked };
}

/** A first height for the frame (it cannot measure its content without scripts): lines of text
 * and block elements, plus the images' declared heights, between 120 and 520 px. The frame
 * scrolls beyond that and the agent can drag it taller. */
export function estimateFrameHeight(html: string): number {
  const blocks = (html.match(/<(p|div|br|tr|li|h[1-6]|blockquote|pre|hr)\b/gi) ?? []).length;
  const text = html.replace(/<[^>]*>/g, '').replace(/\s+/g, ' ').trim();
  let images = 0;
  for (const m of html.matchAll(/<img\b[^>]*>/gi)) {
    const h = /\sheight="(\d{1,4})"/i.exec(m[0]);
    images += h ? Math.min(Number(h[1]), 400) : 120;
  }
  const lines = blocks + Math.ceil(text.length / 80);
  return Math.max(120, Math.min(520, 24 + lines * 21 + images));
}
