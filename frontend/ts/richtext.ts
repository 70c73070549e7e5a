/** Rich text for email replies: "Formatting" swaps the composer's textarea for an editable
 * area with bold, italic, lists, links, quotes and images. The textarea stays the source of the
 * plain text (drafts, the typing signal, the send check read it); the HTML goes in a hidden
 * `html` field, which the server cleans. Chat and SMS have no toolbar: plain text only.
 *
 * An image pasted, dropped or chosen with the toolbar's button is uploaded at once to the
 * agent's draft as an inline image (the same upload as a file, `inline=1`) and shown where the
 * cursor was; the server sends it in the mail's HTML by Content-ID. Other files dropped or pasted
 * here become attachments. An image the editor no longer shows is not sent. */

import { upload as attachFile } from "./attachments";
import { announce, byId, csrfToken } from "./dom";

let lastRange: Range | null = null;
let saveTimer = 0;

function textarea(): HTMLTextAreaElement | null {
  return byId<HTMLTextAreaElement>("composer-text");
}

function editor(): HTMLElement | null {
  return byId("composer-rich");
}

function htmlField(): HTMLInputElement | null {
  return document.querySelector<HTMLInputElement>("#composer-form input[name=html]");
}

function escapeHtml(text: string): string {
  const div = document.createElement("div");
  div.textContent = text;
  return div.innerHTML;
}

function say(template: string | undefined, values: Record<string, string>): string {
  return (template ?? "").replace(/\{(\w+)\}/g, (_m, key: string) => values[key] ?? "");
}

/** One of the agent's uploaded images (the upload view's own URL), not an outside picture. */
function ours(img: HTMLImageElement): boolean {
  const base = htmlField()?.dataset.imageUrl;
  const src = img.getAttribute("src") ?? "";
  return !!base && src.startsWith(base) && /^\d+\/$/.test(src.slice(base.length));
}

/** Copy the editor into the textarea (plain) and the hidden field (HTML), as typing would.
 * Pictures pasted from elsewhere (remote, data:) would not be sent: they go at once. */
function sync(): void {
  const area = editor();
  const text = textarea();
  const html = htmlField();
  if (!area || !text || !html) return;
  area.querySelectorAll("img").forEach((img) => {
    if (!ours(img) && !img.classList.contains("is-uploading")) img.remove();
  });
  if (text.value === "") text.dispatchEvent(new InputEvent("beforeinput", { bubbles: true }));
  const before = { text: text.value, html: html.value };
  text.value = area.innerText.replace(/\n+$/, "");
  const shown = area.cloneNode(true) as HTMLElement;
  shown.querySelectorAll("img.is-uploading").forEach((img) => img.remove());
  html.value = text.value.trim() || shown.querySelector("img") ? shown.innerHTML : "";
  text.dispatchEvent(new Event("input", { bubbles: true }));
  // The textarea saves the draft when its text changed; an image or a format changes only the HTML.
  if (html.value !== before.html && text.value === before.text) {
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(() => htmx.trigger(text, "draft:save"), 800);
  }
}

function setRich(on: boolean, restore = ""): void {
  const text = textarea();
  const toggle = document.querySelector<HTMLButtonElement>("[data-rich-toggle]");
  const buttons = document.querySelector<HTMLElement>(".composer-format .fmt-buttons");
  if (!text || !toggle || !buttons) return;
  toggle.setAttribute("aria-pressed", String(on));
  buttons.hidden = !on;
  let area = editor();
  if (on && !area) {
    area = document.createElement("div");
    area.id = "composer-rich";
    area.className = "composer-rich";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-label", document.querySelector("label[for=composer-text]")?.textContent ?? "");
    // A restored draft's HTML was cleaned by the server when it was saved.
    area.innerHTML =
      restore ||
      text.value
        .split("\n")
        .map((line) => `<div>${line ? escapeHtml(line) : "<br>"}</div>`)
        .join("");
    text.after(area);
    text.hidden = true;
    if (!restore) area.focus();
  } else if (!on && area) {
    sync();
    area.remove();
    text.hidden = false;
    const html = htmlField();
    if (html) html.value = "";
    text.focus();
  }
}

/** A formatted draft comes back formatted (called when a ticket is shown). */
export function restoreRich(): void {
  const html = htmlField()?.value ?? "";
  if (html && !editor()) setRich(true, html);
}

/** Text after the editor's content (a macro's reply); false when the editor is off. */
export function appendToRich(text: string): boolean {
  const area = editor();
  if (!area) return false;
  area.insertAdjacentHTML(
    "beforeend",
    text
      .split("\n")
      .map((line) => `<div>${line ? escapeHtml(line) : "<br>"}</div>`)
      .join(""),
  );
  sync();
  return true;
}

/** Put ``node`` where ``at`` is in the editor (else at its end) and the cursor after it. */
function place(node: Node, at: Range | null): void {
  const area = editor();
  if (!area) return;
  if (at && area.contains(at.commonAncestorContainer)) {
    at.deleteContents();
    at.insertNode(node);
    const after = document.createRange();
    after.setStartAfter(node);
    after.collapse(true);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(after);
    lastRange = after.cloneRange();
  } else {
    area.append(node);
  }
}

