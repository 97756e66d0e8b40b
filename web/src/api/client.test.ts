import { describe, expect, it, vi } from 'vitest';
import { Api, ApiError, filenameFromDisposition, queryString } from './client';

function fakeFetch(handler: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = async (url: string, init?: RequestInit) => {
    calls.push({ url, init: init ?? {} });
    return handler(url, init ?? {});
  };
  return { fn, calls };
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('Api', () => {
  it('turns the JSON error envelope into an ApiError with code and message', async () => {
    const { fn } = fakeFetch(() => json(400, { error: { code: 'invalid_input', message: 'labels: is required' } }));
    const api = new Api(fn);
    const err = await api.post('/conversations/1/labels', {}).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_input', message: 'labels: is required' });
  });

  it('copes with an error answer that is not JSON', async () => {
    const { fn } = fakeFetch(() => new Response('<html>Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    const err = await new Api(fn).get('/users').catch((e) => e);
    expect(err).toMatchObject({ status: 502, code: 'http_502', message: 'Bad Gateway' });
  });

  it('spell check and availability: the bodies the server expects, with the CSRF token; a cancelled check is "aborted"', async () => {
    const { fn, calls } = fakeFetch((_url, init) => {
      if (init.signal?.aborted) return Promise.reject(new DOMException('The user aborted a request.', 'AbortError'));
      return json(200, { language: 'de', detected: true, misspellings: [] });
    });
    const api = new Api(fn);
    api.csrfToken = 'c1';
    await api.spellcheck('Hallo Rechnnung', 'auto');
    expect(calls[0].url).toBe('/api/v1/spellcheck');
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(String(calls[0].init.body))).toEqual({ text: 'Hallo Rechnnung', language: 'auto' });
    expect((calls[0].init.headers as Record<string, string>)['X-CSRF-Token']).toBe('c1');
    const ctrl = new AbortController();
    ctrl.abort();
    expect(await api.spellcheck('x', 'de', ctrl.signal).catch((e) => e)).toMatchObject({ status: 0, code: 'aborted' });
    await api.setAvailability('away');
    expect(calls[2].url).toBe('/api/v1/auth/me/availability');
    expect(calls[2].init.method).toBe('PUT');
    expect(JSON.parse(String(calls[2].init.body))).toEqual({ availability: 'away' });
  });

  it('reports an unreachable server as code network', async () => {
    const { fn } = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const err = await new Api(fn).get('/users').catch((e) => e);
    expect(err).toMatchObject({ status: 0, code: 'network' });
  });

  it('reports a 2xx answer that is not JSON', async () => {
    const { fn } = fakeFetch(() => new Response('oops', { status: 200 }));
    const err = await new Api(fn).get('/users').catch((e) => e);
    expect(err).toMatchObject({ code: 'bad_response' });
  });

  it('calls onUnauthorized on a 401, but not for login itself', async () => {
    const { fn } = fakeFetch(() => json(401, { error: { code: 'unauthorized', message: 'no session' } }));
    const api = new Api(fn);
    const spy = vi.fn();
    api.onUnauthorized = spy;
    await api.get('/users').catch(() => {});
    expect(spy).toHaveBeenCalledTimes(1);
    const err = await api.login('a@b.de', 'wrong').catch((e) => e);
    expect(err.status).toBe(401);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  it('sends the CSRF token from login on writes only, and same-origin credentials', async () => {
    const { fn, calls } = fakeFetch((url) =>
      url.endsWith('/auth/login') ? json(200, { token: 't', csrf_token: 'csrf-1', expires_at: '', user: {} }) : json(200, { data: [], next_cursor: null }),
    );
    const api = new Api(fn);
    await api.login('a@b.de', 'pw');
    await api.get('/users');
    await api.post('/teams', { name: 'x' });
    const get = calls[1].init.headers as Record<string, string>;
    const post = calls[2].init.headers as Record<string, string>;
    expect(get['X-CSRF-Token']).toBeUndefined();
    expect(post['X-CSRF-Token']).toBe('csrf-1');
    expect(post['Content-Type']).toBe('application/json');
    expect(calls[2].init.credentials).toBe('same-origin');
    expect(JSON.stringify(calls)).not.toContain('Bearer');
  });

  it('follows next_cursor in all()', async () => {
    const { fn, calls } = fakeFetch((url) =>
      url.includes('cursor=2') ? json(200, { data: [3], next_cursor: null }) : json(200, { data: [1, 2], next_cursor: '2' }),
    );
    expect(await new Api(fn).all<number>('/contacts')).toEqual([1, 2, 3]);
    expect(calls.map((c) => c.url)).toEqual(['/api/v1/contacts?limit=100', '/api/v1/contacts?limit=100&cursor=2']);
  });

  it('uploads raw bytes with the file name in the query', async () => {
    const { fn, calls } = fakeFetch(() => json(201, { id: 7 }));
    await new Api(fn).upload(new Blob(['%PDF']), 'rechnung mai.pdf');
    expect(calls[0].url).toBe('/api/v1/attachments?filename=rechnung+mai.pdf');
    expect((calls[0].init.headers as Record<string, string>)['Content-Type']).toBe('application/octet-stream');
  });

  it('reads attachment type and name from a HEAD request; 409 means still being fetched', async () => {
    const { fn } = fakeFetch((_, init) =>
      init.method === 'HEAD' ? new Response(null, { status: 200, headers: { 'Content-Type': 'image/png', 'Content-Disposition': 'attachment; filename="foto.png"' } }) : json(500, {}),
    );
    expect(await new Api(fn).attachmentInfo(3)).toEqual({ id: 3, state: 'stored', contentType: 'image/png', filename: 'foto.png', size: null, error: null });
    const pending = fakeFetch(() => new Response(null, { status: 409 }));
    expect((await new Api(pending.fn).attachmentInfo(3)).state).toBe('pending');
  });

  it('asks a 409 again with GET: its error says pending or failed (with the reason)', async () => {
    const failed = fakeFetch((_, init) =>
      init.method === 'HEAD' ? new Response(null, { status: 409 }) : json(409, { error: { code: 'fetch_failed', message: 'the file could not be fetched from the provider: 404' } }),
    );
    expect(await new Api(failed.fn).attachmentInfo(4)).toMatchObject({ id: 4, state: 'failed', error: 'the file could not be fetched from the provider: 404' });
    expect(failed.calls.map((c) => c.init.method)).toEqual(['HEAD', 'GET']);
    const pending = fakeFetch((_, init) => (init.method === 'HEAD' ? new Response(null, { status: 409 }) : json(409, { error: { code: 'pending', message: 'still fetching' } })));
    expect((await new Api(pending.fn).attachmentInfo(4)).state).toBe('pending');
  });

  it('reads the UTF-8 file name (RFC 5987) and the size from the headers', async () => {
    const { fn } = fakeFetch(() =>
      new Response(null, { status: 200, headers: { 'Content-Type': 'application/pdf', 'Content-Length': '2048', 'Content-Disposition': "attachment; filename=\"Rechnung M_rz.pdf\"; filename*=UTF-8''Rechnung%20M%C3%A4rz.pdf" } }),
    );
    expect(await new Api(fn).attachmentInfo(5)).toMatchObject({ filename: 'Rechnung März.pdf', contentType: 'application/pdf', size: 2048 });
    expect(filenameFromDisposition('attachment; filename="a.txt"')).toBe('a.txt');
    expect(filenameFromDisposition('inline')).toBe('');
  });

  it('turns an image attachment into a data: URL for the mail frame, nothing else', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const { fn, calls } = fakeFetch(() => new Response(png, { status: 200, headers: { 'Content-Type': 'image/png' } }));
    expect(await new Api(fn).attachmentDataUrl(6)).toBe('data:image/png;base64,iVBORw==');
    expect(calls[0].init.credentials).toBe('same-origin');
    const html = fakeFetch(() => new Response('<script>alert(1)</script>', { status: 200, headers: { 'Content-Type': 'text/html' } }));
    expect(await new Api(html.fn).attachmentDataUrl(7)).toBeNull();
    const svg = fakeFetch(() => new Response('<svg/>', { status: 200, headers: { 'Content-Type': 'image/svg+xml' } }));
    expect(await new Api(svg.fn).attachmentDataUrl(8)).toBeNull();
    const big = fakeFetch(() => new Response(new Uint8Array(100), { status: 200, headers: { 'Content-Type': 'image/gif' } }));
    expect(await new Api(big.fn).attachmentDataUrl(9, 10)).toBeNull();
    const missing = fakeFetch(() => json(404, { error: { code: 'not_found', message: 'x' } }));
    expect(await new Api(missing.fn).attachmentDataUrl(10)).toBeNull();
  });
});

describe('queryString', () => {
  it('drops empty values and encodes the rest', () => {
    expect(queryString({ q: 'Rückerstattung & mehr', cursor: null, limit: 25, label: '' })).toBe('?q=R%C3%BCckerstattung+%26+mehr&limit=25');
    expect(queryString({})).toBe('');
  });
});
