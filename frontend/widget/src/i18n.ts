const de = {
  open: "Chat öffnen",
  close: "Chat schließen",
  title: "Chat",
  placeholder: "Nachricht schreiben…",
  send: "Senden",
  attach: "Datei anhängen",
  you: "Sie",
  read: "Gelesen",
  sending: "Wird gesendet…",
  typing: "schreibt…",
  offline: "Gerade ist niemand online. Hinterlassen Sie uns eine Nachricht, wir antworten per E-Mail.",
  name: "Name",
  email: "E-Mail",
  message: "Nachricht",
  leave: "Nachricht senden",
  left: "Danke! Wir antworten Ihnen per E-Mail.",
  start: "Chat starten",
  prechat: "Bitte stellen Sie sich kurz vor.",
  transcript: "Verlauf per E-Mail",
  transcriptSent: "Der Verlauf ist unterwegs in Ihr Postfach.",
  csat: "Wie zufrieden waren Sie mit dem Chat?",
  csatComment: "Kommentar (optional)",
  csatSend: "Bewertung senden",
  csatThanks: "Danke für Ihre Bewertung!",
  stars: "von 5",
  reconnecting: "Verbindung unterbrochen – wir versuchen es weiter…",
  error: "Das hat nicht geklappt. Bitte versuchen Sie es erneut.",
  rate_limited: "Bitte etwas langsamer – Ihre Nachricht wird gleich gesendet.",
  file_type: "Dieser Dateityp ist nicht erlaubt.",
  file_too_large: "Die Datei ist zu groß.",
  invalid_email: "Bitte eine gültige E-Mail-Adresse angeben.",
  email_missing: "Bitte eine E-Mail-Adresse angeben.",
  transcript_needs_answer: "Den Verlauf schicken wir Ihnen, sobald wir Ihnen geantwortet haben.",
  greeting: "Hallo! Wie können wir helfen?",
};
type Strings = typeof de;
const en: Strings = {
  open: "Open chat",
  close: "Close chat",
  title: "Chat",
  placeholder: "Write a message…",
  send: "Send",
  attach: "Attach a file",
  you: "You",
  read: "Read",
  sending: "Sending…",
  typing: "is typing…",
  offline: "Nobody is online right now. Leave us a message and we will answer by email.",
  name: "Name",
  email: "Email",
  message: "Message",
  leave: "Send message",
  left: "Thank you! We will answer you by email.",
  start: "Start chat",
  prechat: "Please tell us who you are.",
  transcript: "Email transcript",
  transcriptSent: "The transcript is on its way to your inbox.",
  csat: "How satisfied were you with this chat?",
  csatComment: "Comment (optional)",
  csatSend: "Send rating",
  csatThanks: "Thank you for your rating!",
  stars: "of 5",
  reconnecting: "Connection lost – still trying…",
  error: "That did not work. Please try again.",
  rate_limited: "A little slower please – your message will be sent shortly.",
  file_type: "This file type is not allowed.",
  file_too_large: "The file is too large.",
  invalid_email: "Please enter a valid email address.",
  email_missing: "Please enter an email address.",
  transcript_needs_answer: "We can send you the transcript once we have answered you.",
  greeting: "Hello! How can we help?",
};

export const lang: "de" | "en" = (navigator.language || "de").toLowerCase().startsWith("en") ? "en" : "de";
// The visitor's time zone, so that agents see their local time ("" where the browser names none).
export const tz: string = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
})();
export const t: Strings = lang === "en" ? en : de;
export type Key = keyof Strings;
