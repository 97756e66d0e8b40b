// A WhatsApp inbox's message templates in the admin's inbox settings: how many approved ones
// the desk offers, when they were last synced (or why that failed), and "Sync now".
import { useEffect, useState } from 'preact/hooks';
import { listTemplates, syncTemplates } from '../api/templates';
import { useI18n } from '../i18n';
import type { TemplateListing } from '../lib/whatsapp-templates';
import { errorText } from '../lib/errors';

export function TemplateSyncPanel({ inboxId, isAdmin }: { inboxId: number; isAdmin: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [listing, setListing] = useState<TemplateListing | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = () =>
    listTemplates(inboxId).then(
      (l) => setListing(l),
      (e) => setError(errorText(i18n, e)),
    );
  useEffect(() => {
    void load();
  }, [inboxId]);

  async function sync() {
    setBusy(true);
    setError(null);
    try {
      await syncTemplates(inboxId);
      await load();
    } catch (e) {
      setError(errorText(i18n, e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div class="template-sync notice small" aria-live="polite">
      <strong>{t('templates.adminTitle')}</strong>{' '}
      {listing && (
        <span>
          {i18n.tn('templates.approvedCount', listing.data.length)}
          {listing.synced_at ? ` · ${t('templates.synced', { time: i18n.relative(listing.synced_at) })}` : ` · ${t('templates.neverSynced')}`}
        </span>
      )}
      {listing?.last_error && <p class="form-error">{t('templates.lastError', { error: listing.last_error })}</p>}
      {error && <p class="form-error">{error}</p>}
      {isAdmin && (
        <button type="button" class="btn btn-ghost btn-sm" disabled={busy} onClick={sync}>
          {busy ? t('templates.syncing') : t('templates.syncNow')}
        </button>
      )}
    </div>
  );
}
