// The widget's user interface: a launcher button and a chat panel in a shadow root, built with
// plain DOM calls. Message content only ever becomes text nodes and <a> elements made by the
// safe linkifier (../src/lib/linkify.ts): HTML in a message stays visible text, no markup from
// the network is parsed. Keyboard: the launcher and every control are buttons or form fields,
// Escape closes the panel and gives the focus back to the launcher, Enter sends (Shift+Enter
// is a new line).
import { linkify } from '../src/lib/linkify';
import { type Key, type Lang, translate } from './i18n';
import {
  clientId,
  formatOpening,
  formatSize,
  isEmail,
  lastId,
  mergeMessages,
  needsEmail,
  panelMode,
  safeColor,
  textOn,
  unreadAgentIds,
  type Visitor,
  type WidgetConfig,
  type WidgetMessage,
} from './logic';
import { CSS } from './styles';
import { ApiError, Live, type SessionBody, WidgetApi } from './transport';

export interface WidgetOptions {
  base: string;
  inboxId: string;
  lang: Lang;
  storageKey: string;
  user?: SessionBody['user'];
  userHash?: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const ICONS: Record<string, string> = {
  chat: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
  close: 'M6 6l12 12M18 6L6 18',
  clip: 'M21 11l-8.5 8.5a5 5 0 0 1-7-7L14 4a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-3-3L15 7',
  file: 'M6 2h8l6 6v14H6zM14 2v6h6',
};

function icon(name: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name]);
  path.setAttribute('fill', name === 'chat' ? 'currentColor' : 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  path.setAttribute('stroke-linejoin', 'round');
  svg.append(path);
  return svg;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

/** Message text as text nodes and safe links only. */
export function renderText(text: string): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const token of linkify(text)) {
    if (token.type === 'text') frag.append(document.createTextNode(token.text));
    else frag.append(el('a', { href: token.href, target: '_blank', rel: 'noopener noreferrer nofollow', text: token.text }));
  }
  return frag;
}

export class ChatWidget {
  private readonly api: WidgetApi;
  private readonly live: Live;
  private config: WidgetConfig | null = null;
  private visitor: Visitor | null = null;
  private messages: WidgetMessage[] = [];
  private sendingText = false;
  private open = false;
  private subscribed = true;
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private sentTypingAt = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private fetching: Promise<void> | null = null;
  private fetchAgain = false;
  private readonly shown = new Set<number>();
  private readonly reading = new Set<number>();
  // Elements
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly badge: HTMLSpanElement;
  private readonly panel: HTMLDivElement;
  private readonly title: HTMLHeadingElement;
  private readonly status: HTMLParagraphElement;
  private readonly log: HTMLDivElement;
  private readonly intro: HTMLDivElement;
  private readonly typing: HTMLDivElement;
  private readonly prechat: HTMLFormElement;
  private readonly compose: HTMLFormElement;
  private readonly emailRow: HTMLDivElement;
  private readonly emailInput: HTMLInputElement;
  private readonly textarea: HTMLTextAreaElement;
  private readonly fileInput: HTMLInputElement;
  private readonly sendButton: HTMLButtonElement;
  private readonly error: HTMLParagraphElement;

  constructor(
    private readonly host: HTMLElement,
    private readonly opts: WidgetOptions,
  ) {
    this.api = new WidgetApi(opts.base, opts.inboxId);
    this.live = new Live(() => this.api.streamUrl(), {
      changed: () => void this.refresh(),
      typing: (agent) => this.showTyping(agent),
      hello: (subscribed) => {
        this.subscribed = subscribed;
      },
    });
    const t = (k: Key, v?: Record<string, string | number>) => translate(opts.lang, k, v);
    const shadow = host.attachShadow({ mode: 'open' });
    if ('adoptedStyleSheets' in shadow && typeof CSSStyleSheet !== 'undefined' && 'replaceSync' in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.append(el('style', { text: CSS }));
    }
    const panelId = 'parley-panel';
    this.root = el('div', { class: 'root', lang: opts.lang });
    this.badge = el('span', { class: 'badge', hidden: '' });
    this.launcher = el('button', { type: 'button', class: 'launcher', 'aria-expanded': 'false', 'aria-controls': panelId, 'aria-label': t('open') });
    this.launcher.append(icon('chat'), this.badge);
    this.title = el('h2', { id: 'parley-title' });
    this.status = el('p', { class: 'status' });
    const close = el('button', { type: 'button', class: 'icon-btn', 'aria-label': t('close') }, icon('close'));
    const head = el('div', { class: 'head' }, el('div', { class: 'grow' }, this.title, this.status), close);
    this.intro = el('div', {});
    this.log = el('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': t('conversation'), tabindex: '0' });
    this.typing = el('div', { class: 'typing', 'aria-live': 'polite' });

