// Offline support on the page: register the service worker, offer updates, keep what the
// patient does without a connection (or after their session ended) in the outbox until
// they can send it, say what is waiting, and say when a saved page is from an earlier day.

// What this file says, in the reader's language, is fetched the first time it has something
// to say (/script-text.json, kept by the service worker for offline use).
const language = document.documentElement.lang || "en";
const plural = new Intl.PluralRules(language);
const count = (forms, n) => (forms?.[plural.select(n)] ?? forms?.other ?? "").replace("{n}", n);

const outbox = self.bvOutbox;
const words = () => outbox.words();
const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";
const me = meta("bv-user"); // "" on a signed-out page
const today = () => outbox.localDay(meta("bv-zone"));

function bar(kind) {
  let el = document.querySelector(`[data-sync-status="${kind}"]`);
  if (!el) {
    el = document.createElement("p");
    el.className = `sync-status sync-status--${kind}`;
    el.dataset.syncStatus = kind;
    el.setAttribute("role", kind === "refused" ? "alert" : "status");
    document.querySelector("main")?.prepend(el);
  }
  return el;
}

function say(text, kind = "") {
  if (!text && !document.querySelector('[data-sync-status="info"]')) return;
  const el = bar("info");
  el.textContent = text;
  el.dataset.kind = kind;
  el.hidden = !text;
}

function markQueued(form, TEXT) {
  const label = document.createElement("span");
  label.className = "slot slot--queued";
  label.textContent = TEXT.queuedSlot;
  form.replaceWith(label);
}

// "Monday 3 November" ("lunes, 3 de noviembre"), in the page's language; the app's English
// writes the day before the month, as the server's pages do (en-GB, not en-US).
const longDay = (iso) => new Date(`${iso}T12:00:00Z`).toLocaleDateString(language === "en" ? "en-GB" : language, {
  weekday: "long", day: "numeric", month: "long", timeZone: "UTC",
});

// Tell the patient, once each, what the clinic refused for good; "OK" forgets it.
function showRefused(entries, TEXT) {
  for (const entry of entries) {
    if (document.querySelector(`[data-refused="${CSS.escape(entry.id)}"]`)) continue;
    const el = bar("refused");
    const line = document.createElement("span");
    line.dataset.refused = entry.id;
    line.textContent = TEXT.refused.replace("{what}", entry.label).replace("{day}", longDay(entry.day))
      .replace("{reason}", entry.refused.message);
    const ok = document.createElement("button");
    ok.type = "button";
    ok.className = "button button--small";
    ok.textContent = TEXT.dismiss;
    ok.addEventListener("click", async () => {
      await outbox.remove(entry.id);
      line.remove();
      if (!el.querySelector("[data-refused]")) el.remove();
    });
    line.append(" ", ok);
    el.append(line);
  }
}

// Say what is waiting: the signed-in person's own actions, or anyone's on a signed-out page.
async function show(result = {}) {
  const entries = await outbox.all().catch(() => []);
  const mine = entries.filter((e) => (me ? e.user === me : true));
  const waiting = mine.filter((e) => !e.refused);
  const TEXT = mine.length || result.sent > 0 ? await words() : {};
  if (me) showRefused(mine.filter((e) => e.refused), TEXT);
  const done = new Set(waiting.filter((e) => e.day === today()).map((e) => {
    const f = Object.fromEntries(e.fields);
    return `${f.item_id}/${f.slot}`;
  }));
  for (const form of document.querySelectorAll('form[data-offline-action="completion"]')) {
    const f = Object.fromEntries(new FormData(form));
    if (done.has(`${f.item_id}/${f.slot}`)) markQueued(form, TEXT);
  }
  if (waiting.length) say(count(!me || result.signedOut ? TEXT.signIn : TEXT.waiting, waiting.length));
  else if (result.sent > 0) say(TEXT.synced, "synced");
  else if (document.querySelector('[data-sync-status="info"]')?.dataset.kind !== "synced") say("");
}

// When this page's copy of the plan was asked for (ms since the epoch): anything sent
// after that is not in it.
let drawnAt = performance.timeOrigin + (performance.getEntriesByType("navigation")[0]?.requestStart ?? 0);

// Send what is waiting; `earlier` is what the service worker has just sent or set aside.
async function flush(earlier = {}) {
  const own = await outbox.flush().catch(() => ({}));
  const result = {
    sent: (own.sent ?? 0) + (earlier.sent ?? 0),
    refused: (own.refused ?? 0) + (earlier.refused ?? 0),
    signedOut: own.signedOut,
  };
  // The worker may have sent while this page loaded, its message arriving before we listened.
  const behind = (await outbox.lastSent().catch(() => 0)) > drawnAt;
  if (behind) result.sent = Math.max(result.sent, 1);
  drawnAt = Math.max(drawnAt, Date.now());
  if ((result.sent > 0 || result.refused > 0) && location.pathname === "/me/" && window.htmx) {
    window.htmx.ajax("GET", "/me/", { target: "#today-plan", swap: "outerHTML", select: "#today-plan" });
  }
  await show(result);
}

