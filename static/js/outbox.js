// The outbox: actions done without a connection (an exercise marked done, a check-in)
// wait here, in IndexedDB, until they can be sent. Each carries the client id the server
// uses to record it once, however many times it arrives.
// A classic script so both the pages and the service worker (importScripts) can use it.
(function (scope) {
  const DB = "between-visits";
  const STORE = "outbox";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "id" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function run(mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = () => { db.close(); resolve(result?.result ?? result); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    });
  }

  async function add(url, fields) {
    const id = fields.find(([name]) => name === "client_id")?.[1] || `${Date.now()}-${Math.random()}`;
    await run("readwrite", (store) => store.put({ id, url, fields, queuedAt: new Date().toISOString() }));
    return id;
  }

  const all = () => run("readonly", (store) => store.getAll());
  const remove = (id) => run("readwrite", (store) => store.delete(id));

  // Send every waiting action, oldest first. Stops at the first network failure.
  async function flush(fetchFn = scope.fetch.bind(scope)) {
    const entries = (await all()).sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
    let sent = 0;
    for (const entry of entries) {
      const body = new URLSearchParams(entry.fields);
      const token = entry.fields.find(([name]) => name === "csrf_token")?.[1] ?? "";
      let response;
      try {
        response = await fetchFn(entry.url, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": token },
        });
      } catch {
        break; // still offline
      }
      if (response.status >= 500 || response.status === 429) break; // try again later
      // Saved, or refused for good (the plan changed, signed out): either way it is done.
      await remove(entry.id);
      sent += 1;
    }
    return sent;
  }

  // From a page: send a form with fetch; with no connection, keep it here and say so.
  async function sendForm(form) {
    const fields = [...new FormData(form).entries()].map(([k, v]) => [k, String(v)]);
    const token = document.querySelector('meta[name="csrf-token"]')?.content ?? "";
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: new URLSearchParams(fields),
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": token },
      });
      if (response.ok) return { ok: true, data: await response.json().catch(() => ({})) };
      if (response.status < 500) {
        const data = await response.json().catch(() => ({}));
        return { ok: false, message: data.error ?? "That did not work. Please reload the page." };
      }
    } catch {
      // Offline, or the connection dropped: fall through to the outbox.
    }
    if (form.dataset.offlineAction) {
      await add(form.action, fields);
      navigator.serviceWorker?.ready
        .then((reg) => reg.sync?.register("bv-outbox"))
        .catch(() => {});
      return { ok: true, queued: true };
    }
    return { ok: false, message: "No connection. Please try again when you are back online." };
  }

  scope.bvOutbox = { add, all, remove, flush, sendForm };
})(self);
