// The composer: reply or private note; canned responses by typing "/" (a listbox searched by
// short code and content; the server fills in the variables and the result is shown in the
// text box before sending); attachments by file picker or drag and drop; Enter sends,
// Shift+Enter makes a new line. Spell check (components/spell.tsx): misspelled words are
// underlined a moment after typing stops; clicking one, or the "N misspellings" button, offers the
// server's suggestions; the language follows the contact's when known, else auto-detection,
// and the agent can set it per conversation. Typing a reply (never a note) tells the customer and
// the other desks, at most every 3 s (lib/typing.ts).
import type { RefObject } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import type { Attachment, CannedResponse, Conversation, Message } from '../api/types';
import { useI18n, type MessageKey } from '../i18n';
import { applySuggestion, contactLanguage, misspellingAt, type Misspelling, type SpellLanguage } from '../lib/spellcheck';
import { slashQuery } from '../lib/template';
import { TypingSender } from '../lib/typing';
import { inboxOf, useContact, useSession } from '../state';
import { errorText } from '../lib/errors';
import { buttonRulesFor, type ButtonDraft, emptyButton, toApiButtons, validateButtons } from '../lib/buttons';
import { ButtonEditor } from './button-editor';
import { isTextOnly, publicReplyRules, ReplyCounter, ReplyMode, replyProblem } from './reply-mode';
import { Icon } from './icons';
import { needsTemplate } from '../lib/customer-window';
import { TemplatePicker } from './template-picker';
import { useKnownInbox, useMinuteClock } from './window-badge';
import { anchorFor, SpellMirror, SpellPopup, useSpellCheck, type SpellPopupMode } from './spell';

export interface ComposerHandle {
  focus(): void;
  addFiles(files: FileList | File[]): void;
}

type Pending = { key: number; name: string; attachment?: Attachment; error?: string };

export function filterCanned(list: CannedResponse[], query: string, lang: string): CannedResponse[] {
  const q = query.toLowerCase();
  return list
    .filter((c) => !q || c.short_code.toLowerCase().includes(q) || c.content.toLowerCase().includes(q))
    .sort((a, b) => {
      const pa = a.short_code.toLowerCase().startsWith(q) ? 0 : 1;
      const pb = b.short_code.toLowerCase().startsWith(q) ? 0 : 1;
      const la = a.language === lang ? 0 : 1;
      const lb = b.language === lang ? 0 : 1;
      return pa - pb || la - lb || a.short_code.localeCompare(b.short_code);
    })
    .slice(0, 8);
}

/** "Attach"; disabled while the reply carries text only (the private reply on Facebook and
 * Instagram, a public reply on Instagram). hint: why, on the disabled button. */
export function AttachButton({ textOnly, hint = 'replyMode.fbTextOnlyHint', onClick }: { textOnly: boolean; hint?: MessageKey; onClick(): void }) {
  const { t } = useI18n();
  return (
    <button type="button" class="btn btn-ghost" disabled={textOnly} title={textOnly ? t(hint) : undefined} onClick={onClick}>
      <Icon name="paperclip" /> {t('composer.attach')}
    </button>
  );
}

