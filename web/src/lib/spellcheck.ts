// Spell check for the composer (POST /spellcheck, docs/API.md): the pure parts, kept apart from
// the component so they can be tested without a browser.
//
// - The server answers misspellings as UTF-16 offset + length, which are JavaScript string
//   indices: `text.slice(offset, offset + length)` is the word. A range is only ever used when
//   that slice still reads the word (an answer may come for a text the agent has changed since).
// - While the agent types, the ranges of the last answer are moved along with the edit
//   (`rebase`: before the edit they stay, after it they shift, a range the edit touches goes),
//   so the underlines do not jump or vanish between two answers.
// - `SpellScheduler` asks the server ~400 ms after the last keystroke, aborts the request still
//   running when the text changes, and drops any answer that is not for the current text.
// - The mirror behind the textarea is built from `mirrorSegments` as text nodes and <mark>s —
//   never as HTML.
import type { Contact } from '../api/types';

export type SpellLanguage = 'auto' | 'de' | 'en';

export interface Misspelling {
  word: string;
  offset: number;
  length: number;
  suggestions: string[];
}

export interface SpellAnswer {
  language: 'de' | 'en' | string;
  detected: boolean;
  misspellings: Misspelling[];
}

/** The server checks at most this many bytes of UTF-8 at once (413 above). */
export const MAX_SPELL_BYTES = 20_000;
export const SPELL_DELAY_MS = 400;

/** True when the range still reads its word in `text`. */
export function rangeHolds(text: string, m: Pick<Misspelling, 'word' | 'offset' | 'length'>): boolean {
  return (
    Number.isInteger(m.offset) && Number.isInteger(m.length) && m.offset >= 0 && m.length > 0 &&
    m.offset + m.length <= text.length && text.slice(m.offset, m.offset + m.length) === m.word
  );
}

/** The misspellings to show for `text`: ranges that hold, not ignored, sorted, no overlaps. */
export function usableMisspellings(text: string, list: Misspelling[], ignored: ReadonlySet<string> = new Set()): Misspelling[] {
  const out: Misspelling[] = [];
  let end = 0;
  for (const m of [...list].sort((a, b) => a.offset - b.offset)) {
    if (!rangeHolds(text, m) || ignored.has(m.word) || m.offset < end) continue;
    out.push(m);
    end = m.offset + m.length;
  }
  return out;
}

export interface Segment {
  text: string;
  /** Index into the misspellings the segments were built from; absent for plain text. */
  mark?: number;
}

/** The mirror's content: plain runs and marked runs that together spell `text` exactly.
 * `list` must be usable (see usableMisspellings). A trailing newline gets a zero-width space
 * after it, or the mirror would be one line shorter than the textarea. */
export function mirrorSegments(text: string, list: Misspelling[]): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  list.forEach((m, i) => {
    if (m.offset > at) out.push({ text: text.slice(at, m.offset) });
    out.push({ text: text.slice(m.offset, m.offset + m.length), mark: i });
    at = m.offset + m.length;
  });
  if (at < text.length) out.push({ text: text.slice(at) });
  if (text.endsWith('\n')) out.push({ text: '\u200b' });
  return out;
}

/** The misspelling at a caret position (inside the word or right at its end), if any. */
export function misspellingAt(list: Misspelling[], caret: number): Misspelling | null {
  return list.find((m) => caret >= m.offset && caret <= m.offset + m.length) ?? null;
}

/** Replaces exactly the range of `m` with `replacement`; null if the range no longer reads the
 * word (the text changed). The caret goes after the replacement. */
export function applySuggestion(text: string, m: Misspelling, replacement: string): { text: string; caret: number } | null {
  if (!rangeHolds(text, m)) return null;
  return { text: text.slice(0, m.offset) + replacement + text.slice(m.offset + m.length), caret: m.offset + replacement.length };
}

/** The edit between two texts as one replaced span: [start, oldEnd) of `before` became
 * [start, newEnd) of `after` (common prefix and suffix taken off). */
export function diffSpan(before: string, after: string): { start: number; oldEnd: number; newEnd: number } {
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let oldEnd = before.length;
  let newEnd = after.length;
  while (oldEnd > start && newEnd > start && before.charCodeAt(oldEnd - 1) === after.charCodeAt(newEnd - 1)) {
    oldEnd--;
    newEnd--;
  }
  return { start, oldEnd, newEnd };
}

