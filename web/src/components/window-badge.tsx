// The 24-hour customer-service window in the conversation header: "Reply window: 3 h 12 min
// left" or "closed", for the channels that have one (lib/customer-window.ts); re-rendered every
// minute so it counts down and closes by itself.
import { useEffect, useState } from 'preact/hooks';
import type { Conversation, Inbox } from '../api/types';
import { useI18n } from '../i18n';
import { hasHumanAgentTag, humanAgentTagUntil, splitMinutes, windowState } from '../lib/customer-window';
import { inboxOf, useSession } from '../state';
import '../templates.css';

/** The current time, refreshed every minute (for countdowns). */
export function useMinuteClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 60_000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

const reloaded = new Set<number>();

/** The conversation's inbox from the desk's directory (`given` when the caller has it). An inbox
 * created after sign-in is not there yet: the directory is then loaded again, once per inbox. */
export function useKnownInbox(id: number, given?: Inbox): Inbox | undefined {
  const session = useSession();
  const inbox = given ?? (session ? inboxOf(session.dir, id) : undefined);
  const missing = !inbox && !!session;
  useEffect(() => {
    if (!missing || reloaded.has(id)) return;
    reloaded.add(id);
    session.reloadDirectory().catch(() => reloaded.delete(id));
  }, [id, missing]);
  return inbox;
}

export function WindowBadge({ conv, inbox: given }: { conv: Conversation; inbox?: Inbox }) {
  const i18n = useI18n();
  const { t } = i18n;
  const now = useMinuteClock();
  const inbox = useKnownInbox(conv.inbox_id, given);
  const state = windowState(conv, inbox, now);
  if (state.kind === 'none') return null;
  // Messenger and Instagram still reply outside the window, with the Human Agent tag (7 days).
  const tagged = hasHumanAgentTag(inbox);
  if (state.kind === 'closed') {
    const tagUntil = humanAgentTagUntil(conv, inbox);
    const hint = !tagged
      ? t('window.closedHint')
      : tagUntil !== null && tagUntil > now
        ? t('window.closedHintTag', { time: i18n.dateTime(tagUntil) })
        : t('window.closedHintTagExpired');
    return (
      <span class="window-badge is-closed" title={hint}>
        {t('window.closed')}
      </span>
    );
  }
  const { h, m } = splitMinutes(state.minutesLeft);
  const time = h > 0 ? t('window.hours', { h, m }) : t('window.minutes', { m });
  return (
    <span class="window-badge" title={t(tagged ? 'window.openHintTag' : 'window.openHint', { time: i18n.dateTime(state.expiresAt) })}>
      {t('window.left', { time })}
    </span>
  );
}
