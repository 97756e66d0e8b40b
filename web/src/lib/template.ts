// A preview of a canned response in the admin editor, before it is saved: the server renders
// the real thing (POST /canned_responses/{id}/render, mustache); this fills the same variables
// with sample values the way mustache does (unknown variables become empty).
export const TEMPLATE_VARIABLES = [
  'contact.name', 'contact.first_name', 'contact.last_name',
  'agent.name', 'agent.first_name', 'agent.email',
  'conversation.id', 'inbox.name',
] as const;

export function sampleValues(agentName: string, agentEmail: string): Record<string, string> {
  const split = (n: string) => {
    const i = n.indexOf(' ');
    return i < 0 ? [n, ''] : [n.slice(0, i), n.slice(i + 1)];
  };
  const [cf, cl] = split('Jana Müller');
  const [af] = split(agentName);
  return {
    'contact.name': 'Jana Müller', 'contact.first_name': cf, 'contact.last_name': cl,
    'agent.name': agentName, 'agent.first_name': af, 'agent.email': agentEmail,
    'conversation.id': '42', 'inbox.name': 'Shop',
  };
}

export function previewTemplate(content: string, values: Record<string, string>): string {
  return content.replace(/\{\{\{?\s*([\w.]+)\s*\}?\}\}/g, (_, name: string) => values[name] ?? '');
}

/** The `/query` being typed at the caret, if the caret is in a word that starts with "/". */
export function slashQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([\w.-]*)$/.exec(before);
  if (!m) return null;
  return { start: caret - m[2].length - 1, query: m[2] };
}