async function keep(form) {
  await outbox.queue(form);
  const TEXT = await words();
  if (form.dataset.offlineAction === "completion") markQueued(form, TEXT);
  say(TEXT.queued);
}

// Mark done (htmx): no connection, an answer that is about the session (a stale token,
// the sign-in page) rather than the action, or the proxy saying the app is out of reach:
// keep it in the outbox.
document.addEventListener("htmx:sendError", async (event) => {
  const form = event.detail.elt?.closest?.("form[data-offline-action]");
  if (form) await keep(form);
});
document.addEventListener("htmx:beforeSwap", async (event) => {
  // Fired on the swap target; the form that asked is in the request's config.
  const form = event.detail.requestConfig?.elt?.closest?.("form[data-offline-action]");
  const { xhr } = event.detail;
  const signedOut = xhr.responseURL && new URL(xhr.responseURL).pathname === "/login";
  // 502-504: the proxy could not reach the app (an instance restarting or lost). The action
  // may or may not have been saved; sent again, its client id makes it count once.
  const kept = [400, 401, 403, 502, 503, 504].includes(xhr.status) || signedOut;
  if (!form || !kept) return;
  event.detail.shouldSwap = false;
  await keep(form);
  flush();
});

// A check-in kept on the phone has had no answer from the server: show the advice the page
// was handed for what was ticked (warning_signs.toml, rendered hidden), so a warning sign
// is never met with silence just because the connection is down.
function showOfflineAdvice(form) {
  const box = document.querySelector("[data-offline-advice]");
  if (!box) return;
  const routes = new Set([...form.querySelectorAll('input[name="warning_signs"]:checked')]
    .map((input) => input.dataset.route));
  const pain = Number(form.querySelector('input[name="pain"]:checked')?.value ?? -1);
  let shown = 0;
  for (const part of box.querySelectorAll("[data-advice-route]")) {
    part.hidden = !routes.has(part.dataset.adviceRoute);
    if (!part.hidden) shown += 1;
  }
  const high = box.querySelector("[data-advice-high-pain]");
  if (high) {
    high.hidden = !(pain >= Number(box.dataset.highPainFrom));
    if (!high.hidden) shown += 1;
  }
  const urgent = box.querySelector("[data-advice-route][data-urgent]:not([hidden])");
  box.classList.toggle("advice--urgent", Boolean(urgent));
  box.classList.toggle("advice--contact", !urgent);
  document.querySelector("[data-advice]")?.remove(); // what the server said of an earlier version
  box.hidden = shown === 0;
  if (shown) box.scrollIntoView({ block: "start" });
}

// Plain forms that may be sent offline (the daily check-in).
for (const form of document.querySelectorAll('form[data-offline-action="checkin"]')) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await outbox.sendForm(form);
    if (result.ok && result.queued) {
      say((await words()).checkinQueued);
      showOfflineAdvice(form);
      form.querySelector("button[type=submit]")?.setAttribute("disabled", "");
      if (navigator.onLine) flush(); // kept for its session, not the network: send it now
    } else if (result.ok) {
      location.assign("/me/checkin?saved=1");
    } else {
      HTMLFormElement.prototype.submit.call(form); // let the server show what to fix
    }
  });
}

// The player tells us when an exercise went to the outbox.
document.addEventListener("bv:exercise-done", async (event) => {
  if (event.detail?.queued) {
    say((await words()).queued);
    if (navigator.onLine) flush();
  }
});

// A saved copy of a day-bound page opened on a later day: say which day it is from.
function showStale() {
  for (const note of document.querySelectorAll("[data-stale]")) {
    const wanted = note.dataset.stale === (navigator.onLine ? "online" : "offline");
    note.hidden = !(wanted && note.dataset.day < today());
  }
}

// Service worker: register, and offer a new version instead of mixing versions.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((reg) => {
    const offer = (worker) => {
      if (!worker || !navigator.serviceWorker.controller) return;
      const update = document.querySelector("[data-update]");
      if (!update) return;
      update.hidden = false;
      update.querySelector("button")?.addEventListener("click", () => worker.postMessage({ type: "SKIP_WAITING" }), { once: true });
    };
    if (reg.waiting) offer(reg.waiting);
    reg.addEventListener("updatefound", () => {
      const worker = reg.installing;
      worker?.addEventListener("statechange", () => { if (worker.state === "installed") offer(worker); });
    });
  }).catch(() => {});
  let reloading = false;
  navigator.serviceWorker.addEventListener("controllerchange", () => {
    if (reloading || !document.querySelector("[data-update]:not([hidden])")) return;
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.addEventListener("message", (event) => {
    if (event.data?.type === "OUTBOX_FLUSHED" && (event.data.sent || event.data.refused)) flush(event.data);
  });
}

window.addEventListener("online", () => { showStale(); flush(); });
window.addEventListener("offline", showStale);
showStale();
show().then(() => { if (navigator.onLine) flush(); });
