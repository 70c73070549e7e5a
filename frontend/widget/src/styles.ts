// Inside the shadow root: the host page's CSS cannot reach in, and `all: initial` on the host
// element stops inherited properties (font, colour, line-height) leaking through.
export const css = (colour: string): string => `
:host{all:initial;position:fixed;z-index:2147483000;right:20px;bottom:20px;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a}
.panel,.launcher{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1a1a;letter-spacing:normal;word-spacing:normal;text-align:left;text-transform:none;text-indent:0;visibility:visible;direction:ltr}
*{box-sizing:border-box}
[hidden]{display:none!important}
button{font:inherit;cursor:pointer}
.launcher{width:56px;height:56px;border-radius:50%;border:0;background:${colour};color:#fff;box-shadow:0 4px 14px rgba(0,0,0,.25);display:grid;place-items:center}
.launcher svg{width:28px;height:28px;fill:currentColor}
:focus-visible{outline:3px solid #f5a623;outline-offset:2px}
.panel{position:absolute;right:0;bottom:70px;width:min(370px,calc(100vw - 40px));height:min(560px,calc(100vh - 110px));background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.3);display:flex;flex-direction:column;overflow:hidden}
.panel[hidden]{display:none}
header{background:${colour};color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}
header h2{font-size:16px;margin:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header .titles{flex:1;min-width:0}
header .sub{display:block;font-size:12px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header .logo{width:28px;height:28px;border-radius:6px;object-fit:contain;background:#fff;flex:none}
header button{background:transparent;border:0;color:#fff;padding:4px 6px;border-radius:4px}
.log{padding:12px;overflow-y:auto;flex:1}
.log:focus-visible{outline-offset:-3px}
.items{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:6px}
.msg{max-width:80%;padding:7px 11px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word}
.visitor{align-self:flex-end;background:${colour};color:#fff}
.agent,.system{align-self:flex-start;background:#eef0f3}
.meta{display:block;font-size:12px}
.msg a{color:inherit}
.notice{padding:8px 12px;font-size:13px;background:#fff8e1}
.notice:empty,.typing:empty{display:none}
.typing{padding:0 14px 4px;font-size:13px;color:#555}
form{display:flex;gap:6px;padding:10px;border-top:1px solid #e3e3e3}
form.stack{flex-direction:column;overflow-y:auto;flex-shrink:0;max-height:75%}
textarea,input{font:inherit;border:1px solid #999;border-radius:6px;padding:7px;width:100%;color:#1a1a1a;background:#fff}
textarea{resize:none;height:42px}
.send{background:${colour};color:#fff;border:0;border-radius:6px;padding:0 14px}
.stack .send{padding:8px}
.file{display:grid;place-items:center;border:1px solid #999;border-radius:6px;padding:0 9px;cursor:pointer}
.file input{position:absolute;width:1px;height:1px;opacity:0}
.stars{display:flex;gap:4px;border:0;margin:0;padding:0}
.stars label{flex:1}
.stars input{position:absolute;opacity:0}
.stars span{display:block;text-align:center;border:1px solid #999;border-radius:6px;padding:6px}
.stars input:checked+span{background:${colour};color:#fff}
.stars input:focus-visible+span{outline:3px solid #f5a623}
.nps{gap:2px}
.nps span{padding:6px 0;font-variant-numeric:tabular-nums}
.nps-ends{display:flex;justify-content:space-between;margin:0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.ico{display:grid;place-items:center}
.ico svg{width:20px;height:20px}
.composer .file,.composer .send{flex:none}
@media (max-width:480px){
.panel{position:fixed;inset:0;width:100%;height:100%;border-radius:0;box-shadow:none}
:host([data-open]) .launcher{display:none}
header button,.file,.send{min-width:44px;min-height:44px}
textarea{font-size:16px}
}
`;
