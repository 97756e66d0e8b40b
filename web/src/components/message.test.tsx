import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { Api } from '../api/client';
import type { Message } from '../api/types';
import { createI18n, I18nContext } from '../i18n';
import { DeliveryTicks, KindExtras } from './message';

const reply = (over: Partial<Message>): Message =>
  ({
    id: 42,
    conversation_id: 7,
    inbox_id: 1,
    direction: 'outgoing',
    text: 'Ihre Bestellung ist unterwegs',
    delivery_status: 'sent',
    delivery_error: '',
    created_at: '2026-12-01T10:00:00Z',
    payload: {},
    ...over,
  }) as Message;

const interrupted = 'Parley stopped while this message was being sent; it may or may not have reached the customer — check and resend';

describe('a reply that was not delivered', () => {
  it('shows the reason and offers Resend, in English and German', () => {
    const failed = reply({ delivery_status: 'failed', delivery_error: interrupted });
    const en = render(<DeliveryTicks m={failed} />);
    expect(en).toContain(`Not delivered: ${interrupted}`);
    expect(en).toContain('>Resend</button>');
    expect(en).toContain('check first that the customer did not get it');
    const de = render(
      <I18nContext.Provider value={createI18n('de')}>
        <DeliveryTicks m={failed} />
      </I18nContext.Provider>,
    );
    expect(de).toContain('>Erneut senden</button>');
  });

  it('offers no Resend for replies on their way or delivered', () => {
    for (const status of ['pending', 'sent', 'delivered', 'read'] as const) {
      expect(render(<DeliveryTicks m={reply({ delivery_status: status })} />)).not.toContain('Resend');
    }
  });

  it('Resend asks the server to send that message of that conversation again', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    const api = new Api(async (url, init) => {
      calls.push({ url: String(url), init: init ?? {} });
      return new Response(JSON.stringify(reply({ delivery_status: 'pending' })), { status: 200 });
    });
    api.csrfToken = 'c1';
    const answer = await api.retryMessage(7, 42);
    expect(answer.delivery_status).toBe('pending');
    expect(calls[0].url).toBe('/api/v1/conversations/7/messages/42/retry');
    expect(calls[0].init.method).toBe('POST');
    expect((calls[0].init.headers as Record<string, string>)['X-CSRF-Token']).toBe('c1');
  });
});

describe('a customer reaction', () => {
  const reaction = reply({ id: 43, direction: 'incoming', kind: 'reaction', text: '👍', reply_to_id: 41, payload: { emoji: '👍', message_id: 'wamid.1' } });

  it('shows the emoji once and which message it reacts to, in English and German', () => {
    const target = reply({ id: 41, direction: 'outgoing', text: 'Ihr Paket kommt morgen' });
    const en = render(<KindExtras m={reaction} reactedTo={target} />);
    expect(en.split('👍').length - 1).toBe(1);
    expect(en).toContain('reaction to “Ihr Paket kommt morgen”');
    const de = render(
      <I18nContext.Provider value={createI18n('de')}>
        <KindExtras m={reaction} reactedTo={reply({ id: 41, kind: 'image', text: '' })} />
      </I18nContext.Provider>,
    );
    expect(de).toContain('Reaktion auf eine Nachricht ohne Text');
  });

  it('shows the emoji alone when the reacted-to message is not in the timeline', () => {
    const html = render(<KindExtras m={reaction} />);
    expect(html).toContain('👍');
    expect(html).not.toContain('reaction to');
  });
});
