// Shared state of a signed-in desk: who I am, the directory (users, teams, inboxes, canned
// responses), a contact cache, and the bus that hands live events to whichever screen wants
// them. Plain modules and Preact contexts; no state library.
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api/client';
import type { CannedResponse, Contact, Inbox, Me, StreamEvent, Team, User } from './api/types';

export interface Directory {
  me: Me;
  users: User[];
  teams: Team[];
  inboxes: Inbox[];
  canned: CannedResponse[];
}

export interface SessionValue {
  dir: Directory;
  reloadDirectory: () => Promise<void>;
  setMe: (me: Me) => void;
  /** A user changed (my own availability, or a user.availability event): into the directory. */
  applyUser: (user: User) => void;
  live: 'connecting' | 'live' | 'offline';
}

export const SessionContext = createContext<SessionValue>(null as unknown as SessionValue);
export const useSession = () => useContext(SessionContext);

export async function loadDirectory(me: Me): Promise<Directory> {
  // Agents may read users, teams and canned responses; inboxes are the ones of their teams.
  const [users, teams, inboxes, canned] = await Promise.all([
    api.users().catch(() => [] as User[]),
    api.teams().catch(() => [] as Team[]),
    api.inboxes(),
    api.cannedResponses().catch(() => [] as CannedResponse[]),
  ]);
  return { me, users, teams, inboxes, canned };
}

/** The directory with one user's new state (a user.availability event, my own status change):
 * the user in the list, and `me` when it is me (keeping my team ids and CSRF token). */
export function applyUser(dir: Directory, user: User): Directory {
  const known = dir.users.some((u) => u.id === user.id);
  const users = known ? dir.users.map((u) => (u.id === user.id ? { ...u, ...user, team_ids: user.team_ids ?? u.team_ids } : u)) : [...dir.users, user];
  const me = dir.me.id === user.id ? { ...dir.me, ...user, team_ids: dir.me.team_ids, csrf_token: dir.me.csrf_token } : dir.me;
  return { ...dir, users, me };
}

export const userName = (dir: Directory, id: number | null | undefined) => dir.users.find((u) => u.id === id)?.name;
export const inboxOf = (dir: Directory, id: number) => dir.inboxes.find((i) => i.id === id);
export const teamName = (dir: Directory, id: number | null | undefined) => dir.teams.find((t) => t.id === id)?.name;

// ---- live events ----
type Handler = (e: StreamEvent) => void;
const handlers = new Set<Handler>();
export function publishLive(e: StreamEvent) {
  for (const h of handlers) h(e);
}
/** Calls `handler` (always the latest closure) for each live event while mounted. */
export function useLive(handler: Handler) {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    const h: Handler = (e) => ref.current(e);
    handlers.add(h);
    return () => void handlers.delete(h);
  }, []);
}

// ---- contacts ----
const contacts = new Map<number, Promise<Contact>>();
const contactListeners = new Set<() => void>();
export function getContact(id: number, fresh = false): Promise<Contact> {
  let p = fresh ? undefined : contacts.get(id);
  if (!p) {
    p = api.contact(id);
    contacts.set(id, p);
    p.catch(() => contacts.delete(id));
  }
  return p;
}
export function putContact(c: Contact) {
  contacts.set(c.id, Promise.resolve(c));
  for (const l of contactListeners) l();
}
export function forgetContact(id: number) {
  contacts.delete(id);
  for (const l of contactListeners) l();
}
export function clearContacts() {
  contacts.clear();
}
/** The contact, re-read when the cache learns of a change. */
export function useContact(id: number | null | undefined): Contact | null {
  const [value, setValue] = useState<Contact | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    contactListeners.add(l);
    return () => void contactListeners.delete(l);
  }, []);
  useEffect(() => {
    let alive = true;
    if (!id) {
      setValue(null);
      return;
    }
    getContact(id).then((c) => alive && setValue(c), () => alive && setValue(null));
    return () => {
      alive = false;
    };
  }, [id, tick]);
  return value && value.id === id ? value : null;
}
