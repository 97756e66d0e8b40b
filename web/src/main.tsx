/*
 * DESIGN — the Parley agent desk (a single-page app served by `parley serve` from web/dist).
 *
 * - Preact + hooks, no state library and no UI kit: screens are function components; shared
 *   state is a handful of contexts (SessionContext: me + directory + live state; I18nContext:
 *   strings and Intl formatters) and small modules (state.ts: contact cache and the live-event
 *   bus; lib/router.ts: a history router; lib/filters.ts: the list's filter/sort state, kept in
 *   the URL).
 * - Auth: login sets the HttpOnly session cookie; the page keeps only the CSRF token (from the
 *   login answer or GET /auth/me) and sends it as X-CSRF-Token on every write. The bearer
 *   token is never stored. A 401 anywhere returns to the login screen.
 * - Live: one WebSocket (api/stream.ts) with last_event_id replay and back-off; events go to
 *   the bus and each screen applies what concerns it (list, timeline, contact panel).
 * - Safety: message text is rendered only as text nodes; links come from lib/linkify.ts (http,
 *   https, mailto only) as <a rel="noopener noreferrer nofollow" target="_blank">. No
 *   innerHTML anywhere. The built page carries a strict Content-Security-Policy (vite.config.ts).
 *   E-mail HTML (sanitised by the server, still treated as hostile) is shown only on request and
 *   only as the srcdoc of an iframe sandboxed without scripts and without same-origin, under its
 *   own CSP (lib/mail.ts, components/mail.tsx): no image loads until allowed — inline cid:
 *   images as data: URLs the desk fetched, remote ones after the agent's click, per message.
 * - i18n: every string through t() (i18n/en.ts, i18n/de.ts); dates and numbers through Intl in
 *   the user's language, which is saved on the user record (PATCH /users/{id}).
 * - Spell check (lib/spellcheck.ts, components/spell.tsx): POST /spellcheck ~400 ms after typing
 *   stops, the running request aborted when the draft changes, answers for an older draft
 *   dropped; the ranges (UTF-16 offsets = JS string indices) are used only while they still
 *   read their word, and move along with each edit until the next answer. The underlines are
 *   a mirror div behind the transparent textarea holding the same text as text nodes and
 *   <mark>s — the draft is never HTML. Typing never waits for it.
 * - Availability: PUT /auth/me/availability from the top bar; user.availability events update
 *   the directory (state.ts applyUser), so the top bar and the supervisor page follow live.
 *   Logging out sets offline first (best effort).
 * - Typing (lib/typing.ts): the composer sends POST /conversations/{id}/typing true at most
 *   every 3 s while a reply is typed (never per keystroke, never for notes) and false on send,
 *   blur, empty draft, note, switch or a 5 s pause; conversation.typing events of the open
 *   conversation show in a line under the timeline (never my own), gone on false, on a message
 *   from that side, or 6 s after the last true.
 * - Web chat: the widget is its own bundle (web/widget → dist/widget.js, no Preact); the desk
 *   creates and edits web-chat inboxes (components/webchat-form.tsx, lib/webchat-config.ts) and
 *   shows their embed snippet.
 */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
