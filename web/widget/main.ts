// DESIGN: the Parley web-chat widget, one <script> per inbox:
//   <script src="https://desk.example.com/widget.js" data-parley-inbox="12" async></script>
// It reads its inbox and the Parley server's address from its own script tag, optional
// settings from window.parleySettings ({ locale, user: {id, email, name, phone}, user_hash } —
// docs/channels/WEBCHAT.md), and mounts itself in a shadow root on a host element of its own,
// so the page's CSS and the widget's never meet. No framework: plain DOM and ~10 kB gzipped.
// The visitor token lives in the site's localStorage (per Parley server and inbox), so the
// conversation continues across reloads and tabs.
import { pickLanguage } from './i18n';
import { startRetryDelayMs, storageKey } from './logic';
import { ApiError } from './transport';
import { ChatWidget } from './widget';

interface ParleySettings {
  locale?: string;
  user?: { id?: string | number; email?: string; name?: string; phone?: string };
  user_hash?: string;
}

function boot(script: HTMLScriptElement): void {
  const inboxId = script.dataset.parleyInbox;
  if (!inboxId || !/^\d+$/.test(inboxId)) {
    console.warn('Parley chat: the script tag needs data-parley-inbox="<inbox id>"');
    return;
  }
  const base = new URL(script.src, location.href).origin;
  const settings: ParleySettings = (window as unknown as { parleySettings?: ParleySettings }).parleySettings ?? {};
  const lang = pickLanguage(settings.locale ?? script.dataset.parleyLocale, document.documentElement.lang, navigator.languages ?? [navigator.language]);
  const host = document.createElement('div');
  host.setAttribute('data-parley-widget', inboxId);
  document.body.append(host);
  const widget = new ChatWidget(host, { base, inboxId, lang, storageKey: storageKey(base, inboxId), user: settings.user, userHash: settings.user_hash });
  void startWithRetries(widget, host);
}

// A start that failed for a passing reason (the network, a rate limit, Parley restarting) is
// tried again later, the launcher hidden meanwhile (it could not open a chat); a permanent one (a
// wrong inbox id, a site the inbox does not allow) removes the widget and says why in the console.
async function startWithRetries(widget: ChatWidget, host: HTMLElement): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await widget.start();
      host.style.display = '';
      return;
    } catch (e) {
      const wait = startRetryDelayMs(e instanceof ApiError ? e.status : -1, attempt, Math.random());
      if (wait === null) {
        console.warn('Parley chat could not start:', e instanceof Error ? e.message : e);
        host.remove();
        return;
      }
      host.style.display = 'none';
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

const current = document.currentScript as HTMLScriptElement | null;
const script = current && current.dataset.parleyInbox ? current : document.querySelector<HTMLScriptElement>('script[data-parley-inbox]');
if (script) {
  if (document.body) boot(script);
  else document.addEventListener('DOMContentLoaded', () => boot(script), { once: true });
}
