// The widget's stylesheet, applied inside its shadow root only: nothing leaks into the host
// page, and the host page's CSS cannot reach in (the host element resets inherited styles).
export const CSS = `
:host { all: initial; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.root { position: fixed; right: 20px; bottom: 20px; z-index: 2147483000; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1d2330; -webkit-font-smoothing: antialiased; }
button, input, textarea { font: inherit; color: inherit; }
.launcher { width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer; background: var(--accent); color: var(--on-accent);
  box-shadow: 0 4px 14px rgba(0,0,0,.25); display: grid; place-items: center; position: relative; margin-left: auto; }
.launcher svg { width: 28px; height: 28px; }
.badge { position: absolute; top: -4px; right: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px; background: #c62828; color: #fff;
  font-size: 12px; font-weight: 700; display: grid; place-items: center; }
.panel { position: absolute; right: 0; bottom: 72px; width: 370px; height: min(600px, calc(100vh - 120px)); background: #fff; border-radius: 14px;
  box-shadow: 0 10px 40px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; }
.panel[hidden] { display: none; }
.head { background: var(--accent); color: var(--on-accent); padding: 14px 16px; display: flex; align-items: flex-start; gap: 8px; }
.head h2 { font-size: 17px; margin: 0; font-weight: 650; }
.status { font-size: 13px; opacity: .92; margin: 2px 0 0; }
.status::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; margin-right: 6px; background: #9aa3af; vertical-align: 1px; }
.status.on::before { background: #2fbf71; }
.head .grow { flex: 1; min-width: 0; }
.icon-btn { border: 0; background: transparent; color: inherit; cursor: pointer; width: 36px; height: 36px; border-radius: 8px; display: grid; place-items: center; flex: none; }
.icon-btn svg { width: 20px; height: 20px; }
.icon-btn:hover { background: rgba(127,127,127,.18); }
:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.head :focus-visible { outline-color: var(--on-accent); }
.log { flex: 1; overflow-y: auto; padding: 14px; background: #f5f6f8; display: flex; flex-direction: column; gap: 8px; }
.notice { background: #fff; border: 1px solid #dfe3ea; border-radius: 10px; padding: 10px 12px; font-size: 14px; }
.notice.offline { border-color: #e6c36a; background: #fff8e5; }
.msg { max-width: 82%; display: flex; flex-direction: column; gap: 2px; }
.msg.visitor { align-self: flex-end; align-items: flex-end; }
.msg.agent { align-self: flex-start; }
.who { font-size: 12px; color: #535b68; }
.bubble { padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; overflow-wrap: anywhere; background: #fff; border: 1px solid #dfe3ea; }
.visitor .bubble { background: var(--accent); color: var(--on-accent); border-color: transparent; }
.bubble a { color: inherit; text-decoration: underline; }
.files { display: flex; flex-direction: column; gap: 4px; }
.file { display: inline-flex; gap: 6px; align-items: center; padding: 6px 10px; border-radius: 10px; background: #fff; border: 1px solid #dfe3ea; color: #1d2330;
  text-decoration: none; max-width: 100%; }
.file svg { width: 18px; height: 18px; flex: none; }
.file span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
.file small { color: #535b68; flex: none; }
.meta { font-size: 11px; color: #535b68; }
.typing { font-size: 13px; color: #535b68; padding: 0 14px 6px; background: #f5f6f8; min-height: 1.4em; }
form { margin: 0; }
.compose { border-top: 1px solid #dfe3ea; padding: 8px; display: flex; flex-direction: column; gap: 6px; background: #fff; }
.row { display: flex; gap: 6px; align-items: flex-end; }
textarea { flex: 1; resize: none; border: 1px solid #b9c0cc; border-radius: 10px; padding: 8px 10px; min-height: 40px; max-height: 120px; background: #fff; }
input[type=text], input[type=email] { width: 100%; border: 1px solid #b9c0cc; border-radius: 8px; padding: 8px 10px; background: #fff; }
.send { border: 0; border-radius: 10px; background: var(--accent); color: var(--on-accent); height: 40px; padding: 0 14px; cursor: pointer; font-weight: 600; }
.send:disabled { opacity: .6; cursor: default; }
.attach { color: #3c4452; border: 1px solid #b9c0cc; height: 40px; width: 40px; }
.file-input { position: absolute; width: 1px; height: 1px; opacity: 0; pointer-events: none; }
.error { color: #b3261e; font-size: 13px; margin: 0; }
.error:empty { display: none; }
.prechat { padding: 16px; display: flex; flex-direction: column; gap: 10px; overflow-y: auto; flex: 1; }
.prechat label, .compose label { font-size: 13px; font-weight: 600; display: block; margin-bottom: 3px; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
@media (max-width: 480px) {
  .root { right: 12px; bottom: 12px; }
  .panel { position: fixed; left: 8px; right: 8px; bottom: 80px; width: auto; height: calc(100% - 96px); }
}
@media (prefers-reduced-motion: no-preference) { .panel { animation: pop .14s ease-out; } @keyframes pop { from { transform: translateY(8px); opacity: 0; } } }
`;
