// One timeline entry: a customer message, an agent reply (with delivery ticks), a private note
// (yellow) or an activity line (centred). Text is rendered as text; links via the linkifier.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api/client';
import type { Message } from '../api/types';
import { useI18n } from '../i18n';
import { linkify } from '../lib/linkify';
import { inboxOf, useContact, userName, useSession } from '../state';
import { ChannelIcon, channelLabelKey, Icon } from './icons';

export function MessageText({ text }: { text: string }) {
  const tokens = linkify(text);
  return (
    <>
      {tokens.map((tok, i) =>
        tok.type === 'link' ? (
          <a key={i} href={tok.href} target="_blank" rel="noopener noreferrer nofollow">
            {tok.text}
          </a>
        ) : (
          tok.text
        ),
      )}
    </>
  );
}

type AttachmentInfo = Awaited<ReturnType<typeof api.attachmentInfo>>;
const infoCache = new Map<number, Promise<AttachmentInfo>>();
function attachmentInfo(id: number, fresh = false) {
  let p = fresh ? undefined : infoCache.get(id);
  if (!p) {
    p = api.attachmentInfo(id);
    infoCache.set(id, p);
    p.then((i) => i.state !== 'stored' && infoCache.delete(id), () => infoCache.delete(id));
  }
  return p;
}

export function AttachmentView({ id, version }: { id: number; version: string }) {
  const { t } = useI18n();
  const [info, setInfo] = useState<AttachmentInfo | 'error' | null>(null);
  useEffect(() => {
    let alive = true;
    attachmentInfo(id, true).then((i) => alive && setInfo(i), () => alive && setInfo('error'));
    return () => {
      alive = false;
    };
  }, [id, version]);
  const url = api.attachmentUrl(id);
  if (info === null) return <span class="attachment muted small">{t('app.loading')}</span>;
  if (info === 'error') return <span class="attachment attachment-failed small">{t('conv.attachmentFailed')}</span>;
  if (info.state === 'pending') return <span class="attachment muted small">{t('conv.attachmentPending')}</span>;
  if (info.contentType.startsWith('image/')) {
    return (
      <a class="attachment attachment-image" href={url} download={info.filename} title={t('conv.download', { name: info.filename })}>
        <img src={url} alt={info.filename} loading="lazy" />
      </a>
    );
  }
  return (
    <a class="attachment attachment-file" href={url} download={info.filename}>
      <Icon name="paperclip" /> <span>{info.filename}</span>
      <span class="visually-hidden"> — {t('conv.download', { name: info.filename })}</span>
    </a>
  );
}

export function DeliveryTicks({ m }: { m: Message }) {
  const { t } = useI18n();
  switch (m.delivery_status) {
    case 'pending':
      return (
        <span class="ticks ticks-pending" role="img" aria-label={t('delivery.pending')} title={t('delivery.pending')}>
          <Icon name="clock" size={13} />
        </span>
      );
    case 'sent':
      return (
        <span class="ticks" role="img" aria-label={t('delivery.sent')} title={t('delivery.sent')}>
          ✓
        </span>
      );
    case 'delivered':
      return (
        <span class="ticks" role="img" aria-label={t('delivery.delivered')} title={t('delivery.delivered')}>
          ✓✓
        </span>
      );
    case 'read':
      return (
        <span class="ticks ticks-read" role="img" aria-label={t('delivery.read')} title={t('delivery.read')}>
          ✓✓
        </span>
      );
    case 'failed':
      return (
        <span class="ticks ticks-failed">
          <Icon name="alert" size={13} /> {t('delivery.failed', { reason: m.delivery_error || '?' })}
        </span>
      );
    default:
      return null;
  }
}

function KindExtras({ m }: { m: Message }) {
  const { t } = useI18n();
  if (m.location) {
    const { latitude, longitude, name } = m.location;
    const href = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(latitude)}&mlon=${encodeURIComponent(longitude)}`;
    return (
      <p class="msg-extra">
        <a href={href} target="_blank" rel="noopener noreferrer nofollow">
          {t('conv.location', { name: name || `${latitude}, ${longitude}` })}
        </a>
      </p>
    );
  }
  if (m.kind === 'reaction' && typeof m.payload.emoji === 'string') return <p class="msg-extra msg-reaction">{m.payload.emoji}</p>;
  if (m.kind === 'unsupported' && !m.text) return <p class="msg-extra muted">{t('conv.unsupported')}</p>;
  return null;
}

export function MessageItem({ m, inCurrent }: { m: Message; inCurrent: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const contact = useContact(m.direction === 'incoming' ? m.sender_contact_id : null);
  const inbox = inboxOf(dir, m.inbox_id);
  const time = (
    <time dateTime={m.created_at} title={i18n.dateTime(m.created_at)}>
      {i18n.time(m.created_at)}
    </time>
  );
  if (m.direction === 'activity') {
    return (
      <li class="msg-activity" data-message-id={m.id}>
        <span>
          <MessageText text={m.text} /> · {time}
        </span>
      </li>
    );
  }
  const author =
    m.direction === 'incoming'
      ? contact?.name ?? ''
      : m.sender_user_id === dir.me.id
        ? t('conv.you')
        : userName(dir, m.sender_user_id) ?? t('conv.unknownAgent');
  const cls = m.direction === 'incoming' ? 'msg-in' : m.direction === 'note' || m.private ? 'msg-note' : 'msg-out';
  return (
    <li class={'msg ' + cls + (inCurrent ? '' : ' msg-other')} data-message-id={m.id}>
      <article class="bubble" aria-label={m.private ? t('conv.privateNote') : undefined}>
        <header class="msg-meta">
          <span class="msg-author">{author}</span>
          {m.private && <span class="note-tag">{t('conv.privateNote')}</span>}
          <span class="msg-channel" title={inbox ? t('conv.via', { channel: t(channelLabelKey(inbox.channel)), inbox: inbox.name }) : undefined}>
            <ChannelIcon channel={inbox?.channel ?? 'other'} size={14} />
            <span class="visually-hidden">{inbox ? t('conv.via', { channel: t(channelLabelKey(inbox.channel)), inbox: inbox.name }) : ''}</span>
            <span aria-hidden="true">{inbox?.name}</span>
          </span>
        </header>
        {m.text && (
          <p class="msg-text">
            <MessageText text={m.text} />
          </p>
        )}
        <KindExtras m={m} />
        {m.attachment_ids.length > 0 && (
          <div class="attachments">
            {m.attachment_ids.map((id) => (
              <AttachmentView key={id} id={id} version={m.updated_at} />
            ))}
          </div>
        )}
        <footer class="msg-foot">
          {time}
          {m.direction === 'outgoing' && <DeliveryTicks m={m} />}
        </footer>
      </article>
    </li>
  );
}
