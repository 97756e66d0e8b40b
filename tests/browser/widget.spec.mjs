// Browser end-to-end test of the web-chat widget, against the real `parley` binary and Debian's
// Chromium driven by playwright-core (no browser download, no test runner). A demo shop page is
// served from another loopback port (a cross-origin site) with the one-line snippet; an agent
// works in the desk at the same time.
//
//   node tests/browser/widget.spec.mjs            (after scripts/build-web)
//
// Env: PARLEY_BIN (default build/release/parley), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOTS (default docs/screenshots). Every wait is bounded; the servers and the browser
// are stopped at the end, also on failure. Prints one line per step and "N passed, N failed".
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { sleep, startParley, waitUntil } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'web/package.json'));
const { chromium } = require('playwright-core');

const PARLEY_BIN = path.resolve(root, process.env.PARLEY_BIN || 'build/release/parley');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const STATIC_DIR = path.join(root, 'web/dist');
const SHOTS = path.resolve(root, process.env.SCREENSHOTS || 'docs/screenshots');
const STEP_TIMEOUT = 15_000;
const TOTAL_TIMEOUT = 240_000;
const MAX_WIDGET_GZIP = 30 * 1024;

let server = null;
let browser = null;
let site = null;
let dataDir = null;
let passed = 0;
let failed = 0;

async function cleanup() {
  try {
    if (browser) await browser.close();
  } catch {}
  browser = null;
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await Promise.race([new Promise((r) => server.once('exit', r)), sleep(5000)]);
    if (server.exitCode === null) server.kill('SIGKILL');
  }
  server = null;
  if (site) site.close();
  site = null;
  if (dataDir && !process.env.KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
}

const watchdog = setTimeout(async () => {
  console.error(`not ok - the whole run took longer than ${TOTAL_TIMEOUT / 1000} s`);
  await cleanup();
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, TOTAL_TIMEOUT);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    await cleanup();
    process.exit(130);
  });
}


async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}\n  ${String(e && e.stack ? e.stack : e).split('\n').slice(0, 6).join('\n  ')}`);
    throw e;
  }
}

function waitFor(predicate, what, timeout = STEP_TIMEOUT) {
  return waitUntil(predicate, what, timeout);
}

function startServer() {
  return startParley({
    bin: PARLEY_BIN,
    staticDir: STATIC_DIR,
    tmpPrefix: 'parley-widget-',
    onSpawn: (proc, dir) => {
      server = proc;
      dataDir = dir;
    },
  });
}

/** The customer's shop: another origin (another port) with the one-line snippet. Each page
 * may set window.parleySettings first (?settings=<base64 JSON>). */
function startSite(parleyBase, inboxId) {
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname !== '/' && url.pathname !== '/shop') {
      res.writeHead(404).end();
      return;
    }
    const settings = url.searchParams.get('settings');
    const lang = url.searchParams.get('lang') || 'de';
    const inbox = /^\d+$/.test(url.searchParams.get('inbox') || '') ? url.searchParams.get('inbox') : inboxId;
    const settingsScript = settings ? `<script>window.parleySettings = ${Buffer.from(settings, 'base64url').toString('utf8').replace(/</g, '\\u003c')};</script>` : '';
    const page = `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fahrradladen Becker</title>
<style>body{font:16px/1.5 Georgia,serif;margin:0;color:#222;background:#fafaf7} header{background:#2d5a27;color:#fff;padding:1.2rem 2rem}
main{padding:2rem;max-width:48rem} button{background:red !important;border-radius:0 !important} .badge{display:none} * {letter-spacing:.02em}</style>
${settingsScript}</head><body><header><h1>Fahrradladen Becker</h1></header>
<main><h2>Unser Sortiment</h2><p>Räder, Ersatzteile und Service seit 1987. Fragen zu Ihrer Bestellung? Schreiben Sie uns unten rechts.</p>
<button type="button">Ein Knopf der Seite</button></main>
<script src="${parleyBase}/widget.js" data-parley-inbox="${inbox}" async></script>
</body></html>`;
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve({ srv, origin: `http://127.0.0.1:${srv.address().port}`, close: () => srv.close() })));
}

