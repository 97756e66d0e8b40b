// Buttons under a reply: a Telegram inline keyboard, or WhatsApp's interactive reply buttons. The
// composer's editor keeps drafts, this module checks them by the rules the server applies for the
// inbox's channel (src/app/reply_buttons.hpp: Telegram's InlineKeyboardButton, WhatsApp's reply
// buttons) and turns them into the API's `buttons` field; messages carry them in
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

/** What a channel allows. */
export interface ButtonRules {
  maxRows: number;
  maxPerRow: number;
  maxButtons: number;
  /** characters of a label */
  maxText: number;
  /** the data sent back: at most maxData bytes (Telegram) or characters (WhatsApp) */
  maxData: number;
  dataUnit: 'bytes' | 'chars';
  /** buttons may open links */
  links: boolean;
  /** every label differs, the data has no spaces at either end (WhatsApp) */
  strict: boolean;
}

export const TELEGRAM_RULES: ButtonRules = {
  maxRows: MAX_ROWS, maxPerRow: MAX_PER_ROW, maxButtons: MAX_BUTTONS, maxText: MAX_TEXT, maxData: MAX_DATA_BYTES,
  dataUnit: 'bytes', links: true, strict: false,
};
/** WhatsApp Cloud API interactive reply buttons: 1-3 buttons, title 1-20 characters, id 1-256. */
export const WHATSAPP_RULES: ButtonRules = {
  maxRows: 3, maxPerRow: 3, maxButtons: 3, maxText: 20, maxData: 256, dataUnit: 'chars', links: false, strict: true,
};

/** The rules of the inbox's channel, or null when it shows no buttons. */
export function buttonRulesFor(channel: string | undefined): ButtonRules | null {
  if (channel === 'telegram') return TELEGRAM_RULES;
  if (channel === 'whatsapp') return WHATSAPP_RULES;
  return null;
}

const bytes = (s: string) => new TextEncoder().encode(s).length;

export function isLinkUrl(url: string): boolean {
  const m = /^([a-z]+):\/\/(.+)$/i.exec(url);
  if (!m) return false;
  if (!['http', 'https', 'tg'].includes(m[1].toLowerCase())) return false;
  return !/[\s\u0000-\u001f\u007f]/.test(url);
}

/** Every problem of the drafts, in order; empty when the server will take them. */
export function validateButtons(rows: ButtonDraft[][], rules: ButtonRules = TELEGRAM_RULES): ButtonProblem[] {
  const out: ButtonProblem[] = [];
  if (rows.length > rules.maxRows) out.push({ row: -1, col: -1, field: 'all', key: 'buttons.tooManyRows', params: { max: rules.maxRows } });
  const count = rows.reduce((n, r) => n + r.length, 0);
  if (count > rules.maxButtons) out.push({ row: -1, col: -1, field: 'all', key: 'buttons.tooMany', params: { max: rules.maxButtons } });
  const labels = new Set<string>();
  rows.forEach((row, r) => {
    if (!row.length) out.push({ row: r, col: -1, field: 'row', key: 'buttons.emptyRow' });
    if (row.length > rules.maxPerRow) out.push({ row: r, col: -1, field: 'row', key: 'buttons.rowTooLong', params: { max: rules.maxPerRow } });
    row.forEach((b, c) => {
      const label = b.text.trim();
      if (!label) out.push({ row: r, col: c, field: 'text', key: 'buttons.textMissing' });
      else if (Array.from(b.text).length > rules.maxText || /[\u0000-\u001f\u007f]/.test(b.text)) out.push({ row: r, col: c, field: 'text', key: 'buttons.textTooLong', params: { max: rules.maxText } });
      else if (rules.strict && labels.has(label)) out.push({ row: r, col: c, field: 'text', key: 'buttons.textDuplicate' });
      labels.add(label);
      if (b.kind === 'data' || !rules.links) {
        const size = rules.dataUnit === 'bytes' ? bytes(b.value) : Array.from(b.value).length;
        if (!rules.links && b.kind === 'url') out.push({ row: r, col: c, field: 'value', key: 'buttons.noLinks' });
        else if (!b.value) out.push({ row: r, col: c, field: 'value', key: 'buttons.dataMissing' });
        else if (size > rules.maxData)
          out.push({ row: r, col: c, field: 'value', key: rules.dataUnit === 'bytes' ? 'buttons.dataTooLong' : 'buttons.dataTooLongChars', params: { max: rules.maxData, n: size } });
        else if (rules.strict && b.value.trim() !== b.value) out.push({ row: r, col: c, field: 'value', key: 'buttons.dataSpaces' });
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
