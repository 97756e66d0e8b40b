// WhatsApp message templates in the desk: the shape GET /api/v1/inboxes/{id}/templates
// answers, the search of the picker, the preview with the agent's values filled in, and the
// checks the server makes too (every parameter filled, one line each, a media header's link, a
// location header's latitude and longitude).
export interface TemplatePart {
  format?: string;
  text: string;
  parameters: string[];
  parameter_count: number;
}

export interface TemplateButton {
  type: string;
  text: string;
  url?: string;
  phone_number?: string;
  parameters: string[];
  parameter_count: number;
}

export interface WhatsAppTemplate {
  id: string;
  name: string;
  language: string;
  status: string;
  category: string;
  parameter_format: string;
  header: TemplatePart | null;
  body: TemplatePart;
  footer: string | null;
  buttons: TemplateButton[];
}

export interface TemplateListing {
  data: WhatsAppTemplate[];
  synced_at: string | null;
  last_error: string | null;
}

/** The values the agent types, per part, in the order the template lists its parameters. */
export interface TemplateValues {
  header: string[];
  body: string[];
  buttons: string[];
}

export function emptyValues(t: WhatsAppTemplate): TemplateValues {
  const buttons = t.buttons.reduce((n, b) => n + b.parameters.length, 0);
  return {
    header: (t.header?.parameters ?? []).map(() => ''),
    body: t.body.parameters.map(() => ''),
    buttons: Array.from({ length: buttons }, () => ''),
  };
}

export function filterTemplates(list: WhatsAppTemplate[], query: string, language: string): WhatsAppTemplate[] {
  const q = query.trim().toLowerCase();
  return list.filter(
    (t) => (!language || t.language === language) && (!q || t.name.toLowerCase().includes(q) || t.body.text.toLowerCase().includes(q)),
  );
}

/** {{1}} / {{name}} replaced by the value typed for it; an empty value shows the placeholder. */
export function fillIn(text: string, names: string[], values: string[]): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    const i = names.indexOf(name);
    return i >= 0 && values[i]?.trim() ? values[i] : whole;
  });
}

export type TemplateProblem = { kind: 'missing'; count: number } | { kind: 'badLink' } | { kind: 'badLocation' } | { kind: 'multiline' };

/** A header whose one parameter is a file's link (IMAGE, VIDEO, DOCUMENT). */
export function isMediaHeader(part: TemplatePart | null | undefined): boolean {
  return !!part?.format && ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(part.format);
}

/** A number text within ±limit (a location header's latitude or longitude). */
function coordinate(x: string | undefined, limit: number): boolean {
  if (!x || !/^[+-]?(\d+\.?\d*|\.\d+)$/.test(x.trim())) return false;
  return Math.abs(Number(x)) <= limit;
}

export function validateValues(t: WhatsAppTemplate, v: TemplateValues): TemplateProblem | null {
  const all = [...v.header, ...v.body, ...v.buttons];
  const missing = all.filter((x) => !x.trim()).length;
  if (missing) return { kind: 'missing', count: missing };
  const media = isMediaHeader(t.header);
  if (media && !/^https?:\/\/\S+$/.test(v.header[0] ?? '')) return { kind: 'badLink' };
  if (t.header?.format === 'LOCATION' && !(coordinate(v.header[0], 90) && coordinate(v.header[1], 180))) return { kind: 'badLocation' };
  const lines = [...(media ? [] : v.header), ...v.body, ...v.buttons];
  if (lines.some((x) => /[\t\r\n]/.test(x) || x.includes('     '))) return { kind: 'multiline' };
  return null;
}

/** The body of POST /conversations/{id}/messages for this template. */
export function templateRequest(t: WhatsAppTemplate, v: TemplateValues) {
  return { template: { name: t.name, language: t.language, parameters: { header: v.header, body: v.body, buttons: v.buttons } } };
}