const WORD_CHAR = /[\p{L}\p{N}'’-]/u;

/** Moves the ranges found in `before` to `after`: a range wholly before the edit stays, one
 * wholly after it shifts by the change in length, one the edit touches is dropped until the
 * next answer — also one it borders, unless the edit only inserted a space or punctuation
 * there (typing " " after a misspelled word keeps its underline). */
export function rebase(list: Misspelling[], before: string, after: string): Misspelling[] {
  if (before === after) return list;
  const { start, oldEnd, newEnd } = diffSpan(before, after);
  const delta = newEnd - oldEnd;
  const inserted = oldEnd === start ? after.slice(start, newEnd) : '';
  const out: Misspelling[] = [];
  for (const m of list) {
    const end = m.offset + m.length;
    if (end < start || (end === start && inserted && !WORD_CHAR.test(inserted[0]))) out.push(m);
    else if (m.offset > oldEnd || (m.offset === oldEnd && inserted && !WORD_CHAR.test(inserted[inserted.length - 1]))) {
      out.push({ ...m, offset: m.offset + delta });
    }
  }
  return out.filter((m) => rangeHolds(after, m));
}

/** UTF-8 length without allocating for the common short case. */
export function utf8Length(text: string): number {
  if (text.length * 3 <= MAX_SPELL_BYTES) return text.length; // surely small enough; exact size not needed
  return new TextEncoder().encode(text).length;
}

/** Whether a draft is worth asking about: some letters, and not over the server's limit. */
export function shouldCheck(text: string): boolean {
  return /\p{L}{2}/u.test(text) && utf8Length(text) <= MAX_SPELL_BYTES;
}

/** The conversation's language, when the contact says it (attributes language/locale/lang,
 * "de", "de-DE", "en_GB", …); null when unknown, and then the server detects it. */
export function contactLanguage(contact: Pick<Contact, 'attributes'> | null | undefined): 'de' | 'en' | null {
  const attrs = contact?.attributes ?? {};
  for (const key of ['language', 'locale', 'lang']) {
    const v = attrs[key];
    if (typeof v !== 'string') continue;
    const code = v.trim().toLowerCase().slice(0, 2);
    if ((code === 'de' || code === 'en') && (v.length === 2 || /^[a-z]{2}[-_]/i.test(v.trim()))) return code;
  }
  return null;
}

// ---- session memory: the language chosen per conversation, the words ignored ----
const chosenLanguage = new Map<number, SpellLanguage>();
const ignoredWords = new Set<string>();
export const spellMemory = {
  language: (conversationId: number): SpellLanguage | undefined => chosenLanguage.get(conversationId),
  setLanguage: (conversationId: number, l: SpellLanguage) => void chosenLanguage.set(conversationId, l),
  ignored: (): ReadonlySet<string> => ignoredWords,
  ignore: (word: string) => void ignoredWords.add(word),
  clear: () => {
    chosenLanguage.clear();
    ignoredWords.clear();
  },
};

// ---- scheduling: debounce, cancel, drop stale answers ----
export type SpellCheckFn = (text: string, language: SpellLanguage, signal: AbortSignal) => Promise<SpellAnswer>;

export interface SchedulerOptions {
  check: SpellCheckFn;
  /** Called with an answer that belongs to the current text (and language). */
  onAnswer: (text: string, answer: SpellAnswer) => void;
  /** Called when a request fails (not when it was aborted). */
  onError?: (e: unknown) => void;
  delay?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

/** Debounced spell checking of one text box. `update(text, language)` on every change; an
 * answer is delivered only if nothing changed since its request was made. */
export class SpellScheduler {
  private timer: unknown = null;
  private inflight: AbortController | null = null;
  private current = { text: '', language: 'auto' as SpellLanguage };
  private seen = false; // update() was called: current.text is the newest draft
  private seq = 0;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;

  constructor(private readonly opts: SchedulerOptions) {
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));
  }

  /** The text (or language) changed: forget what is running, ask again after the pause. */
  update(text: string, language: SpellLanguage, immediately = false) {
    if (this.seen && text === this.current.text && language === this.current.language) return;
    this.seen = true;
    this.current = { text, language };
    this.cancel();
    if (!shouldCheck(text)) return;
    if (immediately) this.run();
    else this.timer = this.setTimer(() => this.run(), this.opts.delay ?? SPELL_DELAY_MS);
  }

  /** The language changed: check the newest draft again at once. That is the text update() saw
   * last, which may be newer than the caller's render (a language picked, then typing at once);
   * `initialText` only until the first update(). */
  relanguage(language: SpellLanguage, initialText: string) {
    this.update(this.seen ? this.current.text : initialText, language, true);
  }

  /** Stops the pending timer and aborts the running request; their answers never arrive. */
  cancel() {
    this.seq++;
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.inflight?.abort();
    this.inflight = null;
  }

  private run() {
    this.timer = null;
    const seq = ++this.seq;
    const { text, language } = this.current;
    const ctrl = new AbortController();
    this.inflight = ctrl;
    this.opts.check(text, language, ctrl.signal).then(
      (answer) => {
        if (seq !== this.seq || ctrl.signal.aborted) return;
        this.inflight = null;
        if (text !== this.current.text || language !== this.current.language) return;
        this.opts.onAnswer(text, answer);
      },
      (e) => {
        if (seq !== this.seq || ctrl.signal.aborted) return;
        this.inflight = null;
        this.opts.onError?.(e);
      },
    );
  }
}
