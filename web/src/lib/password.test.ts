import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/client';
import { checkPasswordChange, refusedField } from './password';

describe('changing one’s own password', () => {
  it('lets a complete form through', () => {
    expect(checkPasswordChange({ current: 'old-secret', next: 'new-secret', repeat: 'new-secret' })).toEqual({});
  });

  it('asks for the current password', () => {
    expect(checkPasswordChange({ current: '', next: 'new-secret', repeat: 'new-secret' })).toEqual({ current: 'account.err.currentMissing' });
  });

  it('wants at least 8 characters, counted as characters, not bytes or UTF-16 units', () => {
    expect(checkPasswordChange({ current: 'x', next: 'short7!', repeat: 'short7!' })).toEqual({ next: 'account.err.tooShort' });
    expect(checkPasswordChange({ current: 'x', next: 'äöüßäöü', repeat: 'äöüßäöü' }).next).toBe('account.err.tooShort'); // 14 bytes, 7 letters
    expect(checkPasswordChange({ current: 'x', next: '😀😀😀😀', repeat: '😀😀😀😀' }).next).toBe('account.err.tooShort'); // 8 UTF-16 units
    expect(checkPasswordChange({ current: 'x', next: 'äöüßäöüß', repeat: 'äöüßäöüß' })).toEqual({});
  });

  it('refuses more than the server’s 1024 bytes', () => {
    const long = 'ä'.repeat(513);
    expect(checkPasswordChange({ current: 'x', next: long, repeat: long })).toEqual({ next: 'account.err.tooLong' });
  });

  it('wants the new password twice the same, and names every field at fault at once', () => {
    expect(checkPasswordChange({ current: 'x', next: 'new-secret', repeat: 'new-secreT' })).toEqual({ repeat: 'account.err.mismatch' });
    expect(checkPasswordChange({ current: '', next: 'new-secret', repeat: '' })).toEqual({ current: 'account.err.currentMissing', repeat: 'account.err.mismatch' });
  });

  it('puts the server’s refusals at their field; anything else is no field’s', () => {
    expect(refusedField(new ApiError(403, 'forbidden', 'current_password: that is not your current password'))).toBe('current');
    expect(refusedField(new ApiError(400, 'invalid_input', 'current_password: required to change your own password'))).toBe('current');
    expect(refusedField(new ApiError(400, 'invalid_input', 'password must have at least 8 characters'))).toBe('next');
    expect(refusedField(new ApiError(0, 'network', 'Failed to fetch'))).toBeNull();
    expect(refusedField(new ApiError(503, 'unavailable', 'too many password operations at once; retry'))).toBeNull();
    expect(refusedField(new Error('boom'))).toBeNull();
  });
});