const PDF_IN = Buffer.from('%PDF-1.4\n% Rechnung 4711 vom Kunden\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const PDF_OUT = Buffer.from('%PDF-1.4\n% Gutschrift 4711\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const XSS = '<img src=x onerror=alert(1)>';
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** WCAG 2.1 A/AA checks with axe-core on the widget (it walks open shadow roots). */
async function audit(page, name) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() =>
    window.axe.run({ include: [['[data-parley-widget]']] }, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const problems = result.violations.map((v) => `${name}: [${v.impact}] ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target)).join(', ')}`);
  assert.deepEqual(problems, [], 'accessibility violations');
}

async function main() {
  assert.ok(fs.existsSync(PARLEY_BIN), `no parley binary at ${PARLEY_BIN} (set PARLEY_BIN)`);
  assert.ok(fs.existsSync(path.join(STATIC_DIR, 'widget.js')), 'web/dist/widget.js is not built: run scripts/build-web');
  fs.mkdirSync(SHOTS, { recursive: true });

  await step('widget.js and everything it loads weigh at most 30 KB gzipped', async () => {
    const bytes = fs.readFileSync(path.join(STATIC_DIR, 'widget.js'));
    const gz = zlib.gzipSync(bytes, { level: 9 }).length;
    assert.ok(gz <= MAX_WIDGET_GZIP, `widget.js is ${gz} bytes gzipped`);
    // One file: no dynamic imports, no stylesheets or fonts fetched by it.
    assert.doesNotMatch(bytes.toString('utf8'), /import\(|\.css["']|@font-face/);
    console.log(`  widget.js: ${bytes.length} bytes, ${gz} bytes gzipped`);
  });

  const { base, password } = await startServer();
  const rest = async (method, p, body, token, headers = {}) => {
    const res = await fetch(base + p, {
      method,
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const login = await rest('POST', '/api/v1/auth/login', { email: 'admin@parley.local', password });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.token;
  const adminId = login.body.user.id;

  let chat;
  let jana;
  const bob = { email: 'bob@parley.local', password: 'bob-secret-pw', name: 'Bob Agent' };
  await step('set up: a web-chat inbox for the shop, an API contact with history, a canned response, an agent of another team', async () => {
    const support = await rest('POST', '/api/v1/teams', { name: 'Support', member_ids: [adminId] }, token);
    assert.equal(support.status, 201, JSON.stringify(support.body));
    // The site's origin is known only once it listens: create the inbox, then the site, then allow it.
    const created = await rest('POST', '/api/v1/inboxes', {
      name: 'Fahrradladen Becker', channel: 'webchat', team_ids: [support.body.id],
      config: { allowed_origins: ['https://placeholder.example'], greeting: { de: 'Moin! Wie können wir helfen?', en: 'Hi! How can we help?' },
        color: '#2d5a27', prechat: { enabled: true, require_email: false },
        offline_message: { de: 'Gerade ist niemand da. Wir antworten per E-Mail.', en: 'Nobody is here right now. We will answer by e-mail.' } },
    }, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    chat = created.body;
    site = await startSite(base, chat.id);
    const patched = await rest('PATCH', `/api/v1/inboxes/${chat.id}`, { config: { ...chat.config, allowed_origins: [site.origin] } }, token);
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const refused = await rest('PATCH', `/api/v1/inboxes/${chat.id}`, { config: { allowed_origins: [site.origin], business_hours: { timezone: 'Mars/Olympus', weekly: {} } } }, token);
    assert.equal(refused.status, 400);
    assert.match(refused.body.error.message, /^config\.business_hours\.timezone/);
    // Jana wrote through the shop's CRM (API channel) before: a verified e-mail and a history.
    const crm = await rest('POST', '/api/v1/inboxes', { name: 'CRM', channel: 'api', callback_url: 'http://127.0.0.1:9/none', team_ids: [support.body.id] }, token);
    const raw = JSON.stringify({ id: 'crm-1', contact: { id: 'crm-42', name: 'Jana Müller', email: 'jana@example.de' }, text: 'Wo bleibt meine Rückerstattung?' });
    const sig = 'sha256=' + crypto.createHmac('sha256', crm.body.secret).update(raw).digest('hex');
    const res = await fetch(`${base}/webhooks/api/${crm.body.id}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Parley-Signature': sig }, body: raw });
    jana = (await res.json()).contact_id;
    assert.ok(jana);
    assert.equal((await rest('POST', '/api/v1/canned_responses', { short_code: 'gruss', language: 'de', content: 'Hallo {{contact.first_name}}, danke für Ihre Nachricht!' }, token)).status, 201);
    const b = await rest('POST', '/api/v1/users', { ...bob, role: 'agent', language: 'en' }, token);
    assert.equal(b.status, 201, JSON.stringify(b.body));
    assert.equal((await rest('POST', '/api/v1/teams', { name: 'Sales', member_ids: [b.body.id] }, token)).status, 201);
    assert.equal((await rest('PUT', '/api/v1/auth/me/availability', { availability: 'available' }, token)).status, 200);
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
  const dialogs = [];
  const pageErrors = [];
  const watch = (p) => {
    p.on('dialog', (d) => {
      dialogs.push(d.message());
      d.dismiss().catch(() => {});
    });
    p.on('pageerror', (e) => pageErrors.push(e.message));
  };

  // The agent's desk.
  const deskContext = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
  deskContext.setDefaultTimeout(STEP_TIMEOUT);
  const desk = await deskContext.newPage();
  watch(desk);
  await step('the agent logs into the desk', async () => {
    await desk.goto(base + '/');
    await desk.getByLabel('E-mail').fill('admin@parley.local');
    await desk.getByLabel('Password').fill(password);
    await desk.getByRole('button', { name: 'Sign in' }).click();
    await desk.getByRole('heading', { name: 'Conversations', level: 1 }).waitFor();
    await desk.locator('.live-badge.is-live').waitFor();
  });

  // The visitor on the shop's site.
  const visitorContext = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'de-DE', timezoneId: 'Europe/Berlin' });
  visitorContext.setDefaultTimeout(STEP_TIMEOUT);
  const shop = await visitorContext.newPage();
  watch(shop);
  const shopRequests = [];
  shop.on('request', (r) => shopRequests.push(r.url()));
  const widget = shop.locator('[data-parley-widget]');
  let conversationId;

  await step('the widget loads on the shop (another origin), in German, styled by the inbox and untouched by the page CSS', async () => {
    await shop.goto(site.origin + '/');
    const launcher = widget.getByRole('button', { name: 'Chat öffnen: Fahrradladen Becker' });
    await launcher.waitFor();
    // The page makes every button red and square; the widget's launcher keeps the inbox colour.
    assert.equal(await launcher.evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(45, 90, 39)');
    assert.equal(await launcher.evaluate((b) => getComputedStyle(b).borderRadius), '50%');
    assert.equal(await shop.locator('main button').evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(255, 0, 0)', 'the page keeps its own style');
    await launcher.click();
    const dialog = widget.getByRole('dialog', { name: 'Chat mit Fahrradladen Becker' });
    await dialog.waitFor();
    await dialog.getByText('Wir sind online').waitFor();
    // Pre-chat form first (the inbox asks for it); the name field has the focus.
    await dialog.getByText('Bevor es losgeht: Wer sind Sie?').waitFor();
    await waitFor(() => widget.evaluate((host) => host.shadowRoot.activeElement?.id === 'parley-name'), 'the name field to have focus');
    await audit(shop, 'pre-chat form');
    await dialog.getByLabel('Name').fill('Jonas Becker');
    await dialog.getByLabel('E-Mail', { exact: true }).fill('jonas@example.org');
    await dialog.getByRole('button', { name: 'Chat starten' }).click();
    await dialog.getByText('Moin! Wie können wir helfen?').waitFor();
  });

  await step('the visitor writes; the agent sees it live in the desk', async () => {
    const box = widget.getByRole('textbox', { name: 'Nachricht' });
    await waitFor(() => widget.evaluate((host) => host.shadowRoot.activeElement?.id === 'parley-text'), 'the message box to have focus');
    await box.pressSequentially('Hallo, meine Rechnnung stimmt nicht');
    // Enter twice in a row (an impatient visitor on a slow line) sends it once.
    await box.press('Enter');
    await box.press('Enter');
    await widget.locator('.msg.visitor .bubble', { hasText: 'Hallo, meine Rechnnung stimmt nicht' }).waitFor();
    assert.equal(await box.inputValue(), '');
    const list = await waitFor(async () => {
      const r = await rest('GET', `/api/v1/conversations?inbox_id=${chat.id}`, undefined, token);
      return r.body.data.length ? r.body.data : null;
    }, 'the web-chat conversation');
    conversationId = list[0].id;
    const item = desk.locator(`a.conv-item[data-id="${conversationId}"]`);
    await item.waitFor();
    await waitFor(async () => (await item.textContent()).includes('Jonas Becker'), 'the visitor name in the list');
    await item.click();
    await desk.locator('.msg-text', { hasText: 'Hallo, meine Rechnnung stimmt nicht' }).waitFor();
    const stored = await rest('GET', `/api/v1/conversations/${conversationId}/messages`, undefined, token);
    assert.equal(stored.body.data.filter((m) => m.text === 'Hallo, meine Rechnnung stimmt nicht').length, 1, 'sent once');
  });

  await step('typing shows both ways: the desk shows the visitor typing, the widget the agent; nobody sees their own; no request per keystroke', async () => {
    const line = desk.locator('.typing-line');
    const box = widget.getByRole('textbox', { name: 'Nachricht' });
    await box.pressSequentially('Moment');
    await line.filter({ hasText: 'Customer is typing…' }).waitFor();
    assert.equal(await widget.locator('.typing').textContent(), '', 'the visitor sees their own typing');
    // Emptied: the widget says "stopped" after its pause, the desk clears the line.
    await box.fill('');
    await waitFor(async () => (await line.textContent()) === '', 'the desk to clear the visitor typing');

    const posts = [];
    const onRequest = (r) => {
      if (r.method() === 'POST' && r.url().endsWith(`/api/v1/conversations/${conversationId}/typing`)) posts.push(JSON.parse(r.postData()).typing);
    };
    desk.on('request', onRequest);
    const reply = desk.getByRole('textbox', { name: 'Reply' });
    await reply.click();
    await reply.pressSequentially('Einen Moment bitte, ich schaue nach.', { delay: 30 });
    await widget.locator('.typing', { hasText: 'Admin schreibt …' }).waitFor();
    assert.equal(await line.textContent(), '', 'the agent sees their own typing');
    assert.ok(posts.length >= 1 && posts.length <= 2 && posts.every((p) => p === true), `typing requests while typing: ${JSON.stringify(posts)}`);
    // A private note is not announced; switching to it says "stopped" at once.
    await desk.getByRole('radio', { name: 'Private note' }).check();
    await waitFor(() => posts[posts.length - 1] === false, 'typing false on switching to a note');
    await waitFor(async () => (await widget.locator('.typing').textContent()) === '', 'the widget to clear the agent typing');
    const count = posts.length;
    const note = desk.getByRole('textbox', { name: 'Private note' });
    await note.pressSequentially(' (intern)');
    await desk.waitForTimeout(300);
    assert.equal(posts.length, count, 'typing a note was announced');
    await note.fill('');
    await desk.getByRole('radio', { name: 'Reply' }).check();
    desk.off('request', onRequest);
  });

  await step('the spell check flags the misspelled word in the agent\'s draft', async () => {
    const box = desk.getByRole('textbox', { name: 'Reply' });
    await box.click();
    await box.pressSequentially('Ihre Rechnnung prüfen wir sofort', { delay: 15 });
    await waitFor(async () => JSON.stringify(await desk.locator('.composer-mirror mark').allTextContents()) === '["Rechnnung"]',
      'only "Rechnnung" underlined in the draft');
    await box.fill('');
    await waitFor(async () => (await desk.locator('.composer-mirror mark').count()) === 0, 'no marks on an empty draft');
  });

  await step('the agent answers with a canned response (variable filled in); the visitor sees it, and it turns "read" in the desk', async () => {
    const box = desk.getByRole('textbox', { name: 'Reply' });
    await box.click();
    await box.pressSequentially('/gru');
    await desk.getByRole('option', { name: /\/gruss/ }).waitFor();
    await box.press('Enter');
    await waitFor(async () => (await box.inputValue()) === 'Hallo Jonas, danke für Ihre Nachricht!', 'the rendered canned response');
    await box.press('Enter');
    await desk.locator('.msg-out .msg-text', { hasText: 'Hallo Jonas, danke für Ihre Nachricht!' }).waitFor();
    await widget.locator('.msg.agent .bubble', { hasText: 'Hallo Jonas, danke für Ihre Nachricht!' }).waitFor();
    assert.equal(await widget.locator('.msg.agent .who').first().textContent(), 'Admin');
    // The panel is open and the tab visible: the widget confirms it, the desk's ticks say "Read".
    await desk.locator('.msg-out').filter({ hasText: 'Hallo Jonas' }).getByRole('img', { name: 'Read' }).waitFor();
    await widget.locator('.msg.agent .meta', { hasText: 'Gelesen' }).waitFor();
  });

  await step('a PDF goes both ways', async () => {
    await widget.locator('input[type=file]').setInputFiles({ name: 'Rechnung 4711.pdf', mimeType: 'application/pdf', buffer: PDF_IN });
    await widget.locator('.msg.visitor a.file', { hasText: 'Rechnung 4711.pdf' }).waitFor();
    const inDesk = desk.locator('a.attachment-file', { hasText: 'Rechnung 4711.pdf' });
    await inDesk.waitFor();
    const deskHref = await inDesk.getAttribute('href');
    const fromDesk = await desk.evaluate((u) => fetch(u).then((r) => r.text()), deskHref);
    assert.equal(fromDesk, PDF_IN.toString());
    await desk.locator('.composer input[type=file]').setInputFiles({ name: 'Gutschrift 4711.pdf', mimeType: 'application/pdf', buffer: PDF_OUT });
    await desk.getByRole('button', { name: 'Remove Gutschrift 4711.pdf' }).waitFor();
    await waitFor(async () => (await desk.locator('.upload-list li').allTextContents()).every((t) => !t.includes('Uploading')), 'the upload');
    const box = desk.getByRole('textbox', { name: 'Reply' });
    await box.fill('Anbei Ihre Gutschrift.');
    await box.press('Enter');
    const link = widget.locator('.msg.agent a.file', { hasText: 'Gutschrift 4711.pdf' });
    await link.waitFor();
    const href = await link.getAttribute('href');
    assert.ok(href.startsWith(base + '/widget/v1/inboxes/'), href);
    const res = await fetch(href);
    assert.equal(res.status, 200);
    assert.equal(Buffer.from(await res.arrayBuffer()).toString(), PDF_OUT.toString());
    assert.match(res.headers.get('content-disposition'), /^attachment;/);
  });

  await step('HTML in a message is text in the widget and in the desk; nothing runs', async () => {
    const box = widget.getByRole('textbox', { name: 'Nachricht' });
    await box.fill(XSS + ' siehe https://example.org/hilfe');
    await box.press('Enter');
    const bubble = widget.locator('.msg.visitor .bubble', { hasText: XSS });
    await bubble.waitFor();
    assert.equal(await bubble.textContent(), XSS + ' siehe https://example.org/hilfe');
    assert.equal(await widget.locator('img').count(), 0, 'an <img> was created in the widget');
    const link = bubble.locator('a');
    assert.equal(await link.getAttribute('href'), 'https://example.org/hilfe');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer nofollow');
    const inDesk = desk.locator('.msg-text', { hasText: XSS });
    await inDesk.waitFor();
    assert.ok((await inDesk.textContent()).includes(XSS));
    assert.equal(await desk.locator('img[src="x"]').count(), 0, 'an <img> was created in the desk');
    await shop.waitForTimeout(300);
    assert.deepEqual(dialogs, [], 'a dialog fired');
  });

  await step('after a reload the visitor still sees the whole conversation (token in localStorage)', async () => {
    await shop.screenshot({ path: path.join(SHOTS, 'widget.png') });
    await audit(shop, 'conversation');
    await shop.reload();
    await widget.getByRole('button', { name: /Chat öffnen/ }).click();
    for (const text of ['Hallo, meine Rechnnung stimmt nicht', 'Hallo Jonas, danke für Ihre Nachricht!', 'Anbei Ihre Gutschrift.', XSS]) {
      await widget.locator('.bubble', { hasText: text }).waitFor();
    }
    await widget.locator('a.file', { hasText: 'Rechnung 4711.pdf' }).waitFor();
    await widget.locator('a.file', { hasText: 'Gutschrift 4711.pdf' }).waitFor();
    // Escape closes the panel and gives the focus back to the launcher.
    await shop.keyboard.press('Escape');
    await waitFor(async () => !(await widget.getByRole('dialog').isVisible()), 'the panel to close');
    assert.equal(await widget.evaluate((host) => host.shadowRoot.activeElement?.className), 'launcher');
    // Only widget.js and the widget API were asked of the Parley server.
    const fromParley = shopRequests.filter((u) => u.startsWith(base));
    assert.ok(fromParley.every((u) => u === `${base}/widget.js` || u.startsWith(`${base}/widget/v1/`)), fromParley.join('\n'));
  });

  await step('a second tab continues the same conversation', async () => {
    const tab = await visitorContext.newPage();
    watch(tab);
    await tab.goto(site.origin + '/shop');
    const w = tab.locator('[data-parley-widget]');
    await w.getByRole('button', { name: /Chat öffnen/ }).click();
    await w.locator('.bubble', { hasText: 'Hallo, meine Rechnnung stimmt nicht' }).waitFor();
    // The first tab gets a new token (the visitor changed their name there): this tab follows it
    // and shows every message once, not twice.
    const key = `parley-widget:${base}:${chat.id}`;
    const current = await shop.evaluate((k) => localStorage.getItem(k), key);
    const renamed = await rest('POST', `/widget/v1/inboxes/${chat.id}/session`, { token: current, name: 'Jonas B.' }, undefined, { Origin: site.origin });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.notEqual(renamed.body.token, current);
    await shop.evaluate(([k, v]) => localStorage.setItem(k, v), [key, renamed.body.token]);
    await waitFor(() => tab.evaluate(([k, v]) => localStorage.getItem(k) === v, [key, renamed.body.token]), 'the token to reach the second tab');
    await sleep(1500);
    await w.locator('.bubble', { hasText: 'Hallo, meine Rechnnung stimmt nicht' }).waitFor();
    const ids = await w.evaluate((host) => [...host.shadowRoot.querySelectorAll('.msg[data-id]')].map((m) => m.dataset.id));
    assert.ok(ids.length > 0);
    assert.equal(new Set(ids).size, ids.length, 'a message shown twice: ' + ids.join(','));
    await tab.close();
  });

  await step('an agent of another team cannot open the conversation', async () => {
    const other = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    other.setDefaultTimeout(STEP_TIMEOUT);
    const p2 = await other.newPage();
    await p2.goto(`${base}/conversations/${conversationId}`);
    await p2.getByLabel('E-mail').fill(bob.email);
    await p2.getByLabel('Password').fill(bob.password);
    await p2.getByRole('button', { name: 'Sign in' }).click();
    await p2.getByText('This conversation does not exist or you may not see it.').waitFor();
    assert.equal(await p2.locator('.msg-text').count(), 0);
    await other.close();
  });

  await step('a foreign site cannot use the inbox (403), a forged token is refused (401)', async () => {
    const foreign = await rest('GET', `/widget/v1/inboxes/${chat.id}/config`, undefined, undefined, { Origin: 'http://evil.example' });
    assert.equal(foreign.status, 403);
    const forged = await rest('GET', `/widget/v1/inboxes/${chat.id}/messages`, undefined, 'pv1.e30.' + '0'.repeat(64), { Origin: site.origin });
    assert.equal(forged.status, 401);
  });

  await step('a chat that cannot start for a moment (503, then no network) hides its launcher and comes back; a wrong inbox id removes it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB' });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    let sessionCalls = 0;
    await ctx.route('**/widget/v1/inboxes/*/session', (route) => {
      sessionCalls++;
      if (sessionCalls === 1) {
        return route.fulfill({ status: 503, contentType: 'application/json', headers: { 'Access-Control-Allow-Origin': site.origin },
                               body: JSON.stringify({ error: { code: 'unavailable', message: 'Parley is restarting' } }) });
      }
      if (sessionCalls === 2) return route.abort('connectionrefused');
      return route.continue();
    });
    const p = await ctx.newPage();
    watch(p);
    await p.goto(site.origin + '/?lang=en');
    const w = p.locator('[data-parley-widget]');
    await waitFor(() => sessionCalls >= 1 && w.evaluate((host) => host.style.display === 'none'), 'the launcher to hide after the 503');
    // Tried again after ~2 s and ~4 s (jittered), then it starts and works.
    const launcher = w.getByRole('button', { name: 'Open chat: Fahrradladen Becker' });
    await launcher.waitFor({ state: 'visible', timeout: 20_000 });
    assert.equal(sessionCalls, 3);
    await launcher.click();
    await w.getByRole('dialog', { name: 'Chat with Fahrradladen Becker' }).waitFor();
    // An inbox that does not exist (a typo in the snippet): no retries, the widget goes away.
    const typo = await ctx.newPage();
    watch(typo);
    const configCalls = [];
    typo.on('request', (r) => { if (r.url().includes('/widget/v1/inboxes/')) configCalls.push(r.url()); });
    await typo.goto(site.origin + '/?lang=en&inbox=987654');
    await waitFor(() => typo.evaluate(() => !document.querySelector('[data-parley-widget]')), 'the widget of a wrong inbox to be removed');
    await sleep(2500);
    assert.equal(configCalls.length, 1, configCalls.join(' '));
    await ctx.close();
  });

  await step('on a 360 px wide phone the panel fits the screen and works by keyboard', async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'en-US', isMobile: true, hasTouch: true });
    phone.setDefaultTimeout(STEP_TIMEOUT);
    const p = await phone.newPage();
    watch(p);
    await p.goto(site.origin + '/?lang=en');
    const w = p.locator('[data-parley-widget]');
    await w.getByRole('button', { name: 'Open chat: Fahrradladen Becker' }).click();
    const dialog = w.getByRole('dialog', { name: 'Chat with Fahrradladen Becker' });
    await dialog.waitFor();
    const box = await w.locator('.panel').boundingBox();
    assert.ok(box.x >= 0 && box.x + box.width <= 360 && box.width >= 320, JSON.stringify(box));
    await dialog.getByLabel('Name').fill('Mia');
    await p.keyboard.press('Enter');
    await dialog.getByText('Hi! How can we help?').waitFor();
    const text = w.getByRole('textbox', { name: 'Message' });
    await text.fill('Do you repair e-bikes?');
    await text.press('Enter');
    await w.locator('.msg.visitor .bubble', { hasText: 'Do you repair e-bikes?' }).waitFor();
    await p.screenshot({ path: path.join(SHOTS, 'widget-mobile.png') });
    await audit(p, 'mobile');
    await phone.close();
  });

  await step('offline (no agent available): the widget says so and takes the message with an e-mail address', async () => {
    assert.equal((await rest('PUT', '/api/v1/auth/me/availability', { availability: 'offline' }, token)).status, 200);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'de-DE' });
    ctx.setDefaultTimeout(STEP_TIMEOUT);
    const p = await ctx.newPage();
    watch(p);
    await p.goto(site.origin + '/');
    const w = p.locator('[data-parley-widget]');
    await w.getByRole('button', { name: /Chat öffnen/ }).click();
    const dialog = w.getByRole('dialog');
    await dialog.getByText('Wir sind gerade nicht erreichbar').waitFor();
    await dialog.getByLabel('Name').fill('Lena Spät');
    await dialog.getByRole('button', { name: 'Chat starten' }).click();
    await dialog.getByText('Gerade ist niemand da. Wir antworten per E-Mail.').waitFor();
    const text = w.getByRole('textbox', { name: 'Nachricht' });
    await text.fill('Haben Sie morgen geöffnet?');
    await text.press('Enter');
    await dialog.getByRole('alert').filter({ hasText: 'Bitte geben Sie Ihre E-Mail-Adresse an' }).waitFor();
    await w.getByLabel('Ihre E-Mail-Adresse für unsere Antwort').fill('lena@example.org');
    await text.press('Enter');
    await w.locator('.msg.visitor .bubble', { hasText: 'Haben Sie morgen geöffnet?' }).waitFor();
    const found = await rest('GET', '/api/v1/contacts?q=lena%40example.org', undefined, token);
    assert.equal(found.body.data.length, 1, JSON.stringify(found.body));
    const convs = await rest('GET', `/api/v1/contacts/${found.body.data[0].id}/conversations`, undefined, token);
    assert.equal(convs.body.data[0].status, 'open', 'stored, to be answered later');
    await ctx.close();
    assert.equal((await rest('PUT', '/api/v1/auth/me/availability', { availability: 'available' }, token)).status, 200);
  });

  await step('a verified visitor (valid HMAC) lands on the existing contact with its API history; an unverified one with the same e-mail does not', async () => {
    const user = { id: '42', email: 'jana@example.de', name: 'Jana Müller' };
    const hash = crypto.createHmac('sha256', chat.secret).update([user.id, user.email, user.name, ''].join('\n')).digest('hex');
    const open = async (settings, noWebSocket = false) => {
      const ctx = await browser.newContext({ locale: 'de-DE' });
      ctx.setDefaultTimeout(STEP_TIMEOUT);
      // Without WebSocket the widget must still work: it polls.
      if (noWebSocket) await ctx.addInitScript(() => { window.WebSocket = undefined; });
      const p = await ctx.newPage();
      watch(p);
      await p.goto(`${site.origin}/?settings=${Buffer.from(JSON.stringify(settings)).toString('base64url')}`);
      const w = p.locator('[data-parley-widget]');
      await w.getByRole('button', { name: /Chat öffnen/ }).click();
      return { ctx, w };
    };
    const verified = await open({ user, user_hash: hash }, true);
    const t1 = verified.w.getByRole('textbox', { name: 'Nachricht' });
    await t1.fill('Ich bin eingeloggt: wo bleibt die Rückerstattung?');
    await t1.press('Enter');
    await verified.w.locator('.msg.visitor .bubble', { hasText: 'Ich bin eingeloggt' }).waitFor();
    const mine = await rest('GET', `/api/v1/contacts/${jana}/conversations`, undefined, token);
    const webchat = mine.body.data.find((c) => c.inbox_id === chat.id);
    assert.ok(webchat, 'the verified visitor wrote as Jana: ' + JSON.stringify(mine.body));
    assert.ok(mine.body.data.some((c) => c.inbox_id !== chat.id), 'with her API history');
    // The polling fallback brings the agent's answer without a WebSocket.
    assert.equal((await rest('POST', `/api/v1/conversations/${webchat.id}/messages`, { text: 'Die Rückerstattung ist unterwegs.' }, token)).status, 201);
    await verified.w.locator('.msg.agent .bubble', { hasText: 'Die Rückerstattung ist unterwegs.' }).waitFor();
    await verified.ctx.close();

    const unverified = await open({ user }, false);
    const t2 = unverified.w.getByRole('textbox', { name: 'Nachricht' });
    await t2.fill('Ich bin auch Jana, ehrlich.');
    await t2.press('Enter');
    await unverified.w.locator('.msg.visitor .bubble', { hasText: 'Ich bin auch Jana' }).waitFor();
    assert.equal(await unverified.w.locator('.bubble', { hasText: 'Rückerstattung' }).count(), 0, 'nothing of Jana is shown');
    const after = await rest('GET', `/api/v1/contacts/${jana}/conversations`, undefined, token);
    assert.equal(after.body.data.filter((c) => c.inbox_id === chat.id).length, 1, 'the unverified visitor did not join Jana');
    await unverified.ctx.close();
  });

  assert.deepEqual(pageErrors, [], 'uncaught errors in the pages');
  assert.deepEqual(dialogs, [], 'a dialog fired');
}

let exitCode = 0;
try {
  await main();
} catch (e) {
  if (!failed) {
    failed++;
    console.log('not ok - ' + (e && e.stack ? e.stack : e));
  }
  if (dataDir) console.log(`  server log: ${dataDir}/server.log (kept)`);
  process.env.KEEP_DATA = '1';
  exitCode = 1;
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(exitCode);
