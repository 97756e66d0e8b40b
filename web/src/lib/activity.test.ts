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

  it('falls back to the server text for unknown kinds and old lines', () => {
    expect(activityText({}, 'Assigned to Bert by Anna', de)).toBe('Assigned to Bert by Anna');
    expect(activityText({ activity: 'teleported', by: 'Anna' }, 'old', de)).toBe('old');
    expect(activityText(null, 'old', de)).toBe('old');
  });
});