    // The pre-chat form.
    const nameInput = el('input', { type: 'text', id: 'parley-name', autocomplete: 'name', maxlength: '200' });
    const prechatEmail = el('input', { type: 'email', id: 'parley-prechat-email', autocomplete: 'email', maxlength: '320' });
    const prechatError = el('p', { class: 'error', role: 'alert' });
    this.prechat = el('form', { class: 'prechat', novalidate: '' },
      el('p', { text: t('prechat') }),
      el('div', {}, el('label', { for: 'parley-name', text: t('name') }), nameInput),
      el('div', {}, el('label', { for: 'parley-prechat-email', text: t('email') }), prechatEmail),
      prechatError,
      el('button', { type: 'submit', class: 'send', text: t('start') }));
    this.prechat.hidden = true;
    this.prechat.addEventListener('submit', (e) => {
      e.preventDefault();
      const email = prechatEmail.value.trim();
      if ((email || this.config?.prechat.require_email) && !isEmail(email)) {
        prechatError.textContent = t('emailInvalid');
        prechatEmail.setAttribute('aria-invalid', 'true');
        prechatEmail.focus();
        return;
      }
      void this.updateSession({ name: nameInput.value.trim(), email }).then((ok) => {
        if (!ok) return;
        this.render();
        this.textarea.focus();
      });
    });

