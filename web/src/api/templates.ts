// WhatsApp message templates over the API (docs/channels/WHATSAPP.md): the inbox's approved
// templates, the admin's "sync now", and sending one as a reply.
import type { Message } from './types';
import { api } from './client';
import type { TemplateListing, TemplateValues, WhatsAppTemplate } from '../lib/whatsapp-templates';
import { templateRequest } from '../lib/whatsapp-templates';

export function listTemplates(inboxId: number) {
  return api.get<TemplateListing>(`/inboxes/${inboxId}/templates`);
}

export function syncTemplates(inboxId: number) {
  return api.post<{ count: number; approved: number; synced_at: string }>(`/inboxes/${inboxId}/templates/sync`, {});
}

export function sendTemplate(conversationId: number, t: WhatsAppTemplate, values: TemplateValues) {
  return api.post<Message>(`/conversations/${conversationId}/messages`, templateRequest(t, values));
}
