// Spell check in the composer (lib/spellcheck.ts has the logic): the hook that asks the server
// while the agent types, the mirror that underlines the misspelled words behind the textarea,
// the popup with the suggestions and the language selector.
//
// The mirror technique: a textarea cannot style ranges, so a div with the same box, font,
// padding and wrapping lies behind it (the textarea's background is transparent) and holds the
// same text — as text nodes, with each misspelled word in a <mark> whose text is transparent
// and only the wavy underline shows. It never receives the pointer; clicks land in the textarea
// and are mapped to a word through the caret position.
import type { RefObject } from 'preact';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api/client';
import { useI18n } from '../i18n';
import {
  mirrorSegments, rebase, spellMemory, SpellScheduler, usableMisspellings,
  type Misspelling, type SpellAnswer, type SpellLanguage,
} from '../lib/spellcheck';

/** Off for the page's lifetime once the server says it has no spell check (404, 503). */
let serverLacksSpellcheck = false;

export interface SpellState {
  /** Usable misspellings of the current text, in order. */
  list: Misspelling[];
  /** The language the server used for the last answer, and whether it detected it. */
  answered: { language: string; detected: boolean } | null;
  enabled: boolean;
  /** Call with every new text (typing, a canned response, a suggestion, clearing). */
  textChanged(next: string): void;
  language: SpellLanguage;
  setLanguage(l: SpellLanguage): void;
  ignore(word: string): void;
}

/** Spell checking of one draft. `defaultLanguage` is the conversation's language when known. */
export function useSpellCheck(conversationId: number, text: string, defaultLanguage: 'de' | 'en' | null): SpellState {
  const [chosen, setChosen] = useState<SpellLanguage | undefined>(() => spellMemory.language(conversationId));
  const language: SpellLanguage = chosen ?? defaultLanguage ?? 'auto';
  // The ranges of the last answer, relative to `base` (moved along with every edit).
  const [found, setFound] = useState<{ base: string; list: Misspelling[] }>({ base: '', list: [] });
  const [answered, setAnswered] = useState<SpellState['answered']>(null);
  const [enabled, setEnabled] = useState(!serverLacksSpellcheck);
  const [, setIgnoredTick] = useState(0);
  const languageRef = useRef(language);
  languageRef.current = language;

  const scheduler = useMemo(
    () =>
      new SpellScheduler({
        check: (t, l, signal) => api.spellcheck(t, l, signal) as Promise<SpellAnswer>,
        onAnswer: (t, answer) => {
          setFound({ base: t, list: Array.isArray(answer.misspellings) ? answer.misspellings : [] });
          setAnswered({ language: answer.language, detected: !!answer.detected });
        },
        onError: (e) => {
          if (e instanceof ApiError && (e.status === 404 || e.status === 503 || e.status === 501)) {
            serverLacksSpellcheck = true;
            setEnabled(false);
          }
          // Anything else (offline, 413 for a very long draft): no underlines this time.
        },
      }),
    [],
  );
  useEffect(() => () => scheduler.cancel(), []);

  // A new language (chosen, or the contact's became known): check again at once.
  useEffect(() => {
    if (!enabled) return;
    scheduler.relanguage(language, text);
  }, [language, enabled]);

  return {
    list: enabled && found.base === text ? usableMisspellings(text, found.list, spellMemory.ignored()) : [],
    answered,
    enabled,
    textChanged(next: string) {
      setFound((prev) => ({ base: next, list: rebase(prev.list, prev.base, next) }));
      if (enabled) scheduler.update(next, languageRef.current);
    },
    language,
    setLanguage(l: SpellLanguage) {
      spellMemory.setLanguage(conversationId, l);
      setChosen(l);
    },
    ignore(word: string) {
      spellMemory.ignore(word);
      setIgnoredTick((n) => n + 1);
    },
  };
}

