// How X counts a post's length (twitter-text v3, https://docs.x.com/fundamentals/counting-characters):
// code points in the Latin and general punctuation ranges weigh 1, every other one (CJK) 2, an
// emoji 2 however many code points it joins, and every link 23 (X shortens it to a t.co link):
// "https://…" and "www.…" links and bare domains of common top-level domains. The server counts
// the same way (src/channels/x/x_codec.cpp, tweetLength) and refuses a longer public reply.

export const X_POST_LIMIT = 280;
export const X_DM_LIMIT = 10000;
const URL_WEIGHT = 23;

const TLDS = new Set([
  'com', 'net', 'org', 'edu', 'gov', 'info', 'biz', 'io', 'co', 'me', 'tv', 'app', 'dev', 'ai', 'ly', 'gl',
  'de', 'at', 'ch', 'uk', 'eu', 'fr', 'es', 'it', 'nl', 'be', 'pl', 'se', 'no', 'dk', 'fi', 'ru', 'us',
  'ca', 'au', 'jp', 'cn', 'in', 'br', 'shop', 'online', 'store', 'site', 'xyz',
]);

function weighted(s: string): number {
  let total = 0;
  let joined = false;
  let flagOpen = false;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const wasJoined = joined;
    joined = cp === 0x200d;
    const regional = cp >= 0x1f1e6 && cp <= 0x1f1ff;
    const secondOfFlag = regional && flagOpen;
    flagOpen = regional && !flagOpen;
    if (wasJoined || joined || cp === 0xfe0e || cp === 0xfe0f || (cp >= 0x1f3fb && cp <= 0x1f3ff) || secondOfFlag) continue;
    const light = cp <= 4351 || (cp >= 8192 && cp <= 8205) || (cp >= 8208 && cp <= 8223) || (cp >= 8242 && cp <= 8247);
    total += light ? 1 : 2;
  }
  return total;
}

function bareDomain(token: string): boolean {
  const host = token.split(/[/?#:]/, 1)[0];
  const dot = host.lastIndexOf('.');
  if (dot <= 0 || !TLDS.has(host.slice(dot + 1).toLowerCase())) return false;
  return host
    .slice(0, dot)
    .split('.')
    .every((label) => /^[A-Za-z0-9-]+$/.test(label));
}

function tokenLength(token: string): number {
  const lead = /^[("'[<]*/.exec(token)![0].length;
  const trail = /[.,;:!?)\]"'>]*$/.exec(token.slice(lead))![0].length;
  const core = token.slice(lead, token.length - trail);
  if (!core) return weighted(token);
  const lower = core.toLowerCase();
  const scheme = (lower.startsWith('https://') && core.length > 8) || (lower.startsWith('http://') && core.length > 7);
  const www = lower.startsWith('www.') && core.indexOf('.', 4) !== -1;
  if (!scheme && !www && !bareDomain(core)) return weighted(token);
  return weighted(token.slice(0, lead)) + URL_WEIGHT + weighted(token.slice(token.length - trail));
}

/** The length X counts for a post. */
export function xPostLength(text: string): number {
  let total = 0;
  for (const part of text.split(/([ \t\r\n])/)) {
    if (!part) continue;
    total += /^[ \t\r\n]$/.test(part) ? 1 : tokenLength(part);
  }
  return total;
}

/** Characters of a direct message (code points). */
export function xDmLength(text: string): number {
  return Array.from(text).length;
}