function notice(text: string): void {
  const box = byId("composer-notice");
  if (!box) return;
  const line = document.createElement("p");
  line.className = "notice notice-error";
  line.setAttribute("role", "alert");
  line.textContent = text;
  box.replaceChildren(line);
}

/** Upload an image for the text and show it at ``at``; anything else is attached as a file. */
function insertImage(file: File, at: Range | null): void {
  const field = htmlField();
  const url = field?.dataset.imageUrl;
  if (!field || !url) return;
  if (!(field.dataset.imageTypes ?? "").split(",").includes(file.type)) {
    attachFile(file);
    return;
  }
  const img = document.createElement("img");
  const preview = URL.createObjectURL(file);
  img.src = preview;
  img.alt = file.name;
  img.className = "is-uploading";
  place(img, at);
  announce(say(field.dataset.imageUploading, { name: file.name }));
  const body = new FormData();
  body.append("file", file, file.name);
  body.append("inline", "1");
  const failed = (reason: string): void => {
    img.remove();
    const said = say(field.dataset.imageFailed, { name: file.name, reason });
    notice(said);
    announce(said);
    sync();
  };
  fetch(url, { method: "POST", body, headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" })
    .then(async (response) => {
      const data = (await response.json().catch(() => ({}))) as { url?: string; error?: string };
      if (response.status !== 201 || !data.url) {
        failed(data.error ?? String(response.status));
        return;
      }
      img.src = data.url;
      img.classList.remove("is-uploading");
      announce(say(field.dataset.imageInserted, { name: file.name }));
      sync();
    })
    .catch(() => failed("network"))
    .finally(() => URL.revokeObjectURL(preview));
}

function format(button: HTMLButtonElement): void {
  const area = editor();
  if (!area) return;
  const command = button.dataset.fmt ?? "";
  if (command === "image") {
    byId<HTMLInputElement>("composer-image")?.click();
    return;
  }
  area.focus();
  if (command === "quote") {
    document.execCommand("formatBlock", false, "blockquote");
  } else if (command === "createLink") {
    const url = window.prompt(button.dataset.prompt ?? "", "https://");
    if (!url || !/^(https?:|mailto:)/i.test(url.trim())) return;
    document.execCommand("createLink", false, url.trim());
  } else {
    document.execCommand(command);
  }
  sync();
}

function inEditor(e: Event): boolean {
  const target = e.target as Node | null;
  const area = editor();
  return !!target && !!area && area.contains(target);
}

function install(): void {
  document.body.addEventListener("click", (e) => {
    const target = e.target as Element | null;
    if (target?.closest("[data-rich-toggle]")) {
      setRich(!editor());
      return;
    }
    const button = target?.closest<HTMLButtonElement>(".composer-format [data-fmt]");
    if (button) format(button);
  });

  // Where an image from the toolbar's file dialog goes: where the cursor last was.
  document.addEventListener("selectionchange", () => {
    const selection = window.getSelection();
    const area = editor();
    if (area && selection && selection.rangeCount > 0 && area.contains(selection.anchorNode)) {
      lastRange = selection.getRangeAt(0).cloneRange();
    }
  });

  document.body.addEventListener("change", (e) => {
    const input = e.target as HTMLInputElement | null;
    if (input?.id !== "composer-image" || !input.files) return;
    Array.from(input.files).forEach((file) => insertImage(file, lastRange));
    input.value = "";
    editor()?.focus();
  });

  document.body.addEventListener("paste", (e) => {
    if (!inEditor(e)) return;
    const files = Array.from(e.clipboardData?.files ?? []);
    if (files.length === 0) return;
    e.preventDefault();
    const selection = window.getSelection();
    const at = selection && selection.rangeCount > 0 ? selection.getRangeAt(0) : lastRange;
    files.forEach((file) => insertImage(file, at));
  });

  // Dropped on the text: at the drop point (the composer around it takes files as attachments).
  document.body.addEventListener("drop", (e) => {
    if (!inEditor(e) || !Array.from(e.dataTransfer?.types ?? []).includes("Files")) return;
    e.preventDefault();
    e.stopPropagation();
    byId("composer")?.classList.remove("is-dropping");
    const at = document.caretRangeFromPoint?.(e.clientX, e.clientY) ?? lastRange;
    Array.from(e.dataTransfer?.files ?? []).forEach((file) => insertImage(file, at));
  });

  document.body.addEventListener("input", (e) => {
    if ((e.target as Element | null)?.id === "composer-rich") sync();
  });

  document.body.addEventListener("keydown", (e) => {
    if ((e.target as Element | null)?.id !== "composer-rich") return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey) {
      e.preventDefault();
      sync();
      byId<HTMLFormElement>("composer-form")?.requestSubmit();
    }
  });

  // A note is plain text: leaving reply mode takes the text back into the textarea.
  document.body.addEventListener("change", (e) => {
    const input = e.target as HTMLInputElement | null;
    if (input?.name === "mode" && input.value === "note" && editor()) setRich(false);
  });

  document.body.addEventListener("hub:sent", () => {
    const area = editor();
    if (!area) return;
    area.replaceChildren();
    const html = htmlField();
    if (html) html.value = "";
    setTimeout(() => area.focus(), 0);
  });
}

install();
