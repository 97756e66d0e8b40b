// Safe linkifier: message text is split into plain text and links. Only http(s) URLs, www.
// hosts and e-mail addresses become links (http, https and mailto after parsing with URL);
// everything else, including markup like <a href="javascript:...">, stays text. The renderer
// puts the tokens into text nodes and <a rel="noopener noreferrer nofollow" target="_blank">,
// never into innerHTML.
export type Token = { type: 'text'; text: string } | { type: 'link'; text: string; href: string };

const ALLOWED = new Set(['http:', 'https:', 'mailto:']);
// A candidate: scheme URL, www. host, mailto: address, or a bare e-mail address.
const CANDIDATE = /\b(?:https?:\/\/[^\s<>"']+|www\.[^\s<>"']+|mailto:[^\s<>"']+|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/gi;
const TRAILING = /[.,;:!?'"»«]+$/;

function trimTrailing(raw: string): string {
  let s = raw.replace(TRAILING, '');
  // Drop closing brackets that have no opening partner inside the URL: "(see https://x.y/a)".
  for (const [open, close] of [['(', ')'], ['[', ']'], ['{', '}']] as const) {
    while (s.endsWith(close) && s.split(open).length < s.split(close).length) {
      s = s.slice(0, -1).replace(TRAILING, '');
    }
  }
  return s;
}

/** The safe href for a candidate, or null when it must stay text. */
export function safeHref(candidate: string): string | null {
  let href = candidate;
  if (/^www\./i.test(href)) href = 'https://' + href;
  else if (!/^[a-z][a-z0-9+.-]*:/i.test(href) && href.includes('@')) href = 'mailto:' + href;
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  if (!ALLOWED.has(url.protocol)) return null;
  if (url.protocol !== 'mailto:' && !url.hostname) return null;
  if (url.username || url.password) return null; // "https://bank.example@evil.example" tricks
  return url.href;
}

export function linkify(text: string): Token[] {
  const tokens: Token[] = [];
  let last = 0;
  const push = (t: string) => {
    if (!t) return;
    const prev = tokens[tokens.length - 1];
    if (prev && prev.type === 'text') prev.text += t;
    else tokens.push({ type: 'text', text: t });
  };
  for (const m of text.matchAll(CANDIDATE)) {
    const start = m.index ?? 0;
    const raw = trimTrailing(m[0]);
    const href = raw ? safeHref(raw) : null;
    if (!href) continue;
    push(text.slice(last, start));
    tokens.push({ type: 'link', text: raw, href });
    last = start + raw.length;
  }
  push(text.slice(last));
  return tokens;
}
