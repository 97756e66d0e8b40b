// One timeline entry: a customer message, an agent reply (with delivery ticks), a private note
// (yellow) or an activity line (centred). Text is rendered as text; links via the linkifier.
// E-mails add their subject, header and formatted view (components/mail.tsx). Files are
// described by the message itself (`attachments`) or, from older servers, by HEAD requests.
import { useEffect, useState } from 'preact/hooks';
import { api, type AttachmentInfo } from '../api/client';
import type { Message } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import { activityText } from '../lib/activity';
import { errorText, joinDetail } from '../lib/errors';
import { linkify } from '../lib/linkify';
import { mailPayload } from '../lib/mail';
import { inboxOf, useContact, userName, useSession } from '../state';
import { ChannelIcon, channelLabelKey, Icon } from './icons';
import { MailBody, MailHead, MailNotes } from './mail';
import { buttonsOf } from '../lib/buttons';
import { KeyboardView } from './button-editor';
import { ReplyWayTag } from './reply-mode';

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

/** An attachment while its description is still being asked for, or when that failed. */
export type AttachmentSlot = AttachmentInfo | { id: number; state: 'loading' } | { id: number; state: 'error' };

/** The message's own description of its files (newer servers), in the order of attachment_ids;
 * null when it has none for some id (older servers send ids only). */
export function attachmentsOf(m: Pick<Message, 'attachment_ids' | 'attachments'>): AttachmentInfo[] | null {
  if (!Array.isArray(m.attachments)) return null;
  const out: AttachmentInfo[] = [];
  for (const id of m.attachment_ids) {
    const a = m.attachments.find((x) => x && x.id === id);
    if (!a) return null;
    out.push({
      id,
      state: a.state === 'pending' || a.state === 'failed' ? a.state : 'stored',
      contentType: (a.content_type || '').split(';')[0].trim(),
      filename: a.filename || 'attachment-' + id,
      size: typeof a.size === 'number' ? a.size : null,
      error: a.error ?? null,
    });
  }
  return out;
}

// Fallback for servers without `attachments`: one HEAD per file; stored files never change.
const storedInfo = new Map<number, AttachmentInfo>();

export function useAttachments(m: Message): AttachmentSlot[] {
  const listed = attachmentsOf(m);
  const [fetched, setFetched] = useState<Map<number, AttachmentSlot>>(new Map());
  const ids = m.attachment_ids.join(',');
  useEffect(() => {
    if (listed || !m.attachment_ids.length) return;
    let alive = true;
    const put = (id: number, slot: AttachmentSlot) => alive && setFetched((prev) => new Map(prev).set(id, slot));
    for (const id of m.attachment_ids) {
      if (storedInfo.has(id)) continue;
      api.attachmentInfo(id).then(
        (info) => {
          if (info.state === 'stored') storedInfo.set(id, info);
          put(id, info);
        },
        () => put(id, { id, state: 'error' }),
      );
    }
    return () => {
      alive = false;
    };
  }, [ids, m.updated_at, listed === null]);
  if (listed) return listed;
  return m.attachment_ids.map((id) => storedInfo.get(id) ?? fetched.get(id) ?? { id, state: 'loading' });
}

/** "12 KB", "1,4 MB" in the user's number format. */
export function fileSize(bytes: number, number: (n: number) => string): string {
  if (bytes < 1024) return `${number(bytes)} B`;
  if (bytes < 1024 * 1024) return `${number(Math.round(bytes / 1024))} KB`;
  return `${number(Math.round((bytes / (1024 * 1024)) * 10) / 10)} MB`;
}

/** What a file is, for the words the desk uses while it is fetched or when that failed: by the
 * type the provider declared, else the message's kind, else the placeholder name the server
 * gives a file the provider did not name (`image`, `audio` …). */
export type FileKind = 'image' | 'audio' | 'video' | 'document' | 'sticker' | 'file';
const FILE_KINDS: readonly FileKind[] = ['image', 'audio', 'video', 'document', 'sticker'];
const isFileKind = (v: string): v is FileKind => (FILE_KINDS as readonly string[]).includes(v);

