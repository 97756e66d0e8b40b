// The e-mail parts of a timeline entry: the subject, a small expandable header (From, To, Cc,
// Reply-To, date), the "show formatted" view and notes about what the server left out.
// The formatted view is the only place mail HTML is shown, and only inside a sandboxed iframe
// (no scripts, no same-origin) built by lib/mail.ts; remote images stay blocked until the agent
// loads them for that one message, inline (cid:) images come from the message's own attachments.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, type AttachmentInfo } from '../api/client';
import { useI18n, type MessageKey } from '../i18n';
import { buildMailDocument, estimateFrameHeight, formatAddress, formatAddresses, matchInlineImages, type MailPayload } from '../lib/mail';
import { Icon } from './icons';

export function MailHead({ mail }: { mail: MailPayload }) {
  const i18n = useI18n();
  const { t } = i18n;
  const rows: [MessageKey, string][] = [];
  if (mail.from) rows.push(['mail.from', formatAddress(mail.from)]);
  if (mail.to.length) rows.push(['mail.to', formatAddresses(mail.to)]);
  if (mail.cc.length) rows.push(['mail.cc', formatAddresses(mail.cc)]);
  if (mail.replyTo.length) rows.push(['mail.replyTo', formatAddresses(mail.replyTo)]);
  if (mail.dateMs) rows.push(['mail.date', i18n.dateTime(mail.dateMs)]);
  const summary = [mail.from ? formatAddress(mail.from) : '', mail.to.length ? t('mail.toShort', { to: formatAddresses(mail.to) }) : ''].filter(Boolean).join(' ');
  return (
    <div class="mail-head">
      <p class="msg-subject">
        <span class="visually-hidden">{t('mail.subject')}: </span>
        {mail.subject || <span class="muted">{t('mail.noSubject')}</span>}
      </p>
      {rows.length > 0 && (
        <details class="mail-fields">
          <summary>
            <span class="visually-hidden">{t('mail.headers')}: </span>
            {summary || t('mail.headers')}
          </summary>
          <dl>
            {rows.map(([label, value]) => (
              <div key={label}>
                <dt>{t(label)}</dt>
                <dd>{value}</dd>
              </div>
            ))}
          </dl>
        </details>
      )}
    </div>
  );
}

/** The text of the mail, or (when the agent asks) the formatted HTML in its frame. */
export function MailBody({ mail, attachments, children }: { mail: MailPayload; attachments: AttachmentInfo[]; children: ComponentChildren }) {
  const { t } = useI18n();
  const [formatted, setFormatted] = useState(false);
  if (!mail.html) return <>{children}</>;
  return (
    <>
      <div class="mail-toolbar">
        <button type="button" class="btn btn-secondary btn-sm" aria-pressed={formatted} onClick={() => setFormatted(!formatted)}>
          {t('mail.showFormatted')}
        </button>
      </div>
      {formatted ? <MailFrame html={mail.html} subject={mail.subject} inline={mail.inline} attachments={attachments} /> : children}
    </>
  );
}

// data: URLs of inline images by attachment id, fetched once per page.
const imageData = new Map<number, Promise<string | null>>();
function inlineImage(id: number) {
  let p = imageData.get(id);
  if (!p) {
    p = api.attachmentDataUrl(id);
    imageData.set(id, p);
    p.then((v) => v === null && imageData.delete(id), () => imageData.delete(id));
  }
  return p;
}

function MailFrame({ html, subject, inline, attachments }: { html: string; subject: string; inline: Record<string, string>; attachments: AttachmentInfo[] }) {
  const { t } = useI18n();
  const [remote, setRemote] = useState(false);
  const [cidSources, setCidSources] = useState<Map<string, string> | undefined>(undefined);
  const refs = attachments.filter((a) => a.state === 'stored').map((a) => ({ id: a.id, filename: a.filename }));
  const refsKey = refs.map((r) => `${r.id}:${r.filename}`).join('|');
  const inlineKey = JSON.stringify(inline);
  // The frame waits (briefly) for its inline images, so it loads once instead of loading again
  // with a new srcdoc a moment later.
  const [waiting, setWaiting] = useState(() => matchInlineImages(inline, refs).size > 0);

  // Inline images: the frame cannot send the session cookie, so the desk fetches them and hands
  // them over as data: URLs.
  useEffect(() => {
    const matches = matchInlineImages(inline, refs);
    if (!matches.size) {
      setWaiting(false);
      return;
    }
    let alive = true;
    const giveUp = setTimeout(() => setWaiting(false), 4000);
    Promise.all([...matches].map(([cid, id]) => inlineImage(id).then((url) => [cid, url] as const))).then((pairs) => {
      if (!alive) return;
      const map = new Map<string, string>();
      for (const [cid, url] of pairs) if (url) map.set(cid, url);
      if (map.size) setCidSources(map);
      clearTimeout(giveUp);
      setWaiting(false);
    });
    return () => {
      alive = false;
      clearTimeout(giveUp);
    };
  }, [inlineKey, refsKey]);

  const doc = useMemo(() => buildMailDocument(html, { cidSources, remoteImages: remote }), [html, cidSources, remote]);
  const height = useMemo(() => estimateFrameHeight(html), [html]);
  return (
    <div class="mail-formatted">
      {doc.blockedRemote > 0 && (
        <p class="mail-remote small">
          <Icon name="alert" size={14} /> {t('mail.remoteBlocked')}{' '}
          <button type="button" class="btn btn-secondary btn-sm" onClick={() => setRemote(true)}>
            {t('mail.loadRemote')}
          </button>
        </p>
      )}
      <div class="mail-frame-wrap" style={{ height: height + 'px' }}>
        {/* sandbox comes first and never changes: the frame is created sandboxed. */}
        {waiting ? (
          <p class="muted small" role="status">
            {t('app.loading')}
          </p>
        ) : (
          <iframe
            class="mail-frame"
            sandbox="allow-popups allow-popups-to-escape-sandbox"
            referrerpolicy="no-referrer"
            title={t('mail.frameTitle', { subject: subject || t('mail.noSubject') })}
            srcdoc={doc.srcdoc}
          />
        )}
      </div>
    </div>
  );
}

/** What the server left out or marked: an automated mail's reason, cut text, dropped HTML,
 * files it did not store. */
export function MailNotes({ mail }: { mail: MailPayload }) {
  const { t } = useI18n();
  const notes: string[] = [];
  if (mail.textTruncated) notes.push(t('mail.textTruncated'));
  if (mail.htmlDropped) notes.push(t('mail.htmlDropped'));
  for (const f of mail.skippedFiles) notes.push(t('mail.skippedFile', { name: f.filename || '?', reason: f.reason || '?' }));
  if (!notes.length) return null;
  return (
    <ul class="mail-notes small">
      {notes.map((n, i) => (
        <li key={i}>
          <Icon name="alert" size={13} /> {n}
        </li>
      ))}
    </ul>
  );
}
