// Alerts for a conversation newly assigned to me: a short WebAudio beep and a desktop
// Notification. Switchable off; the setting lives in localStorage (per browser).
import type { Conversation } from '../api/types';

const KEY = 'parley.notify';

export function notificationsEnabled(): boolean {
  try {
    return localStorage.getItem(KEY) !== 'off';
  } catch {
    return true;
  }
}

export function setNotificationsEnabled(on: boolean) {
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // storage blocked
  }
}

/** True when this event makes the conversation mine and it was not mine before. */
export function newlyAssignedToMe(before: Conversation | undefined, after: Conversation, meId: number): boolean {
  if (after.assignee_id !== meId) return false;
  if (after.status === 'resolved') return false;
  return !before || before.assignee_id !== meId;
}

// Conversations I assigned to myself in this tab: no alert for my own action.
const selfAssigned = new Map<number, number>();
export function markSelfAssigned(conversationId: number, now = Date.now()) {
  selfAssigned.set(conversationId, now);
}
export function wasSelfAssigned(conversationId: number, now = Date.now()): boolean {
  const at = selfAssigned.get(conversationId);
  selfAssigned.delete(conversationId);
  return at !== undefined && now - at < 15000;
}

let audio: AudioContext | null = null;

export function beep() {
  try {
    const Ctx = window.AudioContext;
    if (!Ctx) return;
    audio = audio ?? new Ctx();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.2, audio.currentTime + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, audio.currentTime + 0.35);
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.4);
  } catch {
    // no audio: the notification is enough
  }
}

export async function askPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (typeof Notification === 'undefined') return 'unsupported';
  if (Notification.permission !== 'default') return Notification.permission;
  return Notification.requestPermission();
}

export function alertAssigned(title: string, body: string, onClick: () => void) {
  if (!notificationsEnabled()) return;
  beep();
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag: 'parley-assigned' });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch {
    // some browsers only allow notifications from a service worker
  }
}
