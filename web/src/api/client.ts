// The API client: one fetch wrapper for every call. The browser authenticates with the
// HttpOnly session cookie that login sets (the bearer token is never stored by the page), so
// every write carries the CSRF token from login or /auth/me (docs/API.md, Authentication).
// Every failure becomes an ApiError with the server's code and message, or `network` when the
// server could not be reached; a 401 on a signed-in call tells the app the session ended.
import type { SpellAnswer, SpellLanguage } from '../lib/spellcheck';
import type { ApiButton } from '../lib/buttons';
import type {
  ApiToken, Attachment, Availability, CannedResponse, Contact, Conversation, ConversationStatus, Inbox, Language,
  LoginAnswer, Me, Message, Page, Priority, SentReply, Team, User,
} from './types';

/** One attachment as the desk shows it (from the message JSON, or a HEAD request). */
export interface AttachmentInfo {
  id: number;
  state: 'stored' | 'pending' | 'failed';
  contentType: string;
  filename: string;
  size: number | null;
  error: string | null;
}

/** The file name of a Content-Disposition header: the UTF-8 filename* (RFC 5987) if given. */
export function filenameFromDisposition(header: string): string {
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // fall through to the plain name
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(header);
  return plain ? plain[1] : '';
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  get notFound(): boolean {
    return this.status === 404;
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;
type Query = Record<string, string | number | boolean | null | undefined>;

export function queryString(query?: Query): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    params.set(k, String(v));
  }
  const s = params.toString();
  return s ? '?' + s : '';
}