    // The composer.
    this.emailInput = el('input', { type: 'email', id: 'parley-email', autocomplete: 'email', maxlength: '320' });
    this.emailRow = el('div', {}, el('label', { for: 'parley-email', text: t('emailForAnswer') }), this.emailInput);
    this.textarea = el('textarea', { id: 'parley-text', rows: '1', placeholder: t('placeholder') });
    this.fileInput = el('input', { type: 'file', class: 'file-input', id: 'parley-file', tabindex: '-1', 'aria-hidden': 'true' });
    const attach = el('button', { type: 'button', class: 'icon-btn attach', 'aria-label': t('attach') }, icon('clip'));
    this.sendButton = el('button', { type: 'submit', class: 'send', text: t('send') });
    this.error = el('p', { class: 'error', role: 'alert' });
    this.compose = el('form', { class: 'compose', novalidate: '' },
      this.emailRow,
      el('div', { class: 'row' }, el('label', { for: 'parley-text', class: 'sr-only', text: t('message') }), this.textarea, attach, this.fileInput, this.sendButton),
      this.error);
    this.compose.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.sendText();
    });
    this.textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        void this.sendText();
      }
    });
    this.textarea.addEventListener('input', () => this.onInput());
    attach.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (file) void this.sendFile(file);
    });

    this.panel = el('div', { class: 'panel', id: panelId, role: 'dialog', 'aria-labelledby': 'parley-title', hidden: '' },
      head, this.prechat, this.log, this.typing, this.compose);
    this.root.append(this.panel, this.launcher);
    shadow.append(this.root);

    this.launcher.addEventListener('click', () => this.toggle(!this.open));
    close.addEventListener('click', () => this.toggle(false));
    this.root.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.open) {
        e.stopPropagation();
        this.toggle(false);
      }
    });
    document.addEventListener('visibilitychange', () => this.markRead());
    // Another tab of the same site started or changed the session: follow it.
    window.addEventListener('storage', (e) => {
      if (e.key === this.opts.storageKey && e.newValue && e.newValue !== this.api.token) {
        this.api.token = e.newValue;
        this.messages = [];
        this.shown.clear();
        this.log.replaceChildren(this.intro); // drawn again from what the new token sees
        this.live.reconnect();
        void this.refresh();
      }
    });
  }

  private t(k: Key, v?: Record<string, string | number>): string {
    return translate(this.opts.lang, k, v);
  }

  async start(): Promise<void> {
    this.config = await this.api.config();
    const accent = safeColor(this.config.color);
    this.host.style.setProperty('--accent', accent);
    this.host.style.setProperty('--on-accent', textOn(accent));
    this.title.textContent = this.config.name;
    this.launcher.setAttribute('aria-label', `${this.t('open')}: ${this.config.name}`);
    this.panel.setAttribute('aria-label', this.t('chatWith', { name: this.config.name }));
    this.panel.removeAttribute('aria-labelledby');
    await this.startSession();
    await this.refresh();
    this.live.start();
    this.render();
    // Presence changes (an agent comes online, business hours end): re-read now and then.
    setInterval(() => void this.reloadConfig(), 60_000);
  }

  private async reloadConfig(): Promise<void> {
    try {
      this.config = await this.api.config();
      this.render();
    } catch {
      /* keep the last one */
    }
  }

  private stored(): string {
    try {
      return localStorage.getItem(this.opts.storageKey) ?? '';
    } catch {
      return ''; // storage blocked: the session lasts as long as the page
    }
  }

  private store(token: string): void {
    this.api.token = token;
    try {
      localStorage.setItem(this.opts.storageKey, token);
    } catch {
      /* see stored() */
    }
  }

  private async startSession(): Promise<void> {
    const body: SessionBody = { token: this.stored() || undefined };
    if (this.opts.user) body.user = this.opts.user;
    if (this.opts.userHash) body.user_hash = this.opts.userHash;
    try {
      const s = await this.api.session(body);
      this.store(s.token);
      this.visitor = s.visitor;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && body.user_hash) {
        // The site's identity hash does not match: carry on unverified (and tell the developer).
        console.warn('Parley chat: user_hash does not match the user values; the visitor is not verified.', e.message);
        delete body.user_hash;
        const s = await this.api.session(body);
        this.store(s.token);
        this.visitor = s.visitor;
        return;
      }
      throw e;
    }
  }

  private async updateSession(extra: { name?: string; email?: string }): Promise<boolean> {
    const body: SessionBody = { token: this.api.token, ...extra };
    if (this.opts.user) body.user = this.opts.user;
    if (this.opts.userHash) body.user_hash = this.opts.userHash;
    try {
      const s = await this.api.session(body);
      this.store(s.token);
      this.visitor = s.visitor;
      return true;
    } catch (e) {
      this.error.textContent = e instanceof ApiError && e.status === 400 ? this.t('emailInvalid') : this.t('sendFailed');
      return false;
    }
  }

  /** Fetches what is new (one request at a time; a call while one runs asks once more). */
  refresh(): Promise<void> {
    if (this.fetching) {
      this.fetchAgain = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      try {
        do {
          this.fetchAgain = false;
          let more = true;
          for (let pages = 0; more && pages < 20; pages++) {
            const page = await this.api.messages(lastId(this.messages));
            this.messages = mergeMessages(this.messages, page.data);
            more = page.more && page.data.length > 0;
          }
        } while (this.fetchAgain);
      } catch {
        /* the next poll or socket notice tries again */
      } finally {
        this.fetching = null;
      }
      this.render();
      this.markRead();
    })();
    return this.fetching;
  }

  private toggle(open: boolean): void {
    this.open = open;
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    this.launcher.setAttribute('aria-label', open ? this.t('close') : `${this.t('open')}${this.config ? ': ' + this.config.name : ''}`);
    this.render();
    if (open) {
      const mode = this.config ? panelMode(this.config, this.visitor, this.messages) : 'chat';
      const first = mode === 'prechat' ? this.prechat.querySelector('input') : this.emailRow.hidden ? this.textarea : this.emailInput;
      (first ?? this.textarea).focus();
      this.log.scrollTop = this.log.scrollHeight;
      this.markRead();
    } else {
      this.launcher.focus();
    }
  }

  private markRead(): void {
    if (!this.open || document.visibilityState === 'hidden') return;
    const ids = unreadAgentIds(this.messages).filter((id) => !this.reading.has(id));
    if (!ids.length) return;
    ids.forEach((id) => this.reading.add(id));
    this.api
      .read(ids)
      .then(() => {
        this.messages = this.messages.map((m) => (ids.includes(m.id) ? { ...m, read: true } : m));
        this.renderBadge();
      })
      .catch(() => {
        /* asked again next time */
      })
      .finally(() => ids.forEach((id) => this.reading.delete(id)));
  }

  private onInput(): void {
    this.textarea.style.height = 'auto';
    this.textarea.style.height = `${Math.min(this.textarea.scrollHeight, 120)}px`;
    const now = Date.now();
    if (now - this.sentTypingAt > 3000 && this.textarea.value.trim()) {
      this.sentTypingAt = now;
      this.api.typing(true).catch(() => {});
    }
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stopTyping(), 4000);
  }

  private stopTyping(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (!this.sentTypingAt) return;
    this.sentTypingAt = 0;
    this.api.typing(false).catch(() => {});
  }

  private showTyping(agent: string | null): void {
    if (this.typingTimer) clearTimeout(this.typingTimer);
    this.typingTimer = null;
    this.typing.textContent = agent === null ? '' : agent ? this.t('typing', { name: agent }) : this.t('typingAnonymous');
    // The desk repeats "typing" while the agent types; silence means they stopped.
    if (agent !== null) this.typingTimer = setTimeout(() => this.showTyping(null), 6000);
  }

  /** An e-mail address first, when one is needed and not given yet. False: not now. */
  private async ensureEmail(): Promise<boolean> {
    if (!this.config || !needsEmail(this.config, this.visitor)) return true;
    const email = this.emailInput.value.trim();
    if (!isEmail(email)) {
      this.error.textContent = email ? this.t('emailInvalid') : this.t('emailRequired');
      this.emailInput.setAttribute('aria-invalid', 'true');
      this.emailInput.focus();
      return false;
    }
    this.emailInput.removeAttribute('aria-invalid');
    return this.updateSession({ email });
  }

  /** `tooLarge`: what a 413 means for this send (a file over the limit, a text over the limit). */
  private async deliver(send: () => Promise<WidgetMessage>, tooLarge: () => string): Promise<boolean> {
    this.error.textContent = '';
    if (!(await this.ensureEmail())) return false;
    this.sendButton.disabled = true;
    try {
      let message: WidgetMessage;
      try {
        message = await send();
      } catch (e) {
        if (!(e instanceof ApiError) || e.code !== 'email_required') throw e;
        // Nobody is online any more: ask for the address, then the visitor sends again.
        this.config = this.config ? { ...this.config, online: false } : this.config;
        this.render();
        this.error.textContent = this.t('emailRequired');
        this.emailInput.focus();
        return false;
      }
      this.messages = mergeMessages(this.messages, [message]);
      this.render();
      if (!this.subscribed) {
        // The first message created the conversation: a new socket subscribes to it.
        this.subscribed = true;
        this.live.reconnect();
      }
      return true;
    } catch (e) {
      this.error.textContent =
        e instanceof ApiError && e.status === 429 ? this.t('rateLimited') : e instanceof ApiError && e.status === 413 ? tooLarge() : this.t('sendFailed');
      return false;
    } finally {
      this.sendButton.disabled = false;
    }
  }

  private async sendText(): Promise<void> {
    const text = this.textarea.value;
    // Enter pressed again while the text is on its way would send it twice.
    if (!text.trim() || this.sendingText) return;
    const id = clientId();
    this.stopTyping();
    this.sendingText = true;
    try {
      const tooLong = () => this.t('textTooLong', { size: formatSize(this.config?.max_text_bytes ?? 0, this.opts.lang) });
      if (await this.deliver(() => this.api.send(text, id), tooLong)) {
        this.textarea.value = '';
        this.textarea.style.height = 'auto';
        this.textarea.focus();
      }
    } finally {
      this.sendingText = false;
    }
  }

  private async sendFile(file: File): Promise<void> {
    if (this.config && file.size > this.config.max_upload_bytes) {
      this.error.textContent = this.t('tooLarge', { size: formatSize(this.config.max_upload_bytes, this.opts.lang) });
      return;
    }
    const id = clientId();
    await this.deliver(() => this.api.upload(file, file.name, id), () =>
      this.t('tooLarge', { size: formatSize(this.config?.max_upload_bytes ?? 0, this.opts.lang) }));
    this.textarea.focus();
  }

  private renderBadge(): void {
    const unread = unreadAgentIds(this.messages).length;
    const show = unread > 0 && !this.open;
    this.badge.hidden = !show;
    this.badge.textContent = show ? String(unread) : '';
    if (show) this.badge.setAttribute('aria-label', this.t('unread', { n: unread }));
  }

  private render(): void {
    const config = this.config;
    if (!config) return;
    const lang = this.opts.lang;
    this.status.textContent = config.online ? this.t('online') : this.t('offline');
    this.status.classList.toggle('on', config.online);
    const mode = panelMode(config, this.visitor, this.messages);
    this.prechat.hidden = mode !== 'prechat';
    this.log.hidden = this.compose.hidden = mode === 'prechat';
    this.emailRow.hidden = !needsEmail(config, this.visitor);

    // The greeting (and the offline notice) stand first in the log.
    const intro: Node[] = [el('div', { class: 'notice', text: config.greeting[lang] || this.t('greeting') })];
    if (!config.online) {
      const back = !config.within_hours ? formatOpening(config.next_opening_at, lang) : null;
      const notice = el('div', { class: 'notice offline' }, config.offline_message[lang] || this.t('offlineMessage'));
      if (back) notice.append(el('br'), this.t('backAt', { time: back }));
      intro.push(notice);
    }
    this.intro.replaceChildren(...intro);
    if (this.log.firstChild !== this.intro) this.log.prepend(this.intro);

    const atBottom = this.log.scrollHeight - this.log.scrollTop - this.log.clientHeight < 40;
    for (const m of this.messages) {
      const existing = this.log.querySelector(`[data-id="${m.id}"]`);
      if (existing && this.shown.has(m.id)) {
        existing.querySelector('.meta')?.replaceChildren(m.from === 'agent' && m.read ? this.t('read') : '');
        continue;
      }
      this.shown.add(m.id);
      this.log.append(this.renderMessage(m));
    }
    if (atBottom || this.open) this.log.scrollTop = this.log.scrollHeight;
    this.renderBadge();
  }

  private renderMessage(m: WidgetMessage): HTMLElement {
    const who = m.from === 'visitor' ? this.t('you') : m.agent_name || this.t('support');
    const box = el('div', { class: `msg ${m.from}`, 'data-id': String(m.id) }, el('span', { class: 'who', text: who }));
    if (m.text) {
      const bubble = el('div', { class: 'bubble' });
      bubble.append(renderText(m.text));
      box.append(bubble);
    }
    if (m.attachments.length) {
      const files = el('div', { class: 'files' });
      for (const f of m.attachments) {
        const label = [el('span', { text: f.filename }), el('small', { text: formatSize(f.size, this.opts.lang) })];
        if (f.url) {
          const a = el('a', { class: 'file', href: this.opts.base + f.url, download: f.filename, target: '_blank', rel: 'noopener noreferrer' }, icon('file'), ...label);
          files.append(a);
        } else {
          files.append(el('span', { class: 'file' }, icon('file'), ...label));
        }
      }
      box.append(files);
    }
    box.append(el('span', { class: 'meta', text: m.from === 'agent' && m.read ? this.t('read') : '' }));
    return box;
  }
}
