import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  applySuggestion, contactLanguage, diffSpan, mirrorSegments, misspellingAt, rangeHolds, rebase, shouldCheck, spellMemory,
  SpellScheduler, usableMisspellings, type Misspelling, type SpellAnswer,
} from './spellcheck';

const m = (word: string, offset: number, suggestions: string[] = []): Misspelling => ({ word, offset, length: word.length, suggestions });

// The server's real answer for this draft (POST /spellcheck, language auto): offsets count
// UTF-16 code units — the emoji is two of them, the umlaut one, the placeholder is skipped.
const DRAFT = 'Hallo {{contact.first_name}}, 😀 Grüße Rechnnung teh';
const ANSWER: Misspelling[] = [
  { word: 'Grüße', offset: 33, length: 5, suggestions: ['Gree'] },
  { word: 'Rechnnung', offset: 39, length: 9, suggestions: ['Recurring'] },
  { word: 'teh', offset: 49, length: 3, suggestions: ['the', 'eh'] },
];

describe('spell check ranges (UTF-16)', () => {
  it('the server offsets are JavaScript string indices, also after an emoji', () => {
    for (const x of ANSWER) expect(DRAFT.slice(x.offset, x.offset + x.length)).toBe(x.word);
    expect(usableMisspellings(DRAFT, ANSWER)).toEqual(ANSWER);
  });

  it('ranges that do not read their word are not used (UTF-8 byte offsets, outdated answers, out of bounds)', () => {
    const bytes = new TextEncoder().encode(DRAFT.slice(0, 39)).length; // 41: the emoji is 4 bytes, ü 2
    expect(rangeHolds(DRAFT, { word: 'Rechnnung', offset: bytes, length: 9 })).toBe(false);
    expect(rangeHolds(DRAFT, { word: 'teh', offset: 49, length: 4 })).toBe(false);
    expect(rangeHolds(DRAFT, { word: 'teh', offset: 50, length: 3 })).toBe(false);
    expect(rangeHolds(DRAFT, { word: 'x', offset: -1, length: 1 })).toBe(false);
    expect(rangeHolds(DRAFT, { word: '', offset: 3, length: 0 })).toBe(false);
    expect(usableMisspellings(DRAFT.replace('teh', 'the'), ANSWER).map((x) => x.word)).toEqual(['Grüße', 'Rechnnung']);
  });

  it('sorts, drops overlaps and ignored words', () => {
    const text = 'aaa bbb ccc';
    const list = [m('ccc', 8), m('aaa', 0), { word: 'aa b', offset: 1, length: 4, suggestions: [] }, m('bbb', 4)];
    expect(usableMisspellings(text, list).map((x) => x.word)).toEqual(['aaa', 'bbb', 'ccc']);
    expect(usableMisspellings(text, list, new Set(['bbb'])).map((x) => x.word)).toEqual(['aaa', 'ccc']);
  });

  it('the misspelling at the caret: inside the word or right after it', () => {
    const list = usableMisspellings(DRAFT, ANSWER);
    expect(misspellingAt(list, 39)?.word).toBe('Rechnnung');
    expect(misspellingAt(list, 44)?.word).toBe('Rechnnung');
    expect(misspellingAt(list, 48)?.word).toBe('Rechnnung');
    expect(misspellingAt(list, 30)).toBeNull();
  });
});

describe('the mirror', () => {
  it('spells the text exactly, marks on the ranges', () => {
    const list = usableMisspellings(DRAFT, ANSWER);
    const segs = mirrorSegments(DRAFT, list);
    expect(segs.map((s) => s.text).join('')).toBe(DRAFT);
    expect(segs.filter((s) => s.mark !== undefined).map((s) => s.text)).toEqual(['Grüße', 'Rechnnung', 'teh']);
    expect(segs.filter((s) => s.mark !== undefined).map((s) => s.mark)).toEqual([0, 1, 2]);
    expect(segs[0]).toEqual({ text: 'Hallo {{contact.first_name}}, 😀 ' });
    expect(segs[segs.length - 1]).toEqual({ text: 'teh', mark: 2 });
  });

  it('HTML in the draft stays text (the mirror renders text nodes)', () => {
    const text = '<img src=x onerror=alert(1)> Rechnnung';
    const segs = mirrorSegments(text, [m('Rechnnung', 29)]);
    expect(segs).toEqual([{ text: '<img src=x onerror=alert(1)> ' }, { text: 'Rechnnung', mark: 0 }]);
  });

  it('a trailing newline gets a zero-width space, so the mirror is as tall as the textarea', () => {
    expect(mirrorSegments('Hallo\n', [])).toEqual([{ text: 'Hallo\n' }, { text: '\u200b' }]);
    expect(mirrorSegments('', [])).toEqual([]);
  });
});

