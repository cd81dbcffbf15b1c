// The outbox: actions done without a connection (an exercise marked done, a check-in)
// wait here, in IndexedDB, until the person who did them can send them. Each carries the
// client id the server uses to record it once, however many times it arrives, and the
// patient's local date at the moment it was done (a saved page may be days old).
// A classic script so both the pages and the service worker (importScripts) can use it.
(function (scope) {
  const DB = "between-visits";
  const STORE = "outbox";
  const META = "outbox-meta"; // when something was last sent, for pages opened meanwhile

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 2);
      request.onupgradeneeded = () => {
        const db = request.result;
        if (!db.objectStoreNames.contains(STORE)) db.createObjectStore(STORE, { keyPath: "id" });
        if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(mode, work, storeName = STORE) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const result = work(tx.objectStore(storeName));
      tx.oncomplete = () => { db.close(); resolve(result?.result ?? result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  // A page's CSRF token is never kept: its session may be over by the time of sending.
  const withoutToken = (fields) => fields.filter(([name]) => name !== "csrf_token");
  const field = (fields, name) => fields.find(([key]) => key === name)?.[1];

  const formFields = (form) => [...new FormData(form).entries()].map(([k, v]) => [k, String(v)]);
  // Never follows a redirect: the sign-in page's 200 is not an answer to the action.
  const post = (fetchFn, url, fields, token) => fetchFn(url, {
    method: "POST", body: new URLSearchParams(fields), credentials: "same-origin",
    redirect: "manual", headers: { Accept: "application/json", "X-CSRFToken": token },
  });

  const all = () => run("readonly", (store) => store.getAll());
  const put = (entry) => run("readwrite", (store) => store.put(entry));
  const remove = (id) => run("readwrite", (store) => store.delete(id));
  // A page opened while the worker was sending was drawn without what it sent: the time of
  // the last send lets such a page see that it is behind (the worker's message may miss it).
  const lastSent = () => run("readonly", (store) => store.get("lastSent"), META)
    .then((value) => value ?? 0);
  const markSent = () => run("readwrite", (store) => store.put(Date.now(), "lastSent"), META);

  // The date where the patient is (their plan's time zone, as the server counts days).
  function localDay(zone) {
    const format = (timeZone) => new Intl.DateTimeFormat("en", {
      timeZone, year: "numeric", month: "2-digit", day: "2-digit",
    }).formatToParts(new Date());
    let parts;
    try { parts = format(zone || undefined); } catch { parts = format(undefined); }
    const p = Object.fromEntries(parts.map(({ type, value }) => [type, value]));
    return `${p.year}-${p.month}-${p.day}`;
  }

  // From a page: keep a form's action for the person signed in on that page, dated now.
  async function queue(form) {
    const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? "";
    const day = localDay(meta("bv-zone"));
    const fields = [...formFields(form).filter(([name]) => name !== "done_on"), ["done_on", day]];
    const id = field(fields, "client_id") || `${Date.now()}-${Math.random()}`;
    await put({
      id,
      url: form.action,
      fields: withoutToken(fields),
      user: meta("bv-user"),
      // On Today the exercise's title beside the form names it; elsewhere the form does.
      label: form.dataset.offlineLabel
        ?? form.closest("li")?.querySelector(".plan-item__title")?.textContent ?? "",
      day,
      queuedAt: new Date().toISOString(),
    });
    navigator.serviceWorker?.ready.then((reg) => reg.sync?.register("bv-outbox")).catch(() => {});
    return id;
  }

  // Who is signed in now, with a current token. Throws when the network is down.
  async function session(fetchFn) {
    const response = await fetchFn("/outbox/token", {
      credentials: "same-origin", redirect: "manual", cache: "no-store",
      headers: { Accept: "application/json" },
    });
    return response.ok ? response.json() : { user: "" };
  }

  const answerOf = (response) => ((response.headers.get("Content-Type") || "").includes("json")
    ? response.json().catch(() => ({}))
    : Promise.resolve({}));

  // Send the signed-in person's waiting actions, oldest first, with a fresh token.
  // Kept, to try again: anything refused for the session (stale token, signed out, a
  // redirect) or for the server's trouble. Set aside, for the patient to be told: only
  // a refusal for good from the clinic's rules (a JSON answer with a code).
  // One at a time, across the pages and the worker: the server would record a repeat
  // once anyway, but the patient would be told twice.
  function flush(fetchFn = scope.fetch.bind(scope)) {
    const locks = scope.navigator?.locks;
    return locks ? locks.request("bv-outbox", () => send(fetchFn)) : send(fetchFn);
  }

  async function send(fetchFn) {
    const result = { sent: 0, refused: 0, signedOut: false };
    const waiting = (await all()).filter((e) => !e.refused)
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
    if (!waiting.length) return result;
    let current;
    try { current = await session(fetchFn); } catch { return result; } // still offline
    if (!current.user) return { ...result, signedOut: true };
    for (const entry of waiting) {
      if (entry.user !== current.user) continue; // someone else's: only they may send it
      let response;
      try {
        response = await post(fetchFn, entry.url, withoutToken(entry.fields), current.csrf_token);
      } catch {
        break; // offline again
      }
      if (response.ok) {
        await remove(entry.id);
        await markSent();
        result.sent += 1;
        continue;
      }
      const answer = await answerOf(response);
      if (answer.code) {
        await put({ ...entry, refused: { code: answer.code, message: answer.error ?? "" } });
        result.refused += 1;
        continue;
      }
      break; // the session or the server: keep everything and try again later
    }
    return result;
  }

  // From a page: send a form with fetch; when it cannot be sent now, keep it here.
  async function sendForm(form) {
    const token = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
    let reason = "offline";
    try {
      const response = await post(fetch, form.action, formFields(form), token);
      const answer = await answerOf(response);
      if (response.ok) return { ok: true, data: answer };
      if (answer.code) return { ok: false, message: answer.error, code: answer.code };
      // A stale token or a session that ended: the outbox sends it with a fresh one.
      reason = "reload";
    } catch {
      // Offline, or the connection dropped: fall through to the outbox.
    }
    if (form.dataset.offlineAction) {
      await queue(form);
      return { ok: true, queued: true };
    }
    return { ok: false, message: (await words())[reason] ?? "" };
  }

  // What the scripts say, in the reader's language (templates/components/_script_text.html):
  // fetched the first time something is to be said, from the copy the service worker keeps
  // with the app shell when offline.
  let said = null;
  function words() {
    said ??= fetch("/script-text.json", { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : {}))
      .catch(() => ({}));
    return said;
  }

  scope.bvOutbox = { all, remove, flush, queue, sendForm, localDay, lastSent, words };
})(self);
