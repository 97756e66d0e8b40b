import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { Conversation, Message } from '../api/types';
import { createI18n, I18nContext } from '../i18n';
import { SessionContext, type SessionValue } from '../state';
import { AttachButton, Composer } from './composer';
import { FACEBOOK_REPLY_RULES, INSTAGRAM_REPLY_RULES, publicReplyRules, ReplyCounter, ReplyMode, replyProblem, ReplyWayTag, X_REPLY_RULES } from './reply-mode';

const session = {
  dir: {
    me: { id: 1 },
    users: [],
    teams: [],
    inboxes: [
      { id: 1, name: 'Müller Page', channel: 'messenger' },
      { id: 2, name: '@mueller', channel: 'x' },
      { id: 3, name: '@mueller.shop', channel: 'instagram' },
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

const en = createI18n('en');
const problemText = (p: ReturnType<typeof replyProblem>) => (p ? en.t(p.key, p.params && { limit: en.number(p.params.limit), used: en.number(p.params.used) }) : null);

// A comment on Facebook (a Messenger inbox) and on Instagram: the same two ways, each network's
// words and limits.
const commentNetworks = [
  {
    network: 'Facebook',
    channel: 'messenger',
    inbox: 1,
    directWay: 'Reply privately in Messenger',
    directWayDe: 'Privat per Messenger antworten',
    warning: 'A public reply is visible to everyone on Facebook.',
    warningDe: 'Eine öffentliche Antwort ist auf Facebook für alle sichtbar.',
    directNote: 'One private message per comment, within 7 days of it; text only. The conversation goes on in Messenger once the customer answers.',
    publicLimit: 8000,
    tooLongPublic: 'Too long: a public reply on Facebook has at most 8,000 characters (this one counts 8,001). Shorten it.',
    tooLongDirect: 'Too long: a private reply in Messenger has at most 2,000 characters (this one counts 2,001). Shorten it or reply publicly.',
    directLimit: 2000,
    // Emoji and links count as the characters they are, not as X weighs them.
    emojiAndLink: '33 / 2,000',
  },
  {
    network: 'Instagram',
    channel: 'instagram',
    inbox: 3,
    directWay: 'Reply privately in Instagram Direct',
    directWayDe: 'Privat per Instagram Direct antworten',
    warning: 'A public reply is visible to everyone on Instagram. Text only.',
    warningDe: 'Eine öffentliche Antwort ist auf Instagram für alle sichtbar. Nur Text.',
    directNote: 'One private message per comment, within 7 days of it; text only. The conversation goes on in Instagram Direct once the customer answers.',
    publicLimit: 2200,
    tooLongPublic: 'Too long: a public reply on Instagram has at most 2,200 characters (this one counts 2,201). Shorten it.',
    tooLongDirect: 'Too long: a private reply in Instagram Direct has at most 1,000 bytes (this one has 1,001; a letter beyond A–Z counts 2 to 4). Shorten it or reply publicly.',
    directLimit: 1000,
    // Instagram's Send API counts bytes: the emoji is 4 of them.
    emojiAndLink: '36 / 1,000',
  },
];

describe.each(commentNetworks)('a public conversation on a $network comment', (n) => {
  const rules = publicReplyRules(n.channel);
  const limit = en.number(n.publicLimit);

  it('opens on a public reply: warns it is seen by everyone on the network and counts to its limit', () => {
    const html = composer(n.inbox);
    expect(html).toContain('Reply publicly');
    expect(html).toContain(n.directWay);
    expect(html).toContain(n.warning);
    expect(html).toContain(`0 / ${limit}`);
    expect(html).not.toContain('on X');
    expect(html).not.toContain('direct message');
  });

  it('says in German the same', () => {
    const html = de(<ReplyMode id="r" direct={false} onChange={() => {}} rules={rules} />);
    expect(html).toContain('Öffentlich antworten');
    expect(html).toContain(n.directWayDe);
    expect(html).toContain(n.warningDe);
    expect(de(<ReplyWayTag m={sent(true)} publicThread channel={n.channel} />)).toContain('Private Antwort');
  });

  it('explains the private reply and counts it to its limit', () => {
    const over = n.directLimit + 1;
    expect(render(<ReplyMode id="r" direct onChange={() => {}} rules={rules} />)).toContain(n.directNote);
    expect(render(<ReplyCounter id="c" text="" direct rules={rules} />)).toContain(`0 / ${en.number(n.directLimit)}`);
    expect(render(<ReplyCounter id="c" text="😀 https://example.com/a/long/path" direct rules={rules} />)).toContain(n.emojiAndLink);
    expect(render(<ReplyCounter id="c" text={'x'.repeat(n.directLimit * 0.9 + 1)} direct rules={rules} />)).toContain('is-near');
    expect(render(<ReplyCounter id="c" text={'x'.repeat(over)} direct rules={rules} />)).toContain('is-over');
    expect(render(<ReplyCounter id="c" text={'x'.repeat(over)} direct={false} rules={rules} />)).toContain(`${en.number(over)} / ${limit}`);
    expect(render(<ReplyCounter id="c" text={'x'.repeat(n.publicLimit + 1)} direct={false} rules={rules} />)).toContain('is-over');
  });

  it('refuses to send a reply over its limit, naming the network or the private message', () => {
    expect(replyProblem('x'.repeat(n.publicLimit), false, 0, rules)).toBeNull();
    expect(problemText(replyProblem('x'.repeat(n.publicLimit + 1), false, 0, rules))).toBe(n.tooLongPublic);
    expect(replyProblem('x'.repeat(n.directLimit), true, 0, rules)).toBeNull();
    expect(problemText(replyProblem('x'.repeat(n.directLimit + 1), true, 0, rules))).toBe(n.tooLongDirect);
  });

  it('tags a private reply as such in the timeline', () => {
    expect(render(<ReplyWayTag m={sent(true)} publicThread channel={n.channel} />)).toContain('Private reply');
    expect(render(<ReplyWayTag m={sent(false)} publicThread channel={n.channel} />)).toContain('Public reply');
  });
});

describe('files on a Facebook Page comment: a photo publicly, none privately', () => {
  const fb = publicReplyRules('messenger');

  it('leaves Attach on in the public thread and sends files with a public reply', () => {
    expect(fb).toBe(FACEBOOK_REPLY_RULES);
    expect(composer(1)).toMatch(/<button type="button" class="btn btn-ghost">.*Attach files<\/button>/);
    expect(replyProblem('x'.repeat(8000), false, 1, fb)).toBeNull();
  });

  it('keeps files attached but carries none in a private reply: Attach is off and the send is refused', () => {
    expect(replyProblem('Hallo', true, 1, fb)?.key).toBe('replyMode.fbTextOnly');
    expect(en.t('replyMode.fbTextOnly')).toBe('A private reply in Messenger carries text only. Remove the attached files or reply publicly.');
    const off = render(<AttachButton textOnly onClick={() => {}} />);
    expect(off).toContain('disabled');
    expect(off).toContain('title="A private reply in Messenger carries text only"');
    expect(render(<AttachButton textOnly={false} onClick={() => {}} />)).not.toContain('disabled');
  });
});

describe('files on an Instagram comment: none either way', () => {
  const ig = publicReplyRules('instagram');

  it('turns Attach off in the public thread, saying why', () => {
    expect(ig).toBe(INSTAGRAM_REPLY_RULES);
    expect(composer(3)).toMatch(/<button type="button" class="btn btn-ghost" disabled title="A reply to an Instagram comment carries text only">.*Attach files<\/button>/);
    expect(de(<AttachButton textOnly hint={ig.texts.textOnlyHint} onClick={() => {}} />)).toContain('title="Eine Antwort auf einen Instagram-Kommentar enthält nur Text"');
  });

  it('keeps files attached but refuses the send, public or private, until they are removed', () => {
    const refusal = 'A reply to an Instagram comment carries text only. Remove the attached files.';
    expect(problemText(replyProblem('Hallo', false, 1, ig))).toBe(refusal);
    expect(problemText(replyProblem('Hallo', true, 2, ig))).toBe(refusal);
    expect(replyProblem('Hallo', false, 0, ig)).toBeNull();
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
    expect(html).not.toContain('Instagram');
    expect(html).toMatch(/<button type="button" class="btn btn-ghost">.*Attach files<\/button>/);
    expect(replyProblem('x'.repeat(281), false, 0, X_REPLY_RULES)?.key).toBe('replyMode.tooLong');
    expect(replyProblem('x'.repeat(10001), true, 2, X_REPLY_RULES)).toBeNull();
    expect(render(<ReplyWayTag m={sent(true)} publicThread channel="x" />)).toContain('Direct message');
  });

  it('is the rule for every channel but Messenger and Instagram', () => {
    expect(publicReplyRules(undefined)).toBe(X_REPLY_RULES);
    expect(publicReplyRules('email')).toBe(X_REPLY_RULES);
    expect(replyProblem('Hi', false, 3, X_REPLY_RULES)).toBeNull();
  });
});

function sent(direct: boolean): Message {
  return { direction: 'outgoing', payload: direct ? { direct: true } : {} } as unknown as Message;
}
