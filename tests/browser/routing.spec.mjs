// Browser end-to-end test of the routing (ACD) in the desk, against the real `parley` binary and
// Debian's Chromium driven by playwright-core: the admin sets up a skill, a queue, a rule and an
// agent's routing profile in the settings; the agent goes available in another browser; an
// API-channel message arrives, the agent's desk shows the offer with its countdown, Accept
// assigns it and opens it; the supervisor page shows the queue's live figures; a transfer
// back to the queue offers it again and the card goes when the offer is withdrawn.
//
//   node tests/browser/routing.spec.mjs            (after scripts/build-web)
//
// Env: PARLEY_BIN (default build/release/parley), CHROMIUM (default /usr/bin/chromium),
// SCREENSHOTS (default docs/screenshots: offer.png, queues.png). Every wait is bounded; the
// server and the browser are stopped at the end, also on failure. Ends with "N passed, N failed".
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { apiChannelMessage, axeAudit, CHROMIUM_ARGS, finishRun, guardRun, restClient, specPaths, startParley, stepRunner, stopServer, waitUntil } from './harness.mjs';

const { require, bin: PARLEY_BIN, chromium: CHROMIUM, staticDir: STATIC_DIR, shots: SHOTS } = specPaths();
const { chromium } = require('playwright-core');
const STEP_TIMEOUT = 30_000;
const TOTAL_TIMEOUT = 180_000;
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let server = null;
let browser = null;
let dataDir = null;
const { step, counts } = stepRunner();
const waitFor = (predicate, what, timeout = STEP_TIMEOUT) => waitUntil(predicate, what, timeout);
const audit = (page, name) => axeAudit(page, name, AXE_SOURCE);

async function cleanup() {
  try {
    if (browser) await browser.close();
  } catch {}
  browser = null;
  await stopServer(server);
  server = null;
  if (dataDir && !process.env.KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
}
const watchdog = guardRun(TOTAL_TIMEOUT, counts, cleanup);

/** A signed-in browser context: its page, and the page errors and dialogs it saw. */
async function signIn(base, email, password) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/Berlin' });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('dialog', (d) => {
    problems.push('dialog: ' + d.message());
    d.dismiss().catch(() => {});
  });
  await page.goto(base + '/');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main navigation' }).waitFor();
  return { context, page, problems };
}

