import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import type { Message } from '../api/types';
import { validateButtons, WHATSAPP_RULES, type ButtonDraft } from '../lib/buttons';
import { ButtonEditor, KeyboardView } from './button-editor';
import { PublicBadge, ReplyCounter, ReplyMode, ReplyWayTag } from './reply-mode';

describe('the button editor', () => {
  it('marks the broken field with the reason and previews what the customer sees', () => {
    const rows: ButtonDraft[][] = [[{ text: 'Ja', kind: 'data', value: 'd'.repeat(65) }, { text: '', kind: 'url', value: 'https://example.com' }]];
    const html = render(<ButtonEditor id="b" rows={rows} problems={validateButtons(rows)} onChange={() => {}} onClose={() => {}} />);
    expect(html).toContain('id="b-0-0-value" class="input-sm" value="' + 'd'.repeat(65) + '"');
    expect(html).toMatch(/id="b-0-0-value"[^>]*aria-invalid="true"/);
    expect(html).toContain('At most 64 bytes (this is 65).');
    expect(html).toContain('Every button needs a text.');
    expect(html).toContain('Preview');
    expect(html).toContain('class="keyboard-button is-link" title="Opens https://example.com">…');
  });

  it('offers WhatsApp’s reply buttons with its limits: no links, 20-character labels, different labels, at most 3', () => {
    const rows: ButtonDraft[][] = [
      [{ text: 'Einundzwanzig Zeichen', kind: 'data', value: 'a' }, { text: 'Ja', kind: 'data', value: ' b' }],
      [{ text: 'Ja', kind: 'data', value: 'c' }, { text: 'Shop', kind: 'url', value: 'https://shop.example' }],
    ];
    const problems = validateButtons(rows, WHATSAPP_RULES);
    expect(problems.map((p) => p.key)).toEqual(['buttons.tooMany', 'buttons.textTooLong', 'buttons.dataSpaces', 'buttons.textDuplicate', 'buttons.noLinks']);
    const html = render(<ButtonEditor id="w" rows={rows} problems={problems} rules={WHATSAPP_RULES} onChange={() => {}} onClose={() => {}} />);
    expect(html).not.toContain('Opens link'); // no kind choice on WhatsApp
    expect(html).toContain('WhatsApp shows up to 3 reply buttons');
    expect(html).toContain('At most 3 buttons in all.');
    expect(html).toContain('At most 20 characters on one line.');
    expect(html).toContain('WhatsApp needs a different text on each button.');
    expect(html).toContain('<button type="button" class="btn btn-ghost btn-sm" disabled>+ Row</button>');
    expect(validateButtons([[{ text: 'Ja', kind: 'data', value: 'x'.repeat(256) }]], WHATSAPP_RULES)).toEqual([]);
    expect(validateButtons([[{ text: 'Ja', kind: 'data', value: 'x'.repeat(257) }]], WHATSAPP_RULES)[0].key).toBe('buttons.dataTooLongChars');
  });

  it('draws a sent keyboard row by row, links marked', () => {
    const html = render(<KeyboardView rows={[[{ text: 'Ja', callback_data: 'yes' }, { text: 'Nein', callback_data: 'no' }], [{ text: 'Hilfe', url: 'https://example.com' }]]} />);
    expect(html.match(/class="keyboard-row"/g)).toHaveLength(2);
    expect(html).toContain('title="Sends “yes”">Ja</span>');
    expect(html).toContain('class="keyboard-button is-link"');
  });
});

describe('public conversations', () => {
  it('offer both ways with the warning that a public reply is seen by everyone', () => {
    const html = render(<ReplyMode id="r" direct={false} onChange={() => {}} />);
    expect(html).toContain('Reply publicly');
    expect(html).toContain('Reply by direct message');
    expect(html).toContain('A public reply is visible to everyone on X.');
    expect(render(<ReplyMode id="r" direct onChange={() => {}} />)).toContain('Only the customer sees a direct message.');
  });

  it('count the draft and flag it when it is too long', () => {
    expect(render(<ReplyCounter id="c" text={'x'.repeat(281)} direct={false} />)).toContain('is-over');
    expect(render(<ReplyCounter id="c" text={'x'.repeat(281)} direct />)).not.toContain('is-over');
    expect(render(<ReplyCounter id="c" text="hi https://example.com/long/path" direct={false} />)).toContain('26 / 280');
  });

  it('tag each reply with the way it went', () => {
    const m = { direction: 'outgoing', payload: { direct: true } } as unknown as Message;
    expect(render(<ReplyWayTag m={m} publicThread />)).toContain('Direct message');
    expect(render(<ReplyWayTag m={{ ...m, payload: {} }} publicThread />)).toContain('Public reply');
    expect(render(<ReplyWayTag m={{ ...m, payload: {} }} />)).toBe('');
    expect(render(<PublicBadge />)).toContain('Public');
  });
});
