// Time zones for business hours: a short list of the usual ones first, then every zone the
// browser knows (Intl.supportedValuesOf). The server checks the name against its tz database.
export const COMMON_TIME_ZONES = [
  'Europe/Berlin', 'Europe/Vienna', 'Europe/Zurich', 'UTC', 'Europe/Amsterdam', 'Europe/Brussels', 'Europe/Luxembourg',
  'Europe/Paris', 'Europe/Madrid', 'Europe/Lisbon', 'Europe/Rome', 'Europe/London', 'Europe/Dublin', 'Europe/Copenhagen',
  'Europe/Stockholm', 'Europe/Oslo', 'Europe/Helsinki', 'Europe/Warsaw', 'Europe/Prague', 'Europe/Budapest',
  'Europe/Bucharest', 'Europe/Athens', 'Europe/Istanbul', 'Europe/Kyiv', 'Europe/Moscow', 'Africa/Cairo',
  'Africa/Johannesburg', 'Africa/Lagos', 'Asia/Dubai', 'Asia/Kolkata', 'Asia/Singapore', 'Asia/Shanghai', 'Asia/Tokyo',
  'Australia/Sydney', 'Pacific/Auckland', 'America/Sao_Paulo', 'America/Mexico_City', 'America/New_York',
  'America/Toronto', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
];

/** Every zone the browser knows, without the common ones (empty on old browsers). */
export function otherTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  let all: string[] = [];
  try {
    all = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    all = [];
  }
  return all.filter((z) => !COMMON_TIME_ZONES.includes(z)).sort();
}

/** The browser's own zone when it is a common one, else Europe/Berlin. */
export function defaultTimeZone(): string {
  try {
    const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (own && COMMON_TIME_ZONES.includes(own)) return own;
  } catch {
    /* fall through */
  }
  return 'Europe/Berlin';
}
