// Public conversations (an X mention): the composer asks which way a reply goes — a public reply
// in the thread, which everyone can read, or a direct message to the customer (`direct: true`) —
// and counts the characters as X does (lib/x-length.ts): 280 for a post, 10 000 for a DM. The
// timeline tags each reply with the way it went.
import type { Message } from '../api/types';
import { useI18n } from '../i18n';
import { X_DM_LIMIT, X_POST_LIMIT, xDmLength, xPostLength } from '../lib/x-length';
import { Icon } from './icons';

/** The count shown under the draft and whether it is over the limit. */
export function replyCount(text: string, direct: boolean): { used: number; limit: number; over: boolean } {
  const used = direct ? xDmLength(text) : xPostLength(text);
  const limit = direct ? X_DM_LIMIT : X_POST_LIMIT;
  return { used, limit, over: used > limit };
}

export function ReplyMode({ id, direct, onChange }: { id: string; direct: boolean; onChange(direct: boolean): void }) {
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
          <span>{t('replyMode.direct')}</span>
        </label>
      </fieldset>
      <p class={'small reply-way-note' + (direct ? ' muted' : ' is-warning')} id={`${id}-note`}>
        {!direct && <Icon name="alert" size={13} />} {direct ? t('replyMode.directNote') : t('replyMode.publicWarning')}
      </p>
    </div>
  );
}

export function ReplyCounter({ id, text, direct }: { id: string; text: string; direct: boolean }) {
  const i18n = useI18n();
  const { used, limit, over } = replyCount(text, direct);
  return (
    <span
      id={id}
      class={'reply-counter small' + (over ? ' is-over' : used > limit * 0.9 ? ' is-near' : ' muted')}
      title={direct ? i18n.t('replyMode.counterDm') : i18n.t('replyMode.counterPost')}
      aria-live={over ? 'polite' : 'off'}
    >
      {i18n.t('replyMode.count', { used: i18n.number(used), limit: i18n.number(limit) })}
      {over && <span class="visually-hidden"> {i18n.t('replyMode.over')}</span>}
    </span>
  );
}

/** On an outgoing reply in a public conversation: which way it went. */
export function ReplyWayTag({ m, publicThread }: { m: Message; publicThread?: boolean }) {
  const { t } = useI18n();
  if (m.direction !== 'outgoing') return null;
  const direct = m.payload?.direct === true;
  if (!direct && !publicThread) return null;
  return <span class={'badge ' + (direct ? 'badge-direct' : 'badge-public')}>{direct ? t('replyMode.sentDirect') : t('replyMode.sentPublic')}</span>;
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
