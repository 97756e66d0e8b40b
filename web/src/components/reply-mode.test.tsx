import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api/types';
import { createI18n, I18nContext } from '../i18n';
import { SessionContext, type SessionValue } from '../state';
import { AttachButton, Composer } from './composer';
import { FACEBOOK_REPLY_RULES, publicReplyRules, ReplyCounter, ReplyMode, replyProblem, ReplyWayTag, X_REPLY_RULES } from './reply-mode';

const session = {
  dir: {
    me: { id: 1 },
    users: [],
    teams: [],
    inboxes: [
      { id: 1, name: 'Müller Page', channel: 'messenger' },
      { id: 2, name: '@mueller', channel: 'x' },
    ],
    canned: [],
  },
} as unknown as SessionValue;

const publicConv = (inbox_id: number) => ({ id: 7, inbox_id, contact_id: 0, status: 'open', public: true }) as unknown as Conversation;

const composer = (inbox_id: number) =>
  render(
    <SessionContext.Provider value={session}>
      <Composer conv={publicConv(inbox_id)} onSent={() => {}} />
    </SessionContext.Provider>,
  );

const de = (node: preact.ComponentChildren) => render(<I18nContext.Provider value={createI18n('de')}>{node}</I18nContext.Provider>);

describe('a public conversation of a Messenger inbox (a Facebook Page comment)', () => {
  const fb = publicReplyRules('messenger');

  it('opens on a public reply: warns it is seen by everyone on Facebook and counts to 8 000', () => {
    const html = composer(1);
    expect(html).toContain('Reply publicly');
    expect(html).toContain('Reply privately in Messenger');
    expect(html).toContain('A public reply is visible to everyone on Facebook.');
    expect(html).toContain('0 / 8,000');
    expect(html).not.toContain('on X');
    expect(html).not.toContain('direct message');
    expect(html).toMatch(/<button type="button" class="btn btn-ghost">.*Attach files<\/button>/);
  });

  it('says in German the same', () => {
    const html = de(<ReplyMode id="r" direct={false} onChange={() => {}} rules={fb} />);
    expect(html).toContain('Öffentlich antworten');
    expect(html).toContain('Privat per Messenger antworten');
    expect(html).toContain('Eine öffentliche Antwort ist auf Facebook für alle sichtbar.');
    expect(de(<ReplyWayTag m={sent(true)} publicThread channel="messenger" />)).toContain('Private Antwort');
  });

  it('explains the private reply and counts it to 2 000 code points', () => {
    expect(render(<ReplyMode id="r" direct onChange={() => {}} rules={fb} />)).toContain(
      'One private message per comment, within 7 days of it; text only. The conversation goes on in Messenger once the customer answers.',
    );
    expect(render(<ReplyCounter id="c" text="" direct rules={fb} />)).toContain('0 / 2,000');
    // Emoji and links count as the characters they are, not as X weighs them.
    expect(render(<ReplyCounter id="c" text="😀 https://example.com/a/long/path" direct rules={fb} />)).toContain('33 / 2,000');
    expect(render(<ReplyCounter id="c" text={'x'.repeat(1801)} direct rules={fb} />)).toContain('is-near');
    expect(render(<ReplyCounter id="c" text={'x'.repeat(2001)} direct rules={fb} />)).toContain('is-over');
    expect(render(<ReplyCounter id="c" text={'x'.repeat(2001)} direct={false} rules={fb} />)).toContain('2,001 / 8,000');
    expect(render(<ReplyCounter id="c" text={'x'.repeat(8001)} direct={false} rules={fb} />)).toContain('is-over');
  });

  it('refuses to send a reply over its limit, naming Facebook or the private message', () => {
    const en = createI18n('en');
    const text = (p: ReturnType<typeof replyProblem>) => (p ? en.t(p.key, p.params && { limit: en.number(p.params.limit), used: en.number(p.params.used) }) : null);
    expect(replyProblem('x'.repeat(8000), false, 1, fb)).toBeNull();
    expect(text(replyProblem('x'.repeat(8001), false, 0, fb))).toBe('Too long: a public reply on Facebook has at most 8,000 characters (this one counts 8,001). Shorten it.');
    expect(replyProblem('x'.repeat(2000), true, 0, fb)).toBeNull();
    expect(text(replyProblem('x'.repeat(2001), true, 0, fb))).toBe(
      'Too long: a private reply in Messenger has at most 2,000 characters (this one counts 2,001). Shorten it or reply publicly.',
    );
  });

  it('keeps files attached but carries none in a private reply: Attach is off and the send is refused', () => {
    expect(replyProblem('Hallo', true, 1, fb)?.key).toBe('replyMode.fbTextOnly');
    expect(createI18n('en').t('replyMode.fbTextOnly')).toBe('A private reply in Messenger carries text only. Remove the attached files or reply publicly.');
    const off = render(<AttachButton textOnly onClick={() => {}} />);
    expect(off).toContain('disabled');
    expect(off).toContain('title="A private reply in Messenger carries text only"');
    expect(render(<AttachButton textOnly={false} onClick={() => {}} />)).not.toContain('disabled');
  });

  it('tags a private reply as such in the timeline', () => {
    expect(render(<ReplyWayTag m={sent(true)} publicThread channel="messenger" />)).toContain('Private reply');
    expect(render(<ReplyWayTag m={sent(false)} publicThread channel="messenger" />)).toContain('Public reply');
  });
});

describe('a public conversation of an X inbox keeps X’s rules', () => {
  it('shows the X warning, counts as X does and allows files in a DM', () => {
    expect(publicReplyRules('x')).toBe(X_REPLY_RULES);
    expect(publicReplyRules('messenger')).toBe(FACEBOOK_REPLY_RULES);
    const html = composer(2);
    expect(html).toContain('Reply by direct message');
    expect(html).toContain('A public reply is visible to everyone on X.');
    expect(html).toContain('0 / 280');
    expect(html).not.toContain('Facebook');
    expect(replyProblem('x'.repeat(281), false, 0, X_REPLY_RULES)?.key).toBe('replyMode.tooLong');
    expect(replyProblem('x'.repeat(10001), true, 2, X_REPLY_RULES)).toBeNull();
    expect(render(<ReplyWayTag m={sent(true)} publicThread channel="x" />)).toContain('Direct message');
  });
});

function sent(direct: boolean): Message {
  return { direction: 'outgoing', payload: direct ? { direct: true } : {} } as unknown as Message;
}
