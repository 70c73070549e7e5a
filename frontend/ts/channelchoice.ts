/** The composer's channel chooser: the send button names the channel and recipient chosen. */

document.addEventListener("change", (event) => {
  const select = event.target;
  if (!(select instanceof HTMLSelectElement) || select.id !== "composer-channel") return;
  const label = select.form?.querySelector<HTMLElement>(".send .label-reply");
  const text = select.selectedOptions[0]?.dataset.send;
  if (label && text) label.textContent = text;
});
