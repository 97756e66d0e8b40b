// Public conversations — an X mention, a comment on a Facebook Page's post (a Messenger inbox) or
// a comment on an Instagram post or reel (an Instagram inbox): the composer asks which way a reply
// goes — a public reply in the thread, which everyone can read, or a direct message to the customer
// (`direct: true`) — and counts the characters by the network's rules (publicReplyRules): X as X
// does (lib/x-length.ts), 280 for a post, 10 000 for a DM, files both ways; Facebook in code points,
// 8 000 for a reply comment (which may carry a photo), 2 000 for the private reply (one Messenger
// message, text only, within 7 days of the comment); Instagram 2 200 code points for a reply
// comment, and for the private reply (one Instagram Direct message within 7 days of the comment)
// 1 000 bytes of UTF-8, as Instagram's Send API counts; text only both ways. Files already attached stay attached when a way takes none; they
// block the send until removed. The timeline tags each reply with the way it went.
import type { Message } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import { X_DM_LIMIT, X_POST_LIMIT, xDmLength, xPostLength } from '../lib/x-length';
import { Icon } from './icons';

export const FACEBOOK_COMMENT_LIMIT = 8000;
export const MESSENGER_PRIVATE_REPLY_LIMIT = 2000;
/** Instagram's caption and comment limit. */
export const INSTAGRAM_COMMENT_LIMIT = 2200;
/** Instagram's Send API: "Message text must be UTF-8 and be a 1000 bytes or less". */
export const INSTAGRAM_PRIVATE_REPLY_LIMIT = 1000;

/** What a reply in a public conversation may be, and how the desk words it, per network. */
export interface PublicReplyRules {
  publicLimit: number;
  directLimit: number;
  publicLength(text: string): number;
  directLength(text: string): number;
  /** A direct reply over its limit is refused before sending (X takes long DMs as they are). */
  blocksLongDirect: boolean;
  /** A direct reply carries no files (the private reply on Facebook and Instagram). */
  directTextOnly: boolean;
  /** A public reply carries no files (a reply to an Instagram comment). */
  publicTextOnly: boolean;
  texts: {
    direct: MessageKey;
    publicWarning: MessageKey;
    directNote: MessageKey;
    counterPublic: MessageKey;
    counterDirect: MessageKey;
    tooLongPublic: MessageKey;
    tooLongDirect: MessageKey;
    sentDirect: MessageKey;
    /** Why a reply that carries no files is refused with files attached, and the hint on the
     * disabled Attach button; needed when directTextOnly or publicTextOnly is set. */
    textOnly?: MessageKey;
    textOnlyHint?: MessageKey;
  };
}

const codePoints = (text: string) => Array.from(text).length;
const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

export const X_REPLY_RULES: PublicReplyRules = {
  publicLimit: X_POST_LIMIT,
  directLimit: X_DM_LIMIT,
  publicLength: xPostLength,
  directLength: xDmLength,
  blocksLongDirect: false,
  directTextOnly: false,
  publicTextOnly: false,
  texts: {
    direct: 'replyMode.direct',
    publicWarning: 'replyMode.publicWarning',
    directNote: 'replyMode.directNote',
    counterPublic: 'replyMode.counterPost',
    counterDirect: 'replyMode.counterDm',
    tooLongPublic: 'replyMode.tooLong',
    tooLongDirect: 'replyMode.tooLong',
    sentDirect: 'replyMode.sentDirect',
  },
};

export const FACEBOOK_REPLY_RULES: PublicReplyRules = {
  publicLimit: FACEBOOK_COMMENT_LIMIT,
  directLimit: MESSENGER_PRIVATE_REPLY_LIMIT,
  publicLength: codePoints,
  directLength: codePoints,
  blocksLongDirect: true,
  directTextOnly: true,
  publicTextOnly: false,
  texts: {
    direct: 'replyMode.fbDirect',
    publicWarning: 'replyMode.fbPublicWarning',
    directNote: 'replyMode.fbDirectNote',
    counterPublic: 'replyMode.fbCounterPublic',
    counterDirect: 'replyMode.fbCounterDirect',
    tooLongPublic: 'replyMode.fbTooLongPublic',
    tooLongDirect: 'replyMode.fbTooLongDirect',
    sentDirect: 'replyMode.fbSentDirect',
    textOnly: 'replyMode.fbTextOnly',
    textOnlyHint: 'replyMode.fbTextOnlyHint',
  },
};

export const INSTAGRAM_REPLY_RULES: PublicReplyRules = {
  publicLimit: INSTAGRAM_COMMENT_LIMIT,
  directLimit: INSTAGRAM_PRIVATE_REPLY_LIMIT,
  publicLength: codePoints,
  directLength: utf8Bytes,
  blocksLongDirect: true,
  directTextOnly: true,
  publicTextOnly: true,
  texts: {
    direct: 'replyMode.igDirect',
    publicWarning: 'replyMode.igPublicWarning',
    directNote: 'replyMode.igDirectNote',
    counterPublic: 'replyMode.igCounterPublic',
    counterDirect: 'replyMode.igCounterDirect',
    tooLongPublic: 'replyMode.igTooLongPublic',
    tooLongDirect: 'replyMode.igTooLongDirect',
    // The same words as on Facebook.
    sentDirect: 'replyMode.fbSentDirect',
    textOnly: 'replyMode.igTextOnly',
    textOnlyHint: 'replyMode.igTextOnlyHint',
  },
};

