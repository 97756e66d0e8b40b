// Conversations the routing offers me: a card per offer (contact, channel, queue, a preview, a
// live countdown to expires_at, Accept and Reject), stacked in the corner of every screen of
// the desk. Offers come from `routing.offer` on the stream and from GET /offers on load and
// after each reconnect; `routing.offer_revoked` replaces a card by a short line saying why.
// The list itself is lib/routing.ts offersReducer. A new offer is announced politely and never
// takes the focus; "o" (outside text fields) jumps to the first card's Accept button.
import { useEffect, useReducer, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/client';
import { routing } from '../api/routing';
import { useI18n } from '../i18n';
import { markSelfAssigned } from '../lib/notify';
import { navigate } from '../lib/router';
import { emptyOffers, formatClock, offersReducer, revokeReasonKey, secondsLeft, type OfferEntry } from '../lib/routing';
import { useLive, useSession } from '../state';
import { errorText } from '../lib/errors';
import { ChannelIcon, channelLabelKey } from './icons';
import '../routing.css';

const isEditable = (el: EventTarget | null) => el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

export function OfferTray() {
  const i18n = useI18n();
  const { t } = i18n;
  const { live } = useSession();
  const [state, dispatch] = useReducer(offersReducer, emptyOffers);
  const [now, setNow] = useState(Date.now());
  const [announce, setAnnounce] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const list = useRef<HTMLUListElement>(null);

  // On load and after every reconnect: what the server offers me now.
  const connected = live === 'live';
  useEffect(() => {
    let alive = true;
    routing.offers().then(
      (offers) => alive && dispatch({ type: 'loaded', offers, now: Date.now() }),
      () => {
        // An older server without routing, or offline: the stream brings what comes next.
      },
    );
    return () => {
      alive = false;
    };
  }, [connected]);

  useLive((e) => {
    if (e.type === 'routing.offer') {
      const o = e.data;
      dispatch({ type: 'offered', offer: o, now: Date.now() });
      const seconds = Math.max(0, Math.round((Date.parse(o.expires_at) - Date.parse(o.offered_at)) / 1000));
      setAnnounce(t('offer.announce', { name: o.contact_name || t('offer.noName'), channel: t(channelLabelKey(o.channel)), queue: o.queue_name, seconds }));
    } else if (e.type === 'routing.offer_revoked') {
      dispatch({ type: 'revoked', conversation_id: e.data.conversation_id, reason: e.data.reason, now: Date.now() });
    }
  });

  // The countdown: four ticks a second while anything is shown.
  const active = state.offers.length > 0 || state.notices.length > 0;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      dispatch({ type: 'tick', now: at });
    }, 250);
    return () => clearInterval(timer);
  }, [active]);

  // "o": to the first offer.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'o' || e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return;
      const button = list.current?.querySelector<HTMLButtonElement>('.offer-accept');
      if (!button) return;
      e.preventDefault();
      button.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  async function accept(o: OfferEntry) {
    setBusy(o.conversation_id);
    setError(null);
    markSelfAssigned(o.conversation_id); // no "assigned to you" alert for my own accept
    try {
      await routing.accept(o.conversation_id);
      dispatch({ type: 'handled', conversation_id: o.conversation_id });
      navigate(`/conversations/${o.conversation_id}`);
      document.getElementById('main')?.focus();
    } catch (e) {
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) dispatch({ type: 'revoked', conversation_id: o.conversation_id, reason: 'gone', now: Date.now() });
      else setError(errorText(i18n, e));
    } finally {
      setBusy(null);
    }
  }

  async function reject(o: OfferEntry) {
    setBusy(o.conversation_id);
    setError(null);
    try {
      await routing.reject(o.conversation_id);
      dispatch({ type: 'handled', conversation_id: o.conversation_id });
    } catch (e) {
      if (e instanceof ApiError && (e.status === 409 || e.status === 404)) dispatch({ type: 'handled', conversation_id: o.conversation_id });
      else setError(errorText(i18n, e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <div class="visually-hidden" aria-live="polite">
        {announce}
      </div>
      {active && (
        <section class="offer-tray" aria-labelledby="offer-tray-h">
          <h2 id="offer-tray-h" class="offer-tray-head">
            {state.offers.length ? i18n.tn('offer.count', state.offers.length) : t('offer.region')}
          </h2>
          {state.offers.length > 0 && (
            <ul class="offer-list" ref={list}>
              {state.offers.map((o) => (
                <li key={o.conversation_id}>
                  <OfferCard o={o} now={now} busy={busy === o.conversation_id} onAccept={() => accept(o)} onReject={() => reject(o)} />
                </li>
              ))}
            </ul>
          )}
          {state.notices.map((n) => (
            <p key={n.conversation_id} class="offer-notice small" role="status">
              {t('offer.withdrawn', { name: n.contact_name || t('offer.noName'), reason: t(revokeReasonKey(n.reason)) })}
            </p>
          ))}
          {error && (
            <p class="form-error small" role="alert">
              {error}
            </p>
          )}
        </section>
      )}
    </>
  );
}

export function OfferCard({ o, now, busy, onAccept, onReject }: { o: OfferEntry; now: number; busy: boolean; onAccept: () => void; onReject: () => void }) {
  const { t } = useI18n();
  const left = secondsLeft(o.deadline, now);
  const name = o.contact_name || t('offer.noName');
  const share = o.total > 0 ? Math.min(1, Math.max(0, (o.deadline - now) / (o.total * 1000))) : 0;
  const headId = `offer-${o.conversation_id}-h`;
  return (
    <article class={'offer-card' + (left <= 5 ? ' is-urgent' : '')} aria-labelledby={headId} data-conversation-id={o.conversation_id}>
      <div class="offer-head">
        <ChannelIcon channel={o.channel} size={22} labelled />
        <div class="offer-who">
          <h3 id={headId}>{name}</h3>
          <p class="small muted">
            {t(channelLabelKey(o.channel))} · {t('offer.queue', { queue: o.queue_name })}
          </p>
        </div>
        <span class="offer-timer" role="timer" aria-label={t('offer.timeLeft')}>
          {formatClock(left)}
        </span>
      </div>
      {o.preview && <p class="offer-preview">{o.preview}</p>}
      <div class="offer-bar" aria-hidden="true">
        <span style={{ width: `${Math.round(share * 100)}%` }} />
      </div>
      <div class="offer-actions">
        <button type="button" class="btn btn-primary offer-accept" disabled={busy} onClick={onAccept}>
          {t('offer.accept')}
          <span class="visually-hidden"> – {name}</span>
        </button>
        <button type="button" class="btn btn-secondary offer-reject" disabled={busy} onClick={onReject}>
          {t('offer.reject')}
          <span class="visually-hidden"> – {name}</span>
        </button>
      </div>
    </article>
  );
}
