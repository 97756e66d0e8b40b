import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { QueueStats } from '../api/routing';
import { createI18n, I18nContext } from '../i18n';
import { OfferCard } from './offers';
import { StatsTable } from './queue-stats';

const T0 = Date.parse('2026-12-01T10:00:00Z');

describe('the offer card', () => {
  it('shows contact, channel, queue, preview as text and the time left', () => {
    const html = render(
      <OfferCard
        o={{ conversation_id: 7, queue_id: 1, queue_name: 'Support DE', offered_at: '', expires_at: '', channel: 'whatsapp', contact_name: 'Jana <b>Müller</b>', preview: '<img src=x onerror=alert(1)>', deadline: T0 + 65_000, total: 90 }}
        now={T0}
        busy={false}
        onAccept={() => {}}
        onReject={() => {}}
      />,
    );
    expect(html).toContain('Jana &lt;b>Müller&lt;/b>');
    expect(html).toContain('&lt;img src=x onerror=alert(1)>');
    expect(html).not.toContain('<img');
    expect(html).toContain('Queue Support DE');
    expect(html).toMatch(/role="timer"[^>]*>1:05</);
    expect(html).not.toContain('is-urgent');
  });

  it('turns urgent in the last five seconds', () => {
    const o = { conversation_id: 7, queue_id: 1, queue_name: 'Q', offered_at: '', expires_at: '', channel: 'email', contact_name: '', preview: '', deadline: T0 + 4_000, total: 20 };
    const html = render(<OfferCard o={o} now={T0} busy={false} onAccept={() => {}} onReject={() => {}} />);
    expect(html).toContain('offer-card is-urgent');
    expect(html).toContain('>Customer<');
  });
});

const q = (patch: Partial<QueueStats>): QueueStats => ({
  queue_id: 1, name: 'Support', waiting: 3, offered: 1, longest_wait_s: 75, agents_logged_in: 4, agents_available: 1, agents_busy: 2, agents_away: 1,
  service_level_today: 0.85, service_level_15m: 0.6, asa_today_s: 12, asa_15m_s: null, abandoned_today: 2, answered_today: 40,
  target: { threshold_s: 20, target: 0.8 }, by_channel: { messaging: { waiting: 2, longest_wait_s: 75 }, email: { waiting: 0, longest_wait_s: 0 } }, ...patch,
});

describe('the live queue table', () => {
  it('colours and names a service level below its target, in German', () => {
    const html = render(
      <I18nContext.Provider value={createI18n('de')}>
        <StatsTable stats={{ at: new Date(T0).toISOString(), queues: [q({})] }} now={T0 + 5000} />
      </I18nContext.Provider>,
    );
    expect(html).toContain('data-sl-level="ok"');
    expect(html).toMatch(/sl sl-below">60\s?%<span class="visually-hidden"> \(unter dem Ziel\)/);
    expect(html).toContain('Ziel 80\u00a0% in 20 s');
    expect(html).toMatch(/title="Ziel 80\u00a0% in 20 s" data-sl-level="below"/);
    expect(html).toContain('1:20'); // 75 s at the update + 5 s since
    expect(html).toContain('0:12 / —');
    expect(html).toContain('40 / 2');
    expect(html).toContain('Messaging: 2 (1:15)');
    expect(html).not.toContain('E-Mail:');
  });
});
