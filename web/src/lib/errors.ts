// What the desk says when a call fails: a headline in the user's language, chosen by the
// server's error code (or the HTTP status when the code is not one the desk knows), followed by
// the server's own message as the specific reason. The server writes its ~700 messages in
// English and they stay so, marked "Server details: …", so an admin can still search for them.
// A form that knows exactly what a code means for its own call (a 409 when creating a user is
// the e-mail address taken) passes that as `known`: then its sentence stands alone.
import { ApiError } from '../api/client';
import type { I18n, MessageKey } from '../i18n';

/** A form's own sentences for codes of its call: `{ conflict: 'admin.err.emailTaken' }`; a key
 * may also be an HTTP status (`'409'`). */
export type KnownErrors = Partial<Record<string, MessageKey>>;

export interface ErrorDescription {
  /** In the user's language. */
  headline: string;
  /** The server's message, untranslated; null when there is nothing to add. */
  detail: string | null;
  /** False when the detail is the browser's (an error in the page, not an answer). */
  fromServer: boolean;
}

// The server's codes (src/core/result.hpp errorCodeName, and the few a handler names itself).
const BY_CODE: Record<string, MessageKey> = {
  invalid_input: 'error.invalid_input',
  bad_request: 'error.invalid_input',
  email_required: 'error.invalid_input',
  unauthorized: 'error.unauthorized',
  bad_signature: 'error.unauthorized',
  forbidden: 'error.forbidden',
  csrf: 'error.csrf',
  not_found: 'error.not_found',
  method_not_allowed: 'error.not_found',
  conflict: 'error.conflict',
  pending: 'error.conflict',
  offer_gone: 'error.offer_gone',
  too_large: 'error.too_large',
  unsupported: 'error.unsupported',
  unsupported_media_type: 'error.unsupported',
  rate_limited: 'error.rate_limited',
  unavailable: 'error.unavailable',
  not_ready: 'error.unavailable',
  draining: 'error.unavailable',
  internal: 'error.internal',
  provider_rejected: 'error.provider',
  provider_error: 'error.provider',
  bad_response: 'error.bad_response',
  aborted: 'error.aborted',
};

function byStatus(status: number): MessageKey {
  switch (status) {
    case 400:
      return 'error.invalid_input';
    case 401:
      return 'error.unauthorized';
    case 403:
      return 'error.forbidden';
    case 404:
    case 405:
      return 'error.not_found';
    case 409:
      return 'error.conflict';
    case 413:
      return 'error.too_large';
    case 415:
      return 'error.unsupported';
    case 429:
      return 'error.rate_limited';
    case 502:
    case 503:
    case 504:
      return 'error.unavailable';
    default:
      return status >= 500 ? 'error.internal' : 'error.rejected';
  }
}

const online = () => typeof navigator === 'undefined' || navigator.onLine !== false;

/** The headline and the server's detail for anything a call threw. */
export function describeError(e: unknown, i18n: I18n, known?: KnownErrors): ErrorDescription {
  const { t } = i18n;
  if (!(e instanceof ApiError)) {
    const detail = e instanceof Error ? e.message : String(e);
    return { headline: t('error.unexpected'), detail: detail || null, fromServer: false };
  }
  const own = known?.[e.code] ?? known?.[String(e.status)];
  if (own) return { headline: t(own), detail: null, fromServer: true };
  // No answer at all: the browser's own text ("Failed to fetch") says nothing more.
  if (e.code === 'network') return { headline: t(online() ? 'error.network' : 'error.offline'), detail: null, fromServer: false };
  if (e.code === 'aborted') return { headline: t('error.aborted'), detail: null, fromServer: false };
  const headline = t(BY_CODE[e.code] ?? byStatus(e.status));
  // An answer that was not the JSON envelope (a proxy's 502 page): its status line.
  const detail = e.code === `http_${e.status}` ? `HTTP ${e.status}${e.message && e.message !== `HTTP ${e.status}` ? ' ' + e.message : ''}` : e.message;
  return { headline, detail: detail.trim() || null, fromServer: true };
}

/** One readable sentence: the headline, then "Server details: …" when the server said more. */
export function errorText(i18n: I18n, e: unknown, known?: KnownErrors): string {
  return joinDetail(i18n, describeError(e, i18n, known));
}

/** A headline and the untranslated detail as one sentence. */
export function joinDetail(i18n: I18n, d: Pick<ErrorDescription, 'headline' | 'detail'> & { fromServer?: boolean }): string {
  if (!d.detail) return d.headline;
  return `${d.headline} ${i18n.t(d.fromServer === false ? 'error.technical' : 'error.details', { detail: d.detail })}`;
}
