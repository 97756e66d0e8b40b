// Changing one's own password (the "My account" dialog): what the desk checks before it sends
// PATCH /users/{id} {password, current_password}, and which field a refusal of the server
// belongs to. The server's rules (src/app/passwords.cpp): at least 8 and at most 1024 bytes; a
// wrong current password is a 403, a missing one a 400.
import { ApiError } from '../api/client';
import type { MessageKey } from '../i18n';

export const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_BYTES = 1024;

export type PasswordField = 'current' | 'next' | 'repeat';
export interface PasswordForm {
  current: string;
  next: string;
  repeat: string;
}
/** At most one message per field, in field order. */
export type PasswordProblems = Partial<Record<PasswordField, MessageKey>>;

/** What is wrong with the form before anything is sent; empty when it may be sent. Length is
 * counted in characters (code points), so the desk never lets through what the server, which
 * counts bytes, would refuse as too short. */
export function checkPasswordChange(form: PasswordForm): PasswordProblems {
  const problems: PasswordProblems = {};
  if (!form.current) problems.current = 'account.err.currentMissing';
  if ([...form.next].length < MIN_PASSWORD_LENGTH) problems.next = 'account.err.tooShort';
  else if (new TextEncoder().encode(form.next).length > MAX_PASSWORD_BYTES) problems.next = 'account.err.tooLong';
  else if (form.repeat !== form.next) problems.repeat = 'account.err.mismatch';
  return problems;
}

/** The field a refusal of the server is about: the current password when it was wrong (403), the
 * new one when the server found fault with it (400 "password …"); null for anything else, which
 * the form shows as a general error. */
export function refusedField(e: unknown): PasswordField | null {
  if (!(e instanceof ApiError)) return null;
  if (e.status === 403) return 'current';
  if (e.status === 400 && e.message.startsWith('current_password')) return 'current';
  if (e.status === 400 && e.message.startsWith('password')) return 'next';
  return null;
}
