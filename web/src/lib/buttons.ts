// Buttons under a Telegram reply (an inline keyboard): the composer's editor keeps drafts, this
// module checks them by the rules the server applies (src/app/reply_buttons.hpp, Telegram's
// InlineKeyboardButton) and turns them into the API's `buttons` field; messages carry them in
// payload.inline_keyboard.
import type { MessageKey } from '../i18n';

export const MAX_ROWS = 10;
export const MAX_PER_ROW = 8;
export const MAX_BUTTONS = 30;
export const MAX_TEXT = 64;
export const MAX_DATA_BYTES = 64;

export type ButtonKind = 'data' | 'url';
export interface ButtonDraft {
  text: string;
  kind: ButtonKind;
  /** callback_data (kind 'data') or the link (kind 'url') */
  value: string;
}
export type ApiButton = { text: string; callback_data: string } | { text: string; url: string };

export interface ButtonProblem {
  row: number;
  /** -1: the row (or the whole keyboard) itself */
  col: number;
  field: 'text' | 'value' | 'row' | 'all';
  key: MessageKey;
  params?: Record<string, string | number>;
}

const bytes = (s: string) => new TextEncoder().encode(s).length;

export function isLinkUrl(url: string): boolean {
  const m = /^([a-z]+):\/\/(.+)$/i.exec(url);
  if (!m) return false;
  if (!['http', 'https', 'tg'].includes(m[1].toLowerCase())) return false;
  return !/[\s\u0000-\u001f\u007f]/.test(url);
}

/** Every problem of the drafts, in order; empty when the server will take them. */
export function validateButtons(rows: ButtonDraft[][]): ButtonProblem[] {
  const out: ButtonProblem[] = [];
  if (rows.length > MAX_ROWS) out.push({ row: -1, col: -1, field: 'all', key: 'buttons.tooManyRows', params: { max: MAX_ROWS } });
  const count = rows.reduce((n, r) => n + r.length, 0);
  if (count > MAX_BUTTONS) out.push({ row: -1, col: -1, field: 'all', key: 'buttons.tooMany', params: { max: MAX_BUTTONS } });
  rows.forEach((row, r) => {
    if (!row.length) out.push({ row: r, col: -1, field: 'row', key: 'buttons.emptyRow' });
    if (row.length > MAX_PER_ROW) out.push({ row: r, col: -1, field: 'row', key: 'buttons.rowTooLong', params: { max: MAX_PER_ROW } });
    row.forEach((b, c) => {
      const label = b.text.trim();
      if (!label) out.push({ row: r, col: c, field: 'text', key: 'buttons.textMissing' });
      else if (Array.from(b.text).length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(b.text)) out.push({ row: r, col: c, field: 'text', key: 'buttons.textTooLong', params: { max: MAX_TEXT } });
      if (b.kind === 'data') {
        if (!b.value) out.push({ row: r, col: c, field: 'value', key: 'buttons.dataMissing' });
        else if (bytes(b.value) > MAX_DATA_BYTES) out.push({ row: r, col: c, field: 'value', key: 'buttons.dataTooLong', params: { max: MAX_DATA_BYTES, n: bytes(b.value) } });
      } else if (!isLinkUrl(b.value)) {
        out.push({ row: r, col: c, field: 'value', key: 'buttons.urlInvalid' });
      }
    });
  });
  return out;
}

/** The API's `buttons`: rows of {text, callback_data} or {text, url}; empty rows dropped. */
export function toApiButtons(rows: ButtonDraft[][]): ApiButton[][] {
  return rows
    .filter((r) => r.length)
    .map((r) => r.map((b) => (b.kind === 'data' ? { text: b.text.trim(), callback_data: b.value } : { text: b.text.trim(), url: b.value.trim() })));
}

/** The keyboard a message carries (payload.inline_keyboard), or null; anything malformed is skipped. */
export function buttonsOf(payload: Record<string, unknown> | null | undefined): ApiButton[][] | null {
  const rows = payload?.inline_keyboard;
  if (!Array.isArray(rows)) return null;
  const out: ApiButton[][] = [];
  for (const row of rows) {
    if (!Array.isArray(row)) continue;
    const buttons: ApiButton[] = [];
    for (const b of row) {
      if (!b || typeof b !== 'object' || typeof (b as { text?: unknown }).text !== 'string') continue;
      const { text, callback_data, url } = b as { text: string; callback_data?: unknown; url?: unknown };
      if (typeof url === 'string') buttons.push({ text, url });
      else if (typeof callback_data === 'string') buttons.push({ text, callback_data });
    }
    if (buttons.length) out.push(buttons);
  }
  return out.length ? out : null;
}

export const emptyButton = (): ButtonDraft => ({ text: '', kind: 'data', value: '' });
