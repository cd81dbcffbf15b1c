// Send a form with fetch; when there is no connection, keep it in the outbox and say so.

const token = () => document.querySelector('meta[name="csrf-token"]')?.content ?? "";

export async function sendForm(form) {
  const fields = [...new FormData(form).entries()].map(([k, v]) => [k, String(v)]);
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(fields),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token() },
    });
    if (response.ok) return { ok: true, data: await response.json().catch(() => ({})) };
    if (response.status < 500) {
      const data = await response.json().catch(() => ({}));
      return { ok: false, message: data.error ?? "That did not work. Please reload the page." };
    }
  } catch {
    // Offline, or the connection dropped: fall through to the outbox.
  }
  if (form.dataset.offlineAction && self.bvOutbox) {
    await self.bvOutbox.add(form.action, fields);
    navigator.serviceWorker?.ready
      .then((reg) => reg.sync?.register("bv-outbox"))
      .catch(() => {});
    return { ok: true, queued: true };
  }
  return { ok: false, message: "No connection. Please try again when you are back online." };
}
