// Offline support on the page: register the service worker, offer updates, and keep
// what the patient does without a connection in the outbox until it can be sent.

const status = () => {
  let bar = document.querySelector("[data-sync-status]");
  if (!bar) {
    bar = document.createElement("p");
    bar.className = "sync-status";
    bar.dataset.syncStatus = "";
    bar.setAttribute("role", "status");
    document.querySelector("main")?.prepend(bar);
  }
  return bar;
};

function say(text) {
  const bar = status();
  bar.textContent = text;
  bar.hidden = !text;
}

function fieldsOf(form) {
  return [...new FormData(form).entries()].map(([k, v]) => [k, String(v)]);
}

function markQueued(form) {
  const label = document.createElement("span");
  label.className = "slot slot--queued";
  label.textContent = "Saved on this phone — will sync";
  form.replaceWith(label);
}

async function showWaiting() {
  if (!self.bvOutbox) return;
  const waiting = await self.bvOutbox.all().catch(() => []);
  if (!waiting.length) return;
  const ids = new Set(waiting.map((entry) => {
    const f = Object.fromEntries(entry.fields);
    return `${f.item_id}/${f.slot}/${f.done_on}`;
  }));
  for (const form of document.querySelectorAll('form[data-offline-action="completion"]')) {
    const f = Object.fromEntries(fieldsOf(form));
    if (ids.has(`${f.item_id}/${f.slot}/${f.done_on}`)) markQueued(form);
  }
  say(`${waiting.length} saved on this phone — will sync when you're back online.`);
}

async function flush() {
  if (!self.bvOutbox) return;
  const sent = await self.bvOutbox.flush().catch(() => 0);
  if (sent > 0) {
    say("Synced what you did offline.");
    if (location.pathname === "/me/" && window.htmx) {
      window.htmx.ajax("GET", "/me/", { target: "#today-plan", swap: "outerHTML", select: "#today-plan" });
    }
  }
  const left = await self.bvOutbox.all().catch(() => []);
  if (left.length) say(`${left.length} saved on this phone — will sync when you're back online.`);
}

// htmx forms (Mark done on Today): a failed send goes to the outbox.
document.addEventListener("htmx:sendError", async (event) => {
  const form = event.detail.elt?.closest?.("form[data-offline-action]");
  if (!form || !self.bvOutbox) return;
  await self.bvOutbox.add(form.action, fieldsOf(form));
  markQueued(form);
  say("Saved on this phone — it will sync when you're back online.");
  navigator.serviceWorker?.ready.then((reg) => reg.sync?.register("bv-outbox")).catch(() => {});
});

// Plain forms that may be sent offline (the daily check-in).
for (const form of document.querySelectorAll('form[data-offline-action="checkin"]')) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await self.bvOutbox.sendForm(form);
    if (result.ok && result.queued) {
      say("Your check-in is saved on this phone — it will sync when you're back online.");
      form.querySelector("button[type=submit]")?.setAttribute("disabled", "");
    } else if (result.ok) {
      location.assign("/me/checkin?saved=1");
    } else {
      HTMLFormElement.prototype.submit.call(form); // let the server show what to fix
    }
  });
}

// The player tells us when an exercise went to the outbox.
document.addEventListener("bv:exercise-done", (event) => {
  if (event.detail?.queued) say("Saved on this phone — it will sync when you're back online.");
});

// Service worker: register, and offer a new version instead of mixing versions.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" }).then((reg) => {
    const offer = (worker) => {
      if (!worker || !navigator.serviceWorker.controller) return;
      const bar = document.querySelector("[data-update]");
      if (!bar) return;
      bar.hidden = false;
      bar.querySelector("button")?.addEventListener("click", () => worker.postMessage({ type: "SKIP_WAITING" }), { once: true });
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
    if (event.data?.type === "OUTBOX_FLUSHED" && event.data.sent > 0) flush();
  });
}

window.addEventListener("online", flush);
showWaiting().then(() => { if (navigator.onLine) flush(); });
