import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, errorFrom } from '../api/client';
import { createI18n } from '../i18n';
import { describeError, errorText } from './errors';

const de = createI18n('de');
const en = createI18n('en');
const envelope = (status: number, code: string, message: string) =>
  errorFrom(new Response(JSON.stringify({ error: { code, message } }), { status }));

describe('describeError', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('puts a German headline chosen by the code before the server’s English detail, marked as the server’s', async () => {
    const err = await envelope(400, 'invalid_input', 'name: must not be empty');
    expect(describeError(err, de)).toEqual({ headline: 'Die Eingabe wurde nicht angenommen.', detail: 'name: must not be empty', fromServer: true });
    expect(errorText(de, err)).toBe('Die Eingabe wurde nicht angenommen. Details vom Server: name: must not be empty');
    expect(errorText(en, err)).toBe('The input was not accepted. Server details: name: must not be empty');
  });

  it('has a headline for every code of the server in both languages', () => {
    const codes: [number, string][] = [
      [400, 'invalid_input'], [401, 'unauthorized'], [403, 'forbidden'], [404, 'not_found'], [409, 'conflict'],
      [413, 'too_large'], [415, 'unsupported'], [429, 'rate_limited'], [503, 'unavailable'], [500, 'internal'],
    ];
    const seen = new Set<string>();
    for (const [status, code] of codes) {
      const d = describeError(new ApiError(status, code, 'x'), de);
      expect(d.headline, code).not.toMatch(/^error\./);
      expect(d.headline, code).not.toBe(describeError(new ApiError(status, code, 'x'), en).headline);
      seen.add(d.headline);
    }
    expect(seen.size).toBe(codes.length);
    expect(describeError(new ApiError(404, 'not_found', 'conversation not found'), de).headline).toBe('Nicht gefunden oder keine Berechtigung.');
    expect(describeError(new ApiError(413, 'too_large', 'the attachment is larger than 26214400 bytes'), de).headline).toMatch(/^Zu groß/);
    expect(describeError(new ApiError(429, 'rate_limited', 'slow down'), de).headline).toBe('Zu viele Versuche – bitte kurz warten.');
  });

  it('falls back to the status for codes it does not know, and names a non-JSON answer by its status line', async () => {
    expect(describeError(new ApiError(409, 'customer_window_closed', 'the 24-hour window is closed'), de)).toEqual({
      headline: 'Das passt nicht zum aktuellen Stand (inzwischen geändert oder schon vorhanden).',
      detail: 'the 24-hour window is closed',
      fromServer: true,
    });
    expect(describeError(new ApiError(418, 'teapot', 'short and stout'), en).headline).toBe('The server refused the request.');
    const proxy = await errorFrom(new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(errorText(de, proxy)).toBe('Der Server ist gerade nicht verfügbar. Bitte versuchen Sie es gleich noch einmal. Details vom Server: HTTP 502 Bad Gateway');
  });

  it('says "not reachable" or "offline" without the browser’s own text when there was no answer', () => {
    const err = new ApiError(0, 'network', 'Failed to fetch');
    expect(errorText(de, err)).toBe('Der Server ist nicht erreichbar. Bitte prüfen Sie die Verbindung und versuchen Sie es erneut.');
    vi.stubGlobal('navigator', { onLine: false });
    expect(errorText(en, err)).toBe('You are offline. Please check the network connection.');
  });

  it('lets a form name what a code means for its own call, without the English detail', () => {
    const taken = new ApiError(409, 'conflict', 'a user with this e-mail exists');
    expect(errorText(de, taken, { conflict: 'admin.err.emailTaken' })).toBe('Es gibt schon einen Benutzer mit dieser E-Mail-Adresse.');
    // Another code of the same call still gets the headline and the detail.
    expect(errorText(de, new ApiError(400, 'invalid_input', 'email: not an e-mail address'), { conflict: 'admin.err.emailTaken' })).toBe(
      'Die Eingabe wurde nicht angenommen. Details vom Server: email: not an e-mail address',
    );
    const login = { unauthorized: 'error.login.wrong', rate_limited: 'error.login.rateLimited' } as const;
    expect(errorText(de, new ApiError(401, 'unauthorized', 'wrong e-mail or password'), login)).toBe('E-Mail-Adresse oder Passwort ist falsch.');
    expect(errorText(en, new ApiError(429, 'rate_limited', 'too many login attempts; try again later'), login)).toBe(
      'Too many sign-in attempts. Please wait 15 minutes.',
    );
    expect(errorText(en, new ApiError(409, 'conflict', 'x'), { '409': 'skills.taken' })).toBe('A skill with this name already exists.');
  });

  it('says something went wrong for anything else thrown, with its message as a technical detail (not the server’s)', () => {
    expect(errorText(de, new TypeError('x is undefined'))).toBe('Etwas ist schiefgegangen. Technische Angabe: x is undefined');
  });
});
