// Agent availability (available, away, offline): a coloured dot with its label. The dot's
// shape differs too (filled, half, ring), so the state does not hang on colour alone.
import type { Availability } from '../api/types';
import { useI18n } from '../i18n';

export const AVAILABILITIES: Availability[] = ['available', 'away', 'offline'];

export function isAvailability(v: unknown): v is Availability {
  return v === 'available' || v === 'away' || v === 'offline';
}

export function PresenceDot({ availability }: { availability: Availability }) {
  return <span class={'presence-dot is-' + availability} aria-hidden="true" />;
}

/** The dot and the label; with `since`, how long the state has lasted. */
export function Presence({ availability, since }: { availability: Availability | undefined; since?: string | null }) {
  const i18n = useI18n();
  const { t } = i18n;
  if (!isAvailability(availability)) return <span class="muted small">{t('sup.statusUnknown')}</span>;
  return (
    <span class={'presence is-' + availability}>
      <PresenceDot availability={availability} />
      <span class="presence-label">{t(`presence.${availability}`)}</span>
      {since && (
        <time class="muted small" dateTime={since} title={i18n.dateTime(since)}>
          {t('presence.since', { time: i18n.since(since) })}
        </time>
      )}
    </span>
  );
}
