import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { Conversation, Inbox } from '../api/types';
import { createI18n, I18nContext } from '../i18n';
import { humanAgentTagUntil, needsTemplate, windowState } from '../lib/customer-window';
import { emptyValues, filterTemplates, templateRequest, validateValues, type WhatsAppTemplate } from '../lib/whatsapp-templates';
import { problemText, TemplatePreview } from './template-picker';
import { WindowBadge } from './window-badge';

const order: WhatsAppTemplate = {
  id: '1',
  name: 'order_update',
  language: 'de',
  status: 'APPROVED',
  category: 'UTILITY',
  parameter_format: 'POSITIONAL',
  header: { format: 'TEXT', text: 'Bestellung {{1}}', parameters: ['1'], parameter_count: 1 },
  body: { text: 'Hallo {{1}}, Ihre Bestellung {{2}} ist unterwegs.', parameters: ['1', '2'], parameter_count: 2 },
  footer: 'Parley Shop',
  buttons: [
    { type: 'URL', text: 'Sendung verfolgen', url: 'https://shop.example/track/{{1}}', parameters: ['1'], parameter_count: 1 },
    { type: 'QUICK_REPLY', text: 'Danke', parameters: [], parameter_count: 0 },
  ],
};
const welcome: WhatsAppTemplate = {
  ...order,
  name: 'welcome_back',
  language: 'en_US',
  parameter_format: 'NAMED',
  header: null,
  body: { text: 'Hi {{first_name}}, we kept your cart.', parameters: ['first_name'], parameter_count: 1 },
  footer: null,
  buttons: [],
};
const whatsapp = { id: 1, channel: 'whatsapp', config: {} } as unknown as Inbox;

describe('the template picker', () => {
  it('fills the preview in as the agent types, placeholders where nothing is typed yet', () => {
    const values = { header: ['4711'], body: ['Jana', ''], buttons: [''] };
    const html = render(<TemplatePreview template={order} values={values} />);
    expect(html).toContain('Bestellung 4711');
    expect(html).toContain('Hallo Jana, Ihre Bestellung {{2}} ist unterwegs.');
    expect(html).toContain('Parley Shop');
    expect(html).toContain('Sendung verfolgen');
  });

  it('asks for every parameter and sends them in the documented shape', () => {
    const values = emptyValues(order);
    expect(values).toEqual({ header: [''], body: ['', ''], buttons: [''] });
    const missing = validateValues(order, { ...values, body: ['Jana', ''] });
    expect(missing).toEqual({ kind: 'missing', count: 3 });
    expect(problemText(createI18n('de').t, missing!)).toBe('Bitte jeden Parameter ausfüllen (3 fehlen).');
    expect(validateValues(order, { header: ['4711'], body: ['Jana\nDoe', '4711'], buttons: ['4711'] })).toEqual({ kind: 'multiline' });
    const filled = { header: ['4711'], body: ['Jana', '4711'], buttons: ['4711'] };
    expect(validateValues(order, filled)).toBeNull();
    expect(templateRequest(order, filled)).toEqual({
      template: { name: 'order_update', language: 'de', parameters: { header: ['4711'], body: ['Jana', '4711'], buttons: ['4711'] } },
    });
    const media = { ...welcome, header: { format: 'IMAGE', text: '', parameters: ['link'], parameter_count: 1 } };
    expect(validateValues(media, { header: ['bild.jpg'], body: ['Jana'], buttons: [] })).toEqual({ kind: 'badLink' });
  });

  it('searches by name or text and filters by language', () => {
    expect(filterTemplates([order, welcome], 'cart', '').map((t) => t.name)).toEqual(['welcome_back']);
    expect(filterTemplates([order, welcome], 'ORDER', '').map((t) => t.name)).toEqual(['order_update']);
    expect(filterTemplates([order, welcome], '', 'de').map((t) => t.name)).toEqual(['order_update']);
  });
});

describe('a location header', () => {
  const pickup = {
    id: '9', name: 'pickup_point', language: 'de', status: 'APPROVED', category: 'UTILITY', parameter_format: 'NAMED',
    header: { format: 'LOCATION', text: '', parameters: ['latitude', 'longitude', 'name', 'address'], parameter_count: 4 },
    body: { text: 'Ihr Paket {{order}} liegt hier bereit.', parameters: ['order'], parameter_count: 1 },
    footer: null, buttons: [],
  } as WhatsAppTemplate;

  it('asks for the place, checks latitude and longitude, and previews the name and address', () => {
    const values = { header: ['52.520008', '13.404954', 'Paketshop Mitte', 'Alexanderplatz 1'], body: ['4711'], buttons: [] };
    expect(validateValues(pickup, values)).toBeNull();
    expect(validateValues(pickup, { ...values, header: ['91', '13.4', 'x', 'y'] })).toEqual({ kind: 'badLocation' });
    expect(validateValues(pickup, { ...values, header: ['north', '13.4', 'x', 'y'] })).toEqual({ kind: 'badLocation' });
    expect(validateValues(pickup, { ...values, header: ['52.5', '13.4', 'Paket\nshop', 'y'] })).toEqual({ kind: 'multiline' });
    const html = render(<TemplatePreview template={pickup} values={values} />);
    expect(html).toContain('Paketshop Mitte, Alexanderplatz 1');
    expect(html).toContain('Ihr Paket 4711 liegt hier bereit.');
    expect(problemText(createI18n('de').t, { kind: 'badLocation' })).toContain('Breitengrad');
  });
});

