import { describe, expect, it } from 'vitest';
import { buttonsOf, isLinkUrl, toApiButtons, validateButtons, type ButtonDraft } from './buttons';

const data = (text: string, value: string): ButtonDraft => ({ text, kind: 'data', value });
const link = (text: string, value: string): ButtonDraft => ({ text, kind: 'url', value });
const keys = (rows: ButtonDraft[][]) => validateButtons(rows).map((p) => `${p.row}:${p.col}:${p.field}:${p.key}`);

describe('buttons under a Telegram reply', () => {
  it('accept what Telegram accepts and become the API field', () => {
    const rows = [[data('Ja, gelöst', 'solved:yes'), data('Nein', 'solved:no')], [link(' Hilfe ', 'https://example.com/hilfe')]];
    expect(validateButtons(rows)).toEqual([]);
    expect(toApiButtons(rows)).toEqual([
      [{ text: 'Ja, gelöst', callback_data: 'solved:yes' }, { text: 'Nein', callback_data: 'solved:no' }],
      [{ text: 'Hilfe', url: 'https://example.com/hilfe' }],
    ]);
  });

  it('name each problem where it is, as the server would refuse it', () => {
    expect(keys([[data('', 'x')]])).toEqual(['0:0:text:buttons.textMissing']);
    expect(keys([[data('a'.repeat(65), 'x')]])).toEqual(['0:0:text:buttons.textTooLong']);
    expect(keys([[data('a'.repeat(64), 'x')]])).toEqual([]);
    expect(keys([[data('OK', '')]])).toEqual(['0:0:value:buttons.dataMissing']);
    // callback_data counts bytes: 64 ASCII letters fit, 33 umlauts (66 bytes) do not.
    expect(keys([[data('OK', 'd'.repeat(64))]])).toEqual([]);
    expect(keys([[data('OK', 'ü'.repeat(33))]])).toEqual(['0:0:value:buttons.dataTooLong']);
    expect(validateButtons([[data('OK', 'ü'.repeat(33))]])[0].params).toEqual({ max: 64, n: 66 });
    expect(keys([[data('OK', 'x')], [link('Link', 'javascript:alert(1)')]])).toEqual(['1:0:value:buttons.urlInvalid']);
    expect(keys([[]])).toEqual(['0:-1:row:buttons.emptyRow']);
    expect(keys([Array.from({ length: 9 }, () => data('a', 'a'))])).toEqual(['0:-1:row:buttons.rowTooLong']);
    expect(keys(Array.from({ length: 11 }, () => [data('a', 'a')]))).toEqual(['-1:-1:all:buttons.tooManyRows']);
    expect(keys(Array.from({ length: 8 }, () => Array.from({ length: 4 }, () => data('a', 'a'))))).toEqual(['-1:-1:all:buttons.tooMany']);
  });

  it('take http, https and tg links only', () => {
    for (const ok of ['https://example.com', 'http://example.com/a?b=c', 'tg://resolve?domain=parley', 'HTTPS://EXAMPLE.COM']) expect(isLinkUrl(ok), ok).toBe(true);
    for (const bad of ['example.com', 'ftp://example.com', 'https://', 'https://exa mple.com', 'mailto:a@b.c', 'javascript:alert(1)']) expect(isLinkUrl(bad), bad).toBe(false);
  });

  it('are read back from a sent message, skipping anything malformed', () => {
    expect(buttonsOf({ inline_keyboard: [[{ text: 'A', callback_data: 'a' }, { text: 'B', url: 'https://b.example' }]] })).toEqual([
      [{ text: 'A', callback_data: 'a' }, { text: 'B', url: 'https://b.example' }],
    ]);
    expect(buttonsOf({})).toBeNull();
    expect(buttonsOf({ inline_keyboard: 'yes' })).toBeNull();
    expect(buttonsOf({ inline_keyboard: [[{ text: 3 }], 'x', [{ text: 'C', callback_data: 'c' }]] })).toEqual([[{ text: 'C', callback_data: 'c' }]]);
  });
});