async function main() {
  assert.ok(fs.existsSync(PARLEY_BIN), `no parley binary at ${PARLEY_BIN} (set PARLEY_BIN)`);
  assert.ok(fs.existsSync(path.join(STATIC_DIR, 'index.html')), 'web/dist is not built: run scripts/build-web');
  fs.mkdirSync(SHOTS, { recursive: true });
  const { base, password } = await startParley({
    bin: PARLEY_BIN,
    staticDir: STATIC_DIR,
    tmpPrefix: 'parley-routing-',
    onSpawn: (proc, dir) => {
      server = proc;
      dataDir = dir;
    },
  });

  const rest = restClient(base);
  const login = await rest('POST', '/api/v1/auth/login', { email: 'admin@parley.local', password });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const token = login.body.token;

  let inbox;
  let team;
  let ada;
  const adaLogin = { email: 'ada@parley.local', password: 'ada-secret-pw', name: 'Ada Agent' };
  const inbound = (payload) => apiChannelMessage(base, inbox, payload);

  await step('set up a team, an api inbox and an agent via REST', async () => {
    const user = await rest('POST', '/api/v1/users', { ...adaLogin, role: 'agent', language: 'en' }, token);
    assert.equal(user.status, 201, JSON.stringify(user.body));
    ada = user.body;
    const t = await rest('POST', '/api/v1/teams', { name: 'Support', description: 'first level', member_ids: [ada.id] }, token);
    assert.equal(t.status, 201, JSON.stringify(t.body));
    team = t.body;
    const created = await rest('POST', '/api/v1/inboxes', { name: 'Shop API', channel: 'api', callback_url: 'http://127.0.0.1:9/hook', team_ids: [team.id] }, token);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    inbox = created.body;
  });

  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 });
  const admin = await signIn(base, 'admin@parley.local', password);
  const page = admin.page;
  let skillId;
  let queueId;

  await step('admin: create a skill in the settings', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Skills' }).click();
    await page.getByRole('heading', { name: 'Skills', level: 2 }).waitFor();
    await page.locator('#skill-name').fill('Deutsch');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('rowheader', { name: 'Deutsch' }).waitFor();
    const skills = await rest('GET', '/api/v1/skills', undefined, token);
    assert.deepEqual(skills.body.skills.map((s) => s.name), ['Deutsch']);
    skillId = skills.body.skills[0].id;
  });

  await step('admin: create a queue (a fan-out over 8 refused at its field first), every field stored', async () => {
    await page.getByRole('link', { name: 'Queues' }).click();
    await page.getByText('No queues yet').waitFor();
    await page.getByRole('button', { name: 'New queue' }).click();
    await page.locator('#queue-name').fill('Support DE');
    await page.getByRole('button', { name: 'Add a skill' }).click();
    await page.locator('#queue-required_skills').selectOption({ label: 'Deutsch' });
    await page.getByLabel('Minimum level').selectOption('2');
    await page.locator('#queue-offer_timeout_s').fill('90');
    await page.locator('#queue-sl_target_pct').fill('90');
    await page.locator('#queue-offer_fanout').fill('9');
    await page.getByRole('group', { name: 'Teams' }).getByLabel('Support').check();
    await page.getByRole('button', { name: 'Add a step' }).click();
    await page.locator('#queue-escalation_0').fill('120');
    await page.getByRole('button', { name: 'Create' }).click();
    // Refused by the desk before anything is sent: the field says why and has the focus.
    await page.getByText('A whole number from 1 to 8.').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'queue-offer_fanout');
    assert.equal(await page.locator('#queue-offer_fanout').getAttribute('aria-invalid'), 'true');
    assert.equal((await rest('GET', '/api/v1/queues', undefined, token)).body.queues.length, 0);
    await audit(page, 'queue form');
    await page.locator('#queue-offer_fanout').fill('1');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Queue “Support DE” created.').waitFor();
    await page.getByRole('rowheader', { name: /Support DE/ }).waitFor();
    const queues = (await rest('GET', '/api/v1/queues', undefined, token)).body.queues;
    assert.equal(queues.length, 1);
    const q = queues[0];
    queueId = q.id;
    assert.equal(q.name, 'Support DE');
    assert.equal(q.strategy, 'longest_idle');
    assert.deepEqual(q.required_skills, [{ skill_id: skillId, level: 2 }]);
    assert.deepEqual(q.service_level, { threshold_s: 20, target: 0.9 });
    assert.equal(q.offer_timeout_s, 90);
    assert.equal(q.offer_fanout, 1);
    assert.deepEqual(q.team_ids, [team.id]);
    assert.deepEqual(q.escalation, [{ after_s: 120, relax_to: null, raise_priority_by: 1, overflow_to_queue_id: null }]);
    assert.equal(q.business_hours, null);
  });

  let afterHoursId;
  await step('admin: a second queue with business hours (Monday to Friday 9 to 5 in Berlin, closed on Christmas Eve)', async () => {
    await page.getByRole('button', { name: 'New queue' }).click();
    await page.locator('#queue-name').fill('E-Mail DE');
    await page.getByLabel('Open only at set hours').check();
    assert.equal(await page.locator('#queue-timezone').inputValue(), 'Europe/Berlin');
    await page.locator('#queue-closed_dates').fill('2026-12-24');
    await page.getByRole('button', { name: 'Add a closed date' }).click();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByText('Queue “E-Mail DE” created.').waitFor();
    const q = (await rest('GET', '/api/v1/queues', undefined, token)).body.queues.find((x) => x.name === 'E-Mail DE');
    afterHoursId = q.id;
    const week = [['09:00', '17:00']];
    assert.deepEqual(q.business_hours, { time_zone: 'Europe/Berlin', days: { mon: week, tue: week, wed: week, thu: week, fri: week }, holidays: ['2026-12-24'] });
  });

  await step('admin: a routing rule sends the inbox to the queue', async () => {
    await page.getByRole('link', { name: 'Routing rules' }).click();
    await page.getByText('No rules').waitFor();
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const rule = page.getByRole('group', { name: 'Rule 1' });
    await rule.getByLabel('Inbox').selectOption({ label: 'Shop API' });
    await rule.getByLabel('Queue').selectOption({ label: 'Support DE' });
    // A second rule for e-mail, moved to the top.
    await page.getByRole('button', { name: 'Add a rule' }).click();
    const second = page.getByRole('group', { name: 'Rule 2' });
    await second.getByLabel('Channel').selectOption({ label: 'E-mail' });
    await second.getByLabel('Queue').selectOption({ label: 'E-Mail DE' });
    await page.getByRole('button', { name: 'Move rule 2 up' }).click();
    await page.getByRole('button', { name: 'Save rules' }).click();
    await page.getByText('Rules saved.').waitFor();
    const rules = (await rest('GET', '/api/v1/routing_rules', undefined, token)).body.rules;
    assert.deepEqual(rules.map((r) => [r.channel, r.inbox_id, r.queue_id]), [['email', null, afterHoursId], [null, inbox.id, queueId]]);
    await audit(page, 'routing rules');
  });

  await step("admin: the agent's routing profile — a skill at level 3 and an own capacity", async () => {
    await page.getByRole('link', { name: 'Agent routing' }).click();
    await page.locator('#profile-user').selectOption({ label: 'Ada Agent (Agent)' });
    await page.getByRole('button', { name: 'Add a skill' }).waitFor();
    await page.getByRole('button', { name: 'Add a skill' }).click();
    await page.locator('#profile-skills').selectOption({ label: 'Deutsch' });
    await page.getByLabel(/^Level/).selectOption('3');
    await page.getByLabel('Own capacity').check();
    await page.locator('#profile-capacity-messaging').fill('5');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Routing profile of Ada Agent saved.').waitFor();
    const profile = (await rest('GET', `/api/v1/users/${ada.id}/routing`, undefined, token)).body;
    assert.deepEqual(profile.skills, [{ skill_id: skillId, level: 3 }]);
    assert.equal(profile.capacity.messaging, 5);
    assert.equal(profile.capacity.chat, 3);
    assert.deepEqual(profile.queue_ids, [queueId]);
    await audit(page, 'agent routing');
  });

  const agent = await signIn(base, adaLogin.email, adaLogin.password);
  const desk = agent.page;
  let conversationId;
  let enqueuedAt;

  await step('the agent goes available; a new message is offered with a live countdown', async () => {
    await desk.getByRole('button', { name: 'Your status: Offline' }).click();
    await desk.getByRole('menuitemradio', { name: /^Available/ }).click();
    await desk.getByRole('button', { name: 'Your status: Available' }).waitFor();
    const sent = await inbound({ id: 'r-1', contact: { id: 'crm-1', name: 'Jana Müller' }, text: 'Hallo, wo bleibt meine Bestellung 4711?' });
    conversationId = sent.conversation_id;
    const card = desk.locator('.offer-card');
    await card.waitFor();
    await desk.getByRole('heading', { name: '1 offer waiting' }).waitFor();
    assert.equal((await card.getByRole('heading', { level: 3 }).textContent()).trim(), 'Jana Müller');
    assert.match(await card.textContent(), /Queue Support DE/);
    assert.equal((await card.locator('.offer-preview').textContent()).trim(), 'Hallo, wo bleibt meine Bestellung 4711?');
    const timer = card.getByRole('timer', { name: 'Time left to accept' });
    const first = (await timer.textContent()).trim();
    assert.match(first, /^1:[0-3]\d$/);
    await waitFor(async () => (await timer.textContent()).trim() !== first, 'the countdown to tick');
    const secs = (s) => Number(s.split(':')[0]) * 60 + Number(s.split(':')[1]);
    assert.ok(secs((await timer.textContent()).trim()) < secs(first), 'the countdown goes down');
    // The server agrees: the conversation is offered in the queue.
    const conv = (await rest('GET', `/api/v1/conversations/${conversationId}`, undefined, token)).body;
    assert.equal(conv.queue_id, queueId);
    assert.equal(conv.routing_state, 'offered');
    assert.equal(conv.assignee_id, null);
    await desk.screenshot({ path: path.join(SHOTS, 'offer.png') });
    await audit(desk, 'offer');
  });

  await step('"o" reaches the offer from the keyboard; Accept assigns it and opens the conversation', async () => {
    await desk.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
    await desk.keyboard.press('o');
    await waitFor(() => desk.evaluate(() => document.activeElement?.classList.contains('offer-accept')), 'focus on Accept');
    await desk.keyboard.press('Enter');
    await desk.waitForURL(`**/conversations/${conversationId}`);
    await desk.getByRole('heading', { name: 'Jana Müller', level: 1 }).waitFor();
    assert.equal(await desk.locator('.offer-card').count(), 0);
    const conv = (await rest('GET', `/api/v1/conversations/${conversationId}`, undefined, token)).body;
    assert.equal(conv.assignee_id, ada.id);
    assert.equal(conv.routing_state, 'assigned');
    enqueuedAt = conv.enqueued_at;
    assert.ok(enqueuedAt);
    await desk.locator('.routing-line').getByText('Assigned through queue Support DE').waitFor();
    assert.match(await desk.locator('.routing-enqueued').textContent(), /^In line since /);
  });

  await step('supervisor page: the queue with its live figures', async () => {
    await page.getByRole('link', { name: 'Supervisor' }).click();
    await page.getByRole('heading', { name: 'Queues live' }).waitFor();
    const row = page.locator(`tr[data-queue-id="${queueId}"]`);
    await row.waitFor();
    assert.match((await row.getByRole('rowheader').textContent()).trim(), /^Support DE/);
    await waitFor(async () => /1 \/ 0/.test(await row.textContent()), 'answered 1, abandoned 0');
    assert.match(await row.textContent(), /0 available · 1 busy · 0 away|1 available · 0 busy · 0 away/);
    assert.match(await row.textContent(), /target 90% within 20 s/);
    await audit(page, 'supervisor with queues');
  });

  await step('transfer back to the queue: offered again, and the card goes when the agent goes away', async () => {
    await desk.getByRole('button', { name: 'Transfer' }).click();
    const dialog = desk.getByRole('dialog', { name: 'Transfer conversation' });
    await dialog.waitFor();
    await audit(desk, 'transfer dialog');
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await dialog.getByText('Choose where to transfer the conversation.').waitFor();
    await dialog.getByRole('combobox', { name: /^Queue/ }).selectOption({ label: 'Support DE' });
    await dialog.getByLabel('Note for the next agent (optional)').fill('Bitte Versandstatus prüfen');
    await dialog.getByRole('button', { name: 'Transfer' }).click();
    await dialog.waitFor({ state: 'detached' });
    const conv = (await rest('GET', `/api/v1/conversations/${conversationId}`, undefined, token)).body;
    assert.equal(conv.queue_id, queueId);
    assert.equal(conv.assignee_id, null);
    assert.notEqual(conv.routing_state, 'none');
    assert.equal(conv.enqueued_at, enqueuedAt, 'the customer keeps the original place in line');
    // Ada is the only fitting agent: the queue offers it to her again.
    const card = desk.locator(`.offer-card[data-conversation-id="${conversationId}"]`);
    await card.waitFor();
    await desk.getByRole('button', { name: 'Your status: Available' }).click();
    await desk.getByRole('menuitemradio', { name: /^Away/ }).click();
    await card.waitFor({ state: 'detached' });
    await desk.getByText(/Offer for Jana Müller withdrawn: you are not available/).waitFor();
    // The supervisor sees her wait in the queue again, live.
    const row = page.locator(`tr[data-queue-id="${queueId}"]`);
    await waitFor(async () => (await row.locator('td').first().textContent()).trim().startsWith('1'), 'one waiting in the queue', 20_000);
    await page.screenshot({ path: path.join(SHOTS, 'queues.png') });
  });

  let supervisor;
  await step('a supervisor reads skills and queues, edits agents\' profiles, and has no rules', async () => {
    const sue = { email: 'sue@parley.local', password: 'sue-secret-pw', name: 'Sue Supervisor' };
    assert.equal((await rest('POST', '/api/v1/users', { ...sue, role: 'supervisor', language: 'en' }, token)).status, 201);
    supervisor = await signIn(base, sue.email, sue.password);
    const sp = supervisor.page;
    await sp.goto(base + '/admin/skills');
    await sp.getByRole('rowheader', { name: 'Deutsch' }).waitFor();
    assert.equal(await sp.getByRole('button', { name: /Rename|Delete/ }).count(), 0);
    assert.equal(await sp.locator('#skill-name').count(), 0);
    await sp.getByRole('link', { name: 'Queues' }).click();
    await sp.getByRole('rowheader', { name: /Support DE/ }).waitFor();
    assert.equal(await sp.getByRole('button', { name: 'New queue' }).count(), 0);
    assert.equal(await sp.getByRole('link', { name: 'Routing rules' }).count(), 0);
    await sp.getByRole('link', { name: 'Agent routing' }).click();
    // Only agents to choose from, and their profile is theirs to change.
    assert.deepEqual(await sp.locator('#profile-user option').allTextContents(), ['Ada Agent (Agent)']);
    await sp.getByLabel(/^Level/).waitFor();
    await sp.getByLabel(/^Level/).selectOption('4');
    await sp.getByRole('button', { name: 'Save', exact: true }).click();
    await sp.getByText('Routing profile of Ada Agent saved.').waitFor();
    assert.deepEqual((await rest('GET', `/api/v1/users/${ada.id}/routing`, undefined, token)).body.skills, [{ skill_id: skillId, level: 4 }]);
  });

  const problems = [...admin.problems, ...agent.problems, ...supervisor.problems];
  assert.deepEqual(problems, [], 'page errors or dialogs');
}

await finishRun(main, { counts, cleanup, watchdog, dataDir: () => dataDir });