export function fileKindOf(info: { contentType: string; filename: string }, messageKind?: string): FileKind {
  if (messageKind === 'sticker') return 'sticker';
  const major = info.contentType.split('/')[0].toLowerCase();
  if (major === 'image' || major === 'audio' || major === 'video') return major;
  if (messageKind && isFileKind(messageKind)) return messageKind;
  const name = info.filename.toLowerCase();
  if (isFileKind(name)) return name;
  const ext = /\.([a-z0-9]+)$/.exec(name)?.[1] ?? '';
  for (const [k, exts] of EXTENSIONS) if (exts.includes(ext)) return k;
  return info.contentType ? 'document' : 'file';
}
const EXTENSIONS: [FileKind, string[]][] = [
  ['image', ['jpg', 'jpeg', 'png', 'gif', 'webp', 'heic', 'bmp']],
  ['audio', ['mp3', 'ogg', 'oga', 'opus', 'm4a', 'aac', 'amr', 'wav']],
  ['video', ['mp4', 'mov', 'webm', '3gp', 'm4v']],
  ['document', ['pdf', 'doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'odt', 'ods', 'txt', 'csv', 'zip']],
];

/** The file's own name, when it has one worth showing while it is not here: a document's, not
 * the placeholder (`image`) or a picture's stand-in name (`photo.jpg`). */
function nameWhileAway(info: { filename: string }, kind: FileKind): string {
  if (kind !== 'document' && kind !== 'file') return '';
  const name = info.filename.trim();
  return isFileKind(name.toLowerCase()) || /^attachment-\d+$/.test(name) ? '' : name;
}

/** `kind`: the message's kind (image, document …), which names a file still being fetched. */
export function AttachmentView({ info, kind }: { info: AttachmentSlot; kind?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const url = api.attachmentUrl(info.id);
  if (info.state === 'loading') return <span class="attachment muted small">{t('app.loading')}</span>;
  if (info.state === 'error') return <span class="attachment attachment-failed small">{t('conv.attachmentFailed')}</span>;
  if (info.state === 'pending' || info.state === 'failed') {
    const what = fileKindOf(info, kind);
    const name = nameWhileAway(info, what);
    if (info.state === 'pending') {
      return (
        <span class="attachment attachment-pending muted small" data-kind={what}>
          <Icon name="clock" size={13} /> {name ? t('conv.pendingNamed', { name }) : t(`conv.pending.${what}` as MessageKey)}
        </span>
      );
    }
    const headline = name ? t('conv.failedNamed', { name }) : t(`conv.failed.${what}` as MessageKey);
    return (
      <span class="attachment attachment-failed small" data-kind={what}>
        <Icon name="alert" size={13} /> {joinDetail(i18n, { headline, detail: info.error })}
      </span>
    );
  }
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
      {info.size !== null && <span class="muted small">{fileSize(info.size, i18n.number)}</span>}
      <span class="visually-hidden"> — {t('conv.download', { name: info.filename })}</span>
    </a>
  );
}

/** "Resend" on a failed reply: the server re-enqueues it; its message.updated event then shows
 * it pending again. `send` is replaceable for tests. */
export function ResendButton({ m, send = (c, id) => api.retryMessage(c, id) }: { m: Message; send?: (conversationId: number, messageId: number) => Promise<unknown> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const resend = async () => {
    setBusy(true);
    setError('');
    try {
      await send(m.conversation_id, m.id);
    } catch (e) {
      setError(t('delivery.resendFailed', { reason: errorText(i18n, e) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {' '}
      <button type="button" class="btn btn-secondary btn-small msg-resend" disabled={busy} title={t('delivery.resendHint')} onClick={resend}>
        {t('delivery.resend')}
      </button>
      {error && (
        <span class="msg-resend-error" role="alert">
          {' '}
          {error}
        </span>
      )}
    </>
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
          <ResendButton m={m} />
        </span>
      );
    default:
      return null;
  }
}

export function KindExtras({ m, reactedTo }: { m: Message; reactedTo?: Message }) {
  const { t } = useI18n();
  // Instagram: the customer took the message back (its text and files are gone).
  if (m.payload.unsent_at) return <p class="msg-extra muted">{t('conv.unsent')}</p>;
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
  if (m.kind === 'reaction' && typeof m.payload.emoji === 'string') {
    // The emoji once (the message's text is the same emoji) and what it answers, so the agent
    // sees which message the customer reacted to.
    const text = reactedTo?.text ?? '';
    const short = text.length > 80 ? text.slice(0, 79) + '…' : text;
    return (
      <p class="msg-extra">
        <span class="msg-reaction">{m.payload.emoji}</span>
        {reactedTo && <span class="muted"> {short ? t('conv.reactedTo', { text: short }) : t('conv.reactedToNoText')}</span>}
      </p>
    );
  }
  if (m.kind === 'unsupported' && !m.text) return <p class="msg-extra muted">{t('conv.unsupported')}</p>;
  return null;
}

const textOf = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const objectOf = (v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

/** Who wrote a message in a Telegram group, whose conversation's contact is the group itself
 * (docs/channels/TELEGRAM.md): the member in `payload.from` (first and last name, else
 * @username), or the chat in `payload.sender_chat` when it was sent on behalf of one (an
 * anonymous admin, a linked channel). Null outside a group (`payload.chat` is only there in
 * one), or when the payload names nobody: then the contact wrote it. */
export function groupAuthorOf(payload: Record<string, unknown>): string | null {
  if (!objectOf(payload.chat)) return null;
  const onBehalf = objectOf(payload.sender_chat);
  if (onBehalf) {
    const title = textOf(onBehalf.title) || (textOf(onBehalf.username) ? '@' + textOf(onBehalf.username) : '');
    if (title) return title;
  }
  const from = objectOf(payload.from);
  if (!from) return null;
  const full = [textOf(from.first_name), textOf(from.last_name)].filter(Boolean).join(' ');
  const name = textOf(from.name) || full || (textOf(from.username) ? '@' + textOf(from.username) : '');
  return name || null;
}

/** publicThread: the message belongs to a public conversation (an X mention, a Facebook Page
 * comment), so a reply says which way it went. */
export function MessageItem({ m, inCurrent, publicThread, reactedTo }: { m: Message; inCurrent: boolean; publicThread?: boolean; reactedTo?: Message }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const contact = useContact(m.direction === 'incoming' ? m.sender_contact_id : null);
  const inbox = inboxOf(dir, m.inbox_id);
  const mail = m.direction === 'activity' ? null : mailPayload(m.payload);
  const attachments = useAttachments(m);
  const time = (
    <time dateTime={m.created_at} title={i18n.dateTime(m.created_at)}>
      {i18n.time(m.created_at)}
    </time>
  );
  if (m.direction === 'activity') {
    return (
      <li class="msg-activity" data-message-id={m.id}>
        <span>
          <MessageText text={activityText(m.payload, m.text, i18n)} /> · {time}
        </span>
      </li>
    );
  }
  const member = m.direction === 'incoming' ? groupAuthorOf(m.payload) : null;
  const author =
    m.direction === 'incoming'
      ? member ?? contact?.name ?? ''
      : m.sender_user_id === dir.me.id
        ? t('conv.you')
        : userName(dir, m.sender_user_id) ?? t('conv.unknownAgent');
  const cls = m.direction === 'incoming' ? 'msg-in' : m.direction === 'note' || m.private ? 'msg-note' : 'msg-out';
  const text = m.text && m.kind !== 'reaction' ? (
    <p class="msg-text">
      <MessageText text={m.text} />
    </p>
  ) : null;
  return (
    <li class={'msg ' + cls + (inCurrent ? '' : ' msg-other')} data-message-id={m.id}>
      <article class={'bubble' + (mail ? ' bubble-mail' : '')} aria-label={m.private ? t('conv.privateNote') : undefined}>
        <header class="msg-meta">
          <span class="msg-author">{author}</span>
          {member && contact?.name && member !== contact.name && <span class="msg-group">{t('conv.inGroup', { group: contact.name })}</span>}
          {m.private && <span class="note-tag">{t('conv.privateNote')}</span>}
          <ReplyWayTag m={m} publicThread={publicThread} channel={inbox?.channel} />
          {mail?.automated && (
            <span class={'badge badge-automated'} title={mail.automatedReason || undefined}>
              {t(`mail.automated.${mail.automated}` as MessageKey)}
            </span>
          )}
          <span class="msg-channel" title={inbox ? t('conv.via', { channel: t(channelLabelKey(inbox.channel)), inbox: inbox.name }) : undefined}>
            <ChannelIcon channel={inbox?.channel ?? 'other'} size={14} />
            <span class="visually-hidden">{inbox ? t('conv.via', { channel: t(channelLabelKey(inbox.channel)), inbox: inbox.name }) : ''}</span>
            <span aria-hidden="true">{inbox?.name}</span>
          </span>
        </header>
        {mail && <MailHead mail={mail} />}
        {mail ? (
          <MailBody mail={mail} attachments={attachments.filter((a): a is AttachmentInfo => a.state !== 'loading' && a.state !== 'error')}>
            {text}
          </MailBody>
        ) : (
          text
        )}
        <KindExtras m={m} reactedTo={reactedTo} />
        {m.direction === 'outgoing' && buttonsOf(m.payload) && <KeyboardView rows={buttonsOf(m.payload)!} />}
        {mail && <MailNotes mail={mail} />}
        {attachments.length > 0 && !m.payload.unsent_at && (
          <div class="attachments">
            {attachments.map((a) => (
              <AttachmentView key={a.id} info={a} kind={m.kind} />
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