export function Composer({ conv, onSent, handle }: { conv: Conversation; onSent: (m: Message) => void; handle?: RefObject<ComposerHandle | null> }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { dir } = useSession();
  const [text, setTextState] = useState('');
  const [isNote, setIsNote] = useState(false);
  const [files, setFiles] = useState<Pending[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [caret, setCaret] = useState(0);
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState<number | null>(null);
  const [rendering, setRendering] = useState(false);
  const [dragging, setDragging] = useState(false);
  // Buttons under a Telegram reply (null: none), the way a reply in a public thread goes.
  const [buttons, setButtons] = useState<ButtonDraft[][] | null>(null);
  const [direct, setDirect] = useState(false);
  // Telegram and WhatsApp inboxes take buttons under a reply, each by its own rules.
  const channel = inboxOf(dir, conv.inbox_id)?.channel;
  const buttonRules = buttonRulesFor(channel);
  const withButtonsAllowed = buttonRules !== null;
  const buttonProblems = useMemo(() => (buttons && buttonRules ? validateButtons(buttons, buttonRules) : []), [buttons, buttonRules]);
  // A public conversation is an X mention, a Facebook Page comment (Messenger) or an Instagram
  // comment, each with its rules.
  const replyRules = publicReplyRules(channel);
  const publicReply = !isNote && conv.public;
  // A text-only way (the private reply on Facebook and Instagram, any reply to an Instagram
  // comment): no new files (a dropped one is refused with a message); files attached before switching
  // to it stay and block the send.
  const textOnly = publicReply && isTextOnly(direct, replyRules);
  const area = useRef<HTMLTextAreaElement>(null);
  const mirror = useRef<HTMLDivElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const spellButton = useRef<HTMLButtonElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const keySeq = useRef(0);
  const contact = useContact(conv.contact_id);
  const spell = useSpellCheck(conv.id, text, contactLanguage(contact));
  // "Typing" for the customer and the other desks: replies only, at most every 3 s.
  const typing = useMemo(() => {
    let off = false;
    return new TypingSender({
      send: (on) => {
        if (off) return;
        api.typing(conv.id, on).catch((e) => {
          // A server without the endpoint: stop asking for this conversation.
          if (e instanceof ApiError && (e.status === 404 || e.status === 405)) off = true;
        });
      },
    });
  }, [conv.id]);
  useEffect(() => () => typing.stop(), [typing]);
  const [spellPopup, setSpellPopup] = useState<{ mode: SpellPopupMode; anchor: { left: number; bottom: number } | null; fromButton: boolean } | null>(null);

  /** Every change of the draft goes through here, so the spell check follows it. */
  const setText = (next: string) => {
    setTextState(next);
    spell.textChanged(next);
  };

  // A fresh composer for another conversation.
  useEffect(() => {
    setText('');
    setFiles([]);
    setError(null);
    setIsNote(false);
    setButtons(null);
    setDirect(false);
  }, [conv.id]);

  const slash = slashQuery(text, caret);
  const open = !!slash && dismissed !== slash.start;
  const matches = useMemo(() => (open && slash ? filterCanned(dir.canned, slash.query, i18n.lang) : []), [open, slash?.query, dir.canned, i18n.lang]);
  useEffect(() => setActive(0), [slash?.query]);

  function addFiles(list: FileList | File[]) {
    if (textOnly && list.length > 0) {
      // Dropped (on the composer or the conversation) where no file can go: say so at once
      // instead of uploading a file the send would refuse.
      setError(t('composer.filesNotAttached', { reason: t(replyRules.texts.textOnlyHint ?? 'replyMode.fbTextOnlyHint') }));
      return;
    }
    for (const file of Array.from(list)) {
      const key = ++keySeq.current;
      setFiles((prev) => [...prev, { key, name: file.name }]);
      api.upload(file, file.name).then(
        (attachment) => setFiles((prev) => prev.map((p) => (p.key === key ? { ...p, attachment } : p))),
        (e) => setFiles((prev) => prev.map((p) => (p.key === key ? { ...p, error: errorText(i18n, e) } : p))),
      );
    }
  }

  if (handle) handle.current = { focus: () => area.current?.focus(), addFiles };

  async function pick(c: CannedResponse) {
    if (!slash) return;
    const before = text.slice(0, slash.start);
    const after = text.slice(caret);
    setText(before + after);
    setRendering(true);
    setError(null);
    try {
      const { text: rendered } = await api.renderCanned(c.id, conv.id);
      const next = before + rendered + after;
      setText(next);
      const pos = before.length + rendered.length;
      setCaret(pos);
      requestAnimationFrame(() => {
        area.current?.focus();
        area.current?.setSelectionRange(pos, pos);
      });
    } catch (e) {
      setError(errorText(i18n, e));
    } finally {
      setRendering(false);
    }
  }

  // The popup goes when its word (or every word) is gone.
  const popupStale = !!spellPopup && (spellPopup.mode.kind === 'word' ? !spell.list.some((m) => spellPopup.mode.kind === 'word' && m.offset === spellPopup.mode.offset && m.word === spellPopup.mode.word) : !spell.list.length);
  useEffect(() => {
    if (popupStale) setSpellPopup(null);
  }, [popupStale]);

  function openWordPopup(m: Misspelling) {
    setSpellPopup({ mode: { kind: 'word', offset: m.offset, word: m.word }, anchor: anchorFor(box.current, mirror.current, m.offset), fromButton: false });
  }

  const closeSpellPopup = useCallback((refocus: boolean) => {
    setSpellPopup((p) => {
      if (p && refocus) requestAnimationFrame(() => (p.fromButton ? spellButton.current : area.current)?.focus());
      return null;
    });
  }, []);

  /** Replaces exactly the word's range. Through the editing command when the browser has it,
   * so Ctrl+Z undoes it; the input event that follows updates the draft. */
  function chooseSuggestion(m: Misspelling, replacement: string) {
    const ta = area.current;
    const result = applySuggestion(text, m, replacement);
    setSpellPopup(null);
    if (!ta || !result) return;
    ta.focus();
    ta.setSelectionRange(m.offset, m.offset + m.length);
    let done = false;
    try {
      done = document.execCommand('insertText', false, replacement);
    } catch {
      done = false;
    }
    if (!done || ta.value !== result.text) {
      ta.value = result.text;
      setText(result.text);
    }
    ta.setSelectionRange(result.caret, result.caret);
    setCaret(result.caret);
  }

  async function send() {
    const uploading = files.some((f) => !f.attachment && !f.error);
    const ids = files.filter((f) => f.attachment).map((f) => f.attachment!.id);
    if (busy || uploading) return;
    if (!text.trim() && ids.length === 0) {
      setError(t('composer.empty'));
      return;
    }
    const withButtons = !isNote && withButtonsAllowed && buttons && buttons.some((r) => r.length) ? buttons : null;
    if (withButtons && buttonProblems.length) {
      setError(t('buttons.fix'));
      return;
    }
    const problem = publicReply ? replyProblem(text.trim(), direct, ids.length, replyRules) : null;
    if (problem) {
      const p = problem.params;
      setError(t(problem.key, p ? { limit: i18n.number(p.limit), used: i18n.number(p.used) } : undefined));
      return;
    }
    typing.stop();
    setBusy(true);
    setError(null);
    try {
      const { further_messages: further, ...m } = await api.sendMessage(conv.id, {
        text: text.trim(),
        private: isNote,
        attachment_ids: ids.length ? ids : undefined,
        direct: publicReply && direct ? true : undefined,
        buttons: withButtons ? toApiButtons(withButtons) : undefined,
      });
      setText('');
      setFiles([]);
      setButtons(null);
      setCaret(0);
      onSent(m);
      // More files than one message of the channel carries went as further messages.
      for (const next of further ?? []) onSent(next);
    } catch (e) {
      setError(errorText(i18n, e));
    } finally {
      setBusy(false);
      area.current?.focus();
    }
  }

  function onKeyDown(e: KeyboardEvent) {
    if (e.isComposing) return;
    if (open && matches.length) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        setActive((a) => (a + 1) % matches.length);
        return;
      }
      if (e.key === 'ArrowUp') {
        e.preventDefault();
        setActive((a) => (a - 1 + matches.length) % matches.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pick(matches[active]);
        return;
      }
    }
    if (spellPopup && e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setSpellPopup(null);
      return;
    }
    if (open && e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      setDismissed(slash!.start);
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey && !open) {
      e.preventDefault();
      send();
    }
  }

  // A WhatsApp conversation whose 24-hour window is closed takes templates only; notes stay possible.
  const now = useMinuteClock();
  const knownInbox = useKnownInbox(conv.inbox_id);
  if (!isNote && needsTemplate(conv, knownInbox, now)) {
    return <TemplatePicker conv={conv} onSent={onSent} onNote={() => setIsNote(true)} />;
  }

  const track = (el: HTMLTextAreaElement) => setCaret(el.selectionStart ?? el.value.length);
  const listId = `canned-${conv.id}`;
  const uploading = files.some((f) => !f.attachment && !f.error);

  return (
    <form
      class={'composer' + (isNote ? ' is-note' : '') + (dragging ? ' is-dragging' : '')}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => {
        if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node)) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        if (e.dataTransfer?.files.length) addFiles(e.dataTransfer.files);
      }}
    >
      <fieldset class="composer-mode">
        <legend class="visually-hidden">{t('composer.mode')}</legend>
        <label class={!isNote ? 'is-on' : ''}>
          <input type="radio" name={`mode-${conv.id}`} checked={!isNote} onChange={() => setIsNote(false)} />
          <span>{t('composer.reply')}</span>
        </label>
        <label class={isNote ? 'is-on is-note' : ''}>
          <input
            type="radio"
            name={`mode-${conv.id}`}
            checked={isNote}
            onChange={() => {
              typing.stop();
              setIsNote(true);
            }}
          />
          <span>{t('composer.note')}</span>
        </label>
      </fieldset>
      {publicReply && <ReplyMode id={`reply-${conv.id}`} direct={direct} onChange={setDirect} rules={replyRules} />}
      {!isNote && withButtonsAllowed && buttons && (
        <ButtonEditor id={`buttons-${conv.id}`} rows={buttons} problems={buttonProblems} rules={buttonRules ?? undefined} onChange={setButtons} onClose={() => setButtons(null)} />
      )}
      <div class="composer-box" ref={box}>
        {open && (
          <div class="canned-popup">
            <div class="canned-head small muted" id={listId + '-label'}>
              {t('composer.canned')}
            </div>
            {matches.length ? (
              <ul id={listId} role="listbox" aria-labelledby={listId + '-label'}>
                {matches.map((c, i) => (
                  <li
                    key={c.id}
                    id={`${listId}-${c.id}`}
                    role="option"
                    aria-selected={i === active}
                    class={i === active ? 'is-active' : ''}
                    onMouseDown={(e) => {
                      e.preventDefault();
                      pick(c);
                    }}
                    onMouseEnter={() => setActive(i)}
                  >
                    <span class="canned-code">/{c.short_code}</span>
                    <span class="canned-lang">{c.language.toUpperCase()}</span>
                    <span class="canned-preview">{c.content}</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="small muted canned-empty">{t('composer.cannedEmpty', { q: slash?.query ?? '' })}</p>
            )}
          </div>
        )}
        <label class="visually-hidden" for={`composer-${conv.id}`}>
          {isNote ? t('composer.note') : t('composer.reply')}
        </label>
        <div class="composer-field">
          {spell.enabled && <SpellMirror text={text} list={spell.list} area={area} mirror={mirror} />}
          <textarea
            id={`composer-${conv.id}`}
            ref={area}
            class="composer-input"
            rows={3}
            value={text}
            spellcheck={!spell.enabled}
            placeholder={isNote ? t('composer.placeholderNote') : t('composer.placeholderReply')}
            aria-autocomplete="list"
            aria-controls={open && matches.length ? listId : undefined}
            aria-activedescendant={open && matches[active] ? `${listId}-${matches[active].id}` : undefined}
            aria-describedby={error ? `composer-error-${conv.id}` : undefined}
            aria-keyshortcuts="r"
            onInput={(e) => {
              setText(e.currentTarget.value);
              if (!isNote) typing.input(e.currentTarget.value);
              track(e.currentTarget);
              setDismissed(null);
              if (spellPopup?.mode.kind === 'word') setSpellPopup(null);
            }}
            onKeyDown={onKeyDown}
            onKeyUp={(e) => track(e.currentTarget)}
            onBlur={() => typing.stop()}
            onClick={(e) => {
              const el = e.currentTarget;
              track(el);
              const m = el.selectionStart === el.selectionEnd ? misspellingAt(spell.list, el.selectionStart ?? -1) : null;
              if (m) openWordPopup(m);
              else if (spellPopup) setSpellPopup(null);
            }}
            disabled={rendering}
          />
        </div>
        {spellPopup && (
          <SpellPopup
            id={`spell-${conv.id}`}
            mode={spellPopup.mode}
            list={spell.list}
            anchor={spellPopup.anchor}
            focusFirst={spellPopup.fromButton}
            onChoose={chooseSuggestion}
            onIgnore={(m) => {
              spell.ignore(m.word);
              if (spellPopup.mode.kind === 'word' || spell.list.length <= 1) closeSpellPopup(true);
            }}
            onClose={closeSpellPopup}
          />
        )}
        {rendering && (
          <p class="small muted" role="status">
            {t('composer.cannedRendering')}
          </p>
        )}
      </div>
      {files.length > 0 && (
        <ul class="upload-list">
          {files.map((f) => (
            <li key={f.key} class={f.error ? 'is-error' : ''}>
              <Icon name="paperclip" size={14} />
              <span>{f.attachment ? f.name : f.error ? `${f.name}: ${f.error}` : t('composer.uploading', { name: f.name })}</span>
              <button type="button" class="btn btn-ghost btn-icon btn-xs" aria-label={t('composer.removeAttachment', { name: f.name })} onClick={() => setFiles((prev) => prev.filter((p) => p.key !== f.key))}>
                <Icon name="x" size={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="composer-bar">
        <input ref={fileInput} type="file" multiple hidden onChange={(e) => {
          if (e.currentTarget.files) addFiles(e.currentTarget.files);
          e.currentTarget.value = '';
        }} />
        <AttachButton textOnly={textOnly} hint={replyRules.texts.textOnlyHint} onClick={() => fileInput.current?.click()} />
        {spell.enabled && (
          <>
            <label class="visually-hidden" for={`spell-lang-${conv.id}`}>
              {t('spell.language')}
            </label>
            <select
              id={`spell-lang-${conv.id}`}
              class="spell-lang input-sm"
              value={spell.language}
              title={t('spell.language')}
              onChange={(e) => spell.setLanguage(e.currentTarget.value as SpellLanguage)}
            >
              <option value="auto">
                {spell.language === 'auto' && (spell.answered?.language === 'de' || spell.answered?.language === 'en')
                  ? t('spell.autoDetected', { lang: t(`lang.${spell.answered.language}`) })
                  : t('spell.auto')}
              </option>
              <option value="de">{t('lang.de')}</option>
              <option value="en">{t('lang.en')}</option>
            </select>
            <button
              ref={spellButton}
              type="button"
              class={'btn btn-ghost btn-sm spell-toggle' + (spell.list.length ? ' has-errors' : '')}
              disabled={!spell.list.length}
              aria-haspopup="dialog"
              aria-expanded={spellPopup?.mode.kind === 'list'}
              aria-controls={spellPopup?.mode.kind === 'list' ? `spell-${conv.id}` : undefined}
              onClick={() => setSpellPopup(spellPopup?.mode.kind === 'list' ? null : { mode: { kind: 'list' }, anchor: null, fromButton: true })}
            >
              <Icon name="spell" /> {spell.list.length ? i18n.tn('spell.count', spell.list.length) : t('spell.none')}
            </button>
          </>
        )}
        {!isNote && withButtonsAllowed && !buttons && (
          <button type="button" class="btn btn-ghost btn-sm" title={t('buttons.toggleHint')} onClick={() => setButtons([[emptyButton()]])}>
            <Icon name="keyboard" /> {t('buttons.toggle')}
          </button>
        )}
        {publicReply && <ReplyCounter id={`reply-count-${conv.id}`} text={text.trim()} direct={direct} rules={replyRules} />}
        <span class="drop-hint small muted" aria-hidden="true">
          {dragging ? t('composer.dropHere') : ''}
        </span>
        <div id={`composer-error-${conv.id}`} class="form-error small" role="alert">
          {error}
        </div>
        <button type="submit" class={'btn ' + (isNote ? 'btn-note' : 'btn-primary')} disabled={busy || uploading || rendering}>
          <Icon name="send" /> {busy ? t('composer.sending') : isNote ? t('composer.addNote') : t('composer.send')}
        </button>
      </div>
    </form>
  );
}
