import { describe, expect, it } from 'vitest';
import { createI18n } from '../i18n';
import { activityText } from './activity';

describe('activityText', () => {
  const de = createI18n('de');
  const en = createI18n('en');

  it('words every kind the server writes in the agent language', () => {
    expect(activityText({ activity: 'assigned', by: 'Anna', to: 'Bert' }, 'x', de)).toBe('Bert zugewiesen von Anna');
    expect(activityText({ activity: 'status', by: 'Anna', status: 'resolved' }, 'x', de)).toBe('Status „Erledigt“ gesetzt von Anna');
    expect(activityText({ activity: 'merged', by: 'Anna', contact: 'J. Müller', into: 'Jana' }, 'x', en)).toBe(
      'J. Müller merged into Jana by Anna',
    );
    for (const kind of ['assigned', 'unassigned', 'team_assigned', 'status', 'merged', 'unmerged']) {
      for (const i18n of [de, en]) {
        const text = activityText({ activity: kind, by: 'Anna', to: 'B', team: 'T', status: 'open', contact: 'C', into: 'D' }, 'x', i18n);
        expect(text).not.toBe('x');
        expect(text).not.toMatch(/\{\w+\}/);
      }
    }
  });

  it('words a WhatsApp number change, naming the contact that already holds the new number', () => {
    const change = { activity: 'number_changed', by: '', contact: 'Sheena Nelson', from: '+16505551234', to: '+12195555358' };
    expect(activityText(change, 'User Sheena Nelson changed from 16505551234 to 12195555358', en)).toBe(
      'Sheena Nelson changed their WhatsApp number from +16505551234 to +12195555358',
    );
    expect(activityText(change, 'x', de)).toBe('Sheena Nelson hat die WhatsApp-Nummer von +16505551234 auf +12195555358 geändert');
    const conflict = { ...change, activity: 'number_conflict', other: 'S. N.', other_id: '7' };
    expect(activityText(conflict, 'x', de)).toContain('gehört schon zum Kontakt „S. N.“ (#7)');
    expect(activityText(conflict, 'x', en)).toContain('already belongs to contact “S. N.” (#7)');
    for (const i18n of [de, en]) {
      expect(activityText({ activity: 'identity_changed', by: '', contact: 'Sheena' }, 'x', i18n)).toMatch(/Sheena/);
    }
    const referral = { activity: 'referral', by: '', ref: 'summer', source: 'SHORTLINK' };
    expect(activityText(referral, 'x', en)).toBe('The customer opened the conversation from an m.me link (ref summer)');
    expect(activityText(referral, 'x', de)).toBe('Der Kunde hat die Unterhaltung über einen m.me-Link geöffnet (ref summer)');
    expect(activityText({ ...referral, ref: '', source: 'ADS' }, 'x', de)).toBe('Der Kunde hat die Unterhaltung über eine Anzeige geöffnet');
    expect(activityText({ activity: 'bot_blocked', by: '' }, 'x', de)).toContain('Bot blockiert');
    expect(activityText({ activity: 'bot_unblocked', by: '' }, 'x', en)).toBe('The customer unblocked the bot');
    const userId = { activity: 'user_id_changed', by: '', contact: 'Sheena', from: 'US.1', to: 'US.2' };
    expect(activityText(userId, 'x', en)).toBe('The WhatsApp user id of Sheena changed from US.1 to US.2 (same customer)');
    expect(activityText(userId, 'x', de)).toContain('Nutzer-ID von Sheena hat sich von US.1 auf US.2 geändert');
  });

  it('falls back to the server text for unknown kinds and old lines', () => {
    expect(activityText({}, 'Assigned to Bert by Anna', de)).toBe('Assigned to Bert by Anna');
    expect(activityText({ activity: 'teleported', by: 'Anna' }, 'old', de)).toBe('old');
    expect(activityText(null, 'old', de)).toBe('old');
  });
});