/** Turns any answer that is not 2xx into an ApiError (JSON `{"error":{code,message}}` or not). */
export async function errorFrom(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status;
  let message = res.statusText || 'HTTP ' + res.status;
  try {
    const text = await res.text();
    const body = text ? JSON.parse(text) : null;
    if (body && typeof body === 'object' && body.error && typeof body.error === 'object') {
      if (typeof body.error.code === 'string') code = body.error.code;
      if (typeof body.error.message === 'string') message = body.error.message;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

export class Api {
  csrfToken = '';
  /** Called when a signed-in call answers 401: the session expired or was ended elsewhere. */
  onUnauthorized: () => void = () => {};

  constructor(
    private readonly fetchImpl: Fetch = (input, init) => fetch(input, init),
    private readonly base = '/api/v1',
  ) {}

  async request<T>(
    method: string,
    path: string,
    opts: { query?: Query; json?: unknown; body?: BodyInit; contentType?: string; quiet401?: boolean; signal?: AbortSignal } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    let body: BodyInit | undefined;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.body !== undefined) {
      headers['Content-Type'] = opts.contentType || 'application/octet-stream';
      body = opts.body;
    }
    if (method !== 'GET' && method !== 'HEAD' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    let res: Response;
    try {
      res = await this.fetchImpl(this.base + path + queryString(opts.query), { method, headers, body, credentials: 'same-origin', signal: opts.signal });
    } catch (e) {
      if (opts.signal?.aborted) throw new ApiError(0, 'aborted', 'the request was cancelled');
      throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
    }
    if (!res.ok) {
      const err = await errorFrom(res);
      if (res.status === 401 && !opts.quiet401) this.onUnauthorized();
      throw err;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'the server sent an answer that is not JSON');
    }
  }

  get<T>(path: string, query?: Query) {
    return this.request<T>('GET', path, { query });
  }
  post<T>(path: string, json?: unknown) {
    return this.request<T>('POST', path, { json: json ?? {} });
  }
  put<T>(path: string, json: unknown) {
    return this.request<T>('PUT', path, { json });
  }
  patch<T>(path: string, json: unknown) {
    return this.request<T>('PATCH', path, { json });
  }
  del<T>(path: string) {
    return this.request<T>('DELETE', path);
  }

  /** Follows next_cursor until the list ends or `max` items were read. */
  async all<T>(path: string, query: Query = {}, max = 1000): Promise<T[]> {
    const out: T[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<T> = await this.get<Page<T>>(path, { ...query, limit: 100, cursor });
      out.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && out.length < max);
    return out;
  }

  // ---- auth ----
  async login(email: string, password: string): Promise<LoginAnswer> {
    const answer = await this.request<LoginAnswer>('POST', '/auth/login', { json: { email, password }, quiet401: true });
    this.csrfToken = answer.csrf_token;
    return answer;
  }
  async me(): Promise<Me> {
    const me = await this.request<Me>('GET', '/auth/me', { quiet401: true });
    this.csrfToken = me.csrf_token;
    return me;
  }
  /** Sets my status (available, away, offline); the server announces it as user.availability. */
  setAvailability(availability: Availability) {
    return this.put<User>('/auth/me/availability', { availability });
  }
  async logout(): Promise<void> {
    try {
      await this.request('POST', '/auth/logout', { quiet401: true });
    } finally {
      this.csrfToken = '';
    }
  }

  // ---- desk ----
  conversations(query: Query) {
    return this.get<Page<Conversation>>('/conversations', query);
  }
  conversation(id: number) {
    return this.get<Conversation>(`/conversations/${id}`);
  }
  messages(conversationId: number) {
    return this.all<Message>(`/conversations/${conversationId}/messages`, {}, 5000);
  }
  /** `direct`: answer a public X thread by direct message; `buttons`: rows under a Telegram reply. */
  /** Resend an outgoing message that failed: a fresh attempt through the outbox (409 otherwise). */
  retryMessage(conversationId: number, messageId: number) {
    return this.post<Message>(`/conversations/${conversationId}/messages/${messageId}/retry`, {});
  }
  sendMessage(conversationId: number, input: { text: string; private: boolean; attachment_ids?: number[]; direct?: boolean; buttons?: ApiButton[][] }) {
    return this.post<SentReply>(`/conversations/${conversationId}/messages`, input);
  }
  /** Tell the other desks and the web-chat visitor that I am (not) typing; nothing is stored. */
  typing(conversationId: number, typing: boolean) {
    return this.post<unknown>(`/conversations/${conversationId}/typing`, { typing });
  }
  assign(conversationId: number, body: { assignee_id?: number | null; team_id?: number | null }) {
    return this.post<Conversation>(`/conversations/${conversationId}/assign`, body);
  }
  setStatus(conversationId: number, status: ConversationStatus, snoozedUntil?: string) {
    return this.post<Conversation>(`/conversations/${conversationId}/status`, snoozedUntil ? { status, snoozed_until: snoozedUntil } : { status });
  }
  setPriority(conversationId: number, priority: Priority) {
    return this.patch<Conversation>(`/conversations/${conversationId}`, { priority });
  }
  addLabels(conversationId: number, labels: string[]) {
    return this.post<Conversation>(`/conversations/${conversationId}/labels`, { labels });
  }
  removeLabel(conversationId: number, label: string) {
    return this.del<Conversation>(`/conversations/${conversationId}/labels/${encodeURIComponent(label)}`);
  }
  search(q: string, cursor?: string | null) {
    return this.get<Page<Message>>('/search', { q, cursor, limit: 25 });
  }
  contacts(q: string, cursor?: string | null) {
    return this.get<Page<Contact>>('/contacts', { q, cursor, limit: 25 });
  }
  contact(id: number) {
    return this.get<Contact>(`/contacts/${id}`);
  }
  updateContact(id: number, body: { name?: string; attributes?: Record<string, unknown> }) {
    return this.patch<Contact>(`/contacts/${id}`, body);
  }
  contactConversations(id: number) {
    return this.all<Conversation>(`/contacts/${id}/conversations`, {}, 200);
  }
  mergeContact(targetId: number, sourceId: number) {
    return this.post<Contact>(`/contacts/${targetId}/merge`, { source_id: sourceId });
  }
  unmergeContact(mergedId: number) {
    return this.post<Contact>(`/contacts/${mergedId}/unmerge`, {});
  }
  upload(file: Blob, filename: string) {
    return this.request<Attachment>('POST', '/attachments', { query: { filename }, body: file, contentType: 'application/octet-stream' });
  }
  /** What an attachment is, for servers whose messages carry only attachment_ids: the headers
   * of a HEAD request; a 409 (not stored) is asked again with GET, whose small JSON error
   * says whether the file is still being fetched or failed. */
  async attachmentInfo(id: number): Promise<AttachmentInfo> {
    const fetchOnce = async (method: 'HEAD' | 'GET') => {
      try {
        return await this.fetchImpl(this.attachmentUrl(id), { method, credentials: 'same-origin' });
      } catch (e) {
        throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
      }
    };
    let res = await fetchOnce('HEAD');
    if (res.status === 409) {
      res = await fetchOnce('GET');
      if (res.status === 409) {
        const err = await errorFrom(res);
        return err.code === 'fetch_failed'
          ? { id, state: 'failed', contentType: '', filename: '', size: null, error: err.message }
          : { id, state: 'pending', contentType: '', filename: '', size: null, error: null };
      }
    }
    if (!res.ok) throw new ApiError(res.status, 'http_' + res.status, res.statusText);
    const size = Number(res.headers.get('Content-Length'));
    return {
      id,
      state: 'stored',
      contentType: (res.headers.get('Content-Type') || '').split(';')[0].trim(),
      filename: filenameFromDisposition(res.headers.get('Content-Disposition') || '') || 'attachment-' + id,
      size: Number.isFinite(size) && size > 0 ? size : null,
      error: null,
    };
  }
  /** An image attachment as a data: URL, fetched with the session: a sandboxed frame (a
   * formatted e-mail) can neither send the cookie nor load the desk's blob: URLs. */
  async attachmentDataUrl(id: number, maxBytes = 5 * 1024 * 1024): Promise<string | null> {
    let res: Response;
    try {
      res = await this.fetchImpl(this.attachmentUrl(id), { method: 'GET', credentials: 'same-origin' });
    } catch {
      return null;
    }
    if (!res.ok) return null;
    const blob = await res.blob();
    const type = (res.headers.get('Content-Type') || blob.type || '').split(';')[0].trim().toLowerCase();
    if (!/^image\/(png|gif|jpeg|webp|bmp|avif)$/.test(type) || blob.size > maxBytes) return null;
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return `data:${type};base64,${btoa(binary)}`;
  }
  attachmentUrl(id: number) {
    return `${this.base}/attachments/${id}`;
  }
  cannedResponses() {
    return this.all<CannedResponse>('/canned_responses');
  }
  /** Spell-checks a draft; offsets and lengths in the answer are UTF-16 code units. */
  spellcheck(text: string, language: SpellLanguage, signal?: AbortSignal) {
    return this.request<SpellAnswer>('POST', '/spellcheck', { json: { text, language }, signal });
  }
  renderCanned(id: number, conversationId: number) {
    return this.post<{ text: string }>(`/canned_responses/${id}/render`, { conversation_id: conversationId });
  }

  // ---- directory ----
  users() {
    return this.all<User>('/users');
  }
  updateUser(id: number, body: Partial<Pick<User, 'name' | 'role' | 'language' | 'active' | 'email'>> & { password?: string }) {
    return this.patch<User>(`/users/${id}`, body);
  }
  setLanguage(id: number, language: Language) {
    return this.updateUser(id, { language });
  }
  /** One's own new password: the server wants the current one too, and ends the user's other
   * sessions (this one stays signed in). */
  changeOwnPassword(id: number, currentPassword: string, password: string) {
    return this.patch<User>(`/users/${id}`, { password, current_password: currentPassword });
  }
  teams() {
    return this.all<Team>('/teams');
  }
  inboxes() {
    return this.all<Inbox>('/inboxes');
  }
  inbox(id: number) {
    return this.get<Inbox>(`/inboxes/${id}`);
  }
  createInbox(body: { name: string; channel: string; callback_url?: string; team_ids?: number[]; config?: Record<string, unknown> }) {
    return this.post<Inbox>('/inboxes', body);
  }
  updateInbox(id: number, body: { name?: string; callback_url?: string; team_ids?: number[]; config?: Record<string, unknown>; rotate_secret?: boolean }) {
    return this.patch<Inbox>(`/inboxes/${id}`, body);
  }
  apiTokens() {
    return this.all<ApiToken>('/api_tokens');
  }
}

export const api = new Api();
