/** The search field in the rail, on every page that has one: `/` focuses it from anywhere but a
 * text field (UX.md, section 7: single keys never while typing), Escape leaves it. Enter submits
 * its form, a plain GET of the results page, so Back returns to the results. Another island that
 * handles `/` first (and prevents the default) wins. */

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT";
}

function field(): HTMLInputElement | null {
  return document.getElementById("search-q") as HTMLInputElement | null;
}

document.addEventListener("keydown", (e) => {
  const input = field();
  if (!input) return;
  if (e.key === "Escape" && e.target === input) {
    input.blur();
    return;
  }
  // Matched by the character, not the key: "/" is Shift+7 on a German keyboard. Never with Ctrl,
  // Alt or Meta (AltGr is Ctrl+Alt on Windows).
  if (e.key !== "/" || e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
  e.preventDefault();
  input.focus();
  input.select();
});

/** The rail's view links swap #workspace in place. On a page without one (search results,
 * settings, reports) htmx would find no target and the click would do nothing: there they are
 * plain links. Runs before htmx starts (this script comes first in the page). */
function plainRailLinks(): void {
  if (document.getElementById("workspace")) return;
  document.querySelectorAll<HTMLElement>("#nav [hx-target='#workspace']").forEach((link) => {
    for (const name of ["hx-get", "hx-target", "hx-swap", "hx-push-url"]) link.removeAttribute(name);
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", plainRailLinks);
else plainRailLinks();