/** The rules for a public conversation of an inbox of this channel: a Messenger inbox's public
 * conversations are Page comments, an Instagram inbox's comments on its posts; every other one is X's. */
export function publicReplyRules(channel: string | undefined): PublicReplyRules {
  if (channel === 'messenger') return FACEBOOK_REPLY_RULES;
  if (channel === 'instagram') return INSTAGRAM_REPLY_RULES;
  return X_REPLY_RULES;
}

/** Whether a reply this way carries text only. */
export function isTextOnly(direct: boolean, rules: PublicReplyRules): boolean {
  return direct ? rules.directTextOnly : rules.publicTextOnly;
}

/** The count shown under the draft and whether it is over the limit. */
export function replyCount(text: string, direct: boolean, rules: PublicReplyRules = X_REPLY_RULES): { used: number; limit: number; over: boolean } {
  const used = direct ? rules.directLength(text) : rules.publicLength(text);
  const limit = direct ? rules.directLimit : rules.publicLimit;
  return { used, limit, over: used > limit };
}

/** Why this reply cannot be sent this way (null: it can). Files already attached stay attached. */
export function replyProblem(text: string, direct: boolean, fileCount: number, rules: PublicReplyRules): { key: MessageKey; params?: Record<string, number> } | null {
  if (isTextOnly(direct, rules) && fileCount > 0) return { key: rules.texts.textOnly ?? 'replyMode.fbTextOnly' };
  const { used, limit, over } = replyCount(text, direct, rules);
  if (!over || (direct && !rules.blocksLongDirect)) return null;
  return { key: direct ? rules.texts.tooLongDirect : rules.texts.tooLongPublic, params: { limit, used } };
}

export function ReplyMode({ id, direct, onChange, rules = X_REPLY_RULES }: { id: string; direct: boolean; onChange(direct: boolean): void; rules?: PublicReplyRules }) {
  const { t } = useI18n();
  return (
    <div class="reply-mode">
      <fieldset class="composer-mode reply-way">
        <legend class="visually-hidden">{t('replyMode.legend')}</legend>
        <label class={!direct ? 'is-on' : ''}>
          <input type="radio" name={`${id}-way`} checked={!direct} onChange={() => onChange(false)} />
          <span>{t('replyMode.public')}</span>
        </label>
        <label class={direct ? 'is-on' : ''}>
          <input type="radio" name={`${id}-way`} checked={direct} onChange={() => onChange(true)} />
          <span>{t(rules.texts.direct)}</span>
        </label>
      </fieldset>
      <p class={'small reply-way-note' + (direct ? ' muted' : ' is-warning')} id={`${id}-note`}>
        {!direct && <Icon name="alert" size={13} />} {direct ? t(rules.texts.directNote) : t(rules.texts.publicWarning)}
      </p>
    </div>
  );
}

export function ReplyCounter({ id, text, direct, rules = X_REPLY_RULES }: { id: string; text: string; direct: boolean; rules?: PublicReplyRules }) {
  const i18n = useI18n();
  const { used, limit, over } = replyCount(text, direct, rules);
  return (
    <span
      id={id}
      class={'reply-counter small' + (over ? ' is-over' : used > limit * 0.9 ? ' is-near' : ' muted')}
      title={i18n.t(direct ? rules.texts.counterDirect : rules.texts.counterPublic)}
      aria-live={over ? 'polite' : 'off'}
    >
      {i18n.t('replyMode.count', { used: i18n.number(used), limit: i18n.number(limit) })}
      {over && <span class="visually-hidden"> {i18n.t('replyMode.over')}</span>}
    </span>
  );
}

/** On an outgoing reply in a public conversation: which way it went ("Direct message" on X,
 * "Private reply" on Facebook and Instagram). channel: the inbox's. */
export function ReplyWayTag({ m, publicThread, channel }: { m: Message; publicThread?: boolean; channel?: string }) {
  const { t } = useI18n();
  if (m.direction !== 'outgoing') return null;
  const direct = m.payload?.direct === true;
  if (!direct && !publicThread) return null;
  return <span class={'badge ' + (direct ? 'badge-direct' : 'badge-public')}>{direct ? t(publicReplyRules(channel).texts.sentDirect) : t('replyMode.sentPublic')}</span>;
}

/** "Public" on a conversation that everyone can read (list rows and the conversation header). */
export function PublicBadge() {
  const { t } = useI18n();
  return (
    <span class="badge badge-public" title={t('conv.publicHint')}>
      {t('conv.public')}
    </span>
  );
}
