// The widget's strings in German and English. The language comes from the embedding page
// (data-parley-locale, <html lang>) or else the browser; anything not German is English.
export type Lang = 'de' | 'en';

const en = {
  open: 'Open chat',
  close: 'Close chat',
  online: 'We are online',
  offline: 'We are offline',
  greeting: 'Hi! How can we help you?',
  offlineMessage: 'Nobody is available right now. Leave your message and your e-mail address and we will get back to you.',
  backAt: 'Back {time}',
  message: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  attach: 'Attach a file',
  name: 'Name',
  email: 'E-mail',
  emailForAnswer: 'Your e-mail address for our answer',
  start: 'Start chat',
  prechat: 'Before we start: who are you?',
  typing: '{name} is typing…',
  typingAnonymous: 'Typing…',
  you: 'You',
  support: 'Support',
  sendFailed: 'Not sent. Please try again.',
  emailInvalid: 'Please enter a valid e-mail address.',
  emailRequired: 'Please enter your e-mail address so we can answer you.',
  tooLarge: 'The file is too large (at most {size}).',
  textTooLong: 'The message is too long (at most {size}). Please shorten it or send it in parts.',
  rateLimited: 'Too many messages at once. Please wait a moment.',
  unread: '{n} new messages',
  read: 'Read',
  conversation: 'Conversation',
  chatWith: 'Chat with {name}',
};

export type Key = keyof typeof en;

const de: Record<Key, string> = {
  open: 'Chat öffnen',
  close: 'Chat schließen',
  online: 'Wir sind online',
  offline: 'Wir sind gerade nicht erreichbar',
  greeting: 'Hallo! Wie können wir helfen?',
  offlineMessage: 'Gerade ist niemand erreichbar. Hinterlassen Sie Ihre Nachricht und Ihre E-Mail-Adresse, wir melden uns.',
  backAt: 'Wieder da: {time}',
  message: 'Nachricht',
  placeholder: 'Nachricht schreiben …',
  send: 'Senden',
  attach: 'Datei anhängen',
  name: 'Name',
  email: 'E-Mail',
  emailForAnswer: 'Ihre E-Mail-Adresse für unsere Antwort',
  start: 'Chat starten',
  prechat: 'Bevor es losgeht: Wer sind Sie?',
  typing: '{name} schreibt …',
  typingAnonymous: 'Schreibt …',
  you: 'Sie',
  support: 'Support',
  sendFailed: 'Nicht gesendet. Bitte noch einmal versuchen.',
  emailInvalid: 'Bitte eine gültige E-Mail-Adresse eingeben.',
  emailRequired: 'Bitte geben Sie Ihre E-Mail-Adresse an, damit wir antworten können.',
  tooLarge: 'Die Datei ist zu groß (höchstens {size}).',
  textTooLong: 'Die Nachricht ist zu lang (höchstens {size}). Bitte kürzen oder in Teilen senden.',
  rateLimited: 'Zu viele Nachrichten auf einmal. Bitte kurz warten.',
  unread: '{n} neue Nachrichten',
  read: 'Gelesen',
  conversation: 'Unterhaltung',
  chatWith: 'Chat mit {name}',
};

export const STRINGS: Record<Lang, Record<Key, string>> = { en, de };

/** The widget's language: an explicit choice, else the page's <html lang>, else the browser's. */
export function pickLanguage(explicit: string | null | undefined, pageLang: string | null | undefined, browser: readonly string[]): Lang {
  for (const candidate of [explicit, pageLang, ...browser]) {
    if (!candidate) continue;
    const l = candidate.trim().toLowerCase();
    if (!l) continue;
    return l === 'de' || l.startsWith('de-') ? 'de' : 'en';
  }
  return 'en';
}

export function translate(lang: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  return STRINGS[lang][key].replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
