/** Rich text for email replies: "Formatting" swaps the composer's textarea for an editable
 * area with bold, italic, lists, links and quotes. The textarea stays the source of the plain
 * text (drafts, the typing signal, the send check read it); the HTML goes in a hidden `html`
 * field, which the server cleans. Chat and SMS have no toolbar: plain text only. */

import { byId } from "./dom";

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

/** Copy the editor into the textarea (plain) and the hidden field (HTML), as typing would. */
function sync(): void {
  const area = editor();
  const text = textarea();
  const html = htmlField();
  if (!area || !text || !html) return;
  if (text.value === "") text.dispatchEvent(new InputEvent("beforeinput", { bubbles: true }));
  text.value = area.innerText.replace(/\n+$/, "");
  html.value = text.value.trim() ? area.innerHTML : "";
  text.dispatchEvent(new Event("input", { bubbles: true }));
}

function setRich(on: boolean): void {
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
    area.innerHTML = text.value
      .split("\n")
      .map((line) => `<div>${line ? escapeHtml(line) : "<br>"}</div>`)
      .join("");
    text.after(area);
    text.hidden = true;
    area.focus();
  } else if (!on && area) {
    sync();
    area.remove();
    text.hidden = false;
    const html = htmlField();
    if (html) html.value = "";
    text.focus();
  }
}

function format(button: HTMLButtonElement): void {
  const area = editor();
  if (!area) return;
  area.focus();
  const command = button.dataset.fmt ?? "";
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
