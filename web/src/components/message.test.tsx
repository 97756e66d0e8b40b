import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { Api } from '../api/client';
import type { Message } from '../api/types';
import { createI18n, I18nContext } from '../i18n';
import { SessionContext, type SessionValue } from '../state';
import { AttachmentView, DeliveryTicks, fileKindOf, groupAuthorOf, KindExtras, MessageItem } from './message';

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

/** Rendered with the desk in German. */
const inGerman = (node: preact.ComponentChildren) => render(<I18nContext.Provider value={createI18n('de')}>{node}</I18nContext.Provider>);

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

describe('a message the customer unsent (Instagram)', () => {
  it('says so, in English and German', () => {
    const unsent = reply({ id: 44, direction: 'incoming', kind: 'text', text: '', payload: { unsent_at: 1764000000000 } });
    expect(render(<KindExtras m={unsent} />)).toContain('Unsent by the customer');
    expect(inGerman(<KindExtras m={unsent} />)).toContain('Vom Kunden zurückgezogen');
  });

  it('shows the notice for a photo, not its file (which the server no longer serves)', () => {
    const session = {
      dir: { me: { id: 1 }, users: [], teams: [], inboxes: [{ id: 1, name: 'Instagram', channel: 'instagram' }], canned: [] },
    } as unknown as SessionValue;
    const unsent = reply({
      id: 45, direction: 'incoming', kind: 'image', text: '', payload: { unsent_at: 1764000000000 }, attachment_ids: [9],
      attachments: [{ id: 9, filename: 'photo.jpg', content_type: 'image/jpeg', size: 10, state: 'failed', error: 'unsent by the customer' }],
    } as Partial<Message>);
    const html = render(
      <SessionContext.Provider value={session}>
        <MessageItem m={unsent} inCurrent={true} />
      </SessionContext.Provider>,
    );
    expect(html).toContain('Unsent by the customer');
    expect(html).not.toContain('could not be loaded');
    expect(html).not.toContain('unsent by the customer');
  });
});

// The stored payload of a Telegram supergroup message (tests/channels/telegram/fixtures/group_message.json
// as the server keeps it: ids as strings, the member's name already joined).
const groupPayload = {
  from: { id: '3333333', name: 'Carla', username: 'carla_c' },
  chat: { id: '-1001234567890', type: 'supergroup', title: 'Einkauf Müller GmbH' },
  message_thread_id: 12,
};

describe('a message in a Telegram group', () => {
  it('names the member who wrote it: first and last name, else @username, else the chat it was sent for', () => {
    expect(groupAuthorOf(groupPayload)).toBe('Carla');
    expect(groupAuthorOf({ ...groupPayload, from: { id: '1', first_name: 'Carla', last_name: 'Conti' } })).toBe('Carla Conti');
    expect(groupAuthorOf({ ...groupPayload, from: { id: '1', username: 'carla_c' } })).toBe('@carla_c');
    expect(groupAuthorOf({ ...groupPayload, from: { id: '1087968824', name: 'Group', username: 'GroupAnonymousBot' }, sender_chat: { id: '-100999', type: 'channel', title: 'Müller News' } })).toBe('Müller News');
    expect(groupAuthorOf({ ...groupPayload, from: { id: '1' } })).toBeNull();
  });

  it('names nobody outside a group: the private chat’s user is the contact', () => {
    expect(groupAuthorOf({ from: { id: '3333333', name: 'Carla', username: 'carla_c' } })).toBeNull();
    expect(groupAuthorOf({})).toBeNull();
  });

  it('shows the member, not the group, as the author in the timeline', () => {
    const session = {
      dir: { me: { id: 1 }, users: [], teams: [], inboxes: [{ id: 1, name: 'Support-Bot', channel: 'telegram' }], canned: [] },
    } as unknown as SessionValue;
    const m = reply({ direction: 'incoming', kind: 'text', text: 'Wir brauchen eine neue Rechnung', sender_contact_id: null, attachment_ids: [], payload: groupPayload });
    const html = render(
      <SessionContext.Provider value={session}>
        <MessageItem m={m} inCurrent={true} />
      </SessionContext.Provider>,
    );
    expect(html).toContain('<span class="msg-author">Carla</span>');
  });
});

describe('a file still at the provider', () => {
  const pending = (over: Partial<{ contentType: string; filename: string }>) => ({ id: 5, state: 'pending' as const, contentType: '', filename: '', size: null, error: null, ...over });

  it('says what is being loaded, by kind, instead of the placeholder name', () => {
    // The server names a file the provider did not name by the message's kind: "image".
    const html = inGerman(<AttachmentView info={pending({ filename: 'image', contentType: 'image/jpeg' })} kind="image" />);
    expect(html).toContain('Bild wird geladen…');
    expect(html).not.toMatch(/>\s*image\b/);
    expect(render(<AttachmentView info={pending({ filename: 'image' })} kind="image" />)).toContain('Loading image…');
    expect(inGerman(<AttachmentView info={pending({ filename: 'audio', contentType: 'audio/ogg' })} kind="audio" />)).toContain('Audiodatei wird geladen…');
    expect(inGerman(<AttachmentView info={pending({ filename: 'video.mp4', contentType: 'video/mp4' })} kind="video" />)).toContain('Video wird geladen…');
    expect(inGerman(<AttachmentView info={pending({ filename: 'sticker.webp', contentType: 'image/webp' })} kind="sticker" />)).toContain('Sticker wird geladen…');
    expect(inGerman(<AttachmentView info={pending({ filename: 'document', contentType: 'application/pdf' })} kind="document" />)).toContain('Dokument wird geladen…');
    // A document's own name is worth showing.
    expect(inGerman(<AttachmentView info={pending({ filename: 'Rechnung 4711.pdf', contentType: 'application/pdf' })} kind="document" />)).toContain('„Rechnung 4711.pdf“ wird geladen…');
  });

  it('finds the kind by declared type, then the message kind, then the name', () => {
    expect(fileKindOf({ contentType: 'video/mp4', filename: '' }, 'image')).toBe('video');
    expect(fileKindOf({ contentType: '', filename: '' }, 'audio')).toBe('audio');
    expect(fileKindOf({ contentType: '', filename: 'photo.jpg' }, 'text')).toBe('image');
    expect(fileKindOf({ contentType: 'image/webp', filename: 'sticker.webp' }, 'sticker')).toBe('sticker');
    expect(fileKindOf({ contentType: '', filename: '' })).toBe('file');
  });

  it('says when it could not be loaded, with the server’s reason marked as such', () => {
    const failed = { ...pending({ filename: 'image', contentType: 'image/jpeg' }), state: 'failed' as const, error: 'the provider answered 404' };
    expect(inGerman(<AttachmentView info={failed} kind="image" />)).toContain('Das Bild konnte nicht geladen werden. Details vom Server: the provider answered 404');
    expect(render(<AttachmentView info={{ ...failed, error: null }} kind="image" />)).toContain('The image could not be loaded.');
  });
});
