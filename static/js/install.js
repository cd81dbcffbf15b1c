// "Install the app": Chromium fires beforeinstallprompt, which we keep for a good moment
// (after the first exercise done, or from the button on Today). iOS Safari has no prompt,
// so there we show the Share → Add to Home Screen steps.

let deferred = null;
const standalone = window.matchMedia?.("(display-mode: standalone)").matches || navigator.standalone === true;
const ios = /iPhone|iPad|iPod/.test(navigator.userAgent) ||
  (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);

function cards() {
  return document.querySelectorAll("[data-install]");
}

// Today holds a placeholder; the card itself is fetched the first time it is to be shown.
let fetched = null;
function load() {
  const slot = document.querySelector("[data-install-from]");
  if (!slot) return Promise.resolve();
  fetched ??= fetch(slot.dataset.installFrom, { credentials: "same-origin" })
    .then((response) => (response.ok ? response.text() : ""))
    .then((html) => {
      const card = new DOMParser().parseFromString(html, "text/html").querySelector("[data-install]");
      if (card) slot.replaceWith(document.adoptNode(card));
    })
    .catch(() => {});
  return fetched;
}

async function show(mode) {
  await load();
  for (const card of cards()) {
    card.hidden = false;
    for (const part of card.querySelectorAll("[data-install-mode]")) {
      part.hidden = part.dataset.installMode !== mode;
    }
  }
}

window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  deferred = event;
  if (!localStorage.getItem("bv-install-dismissed")) show("prompt");
});

window.addEventListener("appinstalled", () => {
  deferred = null;
  for (const card of cards()) card.hidden = true;
});

document.addEventListener("click", async (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest("[data-install-now]") && deferred) {
    deferred.prompt();
    await deferred.userChoice.catch(() => null);
    deferred = null;
    for (const card of cards()) card.hidden = true;
  }
  if (target?.closest("[data-install-later]")) {
    localStorage.setItem("bv-install-dismissed", "1");
    for (const card of cards()) card.hidden = true;
  }
});

if (ios && !standalone && !localStorage.getItem("bv-install-dismissed")) show("ios");
// After the first exercise is done is a good moment to offer it again.
document.addEventListener("bv:exercise-done", () => { if (deferred) show("prompt"); });
