// The template picker: what the composer offers in a WhatsApp conversation whose 24-hour
// customer-service window is closed (free text would be refused). The inbox's approved
// templates (GET /inboxes/{id}/templates), searched by name or text and filtered by language;
// the chosen one shows a field per parameter and a preview with the values filled in as they
// are typed; send posts {"template": ...}. A private note stays possible (onNote).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { listTemplates, sendTemplate } from '../api/templates';
import type { Conversation, Message } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import {
  emptyValues,
  fillIn,
  filterTemplates,
  isMediaHeader,
  validateValues,
  type TemplateListing,
  type TemplateProblem,
  type TemplateValues,
  type WhatsAppTemplate,
} from '../lib/whatsapp-templates';
import { errorText } from '../lib/errors';
import { Icon } from './icons';
import '../templates.css';

/** The labels of a location header's four values, in the order the server asks for them. */
const LOCATION_LABELS: MessageKey[] = ['templates.location.latitude', 'templates.location.longitude', 'templates.location.name', 'templates.location.address'];

export function problemText(t: (key: MessageKey, params?: Record<string, string | number>) => string, p: TemplateProblem): string {
  if (p.kind === 'missing') return t('templates.missing', { count: p.count });
  if (p.kind === 'badLocation') return t('templates.badLocation');
  return p.kind === 'badLink' ? t('templates.badLink') : t('templates.multiline');
}

/** The message as the customer will see it, the typed values filled in. */
export function TemplatePreview({ template, values }: { template: WhatsAppTemplate; values: TemplateValues }) {
  return (
    <div class="tp-preview" aria-live="polite" data-testid="template-preview">
      {template.header?.format === 'TEXT' && template.header.text && (
        <div class="tp-header">{fillIn(template.header.text, template.header.parameters, values.header)}</div>
      )}
      {template.header?.format === 'LOCATION' && (
        <div class="tp-header">
          <span aria-hidden="true">📍</span> {[values.header[2], values.header[3]].filter((x) => x?.trim()).join(', ') || '…'}
        </div>
      )}
      <div>{fillIn(template.body.text, template.body.parameters, values.body)}</div>
      {template.footer && <div class="tp-footer">{template.footer}</div>}
      {template.buttons.length > 0 && (
        <div class="tp-buttons">
          {template.buttons.map((b, i) => (
            <span key={i}>{b.text || b.type}</span>
          ))}
        </div>
      )}
    </div>
  );
}

