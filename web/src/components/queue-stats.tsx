// The supervisor's live queue figures: GET /queues/stats on load, then every `queue.stats`
// event (at most one a second while anything changes, every 5 s otherwise). Per queue: waiting
// (and offered), the longest wait (ticking between updates), agents available/busy/away, the
// service level today and over the last 15 minutes against the queue's target (coloured and
// said in words when below), ASA, answered/abandoned and waiting per channel kind.
import { useEffect, useState } from 'preact/hooks';
import { CHANNEL_KINDS, routing, type QueueStats, type QueueStatsAnswer } from '../api/routing';
import { useI18n, type I18n } from '../i18n';
import { formatClock, longestWaitNow, slLevel, totalStats } from '../lib/routing';
import { useLive } from '../state';
import { errorText } from '../lib/errors';
import { channelLabelKey } from './icons';

const KINDS: string[] = [...CHANNEL_KINDS];

function percent(i18n: I18n, v: number) {
  return new Intl.NumberFormat(i18n.locale, { style: 'percent', maximumFractionDigits: 0 }).format(v);
}

export function QueueStatsSection() {
  const i18n = useI18n();
  const { t } = i18n;
  const [stats, setStats] = useState<QueueStatsAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [now, setNow] = useState(Date.now());

  useEffect(() => {
    routing.queueStats().then(
      (s) => setStats((prev) => (prev && Date.parse(prev.at) > Date.parse(s.at) ? prev : s)),
      (e) => setError(errorText(i18n, e)),
    );
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  useLive((e) => {
    if (e.type === 'queue.stats') {
      setStats(e.data);
      setError(null);
    }
  });

  return (
    <section class="card card-wide queue-stats" aria-labelledby="sup-queues">
      <div class="page-head">
        <h2 id="sup-queues">{t('qs.title')}</h2>
        {stats && (
          <p class="muted small">
            {t('qs.updated', { time: i18n.time(stats.at) })}
          </p>
        )}
      </div>
      {error && !stats && <p class="muted">{t('qs.unavailable', { message: error })}</p>}
      {!error && !stats && <p class="muted">{t('app.loading')}</p>}
      {stats && stats.queues.length === 0 && <p class="muted">{t('qs.empty')}</p>}
      {stats && stats.queues.length > 0 && (
        // Wide on a narrow screen: it scrolls sideways, and so takes the focus for the keyboard.
        <div class="qs-scroll" tabIndex={0} role="group" aria-labelledby="sup-queues">
          <StatsTable stats={stats} now={now} />
        </div>
      )}
    </section>
  );
}

export function StatsTable({ stats, now }: { stats: QueueStatsAnswer; now: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const total = totalStats(stats.queues);
  return (
    <table class="table">
      <thead>
        <tr>
          <th scope="col">{t('qs.queue')}</th>
          <th scope="col" class="num">{t('qs.waiting')}</th>
          <th scope="col" class="num">{t('qs.longest')}</th>
          <th scope="col">{t('qs.agents')}</th>
          <th scope="col" class="num">{t('qs.slToday')}</th>
          <th scope="col" class="num">{t('qs.sl15')}</th>
          <th scope="col" class="num">{t('qs.asa')}</th>
          <th scope="col" class="num">{t('qs.answered')}</th>
          <th scope="col">{t('qs.perChannel')}</th>
        </tr>
      </thead>
      <tbody>
        {stats.queues.map((q) => (
          <QueueRow key={q.queue_id} q={q} at={stats.at} now={now} />
        ))}
      </tbody>
      {stats.queues.length > 1 && (
        <tfoot>
          <tr>
            <th scope="row">{t('qs.all')}</th>
            <td class="num">{i18n.number(total.waiting)}</td>
            <td class="num">{formatClock(total.waiting ? Math.max(...stats.queues.map((q) => longestWaitNow(q, stats.at, now))) : 0)}</td>
            <td />
            <td />
            <td />
            <td />
            <td class="num">
              {i18n.number(total.answered_today)} / {i18n.number(total.abandoned_today)}
            </td>
            <td />
          </tr>
        </tfoot>
      )}
    </table>
  );
}

function SlCell({ value, q }: { value: number | null; q: QueueStats }) {
  const i18n = useI18n();
  const { t } = i18n;
  const level = slLevel(value, q.target.target);
  const target = t('qs.target', { target: percent(i18n, q.target.target), threshold: `${q.target.threshold_s} s` });
  return (
    <td class={'num' + (level === 'below' || level === 'near' ? ` sl-cell-${level}` : '')} title={target} data-sl-level={level}>
      {value === null ? (
        <span class="muted">{t('qs.none')}</span>
      ) : (
        <span class={'sl sl-' + level}>
          {percent(i18n, value)}
          {level === 'below' && <span class="visually-hidden"> ({t('qs.belowTarget')})</span>}
          {level === 'near' && <span class="visually-hidden"> ({t('qs.nearTarget')})</span>}
        </span>
      )}
    </td>
  );
}

function QueueRow({ q, at, now }: { q: QueueStats; at: string; now: number }) {
  const i18n = useI18n();
  const { t } = i18n;
  const clock = (s: number | null) => (s === null || s === undefined ? t('qs.none') : formatClock(s));
  const channels = Object.entries(q.by_channel ?? {}).filter(([, c]) => c.waiting > 0);
  return (
    <tr data-queue-id={q.queue_id}>
      <th scope="row">
        {q.name}
        <div class="small muted">{t('qs.target', { target: percent(i18n, q.target.target), threshold: `${q.target.threshold_s} s` })}</div>
      </th>
      <td class="num">
        <span class="qs-big">{i18n.number(q.waiting)}</span>
        {q.offered > 0 && <div class="small muted">{t('qs.offered', { count: i18n.number(q.offered) })}</div>}
      </td>
      <td class="num">
        <span class="qs-big">{formatClock(longestWaitNow(q, at, now))}</span>
      </td>
      <td>
        {t('qs.agentsDetail', { available: i18n.number(q.agents_available), busy: i18n.number(q.agents_busy), away: i18n.number(q.agents_away) })}
        <div class="small muted">{t('qs.agentsLoggedIn', { count: i18n.number(q.agents_logged_in) })}</div>
      </td>
      <SlCell value={q.service_level_today} q={q} />
      <SlCell value={q.service_level_15m} q={q} />
      <td class="num">
        {clock(q.asa_today_s)} / {clock(q.asa_15m_s)}
      </td>
      <td class="num">
        {i18n.number(q.answered_today)} / {i18n.number(q.abandoned_today)}
      </td>
      <td>
        {channels.length === 0 ? (
          <span class="muted">{t('qs.none')}</span>
        ) : (
          <span class="qs-channels">
            {channels.map(([kind, c]) => (
              <span key={kind} class="qs-channel badge" data-kind={kind}>
                {KINDS.includes(kind) ? t(`profile.kind.${kind}` as 'profile.kind.chat') : t(channelLabelKey(kind))}:{' '}
                {t('qs.channelWaiting', { count: i18n.number(c.waiting), wait: formatClock(c.longest_wait_s) })}
              </span>
            ))}
          </span>
        )}
      </td>
    </tr>
  );
}
