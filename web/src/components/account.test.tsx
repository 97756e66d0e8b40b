import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { createI18n, I18nContext } from '../i18n';
import { AccountDialog, PasswordChange } from './account';

const me = { id: 7, name: 'Bob Agent', email: 'bob@parley.local', role: 'agent' as const };

describe('My account', () => {
  it('labels the three password fields and tells password managers which is which', () => {
    const html = render(<PasswordChange me={me} />);
    expect(html).toContain('<label for="account-current">Current password</label>');
    expect(html).toMatch(/id="account-current" type="password" autocomplete="current-password"/);
    expect(html).toMatch(/id="account-next" type="password" autocomplete="new-password" required minlength="8"[^>]*aria-describedby="account-next-help"/);
    expect(html).toMatch(/id="account-repeat" type="password" autocomplete="new-password"/);
    expect(html).toMatch(/autocomplete="username" value="bob@parley.local" readonly hidden/);
    expect(html).toContain('At least 8 characters.');
    expect(html).toContain('A new password signs you out everywhere else; this browser stays signed in.');
  });

  it('speaks German', () => {
    const html = render(
      <I18nContext.Provider value={createI18n('de')}>
        <AccountDialog me={me} onClose={() => {}} />
      </I18nContext.Provider>,
    );
    expect(html).toContain('Mein Konto');
    expect(html).toContain('Passwort ändern');
    expect(html).toContain('<label for="account-current">Aktuelles Passwort</label>');
    expect(html).toContain('Neues Passwort wiederholen');
    expect(html).toContain('Mindestens 8 Zeichen.');
    expect(html).toContain('<dd>bob@parley.local</dd>');
  });
});
