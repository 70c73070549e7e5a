/** The composer's files: chosen with the button, dropped on the composer or pasted into the
 * text; each is uploaded at once (with its progress shown) to the agent's draft on the server,
 * listed as a chip that removes it again, and sent with the reply as hidden `upload` ids. */

import { announce, byId, csrfToken, replyHeld } from "./dom";

function box(): HTMLElement | null {
  return byId("composer-files");
}

function say(template: string | undefined, values: Record<string, string>): string {
  return (template ?? "").replace(/\{(\w+)\}/g, (_m, key: string) => values[key] ?? "");
}

function chip(files: HTMLElement, name: string): HTMLLIElement {
  const item = document.createElement("li");
  item.className = "chip-file is-uploading";
  const label = document.createElement("span");
  label.className = "file-name";
  label.textContent = name;
  const state = document.createElement("span");
  state.className = "muted file-state";
  const progress = document.createElement("progress");
  progress.max = 100;
  progress.value = 0;
  progress.setAttribute("aria-label", say(files.dataset.uploading, { name, percent: "0%" }));
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "btn-icon";
  remove.dataset.removeUpload = "";
  remove.setAttribute("aria-label", say(files.dataset.removeLabel, { name }));
  remove.textContent = "×";
  item.append(label, " ", state, progress, remove);
  files.querySelector("ul")?.append(item);
  return item;
}

function fail(item: HTMLLIElement, files: HTMLElement, name: string, reason: string): void {
  item.classList.remove("is-uploading");
  item.classList.add("is-failed");
  item.querySelector("progress")?.remove();
  const text = say(files.dataset.failed, { name, reason });
  const state = item.querySelector(".file-state");
  if (state) state.textContent = reason;
  item.setAttribute("title", text);
  announce(text);
}

/** Upload one file with XMLHttpRequest (fetch reports no upload progress). */
export function upload(file: File): void {
  const files = box();
  const url = files?.dataset.uploadUrl;
  if (!files || !url) return;
  const item = chip(files, file.name);
  const limit = Number(files.dataset.maxBytes ?? 0);
  if (limit > 0 && file.size > limit) {
    fail(item, files, file.name, files.dataset.tooLarge ?? "");
    return;
  }
  const body = new FormData();
  body.append("file", file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", url);
  xhr.setRequestHeader("X-CSRFToken", csrfToken());
  xhr.responseType = "json";
  const progress = item.querySelector("progress");
  xhr.upload.addEventListener("progress", (e) => {
    if (!e.lengthComputable || !progress) return;
    const percent = Math.round((e.loaded / e.total) * 100);
    progress.value = percent;
    progress.setAttribute("aria-label", say(files.dataset.uploading, { name: file.name, percent: `${percent}%` }));
  });
  xhr.addEventListener("load", () => {
    const data = (xhr.response ?? {}) as { id?: number; name?: string; size?: string; error?: string };
    if (xhr.status !== 201 || !data.id) {
      // The server's own reason (in the agent's language), else what went wrong in their words.
      fail(item, files, file.name, data.error ?? files.dataset.serverError ?? "");
      return;
    }
    item.classList.remove("is-uploading");
    item.dataset.uploadId = String(data.id);
    progress?.remove();
    const state = item.querySelector(".file-state");
    if (state) state.textContent = data.size ?? "";
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = "upload";
    input.value = String(data.id);
    item.prepend(input);
    announce(say(files.dataset.uploaded, { name: data.name ?? file.name }));
  });
  xhr.addEventListener("error", () => fail(item, files, file.name, files.dataset.noLine ?? ""));
  item.addEventListener("upload:cancel", () => xhr.abort());
  xhr.send(body);
}

function remove(item: HTMLLIElement): void {
  const files = box();
  const id = item.dataset.uploadId;
  const name = item.querySelector(".file-name")?.textContent ?? "";
  const text = byId<HTMLTextAreaElement>("composer-text");
  item.dispatchEvent(new CustomEvent("upload:cancel"));
  item.remove();
  text?.focus();
  if (files && id) {
    const url = (files.dataset.removeUrl ?? "").replace(/\/0\/remove\/$/, `/${id}/remove/`);
    void fetch(url, { method: "POST", headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" });
  }
  if (files) announce(say(files.dataset.removed, { name }));
}

function hasFiles(e: DragEvent): boolean {
  return Array.from(e.dataTransfer?.types ?? []).includes("Files");
}

function install(): void {
  document.body.addEventListener("change", (e) => {
    const input = e.target as HTMLInputElement | null;
    if (input?.id !== "composer-file" || !input.files) return;
    Array.from(input.files).forEach(upload);
    input.value = "";
  });

  document.body.addEventListener("click", (e) => {
    const button = (e.target as Element | null)?.closest<HTMLButtonElement>("#composer-files [data-remove-upload]");
    const item = button?.closest<HTMLLIElement>("li");
    if (item) remove(item);
  });

  // A screenshot pasted into the text becomes a file of the reply (text pastes stay text).
  document.body.addEventListener("paste", (e) => {
    if ((e.target as Element | null)?.id !== "composer-text" || !box()) return;
    const pasted = Array.from(e.clipboardData?.files ?? []);
    if (pasted.length === 0) return;
    e.preventDefault();
    pasted.forEach(upload);
  });

  document.body.addEventListener("dragover", (e) => {
    const composer = (e.target as Element | null)?.closest("#composer");
    if (!composer || !box() || !hasFiles(e)) return;
    e.preventDefault();
    composer.classList.add("is-dropping");
  });
  document.body.addEventListener("dragleave", (e) => {
    const composer = (e.target as Element | null)?.closest("#composer");
    if (composer && !composer.contains(e.relatedTarget as Node | null)) composer.classList.remove("is-dropping");
  });
  document.body.addEventListener("drop", (e) => {
    const target = e.target as Element | null;
    const composer = target?.closest("#composer");
    // On the rich text, images go in the text (richtext.ts).
    if (!composer || !box() || !hasFiles(e) || target?.closest("#composer-rich") || replyHeld()) return;
    e.preventDefault();
    composer.classList.remove("is-dropping");
    Array.from(e.dataTransfer?.files ?? []).forEach(upload);
  });

  // Sent: the files went with the reply (the server took them off the draft).
  document.body.addEventListener("hub:sent", () => {
    box()
      ?.querySelectorAll("li")
      .forEach((item) => item.remove());
  });
}

install();
