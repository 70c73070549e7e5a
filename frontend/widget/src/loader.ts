// The one script a site embeds. It only reads its own tag and fetches the widget bundle, so
// it stays tiny and never blocks the host page.
interface HubChatConfig {
  key: string;
  base: string;
  api: string;
  identity: { user_id?: string; email?: string; hash?: string } | null;
}

(() => {
  const tag = document.currentScript as HTMLScriptElement | null;
  const key = tag?.dataset.widget;
  if (!tag || !key) return;
  const w = window as unknown as { __hubChat?: HubChatConfig };
  if (w.__hubChat) return; // loaded twice: one widget per page
  const data = tag.dataset;
  w.__hubChat = {
    key,
    base: new URL(".", tag.src).href,
    api: data.hub || new URL(tag.src).origin,
    identity: data.userHash ? { user_id: data.userId, email: data.email, hash: data.userHash } : null,
  };
  const app = document.createElement("script");
  app.src = new URL("widget-app.js", tag.src).href;
  app.async = true;
  document.head.appendChild(app);
})();
