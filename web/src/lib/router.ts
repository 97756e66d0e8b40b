// A tiny history router: parse the location into a route, navigate with pushState, and let
// components re-render on change. `parley serve` answers unknown paths with index.html, so
// every route below can be loaded directly.
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { name: 'desk'; conversationId: number | null; params: URLSearchParams }
  | { name: 'search'; q: string; params: URLSearchParams }
  | { name: 'supervisor' }
  | { name: 'admin'; section: string }
  | { name: 'notFound' };

export function parseRoute(pathname: string, search: string): Route {
  const params = new URLSearchParams(search);
  const parts = pathname.split('/').filter(Boolean);
  if (parts.length === 0) return { name: 'desk', conversationId: null, params };
  if (parts[0] === 'conversations' && parts.length === 2 && /^\d+$/.test(parts[1])) {
    return { name: 'desk', conversationId: Number(parts[1]), params };
  }
  if (parts[0] === 'conversations' && parts.length === 1) return { name: 'desk', conversationId: null, params };
  if (parts[0] === 'search' && parts.length === 1) return { name: 'search', q: params.get('q') ?? '', params };
  if (parts[0] === 'supervisor' && parts.length === 1) return { name: 'supervisor' };
  if (parts[0] === 'admin' && parts.length <= 2) return { name: 'admin', section: parts[1] ?? '' };
  return { name: 'notFound' };
}

const listeners = new Set<() => void>();
function notify() {
  for (const l of listeners) l();
}
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

export function navigate(to: string, opts: { replace?: boolean } = {}) {
  const current = location.pathname + location.search;
  if (to === current) return;
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

export function useRoute(): Route {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = () => setTick((n) => n + 1);
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return parseRoute(location.pathname, location.search);
}

/** onClick for <a href>: plain left clicks navigate in the app, modified clicks open a tab. */
export function linkHandler(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.currentTarget as HTMLElement).closest('a');
  if (!a || a.target === '_blank') return;
  const href = a.getAttribute('href');
  if (!href || !href.startsWith('/')) return;
  e.preventDefault();
  navigate(href);
}
