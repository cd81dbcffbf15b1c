// Small behaviours shared by every page. The pages work without this file; it only
// makes them smoother. No inline scripts: the Content-Security-Policy forbids them.

const csrfToken = document.querySelector('meta[name="csrf-token"]')?.content;

// htmx requests that are not plain forms (buttons with hx-post, hx-delete ...) carry the
// CSRF token in a header, which the server accepts as well as the form field.
document.addEventListener("htmx:configRequest", (event) => {
  if (csrfToken) event.detail.headers["X-CSRFToken"] = csrfToken;
});

// Print links lead to the page's print layout without JavaScript; here they print at once.
document.addEventListener("click", (event) => {
  const target = event.target instanceof Element ? event.target : null;
  if (target?.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});

// Select the whole invite link on focus, so it is easy to copy.
for (const input of document.querySelectorAll("[data-invite-link]")) {
  input.addEventListener("focus", () => input.select());
}

// Where a form asks for a time zone, offer the one the phone reports.
for (const select of document.querySelectorAll("select[data-detect-timezone]")) {
  const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const option = [...select.options].find((o) => o.value === detected);
  if (option && select.value !== detected) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small";
    button.addEventListener("click", () => { select.value = detected; button.remove(); });
    self.bvOutbox.words().then((text) => {
      button.textContent = (text.useZone ?? "").replace("{zone}", detected);
      select.after(button);
    });
  }
}

// Today offers the phone's time zone when it differs from the one the plan follows.
const tzOffer = document.querySelector("[data-tz-offer]");
if (tzOffer) {
  const detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (detected && detected !== tzOffer.dataset.tzOffer) {
    tzOffer.querySelector('input[name="timezone"]').value = detected;
    tzOffer.querySelector("[data-tz-name]").textContent = detected;
    tzOffer.hidden = false;
  }
}