/** The div behind the textarea: the same text, misspelled words underlined. */
export function SpellMirror({ text, list, area, mirror }: { text: string; list: Misspelling[]; area: RefObject<HTMLTextAreaElement | null>; mirror: RefObject<HTMLDivElement | null> }) {
  // Same box as the textarea's content area: copied from its computed style, and again when
  // it is resized (drag handle, window) or scrolled.
  useLayoutEffect(() => {
    const ta = area.current;
    const el = mirror.current;
    if (!ta || !el) return;
    const sync = () => {
      const cs = getComputedStyle(ta);
      const s = el.style;
      for (const p of ['fontFamily', 'fontSize', 'fontWeight', 'fontStyle', 'lineHeight', 'letterSpacing', 'wordSpacing', 'textIndent', 'tabSize', 'textTransform',
        'paddingTop', 'paddingRight', 'paddingBottom', 'paddingLeft'] as const) {
        s[p] = cs[p];
      }
      s.top = cs.borderTopWidth;
      s.left = cs.borderLeftWidth;
      s.width = ta.clientWidth + 'px';
      s.height = ta.clientHeight + 'px';
      el.scrollTop = ta.scrollTop;
    };
    sync();
    const onScroll = () => (el.scrollTop = ta.scrollTop);
    ta.addEventListener('scroll', onScroll, { passive: true });
    const ro = typeof ResizeObserver === 'function' ? new ResizeObserver(sync) : null;
    ro?.observe(ta);
    return () => {
      ta.removeEventListener('scroll', onScroll);
      ro?.disconnect();
    };
  }, []);
  // The content may have grown a scrollbar (which narrows the textarea's client width).
  useLayoutEffect(() => {
    const ta = area.current;
    const el = mirror.current;
    if (!ta || !el) return;
    el.style.width = ta.clientWidth + 'px';
    el.scrollTop = ta.scrollTop;
  });
  const segments = mirrorSegments(text, list);
  return (
    <div class="composer-mirror" ref={mirror} aria-hidden="true">
      {segments.map((s, i) =>
        s.mark === undefined ? (
          s.text
        ) : (
          <mark key={i} class="spell-mark" data-spell-offset={list[s.mark].offset}>
            {s.text}
          </mark>
        ),
      )}
    </div>
  );
}

export type SpellPopupMode = { kind: 'word'; offset: number; word: string } | { kind: 'list' };

/** Suggestions for one word (opened by clicking it) or for all of them (the "Spelling" button). */
export function SpellPopup({
  id, mode, list, anchor, onChoose, onIgnore, onClose, focusFirst,
}: {
  id: string;
  mode: SpellPopupMode;
  list: Misspelling[];
  anchor: { left: number; bottom: number } | null;
  onChoose: (m: Misspelling, replacement: string) => void;
  onIgnore: (m: Misspelling) => void;
  onClose: (refocus: boolean) => void;
  focusFirst: boolean;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDivElement>(null);
  const shown = mode.kind === 'word' ? list.filter((m) => m.offset === mode.offset && m.word === mode.word) : list;

  useEffect(() => {
    if (focusFirst) ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
  }, []);
  useEffect(() => {
    const onDoc = (e: MouseEvent) => {
      const target = e.target as Node;
      if (ref.current?.contains(target)) return;
      if ((target as HTMLElement).closest?.('.composer-field, .spell-toggle')) return; // the textarea and the toggle decide themselves
      onClose(false);
    };
    document.addEventListener('mousedown', onDoc);
    return () => document.removeEventListener('mousedown', onDoc);
  }, [onClose]);

  if (!shown.length) return null;
  const title = mode.kind === 'word' ? t('spell.popupWord', { word: mode.word }) : t('spell.popupList');
  const style = anchor && mode.kind === 'word' ? { left: `${anchor.left}px`, bottom: `${anchor.bottom}px` } : undefined;
  return (
    <div
      id={id}
      ref={ref}
      class={'spell-popup' + (mode.kind === 'list' ? ' is-list' : '')}
      style={style}
      role="dialog"
      aria-label={title}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          onClose(true);
        } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          const buttons = Array.from(ref.current?.querySelectorAll<HTMLButtonElement>('button') ?? []);
          const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
          if (!buttons.length) return;
          e.preventDefault();
          const next = e.key === 'ArrowDown' ? (i + 1) % buttons.length : (i - 1 + buttons.length) % buttons.length;
          buttons[next].focus();
        }
      }}
    >
      {shown.map((m) => (
        <div key={m.offset} class="spell-item" role="group" aria-label={t('spell.itemLabel', { word: m.word })}>
          <p class="spell-word">
            <span class="spell-word-text">{m.word}</span>
          </p>
          {m.suggestions.length ? (
            <ul class="spell-suggestions">
              {m.suggestions.map((s) => (
                <li key={s}>
                  <button type="button" class="btn btn-ghost btn-sm btn-left spell-suggestion" onClick={() => onChoose(m, s)}>
                    {s}
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p class="small muted">{t('spell.noSuggestions')}</p>
          )}
          <button
            type="button"
            class="btn btn-link small spell-ignore"
            onClick={() => {
              onIgnore(m);
              requestAnimationFrame(() => ref.current?.querySelector<HTMLButtonElement>('button')?.focus());
            }}
            aria-label={t('spell.ignoreWord', { word: m.word })}
          >
            {t('spell.ignore')}
          </button>
        </div>
      ))}
    </div>
  );
}

/** Where a word popup goes: above the word's mark in the mirror, within the composer box. */
export function anchorFor(box: HTMLElement | null, mirror: HTMLElement | null, offset: number): { left: number; bottom: number } | null {
  const mark = mirror?.querySelector<HTMLElement>(`mark[data-spell-offset="${offset}"]`);
  if (!box || !mark) return null;
  const b = box.getBoundingClientRect();
  const r = mark.getClientRects()[0] ?? mark.getBoundingClientRect();
  const left = Math.max(0, Math.min(r.left - b.left, b.width - 240));
  return { left, bottom: b.bottom - r.top + 4 };
}
