import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { mailPayload } from '../lib/mail';
import { MailBody, MailHead, MailNotes } from './mail';
import { AttachmentView } from './message';

const mail = mailPayload({
  subject: '<img src=x onerror=alert(1)> Rückfrage',
  from: { name: 'Jürgen <b>Müller</b>', address: 'juergen@kunde.test' },
  to: [{ name: 'Support', address: 'support@acme.test' }],
  cc: [],
  html: '<p>Hallo <b>Welt</b></p>',
  skipped_files: [{ filename: 'video.mp4', reason: 'larger than attachment_max_bytes' }],
  text_truncated: true,
})!;

describe('e-mail parts of a message', () => {
  it('show subject and header as text, never as HTML', () => {
    const html = render(<MailHead mail={mail} />);
    expect(html).toContain('&lt;img src=x onerror=alert(1)> Rückfrage');
    expect(html).not.toContain('<img');
    expect(html).toContain('Jürgen &lt;b>Müller&lt;/b> &lt;juergen@kunde.test>');
    expect(html).toContain('<details class="mail-fields">');
  });

  it('show the text until the agent asks for the formatted view (no frame, no HTML before)', () => {
    const html = render(
      <MailBody mail={mail} attachments={[]}>
        <p class="msg-text">Hallo Welt</p>
      </MailBody>,
    );
    expect(html).toContain('aria-pressed="false"');
    expect(html).toContain('Hallo Welt');
    expect(html).not.toContain('<iframe');
    expect(html).not.toContain('<b>Welt</b>');
  });

  it('list what the server left out', () => {
    const html = render(<MailNotes mail={mail} />);
    expect(html).toContain('Not stored: video.mp4 (larger than attachment_max_bytes)');
    expect(html).toContain('The text was cut');
  });

  it('show pending and failed files with the reason', () => {
    const pending = render(<AttachmentView info={{ id: 1, state: 'pending', contentType: '', filename: 'foto.jpg', size: null, error: null }} />);
    expect(pending).toContain('Loading image…');
    const failed = render(<AttachmentView info={{ id: 2, state: 'failed', contentType: '', filename: 'bericht.pdf', size: null, error: 'HTTP 404 from the provider' }} />);
    expect(failed).toContain('“bericht.pdf” could not be loaded. Server details: HTTP 404 from the provider');
    const stored = render(<AttachmentView info={{ id: 3, state: 'stored', contentType: 'application/pdf', filename: 'rechnung.pdf', size: 2048, error: null }} />);
    expect(stored).toContain('href="/api/v1/attachments/3"');
    expect(stored).toContain('2 KB');
  });
});