describe('applying a suggestion', () => {
  it('replaces exactly that range and puts the caret after it', () => {
    const text = 'Hallo, meine Rechnnung stimmt nicht';
    const r = applySuggestion(text, m('Rechnnung', 13), 'Rechnung');
    expect(r).toEqual({ text: 'Hallo, meine Rechnung stimmt nicht', caret: 21 });
  });

  it('only the flagged occurrence of a repeated word, also after an emoji', () => {
    const text = '😀 teh cat teh dog';
    expect(applySuggestion(text, m('teh', 11), 'the')).toEqual({ text: '😀 teh cat the dog', caret: 14 });
  });

  it('refuses when the text no longer reads the word there', () => {
    expect(applySuggestion('Hallo, meine Rechnung stimmt', m('Rechnnung', 13), 'Rechnung')).toBeNull();
    expect(applySuggestion('x Rechnnung', m('Rechnnung', 13), 'Rechnung')).toBeNull();
  });

  it('the other ranges follow the replacement', () => {
    const text = 'teh Rechnnung ist flasch';
    const list = [m('teh', 0), m('Rechnnung', 4), m('flasch', 18)];
    const r = applySuggestion(text, list[1], 'Rechnung')!;
    expect(rebase(list, text, r.text)).toEqual([m('teh', 0), m('flasch', 17)]);
  });
});

describe('moving ranges along with typing', () => {
  const text = 'Hallo Rechnnung und teh';
  const list = [m('Rechnnung', 6), m('teh', 20)];
  it('the edit as one span', () => {
    expect(diffSpan('abc', 'abXc')).toEqual({ start: 2, oldEnd: 2, newEnd: 3 });
    expect(diffSpan('abc', 'ac')).toEqual({ start: 1, oldEnd: 2, newEnd: 1 });
    expect(diffSpan('aaa', 'aaaa')).toEqual({ start: 3, oldEnd: 3, newEnd: 4 });
  });
  it('typing before a word shifts it; inside it drops it', () => {
    expect(rebase(list, text, 'Oh, Hallo Rechnnung und teh')).toEqual([m('Rechnnung', 10), m('teh', 24)]);
    expect(rebase(list, text, 'Hallo Rechnung und teh')).toEqual([m('teh', 19)]);
  });
  it('a space or comma after a word keeps it, a letter does not (the word grew)', () => {
    expect(rebase(list, text, 'Hallo Rechnnung, und teh')).toEqual([m('Rechnnung', 6), m('teh', 21)]);
    expect(rebase(list, text, 'Hallo Rechnnungs und teh')).toEqual([m('teh', 21)]);
    expect(rebase(list, text, 'Hallo Rechnnung und teh ')).toEqual(list);
    expect(rebase(list, text, 'Hallo Rechnnung und tehr')).toEqual([m('Rechnnung', 6)]);
  });
  it('pasting over everything drops everything', () => {
    expect(rebase(list, text, 'Neu')).toEqual([]);
    expect(rebase(list, text, text)).toBe(list);
  });
});

describe('what to check', () => {
  it('skips empty drafts, drafts without words, and drafts over 20 000 bytes', () => {
    expect(shouldCheck('')).toBe(false);
    expect(shouldCheck('  12 ')).toBe(false);
    expect(shouldCheck('Hallo')).toBe(true);
    expect(shouldCheck('ä'.repeat(9_999) + 'ab')).toBe(true); // 20 000 bytes
    expect(shouldCheck('ä'.repeat(10_000) + 'ab')).toBe(false);
  });
  it('the conversation language from the contact, when it says so', () => {
    expect(contactLanguage({ attributes: { language: 'de' } })).toBe('de');
    expect(contactLanguage({ attributes: { locale: 'en-GB' } })).toBe('en');
    expect(contactLanguage({ attributes: { locale: 'de_AT' } })).toBe('de');
    expect(contactLanguage({ attributes: { language: 'fr' } })).toBeNull();
    expect(contactLanguage({ attributes: { language: 'dental' } })).toBeNull();
    expect(contactLanguage({ attributes: {} })).toBeNull();
    expect(contactLanguage(null)).toBeNull();
  });
  it('remembers the language per conversation and ignored words for the session', () => {
    spellMemory.setLanguage(7, 'en');
    spellMemory.ignore('Parley');
    expect(spellMemory.language(7)).toBe('en');
    expect(spellMemory.language(8)).toBeUndefined();
    expect(usableMisspellings('Parley', [m('Parley', 0)], spellMemory.ignored())).toEqual([]);
    spellMemory.clear();
    expect(spellMemory.language(7)).toBeUndefined();
    expect(spellMemory.ignored().size).toBe(0);
  });
});

