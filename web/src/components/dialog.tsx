// A modal built on <dialog>.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from '../i18n';
import { Icon } from './icons';

/** A modal built on <dialog>: focus is trapped by the browser, Esc closes, focus returns. */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    ref.current?.showModal();
    return () => opener?.focus();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" onClose={onClose} onCancel={onClose}>
      <div class="dialog-head">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" class="btn btn-ghost btn-icon" onClick={onClose} aria-label={t('app.close')}>
          <Icon name="x" />
        </button>
      </div>
      {children}
    </dialog>
  );
}