describe('the reply window', () => {
  const now = Date.parse('2026-12-01T10:00:00Z');
  const conv = (expires: string | null) => ({ customer_window_expires_at: expires }) as Conversation;

  it('counts down in hours and minutes, in German and English', () => {
    const open = conv('2026-12-01T13:12:00Z');
    expect(windowState(open, whatsapp, now)).toMatchObject({ kind: 'open', minutesLeft: 192 });
    const de = render(
      <I18nContext.Provider value={createI18n('de')}>
        <WindowBadge conv={{ ...open, customer_window_expires_at: new Date(Date.now() + 192 * 60_000 - 30_000).toISOString() }} inbox={whatsapp} />
      </I18nContext.Provider>,
    );
    expect(de).toContain('Antwortfenster: noch 3 Std. 12 Min.');
    const en = render(<WindowBadge conv={conv(new Date(Date.now() + 45 * 60_000 - 30_000).toISOString())} inbox={whatsapp} />);
    expect(en).toContain('Reply window: 45 min left');
  });

  it('is closed after 24 hours or when the customer never wrote, and only WhatsApp then needs a template', () => {
    expect(render(<WindowBadge conv={conv('2026-11-30T10:00:00Z')} inbox={whatsapp} />)).toContain('Reply window: closed');
    expect(windowState(conv(null), whatsapp, now).kind).toBe('closed');
    expect(needsTemplate(conv('2026-11-30T10:00:00Z'), whatsapp, now)).toBe(true);
    const messenger = { ...whatsapp, channel: 'messenger' } as Inbox;
    expect(windowState(conv('2026-11-30T10:00:00Z'), messenger, now).kind).toBe('closed');
    expect(needsTemplate(conv('2026-11-30T10:00:00Z'), messenger, now)).toBe(false);
    const sms = { ...whatsapp, channel: 'twilio', config: { phone_number: '+4930123' } } as unknown as Inbox;
    expect(render(<WindowBadge conv={conv(null)} inbox={sms} />)).toBe('');
    const twilioWhatsApp = { ...sms, config: { phone_number: 'whatsapp:+4930123' } } as unknown as Inbox;
    expect(windowState(conv(null), twilioWhatsApp, now).kind).toBe('closed');
    // A Twilio WhatsApp sender takes templates (from Twilio's Content API) like the Cloud API; SMS never.
    expect(needsTemplate(conv('2026-11-30T10:00:00Z'), twilioWhatsApp, now)).toBe(true);
    expect(needsTemplate(conv('2026-12-01T13:00:00Z'), twilioWhatsApp, now)).toBe(false);
    expect(needsTemplate(conv(null), sms, now)).toBe(false);
  });

  it('tells a Messenger agent that a reply outside the window goes with the Human Agent tag, for 7 days', () => {
    const messenger = { ...whatsapp, channel: 'messenger' } as Inbox;
    const day = 24 * 3_600_000;
    // The customer wrote 2 days ago: closed, but the tag still carries a reply for 5 more days.
    const closed = render(<WindowBadge conv={conv(new Date(Date.now() - day).toISOString())} inbox={messenger} />);
    expect(closed).toContain('Reply window: closed');
    expect(closed).toContain("Replies go out with Meta's Human Agent tag, allowed until");
    expect(closed).not.toContain('Free text is only allowed again');
    expect(humanAgentTagUntil(conv('2026-11-30T10:00:00Z'), messenger)).toBe(Date.parse('2026-12-06T10:00:00Z'));
    // 8 days ago: Meta refuses even the tag.
    const expired = render(
      <I18nContext.Provider value={createI18n('de')}>
        <WindowBadge conv={conv(new Date(Date.now() - 7 * day).toISOString())} inbox={messenger} />
      </I18nContext.Provider>,
    );
    expect(expired).toContain('vor mehr als 7 Tagen');
    const open = render(<WindowBadge conv={conv(new Date(Date.now() + 3_600_000).toISOString())} inbox={messenger} />);
    expect(open).toContain("with Meta's Human Agent tag, for up to 7 days");
    // WhatsApp keeps its template wording.
    expect(render(<WindowBadge conv={conv('2026-11-30T10:00:00Z')} inbox={whatsapp} />)).toContain('Free text is only allowed again');
    expect(humanAgentTagUntil(conv('2026-11-30T10:00:00Z'), whatsapp)).toBeNull();
  });
});