export function TemplatePicker({ conv, onSent, onNote }: { conv: Conversation; onSent: (m: Message) => void; onNote: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [listing, setListing] = useState<TemplateListing | null>(null);
  const [query, setQuery] = useState('');
  const [language, setLanguage] = useState('');
  const [chosen, setChosen] = useState<WhatsAppTemplate | null>(null);
  const [values, setValues] = useState<TemplateValues>({ header: [], body: [], buttons: [] });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tried, setTried] = useState(false);

  useEffect(() => {
    let alive = true;
    setListing(null);
    listTemplates(conv.inbox_id).then(
      (l) => alive && setListing(l),
      (e) => alive && setError(errorText(i18n, e)),
    );
    return () => {
      alive = false;
    };
  }, [conv.inbox_id]);

  const templates = listing?.data ?? [];
  const languages = useMemo(() => [...new Set(templates.map((x) => x.language))].sort(), [templates]);
  const shown = filterTemplates(templates, query, language);
  const problem = chosen ? validateValues(chosen, values) : null;

  function choose(x: WhatsAppTemplate) {
    setChosen(x);
    setValues(emptyValues(x));
    setTried(false);
    setError(null);
  }

  function setValue(part: keyof TemplateValues, i: number, v: string) {
    setValues((prev) => ({ ...prev, [part]: prev[part].map((old, j) => (j === i ? v : old)) }));
  }

  async function send() {
    if (!chosen || busy) return;
    setTried(true);
    if (problem) return;
    setBusy(true);
    setError(null);
    try {
      const m = await sendTemplate(conv.id, chosen, values);
      setChosen(null);
      setTried(false);
      onSent(m);
    } catch (e) {
      setError(errorText(i18n, e));
    } finally {
      setBusy(false);
    }
  }

  const idBase = `tpl-${conv.id}`;
  const field = (part: keyof TemplateValues, i: number, label: string, placeholder?: string) => (
    <label key={`${part}-${i}`}>
      <span>{label}</span>
      <input
        class="input input-sm"
        value={values[part][i] ?? ''}
        placeholder={placeholder}
        onInput={(e) => setValue(part, i, e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            send();
          }
        }}
      />
    </label>
  );
  let buttonIndex = 0;

  return (
    <section class="template-picker" aria-labelledby={`${idBase}-title`}>
      <h2 id={`${idBase}-title`} class="visually-hidden">
        {t('templates.title')}
      </h2>
      <p class="tp-intro small">
        <Icon name="clock" size={14} /> {t('templates.closedIntro')}
        {listing?.synced_at ? <span class="muted"> · {t('templates.synced', { time: i18n.relative(listing.synced_at) })}</span> : null}
      </p>
      {!listing && !error && (
        <p class="small muted" role="status">
          {t('templates.loading')}
        </p>
      )}
      {listing && !templates.length && <p class="small muted">{t('templates.noneSynced')}</p>}
      {templates.length > 0 && (
        <>
          <div class="tp-filters">
            <label>
              {t('templates.search')}
              <input class="input input-sm" type="search" value={query} placeholder={t('templates.searchPlaceholder')} onInput={(e) => setQuery(e.currentTarget.value)} />
            </label>
            {languages.length > 1 && (
              <label>
                {t('templates.language')}
                <select class="input-sm" value={language} onChange={(e) => setLanguage(e.currentTarget.value)}>
                  <option value="">{t('templates.allLanguages')}</option>
                  {languages.map((l) => (
                    <option key={l} value={l}>
                      {l}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </div>
          {shown.length ? (
            <ul class="tp-list" aria-label={t('templates.list')}>
              {shown.map((x) => (
                <li key={x.name + x.language}>
                  <button type="button" aria-pressed={chosen?.name === x.name && chosen.language === x.language} onClick={() => choose(x)}>
                    {x.name}
                    <span class="tp-lang">{x.language}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p class="small muted">{t('templates.none')}</p>
          )}
        </>
      )}
      {chosen && (
        <div class="tp-form">
          <div class="tp-fields">
            {chosen.header?.parameters.map((name, i) =>
              isMediaHeader(chosen.header)
                ? field('header', i, t('templates.headerMedia', { format: chosen.header!.format!.toLowerCase() }), 'https://')
                : chosen.header!.format === 'LOCATION'
                  ? field('header', i, t(LOCATION_LABELS[i] ?? 'templates.location.name'), i < 2 ? (i ? '13.404954' : '52.520008') : undefined)
                  : field('header', i, `${t('templates.header')}: ${t('templates.param', { name: `{{${name}}}` })}`),
            )}
            {chosen.body.parameters.map((name, i) => field('body', i, `${t('templates.body')}: ${t('templates.param', { name: `{{${name}}}` })}`))}
            {chosen.buttons.flatMap((b) => b.parameters.map(() => field('buttons', buttonIndex++, t('templates.buttonParam', { text: b.text || b.type }))))}
          </div>
          <div>
            <h3>{t('templates.preview')}</h3>
            <TemplatePreview template={chosen} values={values} />
          </div>
        </div>
      )}
      <div class="tp-bar">
        <button type="button" class="btn btn-ghost btn-sm" onClick={onNote}>
          {t('templates.writeNote')}
        </button>
        <div class="form-error small" role="alert">
          {error ?? (tried && problem ? problemText(t, problem) : '')}
        </div>
        <button type="button" class="btn btn-primary" disabled={!chosen || busy} onClick={send}>
          <Icon name="send" /> {busy ? t('templates.sending') : t('templates.send')}
        </button>
      </div>
    </section>
  );
}
