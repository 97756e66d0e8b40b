// Buttons under a Telegram or WhatsApp reply: the composer's editor (rows of buttons, each a label
// plus either data sent back when tapped or, on Telegram, a link to open), checked as the agent
// types by the server's rules for the channel (lib/buttons.ts), with a preview of what the
// customer sees; and the buttons drawn under a sent message's bubble.
import type { ApiButton, ButtonDraft, ButtonProblem, ButtonRules } from '../lib/buttons';
import { emptyButton, TELEGRAM_RULES } from '../lib/buttons';
import { useI18n } from '../i18n';
import { Icon } from './icons';

type Props = {
  id: string;
  rows: ButtonDraft[][];
  problems: ButtonProblem[];
  onChange(rows: ButtonDraft[][]): void;
  onClose(): void;
  /** The channel's limits (Telegram's by default); without links the kind choice is not shown. */
  rules?: ButtonRules;
};

export function ButtonEditor({ id, rows, problems, onChange, onClose, rules = TELEGRAM_RULES }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const problemOf = (r: number, c: number, field: ButtonProblem['field']) => problems.find((p) => p.row === r && p.col === c && p.field === field);
  const set = (r: number, c: number, patch: Partial<ButtonDraft>) =>
    onChange(rows.map((row, ri) => (ri !== r ? row : row.map((b, ci) => (ci === c ? { ...b, ...patch } : b)))));
  const removeButton = (r: number, c: number) => onChange(rows.map((row, ri) => (ri === r ? row.filter((_, ci) => ci !== c) : row)).filter((row) => row.length));
  const whole = problems.filter((p) => p.field === 'all');
  return (
    <fieldset class="button-editor" aria-describedby={`${id}-help`}>
      <legend>{t('buttons.title')}</legend>
      <p class="small muted" id={`${id}-help`}>
        {t(rules.links ? 'buttons.help' : 'buttons.helpWhatsApp')}
      </p>
      {rows.map((row, r) => {
        const rowProblem = problemOf(r, -1, 'row');
        return (
          <div class="button-row" role="group" aria-label={t('buttons.row', { n: r + 1 })} key={r}>
            {row.map((b, c) => {
              const base = `${id}-${r}-${c}`;
              const textProblem = problemOf(r, c, 'text');
              const valueProblem = problemOf(r, c, 'value');
              return (
                <div class="button-draft" key={c}>
                  <label class="visually-hidden" for={`${base}-text`}>
                    {t('buttons.text', { row: r + 1, n: c + 1 })}
                  </label>
                  <input
                    id={`${base}-text`}
                    class="input-sm"
                    value={b.text}
                    placeholder={t('buttons.textPlaceholder')}
                    aria-invalid={textProblem ? 'true' : undefined}
                    aria-describedby={textProblem ? `${base}-text-error` : undefined}
                    onInput={(e) => set(r, c, { text: e.currentTarget.value })}
                  />
                  {rules.links && (
                    <>
                      <label class="visually-hidden" for={`${base}-kind`}>
                        {t('buttons.kind', { row: r + 1, n: c + 1 })}
                      </label>
                      <select id={`${base}-kind`} class="input-sm" value={b.kind} onChange={(e) => set(r, c, { kind: e.currentTarget.value as ButtonDraft['kind'] })}>
                        <option value="data">{t('buttons.kindData')}</option>
                        <option value="url">{t('buttons.kindUrl')}</option>
                      </select>
                    </>
                  )}
                  <label class="visually-hidden" for={`${base}-value`}>
                    {b.kind === 'data' ? t('buttons.data', { row: r + 1, n: c + 1 }) : t('buttons.url', { row: r + 1, n: c + 1 })}
                  </label>
                  <input
                    id={`${base}-value`}
                    class="input-sm"
                    value={b.value}
                    placeholder={b.kind === 'data' ? t('buttons.dataPlaceholder') : 'https://'}
                    aria-invalid={valueProblem ? 'true' : undefined}
                    aria-describedby={valueProblem ? `${base}-value-error` : undefined}
                    onInput={(e) => set(r, c, { value: e.currentTarget.value })}
                  />
                  <button type="button" class="btn btn-ghost btn-icon btn-xs" aria-label={t('buttons.remove', { row: r + 1, n: c + 1 })} onClick={() => removeButton(r, c)}>
                    <Icon name="x" size={12} />
                  </button>
                  {textProblem && (
                    <span class="form-error small" id={`${base}-text-error`}>
                      {t(textProblem.key, textProblem.params)}
                    </span>
                  )}
                  {valueProblem && (
                    <span class="form-error small" id={`${base}-value-error`}>
                      {t(valueProblem.key, valueProblem.params)}
                    </span>
                  )}
                </div>
              );
            })}
            <button
              type="button"
              class="btn btn-ghost btn-xs"
              disabled={row.length >= rules.maxPerRow || rows.reduce((n, x) => n + x.length, 0) >= rules.maxButtons}
              onClick={() => onChange(rows.map((x, ri) => (ri === r ? [...x, emptyButton()] : x)))}
            >
              {t('buttons.addToRow', { n: r + 1 })}
            </button>
            {rowProblem && <span class="form-error small">{t(rowProblem.key, rowProblem.params)}</span>}
          </div>
        );
      })}
      <div class="button-editor-bar">
        <button type="button" class="btn btn-ghost btn-sm" disabled={rows.length >= rules.maxRows || rows.reduce((n, x) => n + x.length, 0) >= rules.maxButtons} onClick={() => onChange([...rows, [emptyButton()]])}>
          {t('buttons.addRow')}
        </button>
        <button type="button" class="btn btn-ghost btn-sm" onClick={onClose}>
          {t('buttons.removeAll')}
        </button>
        {whole.map((p) => (
          <span class="form-error small" key={p.key}>
            {t(p.key, p.params)}
          </span>
        ))}
      </div>
      {rows.some((r) => r.length) && (
        <div class="button-preview" aria-label={t('buttons.preview')} role="group">
          <span class="small muted">{t('buttons.preview')}</span>
          <KeyboardView rows={rows.map((r) => r.map((b) => (b.kind === 'url' ? { text: b.text || '…', url: b.value } : { text: b.text || '…', callback_data: b.value })))} />
        </div>
      )}
    </fieldset>
  );
}

/** Rows of buttons as the customer sees them under the message (not clickable in the desk). */
export function KeyboardView({ rows }: { rows: ApiButton[][] }) {
  const { t } = useI18n();
  return (
    <div class="keyboard" role="group" aria-label={t('buttons.sentWith')}>
      {rows.map((row, r) => (
        <div class="keyboard-row" key={r}>
          {row.map((b, c) => (
            <span
              class={'keyboard-button' + ('url' in b ? ' is-link' : '')}
              key={c}
              title={'url' in b ? t('buttons.opens', { url: b.url }) : t('buttons.sends', { data: b.callback_data })}
            >
              {b.text}
              {'url' in b && <span aria-hidden="true"> ↗</span>}
            </span>
          ))}
        </div>
      ))}
    </div>
  );
}
