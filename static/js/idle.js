// Staff pages on a shared clinic computer: when the session's idle time has passed, go to
// the sign-in page, so the screen no longer shows a patient. The server ends the session by
// itself (webapp/web/sessions.py); this only makes the screen follow without a click.
// Only requests count as activity, as on the server: a page load or an htmx request.

const meta = document.querySelector('meta[name="bv-idle"]');

if (meta) {
  const seconds = Number(meta.content);
  const signIn = meta.dataset.signIn || "/login";
  // A little after the server's limit, so the server has ended the session when we arrive.
  const delayMs = (seconds + 2) * 1000;
  let timer = 0;

  const arm = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => window.location.replace(signIn), delayMs);
  };

  if (Number.isFinite(seconds) && seconds > 0) {
    arm();
    document.body.addEventListener("htmx:afterRequest", arm);
  }

  // A page brought back by the back button from the browser's memory is shown as it was:
  // ask the server again instead (it answers with the sign-in page once the session is over).
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });
}