describe('SpellScheduler', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  type Call = { text: string; language: string; signal: AbortSignal; resolve: (a: SpellAnswer) => void; reject: (e: unknown) => void };
  function setup() {
    const calls: Call[] = [];
    const answers: { text: string; answer: SpellAnswer }[] = [];
    const errors: unknown[] = [];
    const s = new SpellScheduler({
      check: (text, language, signal) => new Promise<SpellAnswer>((resolve, reject) => calls.push({ text, language, signal, resolve, reject })),
      onAnswer: (text, answer) => answers.push({ text, answer }),
      onError: (e) => errors.push(e),
    });
    return { s, calls, answers, errors };
  }
  const answer = (...ms: Misspelling[]): SpellAnswer => ({ language: 'de', detected: true, misspellings: ms });

  it('asks once, 400 ms after the last keystroke, with the latest text', async () => {
    const { s, calls, answers } = setup();
    s.update('Ha', 'auto');
    vi.advanceTimersByTime(300);
    s.update('Hal', 'auto');
    vi.advanceTimersByTime(300);
    s.update('Hallo Rechnnung', 'auto');
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(399);
    expect(calls).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(calls.map((c) => [c.text, c.language])).toEqual([['Hallo Rechnnung', 'auto']]);
    calls[0].resolve(answer(m('Rechnnung', 6)));
    await Promise.resolve();
    expect(answers).toEqual([{ text: 'Hallo Rechnnung', answer: answer(m('Rechnnung', 6)) }]);
  });

  it('a language chosen by a render that is older than the draft checks the newest draft', () => {
    const { s, calls } = setup();
    s.relanguage('auto', 'Hallo {{contact.first_name}}'); // the composer opens with a draft
    expect(calls.map((c) => [c.text, c.language])).toEqual([['Hallo {{contact.first_name}}', 'auto']]);
    s.update('Grüße von Parleyy', 'de'); // typed right after picking Deutsch ...
    s.relanguage('de', 'Hallo {{contact.first_name}}'); // ... before the picker's effect ran
    vi.advanceTimersByTime(400);
    expect(calls.at(-1)).toMatchObject({ text: 'Grüße von Parleyy', language: 'de' });
    expect(calls.filter((c) => !c.signal.aborted).map((c) => c.text)).toEqual(['Grüße von Parleyy']);
  });

  it('aborts the running request when the text changes and drops its late answer', async () => {
    const { s, calls, answers } = setup();
    s.update('Hallo Rechnnung', 'auto');
    vi.advanceTimersByTime(400);
    s.update('Hallo Rechnnung stimt', 'auto');
    expect(calls[0].signal.aborted).toBe(true);
    calls[0].resolve(answer(m('Rechnnung', 6))); // arrives anyway (the server was faster than the abort)
    await Promise.resolve();
    expect(answers).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(calls).toHaveLength(2);
    calls[1].resolve(answer(m('Rechnnung', 6), m('stimt', 16)));
    await Promise.resolve();
    expect(answers.map((a) => a.text)).toEqual(['Hallo Rechnnung stimt']);
  });

  it('out-of-order answers: only the one for the current text counts', async () => {
    const { s, calls, answers } = setup();
    s.update('eins', 'auto');
    vi.advanceTimersByTime(400);
    s.update('eins zwei', 'auto');
    vi.advanceTimersByTime(400);
    calls[1].resolve(answer());
    calls[0].resolve(answer(m('eins', 0)));
    await Promise.resolve();
    await Promise.resolve();
    expect(answers.map((a) => a.text)).toEqual(['eins zwei']);
  });

  it('a new language asks again at once; the same text and language do not ask twice', () => {
    const { s, calls } = setup();
    s.update('Hallo Welt', 'auto');
    vi.advanceTimersByTime(400);
    s.update('Hallo Welt', 'auto');
    vi.advanceTimersByTime(400);
    expect(calls).toHaveLength(1);
    s.update('Hallo Welt', 'de', true);
    expect(calls.map((c) => c.language)).toEqual(['auto', 'de']);
    expect(calls[0].signal.aborted).toBe(true);
  });

  it('nothing to check: no request, and what was pending is cancelled', () => {
    const { s, calls } = setup();
    s.update('Hallo', 'auto');
    s.update('', 'auto');
    vi.advanceTimersByTime(1000);
    expect(calls).toHaveLength(0);
  });

  it('reports failures, but not the aborted ones', async () => {
    const { s, calls, errors } = setup();
    s.update('Hallo', 'auto');
    vi.advanceTimersByTime(400);
    s.cancel();
    calls[0].reject(new Error('aborted'));
    s.update('Hallo du', 'auto');
    vi.advanceTimersByTime(400);
    calls[1].reject(new Error('offline'));
    await Promise.resolve();
    await Promise.resolve();
    expect(errors.map((e) => (e as Error).message)).toEqual(['offline']);
  });
});
